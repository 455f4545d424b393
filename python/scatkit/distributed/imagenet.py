"""The ImageNet recipe: a model trained on class folders streamed from disk, top-1 and top-5.

``scatkit train --model scat-resnet --train-root DIR --test-root DIR`` runs :func:`train_folders`:
images are decoded in DataLoader workers, the training ones augmented by a random resized
crop (scale 0.08-1, aspect 3/4-4/3) and a horizontal flip, the evaluation ones resized
(shorter side ``crop * 256 / 224``) and centre-cropped to ``crop``. The scattering front runs
on each batch, inside each process under torchrun (see :mod:`scatkit.distributed.ddp`).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn
from torch.nn import functional as F

from . import ddp as _ddp

__all__ = ["CenterCrop", "RandomResizedCrop", "train_folders"]


def _resize(img: torch.Tensor, h: int, w: int) -> torch.Tensor:
    return F.interpolate(img[None], size=(h, w), mode="bilinear", align_corners=False)[0]


def _color(img: torch.Tensor) -> torch.Tensor:
    return img[None] if img.dim() == 2 else img


class RandomResizedCrop:
    """Random crop of scale 0.08-1 and aspect 3/4-4/3, resized to ``size``, then a flip."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        img = _color(img)
        H, W = img.shape[-2:]
        for _ in range(10):
            area = H * W * float(torch.empty(1).uniform_(0.08, 1.0))
            logr = torch.empty(1).uniform_(math.log(3 / 4), math.log(4 / 3))
            ratio = math.exp(float(logr))
            w, h = round(math.sqrt(area * ratio)), round(math.sqrt(area / ratio))
            if 0 < w <= W and 0 < h <= H:
                top = int(torch.randint(0, H - h + 1, (1,)))
                left = int(torch.randint(0, W - w + 1, (1,)))
                break
        else:  # the whole image, as torchvision falls back
            h, w, top, left = H, W, 0, 0
        out = _resize(img[:, top : top + h, left : left + w], self.size, self.size)
        return out.flip(-1) if bool(torch.rand(1) < 0.5) else out


class CenterCrop:
    """Shorter side resized to ``size * 256 / 224``, then the centre ``size`` x ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        img = _color(img)
        H, W = img.shape[-2:]
        short = round(self.size * 256 / 224)
        h, w = (short, round(W * short / H)) if H <= W else (round(H * short / W), short)
        img = _resize(img, h, w)
        top, left = (h - self.size) // 2, (w - self.size) // 2
        return img[:, top : top + self.size, left : left + self.size]


def _loader(root: Any, transform: Any, batch: int, workers: int, train: bool, seed: int) -> Any:
    from torch.utils.data import DataLoader, DistributedSampler

    from ..datasets.streaming import FolderSource
    from ..datasets.torchdata import SeededSampler, StreamingDataset, collate_skipping

    source = FolderSource(root)
    ds = StreamingDataset(source, transform)
    group = _ddp.current()
    if group is not None:
        sampler = DistributedSampler(
            ds, group.world_size, group.rank, shuffle=train, seed=seed, drop_last=not train
        )
    else:
        sampler = SeededSampler(len(ds), shuffle=train, seed=seed)
    loader = DataLoader(
        ds, batch_size=batch, sampler=sampler, num_workers=workers, collate_fn=collate_skipping
    )
    return source, sampler, loader


@torch.no_grad()
def _evaluate(model: nn.Module, loader: Any, dev: torch.device) -> dict[str, float]:
    model.eval()
    sums = [0.0, 0.0, 0.0, 0.0]  # loss, top-1, top-5, n
    for xb, yb, _ in loader:
        if len(yb) == 0:
            continue
        xb, yb = xb.to(dev), yb.to(dev)
        logits = model(xb)
        top = logits.topk(min(5, logits.shape[1]), 1).indices
        sums[0] += float(F.cross_entropy(logits, yb, reduction="sum"))
        sums[1] += float((top[:, 0] == yb).sum())
        sums[2] += float((top == yb[:, None]).any(1).sum())
        sums[3] += len(yb)
    group = _ddp.current()
    if group is not None:
        sums = _ddp.all_sum(sums, group)
    n = max(sums[3], 1.0)
    return {"loss": sums[0] / n, "top1": sums[1] / n, "top5": sums[2] / n, "n": int(sums[3])}


def train_folders(
    model_name: str,
    train_root: str | os.PathLike,
    test_root: str | os.PathLike,
    *,
    crop: int = 224,
    epochs: int = 1,
    batch_size: int = 64,
    lr: float = 0.1,
    seed: int = 0,
    workers: int = 2,
    device: str = "auto",
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    model_kwargs: dict[str, Any] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> list[dict[str, float]]:
    """Train ``model_name`` on ``train_root``'s class folders; evaluate on ``test_root``.

    SGD (momentum 0.9, Nesterov, weight decay 1e-4) with a cosine schedule over the run.
    Under torchrun each process trains on its shard (DistributedSampler) and rank 0 saves
    ``checkpoint`` after each epoch; ``resume`` continues from it.

    Returns
    -------
    list of dict
        Per epoch: ``epoch``, ``train_loss``, ``loss``, ``top1``, ``top5``, ``seconds``.
    """
    from ..models import build_model
    from ..training import load_checkpoint, resolve_device, seed_everything

    group = _ddp.current()
    dev = group.device if group is not None else resolve_device(device)
    train_src, sampler, train_loader = _loader(
        train_root, RandomResizedCrop(crop), batch_size, workers, True, seed
    )
    test_src, _, test_loader = _loader(
        test_root, CenterCrop(crop), batch_size, workers, False, seed
    )
    if tuple(test_src.classes) != tuple(train_src.classes):
        raise ValueError(
            f"{test_root} has classes {list(test_src.classes)[:5]}..., {train_root} "
            f"{list(train_src.classes)[:5]}...: both need the same class folders."
        )
    seed_everything(seed)
    channels = 1 if train_src.read(0).ndim == 2 else 3
    model = build_model(
        model_name, (channels, crop, crop), len(train_src.classes), **(model_kwargs or {})
    ).to(dev)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=1e-4)
    steps = epochs * len(train_loader)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / max(steps, 1)))
    )
    net = model if group is None else _ddp.wrap(model, group)
    rows: list[dict[str, float]] = []
    start = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if resume and ckpt is not None and ckpt.is_file():
        state = load_checkpoint(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start, rows = int(state["epoch"]), list(state["history"])
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        sampler.set_epoch(epoch)
        torch.manual_seed(seed * 1_000_003 + epoch)  # the workers' augmentation seeds
        net.train()
        total = [0.0, 0.0]
        for xb, yb, _ in train_loader:
            xb, yb = xb.to(dev), yb.to(dev)
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total[0] += float(loss.detach()) * len(yb)
            total[1] += len(yb)
        if group is not None:
            total = _ddp.all_sum(total, group)
        row = {"epoch": epoch + 1, "train_loss": total[0] / max(total[1], 1.0)}
        row.update({k: v for k, v in _evaluate(model, test_loader, dev).items() if k != "n"})
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
        if group is None or group.is_main:
            if ckpt is not None:
                _save(ckpt, model, opt, sched, epoch + 1, epochs, steps, rows, seed, batch_size)
            if on_epoch is not None:
                on_epoch(row)
    return rows


def _save(
    path: Path,
    model: Any,
    opt: Any,
    sched: Any,
    epoch: int,
    epochs: int,
    steps: int,
    rows: list[dict[str, float]],
    seed: int,
    batch_size: int,
) -> None:
    from ..training import TrainConfig, save_checkpoint

    cfg = TrainConfig(epochs=epochs, batch_size=batch_size, seed=seed)
    save_checkpoint(
        path,
        model,
        opt,
        sched,
        inputs="images",
        epoch=epoch,
        epochs=epochs,
        total_steps=steps,
        config=cfg,
        history=rows,
        notes=[],
        extra={"recipe": "imagenet"},
    )
