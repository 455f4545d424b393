"""The training loop (:func:`fit`) and evaluation (:func:`evaluate`, :func:`predict_logits`).

(reason: over 400 lines because fit's epoch loop, its resume logic and the DDP, augmentation and
validation branches share local state; splitting them would pass a dozen values around.)

The loop runs on the CPU or on CUDA when present, seeds everything it uses, follows a
per-step learning-rate schedule, shows tqdm progress bars on a terminal (one line per
epoch elsewhere, see :mod:`scatkit._progress`), logs per-epoch metrics to CSV and JSON,
and saves checkpoints after every epoch that :func:`fit` resumes from exactly. With
``inputs="features"`` only a hybrid model's head runs, on scattering features precomputed
by :func:`scatkit.training.cached_scattering`.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .. import __version__
from .._progress import progress_lines, progress_mode
from .augment import augment, auto_augment, auto_shift
from .checkpoints import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .runtime import resolve_device, seed_everything, set_rng_state


# -- data helpers -----------------------------------------------------------------------------
def _as_tensors(X: Any, y: Any, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    if y.dim() != 1 or len(X) != len(y):
        raise ValueError(
            f"{what}: X holds {len(X)} samples but y has shape {tuple(y.shape)}; expected "
            "one integer label per sample."
        )
    if len(X) == 0:
        raise ValueError(f"{what} is empty.")
    return X, y


def _forward_module(model: nn.Module, inputs: str) -> nn.Module:
    if inputs == "images":
        return model
    if inputs == "features":
        from ..models.hybrid import HybridNet

        if not isinstance(model, HybridNet):
            raise ValueError(
                f"inputs='features' needs a hybrid model with a scattering front and a head; "
                f"{type(model).__name__} takes raw images (use inputs='images')."
            )
        return model.head
    raise ValueError(f"inputs must be 'images' or 'features', got {inputs!r}.")


# -- evaluation -------------------------------------------------------------------------------
@torch.no_grad()
def predict_logits(
    model: nn.Module,
    X: Any,
    inputs: str = "images",
    batch_size: int = 256,
    device: str | torch.device = "auto",
) -> torch.Tensor:
    """Class scores (N, num_classes) of ``X`` (images, or features with inputs='features')."""
    module = _forward_module(model, inputs)
    dev = resolve_device(device)
    model.to(dev)
    X = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32))
    was_training = model.training
    model.eval()
    try:
        out = [module(X[i : i + batch_size].to(dev)).cpu() for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out) if out else torch.empty(0)


def evaluate(
    model: nn.Module,
    X: Any,
    y: Any,
    inputs: str = "images",
    batch_size: int = 256,
    device: str | torch.device = "auto",
) -> dict[str, float]:
    """Mean cross-entropy ``loss``, ``accuracy`` and ``n`` of ``model`` on (X, y)."""
    X, y = _as_tensors(X, y, "evaluation data")
    logits = predict_logits(model, X, inputs, batch_size, device)
    loss = nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).double().mean().item()
    return {"loss": float(loss), "accuracy": float(acc), "n": int(len(y))}


@torch.no_grad()
def _front_features(
    model: nn.Module, X: torch.Tensor, batch_size: int, dev: torch.device
) -> torch.Tensor:
    model.to(dev)
    out = [model.front(X[i : i + batch_size].to(dev)).cpu() for i in range(0, len(X), batch_size)]
    return torch.cat(out)


# -- training ---------------------------------------------------------------------------------
@dataclass
class History:
    """What :func:`fit` did: one dict of metrics per epoch, plus notes."""

    rows: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    resumed_from: int = 0

    @property
    def final(self) -> dict[str, float]:
        """Metrics of the last epoch (empty before any)."""
        return self.rows[-1] if self.rows else {}


def _make_optimizer(params: Any, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, nesterov=True
        )
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


class _Schedule:
    """Learning-rate factor as a function of the step; picklable via the scheduler state."""

    def __init__(self, cfg: TrainConfig, steps_per_epoch: int, epochs: int) -> None:
        self.kind = cfg.schedule
        self.steps_per_epoch = steps_per_epoch
        self.total_steps = epochs * steps_per_epoch
        self.step_epochs = cfg.step_epochs
        self.gamma = cfg.gamma

    def __call__(self, step: int) -> float:
        if self.kind == "cosine":
            t = min(step, self.total_steps) / max(1, self.total_steps)
            return 0.5 * (1.0 + math.cos(math.pi * t))
        if self.kind == "step":
            return self.gamma ** (step // (self.step_epochs * self.steps_per_epoch))
        return 1.0


def _epoch_line(row: dict[str, Any], epochs: int) -> str:
    """The one line an epoch prints where no bar is drawn (a log file, CI output)."""
    val = ""
    if row.get("val_accuracy") is not None:
        val = f", val loss {row['val_loss']:.4f}, val accuracy {row['val_accuracy']:.3f}"
    return (
        f"epoch {row['epoch']}/{epochs}: loss {row['train_loss']:.4f}, "
        f"train accuracy {row['train_accuracy']:.3f}{val} ({row['seconds']:.1f} s)"
    )


def _write_logs(log_dir: Path, history: History, meta: dict[str, Any]) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    if history.rows:
        fields = list(history.rows[0])
        with open(log_dir / "metrics.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(history.rows)
    doc = dict(meta, epochs=history.rows, notes=history.notes)
    (log_dir / "metrics.json").write_text(json.dumps(doc, indent=1, default=str))


def fit(
    model: nn.Module,
    X_train: Any,
    y_train: Any,
    X_val: Any = None,
    y_val: Any = None,
    config: TrainConfig | None = None,
    inputs: str = "images",
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    log_dir: str | os.PathLike | None = None,
    max_seconds: float | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    extra: dict[str, Any] | None = None,
) -> History:
    """Train ``model`` with cross-entropy; return the per-epoch :class:`History`.

    Parameters
    ----------
    model : torch.nn.Module
        A model from :mod:`scatkit.models` (or any classifier module).
    X_train, y_train : array_like
        Training images (N, [C,] H, W), or scattering features (N, C*K, H', W') when
        ``inputs="features"`` (then only ``model.head`` runs and is trained).
    X_val, y_val : array_like, optional
        Held-out data evaluated after every epoch.
    config : TrainConfig
        Hyper-parameters (defaults when None).
    inputs : {"images", "features"}
        What ``X_*`` hold.
    checkpoint : path, optional
        Saved after every epoch (model, optimizer, scheduler, epoch, RNG states, history).
    resume : bool
        Continue from ``checkpoint`` when that file exists; the result equals an
        uninterrupted run with the same arguments.
    log_dir : path, optional
        Folder for ``metrics.csv`` and ``metrics.json`` (rewritten every epoch).
    max_seconds : float, optional
        Time budget: after the first epoch the number of epochs is lowered (and the
        schedule shortened) so the run fits, recorded in ``History.notes``.
    on_epoch : callable, optional
        Called with each epoch's metrics dict.
    extra : dict, optional
        JSON-able details (e.g. the dataset) stored in the checkpoint and metrics.json.
    """
    cfg = config if config is not None else TrainConfig()
    if not isinstance(cfg, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(cfg).__name__}.")
    module = _forward_module(model, inputs)
    if cfg.augment == "auto":
        # Features cannot be augmented; raw images get the transform their shape suggests.
        shape = tuple(np.shape(X_train)[1:])
        kind = "none" if inputs == "features" else auto_augment(shape, len(X_train))
        cfg = replace(cfg, augment=kind)
    if cfg.shift is None:
        cfg = replace(cfg, shift=auto_shift(cfg.augment, tuple(np.shape(X_train)[1:])))
    if cfg.augment != "none" and inputs == "features":
        raise ValueError(
            f"augment={cfg.augment!r} transforms raw images, but inputs='features' are "
            "precomputed scattering coefficients; pass images (inputs='images') to augment."
        )
    Xt, yt = _as_tensors(X_train, y_train, "training data")
    has_val = X_val is not None
    if has_val:
        Xv, yv = _as_tensors(X_val, y_val, "validation data")
    dev = resolve_device(cfg.device)

    previous_threads = torch.get_num_threads()
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    # A hybrid on raw images scatters every batch; the engine and PyTorch take turns, so
    # the engine gets PyTorch's thread count instead of every core of a shared machine.
    front = getattr(model, "front", None) if inputs == "images" else None
    scattering = getattr(front, "scattering", None)
    engine_threads = getattr(scattering, "threads", None)
    if engine_threads is not None:
        scattering.threads = torch.get_num_threads()
    try:
        return _fit(
            model,
            module,
            Xt,
            yt,
            Xv if has_val else None,
            yv if has_val else None,
            cfg,
            inputs,
            dev,
            checkpoint,
            resume,
            log_dir,
            max_seconds,
            on_epoch,
            dict(extra or {}),
        )
    finally:
        torch.set_num_threads(previous_threads)
        if engine_threads is not None:
            scattering.threads = engine_threads


def _fit(
    model: nn.Module,
    module: nn.Module,
    Xt: torch.Tensor,
    yt: torch.Tensor,
    Xv: torch.Tensor | None,
    yv: torch.Tensor | None,
    cfg: TrainConfig,
    inputs: str,
    dev: torch.device,
    checkpoint: str | os.PathLike | None,
    resume: bool,
    log_dir: str | os.PathLike | None,
    max_seconds: float | None,
    on_epoch: Callable[[dict[str, float]], None] | None,
    extra: dict[str, Any],
) -> History:
    from ..distributed import ddp as _ddp

    has_val = Xv is not None
    # Under torchrun each process trains on its shard; rank 0 alone writes and reports.
    group = _ddp.current(dev)
    dev = group.device if group is not None else dev
    main = group is None or group.is_main
    seed_everything(cfg.seed)
    model.to(dev)
    optimizer = _make_optimizer([p for p in module.parameters() if p.requires_grad], cfg)
    train_module = module if group is None else _ddp.wrap(module, group)
    n_local = len(Xt) if group is None else math.ceil(len(Xt) / group.world_size)
    steps_per_epoch = math.ceil(n_local / cfg.batch_size)
    epochs = cfg.resolve_epochs(len(Xt))
    schedule = _Schedule(cfg, steps_per_epoch, epochs)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    history = History()
    start_epoch = 0
    ckpt_path = Path(checkpoint) if checkpoint is not None else None

    if resume and ckpt_path is not None and ckpt_path.is_file():
        ckpt = load_checkpoint(ckpt_path)
        if ckpt.get("inputs") != inputs:
            raise ValueError(
                f"checkpoint {ckpt_path} was trained on {ckpt.get('inputs')}, not {inputs}."
            )
        model.load_state_dict(ckpt["model"])
        model.to(dev)
        optimizer.load_state_dict(ckpt["optimizer"])
        # LambdaLR restores the schedule object's attributes too; set the length after it.
        scheduler.load_state_dict(ckpt["scheduler"])
        schedule.steps_per_epoch = steps_per_epoch
        if ckpt["config"]["epochs"] == cfg.epochs:
            # Same run: keep its (possibly time-budget-lowered) length and schedule.
            epochs = int(ckpt["epochs"])
            schedule.total_steps = int(ckpt["total_steps"])
        else:
            schedule.total_steps = epochs * steps_per_epoch
            history.notes.append(
                f"resumed a {ckpt['epochs']}-epoch run with epochs={epochs}; the "
                "schedule now spans the new length"
            )
        start_epoch = int(ckpt["epoch"])
        history.rows = list(ckpt.get("history", []))
        history.notes = list(ckpt.get("notes", [])) + history.notes
        history.resumed_from = start_epoch
        set_rng_state(ckpt["rng"])

    meta = {
        "model": getattr(model, "spec", {"class": type(model).__name__}),
        "inputs": inputs,
        "config": asdict(cfg),
        "n_train": len(Xt),
        "n_val": len(Xv) if has_val else 0,
        "scatkit": __version__,
        "device": str(dev),
        "extra": extra,
    }
    from tqdm.auto import tqdm

    from ..models.hybrid import HybridNet

    val_inputs = inputs
    if has_val and inputs == "images" and isinstance(model, HybridNet):
        # A hybrid's validation images are scattered once, not at every evaluation.
        Xv = _front_features(model, Xv, cfg.eval_batch_size, dev)
        val_inputs = "features"
    eval_every = cfg.eval_every or max(1, epochs // 20)
    epoch = start_epoch
    while epoch < epochs:
        t0 = time.perf_counter()
        model.train()
        # The order of each epoch depends only on (seed, epoch), so resuming reproduces it.
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch)
        order = torch.randperm(len(Xt), generator=gen)
        if group is not None:
            order = _ddp.epoch_order(len(Xt), cfg.seed, epoch, group)
        total_loss, correct, seen = 0.0, 0, 0
        bar = tqdm(
            range(0, len(order), cfg.batch_size),
            desc=f"epoch {epoch + 1}/{epochs}",
            unit="batch",
            disable=not (main and progress_mode(cfg.progress)),
            leave=False,
        )
        for start in bar:
            idx = order[start : start + cfg.batch_size]
            xb = Xt[idx]
            if cfg.augment != "none":
                xb = augment(xb, cfg.augment, cfg.shift)
            xb, yb = xb.to(dev), yt[idx].to(dev)
            logits = train_module(xb)
            loss = nn.functional.cross_entropy(logits, yb, label_smoothing=cfg.label_smoothing)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"training diverged (loss {loss.item()}) at epoch {epoch + 1}; "
                    f"lower the learning rate (lr={cfg.lr})."
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
            bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}")
        bar.close()
        if group is not None:
            total_loss, correct, seen = _ddp.all_sum([total_loss, correct, seen], group)
        row = {
            "epoch": epoch + 1,
            "lr": optimizer.param_groups[0]["lr"],
            "train_loss": total_loss / seen,
            "train_accuracy": correct / seen,
        }
        if has_val:
            row["val_loss"] = row["val_accuracy"] = None
            if epoch + 1 == epochs or (epoch + 1) % eval_every == 0:
                val = evaluate(model, Xv, yv, val_inputs, cfg.eval_batch_size, dev)
                row["val_loss"], row["val_accuracy"] = val["loss"], val["accuracy"]
        row["seconds"] = time.perf_counter() - t0
        if group is not None:  # every rank must take the same time-budget decision
            row["seconds"] = _ddp.all_max(row["seconds"], group)
        history.rows.append(row)
        if main and progress_lines(cfg.progress):
            print(_epoch_line(row, epochs), file=sys.stderr, flush=True)
        epoch += 1

        if max_seconds is not None and epoch == start_epoch + 1 and epoch < epochs:
            fit_epochs = max(epoch, int(max_seconds // max(row["seconds"], 1e-9)))
            if fit_epochs < epochs:
                history.notes.append(
                    f"epochs lowered from {epochs} to {fit_epochs} to fit {max_seconds:.0f} s"
                )
                epochs = fit_epochs
                schedule.total_steps = epochs * steps_per_epoch

        if ckpt_path is not None and main:
            save_checkpoint(
                ckpt_path,
                model,
                optimizer,
                scheduler,
                inputs=inputs,
                epoch=epoch,
                epochs=epochs,
                total_steps=schedule.total_steps,
                config=cfg,
                history=history.rows,
                notes=history.notes,
                extra=extra,
            )
        if log_dir is not None and main:
            _write_logs(Path(log_dir), history, meta)
        if on_epoch is not None and main:
            on_epoch(row)
    return history
