"""Training and evaluation of hybrid and end-to-end models, with a scattering feature cache.

The loop runs on the CPU or on CUDA when present, seeds everything it uses, follows a
per-step learning-rate schedule, shows tqdm progress bars, logs per-epoch metrics to
CSV and JSON, and saves checkpoints (model, optimizer, scheduler, epoch, RNG states)
that :func:`fit` resumes from exactly.

A hybrid network's scattering front has no parameters, so when no augmentation needs
the raw images the scattering features are computed once by the NumPy engine, cached
on disk (:func:`cached_scattering`) and only ``model.head`` is trained on them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from . import __version__
from .scattering import Scattering2D

#: Bumped when the layout of cached feature files changes.
CACHE_FORMAT = 1
#: Identifies checkpoint files written by :func:`fit`.
CHECKPOINT_FORMAT = "scatkit-checkpoint-1"
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("cosine", "step", "constant")
AUGMENTATIONS = ("none", "shift", "shift-flip")


# -- seeding and devices ----------------------------------------------------------------------
def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) and make cuDNN deterministic."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(seed)
    # Third-party code (and older user code) draws from NumPy's global generator.
    np.random.seed(seed % 2**32)  # noqa: NPY002
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` means CUDA when available, else the CPU; other names are checked."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:n]', got {device!r}.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available here.")
    return dev


def auto_threads() -> int:
    """CPU threads worth using now: the cores not already busy (1-minute load), at least 1.

    On a shared machine, more compute threads than idle cores make PyTorch's thread pool
    wait on preempted threads, which can be several times slower than one thread.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on Windows
        return cores
    return max(1, min(cores, int(cores - load + 0.5)))


def _rng_state() -> dict[str, Any]:
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# -- the feature cache ------------------------------------------------------------------------
def default_cache_dir() -> Path:
    """``$SCATKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/scatkit/features``, else ``~/.cache/...``."""
    env = os.environ.get("SCATKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scatkit" / "features"


def _as_image_stack(images: Any) -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim not in (3, 4):
        raise ValueError(
            f"images must be an array (N, H, W) or (N, C, H, W), got shape {arr.shape}."
        )
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"images must hold real numbers, got dtype {arr.dtype}.")
    return np.ascontiguousarray(arr, dtype=np.float32)


def feature_cache_key(images: np.ndarray, J: int, L: int, max_order: int) -> str:
    """Hex digest identifying the features of ``images``: data bytes, transform, version."""
    arr = _as_image_stack(images)
    h = hashlib.sha256()
    header = {
        "format": CACHE_FORMAT,
        "scatkit": __version__,
        "J": int(J),
        "L": int(L),
        "max_order": int(max_order),
        "shape": list(arr.shape),
        "dtype": str(arr.dtype),
    }
    h.update(json.dumps(header, sort_keys=True).encode())
    h.update(memoryview(arr.reshape(-1)).cast("B"))
    return h.hexdigest()[:32]


@dataclass
class CachedFeatures:
    """Result of :func:`cached_scattering`."""

    features: np.ndarray  #: (N, C*K, H', W') float32
    key: str  #: cache key (file stem)
    path: Path | None  #: cache file, None when caching was off
    hit: bool  #: True when the features came from the cache
    seconds: float  #: time spent computing (0 on a hit)

    @property
    def images_per_second(self) -> float:
        """Throughput of the computation (nan on a cache hit)."""
        if self.hit or self.seconds <= 0:
            return float("nan")
        return len(self.features) / self.seconds


def compute_scattering(
    images: np.ndarray,
    J: int,
    L: int = 8,
    max_order: int = 2,
    backend: str = "auto",
    batch_size: int = 256,
    progress: bool = False,
    desc: str = "scattering",
) -> np.ndarray:
    """Scattering of every channel of ``images`` (N, [C,] H, W) -> (N, C*K, H', W') float32.

    Runs :class:`scatkit.Scattering2D` in batches of ``batch_size`` images.
    """
    arr = _as_image_stack(images)
    if arr.ndim == 3:
        arr = arr[:, None]
    n, C, H, W = arr.shape
    S = Scattering2D(J, (H, W), L=L, max_order=max_order, backend=backend)
    out = np.empty((n, C * len(S)) + tuple(S.out_spatial_shape), dtype=np.float32)
    batch_size = max(1, int(batch_size))
    from tqdm.auto import tqdm

    with tqdm(total=n, desc=desc, unit="img", disable=not progress, leave=False) as bar:
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            out[start:stop] = S(arr[start:stop]).reshape((stop - start,) + out.shape[1:])
            bar.update(stop - start)
    return out


def cached_scattering(
    images: Any,
    J: int,
    L: int = 8,
    max_order: int = 2,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    backend: str = "auto",
    batch_size: int = 256,
    progress: bool = False,
    desc: str = "scattering",
) -> CachedFeatures:
    """Scattering features of ``images``, read from the on-disk cache when present.

    The cache file is ``<cache_dir>/<key>.npy`` where the key hashes the image bytes,
    shape and dtype, ``J``, ``L``, ``max_order``, the scatkit version and the cache
    format, so any change to the data or the transform gives a new entry. Unreadable
    or mismatching entries are recomputed and overwritten.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` or ``(N, C, H, W)``; every channel is scattered separately.
    J, L, max_order : int
        Scattering parameters.
    cache_dir : path, optional
        Where entries live; default :func:`default_cache_dir`.
    use_cache : bool
        False computes without reading or writing the cache.
    backend, batch_size, progress, desc
        Passed to :func:`compute_scattering`.
    """
    arr = _as_image_stack(images)
    key = feature_cache_key(arr, J, L, max_order)
    path = None
    if use_cache:
        folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        path = folder / f"{key}.npy"
        if path.is_file():
            try:
                feats = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                feats = None
            if feats is not None and feats.dtype == np.float32 and len(feats) == len(arr):
                return CachedFeatures(feats, key, path, True, 0.0)
    start = time.perf_counter()
    feats = compute_scattering(arr, J, L, max_order, backend, batch_size, progress, desc)
    seconds = time.perf_counter() - start
    if path is not None:
        _atomic_save_npy(path, feats)
        meta = {
            "J": J,
            "L": L,
            "max_order": max_order,
            "scatkit": __version__,
            "images_shape": list(arr.shape),
            "features_shape": list(feats.shape),
        }
        (path.with_suffix(".json")).write_text(json.dumps(meta, indent=1))
    return CachedFeatures(feats, key, path, False, seconds)


def _atomic_save_npy(path: Path, arr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, arr, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- configuration ----------------------------------------------------------------------------
@dataclass
class TrainConfig:
    """Hyper-parameters of :func:`fit`.

    ``lr`` is the peak learning rate; ``schedule`` is ``"cosine"`` (to zero over all
    steps), ``"step"`` (times ``gamma`` every ``step_epochs``) or ``"constant"``.
    ``augment`` (``"none"``, ``"shift"``: random translations of up to ``shift`` pixels
    with reflected borders, ``"shift-flip"``: plus horizontal flips) only applies to
    raw images. ``threads`` sets PyTorch's CPU threads during the run (None: unchanged;
    see :func:`auto_threads`).
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.05
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    step_epochs: int = 10
    gamma: float = 0.2
    seed: int = 0
    augment: str = "none"
    shift: int = 2
    device: str = "auto"
    threads: int | None = None
    progress: bool = True
    eval_batch_size: int = 256

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "step_epochs", "eval_batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}.")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}.")
        for name, allowed in (
            ("optimizer", OPTIMIZERS),
            ("schedule", SCHEDULES),
            ("augment", AUGMENTATIONS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}.")
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise ValueError(f"threads must be None or a positive integer, got {self.threads!r}.")
        if isinstance(self.shift, bool) or not isinstance(self.shift, int) or self.shift < 0:
            raise ValueError(f"shift must be a non-negative integer, got {self.shift!r}.")


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
        from .models.hybrid import HybridNet

        if not isinstance(model, HybridNet):
            raise ValueError(
                f"inputs='features' needs a hybrid model with a scattering front and a head; "
                f"{type(model).__name__} takes raw images (use inputs='images')."
            )
        return model.head
    raise ValueError(f"inputs must be 'images' or 'features', got {inputs!r}.")


def _augment(x: torch.Tensor, kind: str, shift: int) -> torch.Tensor:
    """Random translations (reflected borders) and optional horizontal flips, per sample."""
    if kind == "none":
        return x
    B = x.shape[0]
    if shift > 0:
        padded = torch.nn.functional.pad(
            x.reshape(B, -1, *x.shape[-2:]), (shift, shift, shift, shift), mode="reflect"
        )
        dy = torch.randint(0, 2 * shift + 1, (B,))
        dx = torch.randint(0, 2 * shift + 1, (B,))
        H, W = x.shape[-2:]
        out = torch.stack(
            [padded[i, :, dy[i] : dy[i] + H, dx[i] : dx[i] + W] for i in range(B)]
        ).reshape(x.shape)
    else:
        out = x.clone()
    if kind == "shift-flip":
        flip = torch.rand(B) < 0.5
        out[flip] = out[flip].flip(-1)
    return out


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

    def __init__(self, cfg: TrainConfig, steps_per_epoch: int) -> None:
        self.kind = cfg.schedule
        self.steps_per_epoch = steps_per_epoch
        self.total_steps = cfg.epochs * steps_per_epoch
        self.step_epochs = cfg.step_epochs
        self.gamma = cfg.gamma

    def __call__(self, step: int) -> float:
        if self.kind == "cosine":
            t = min(step, self.total_steps) / max(1, self.total_steps)
            return 0.5 * (1.0 + math.cos(math.pi * t))
        if self.kind == "step":
            return self.gamma ** (step // (self.step_epochs * self.steps_per_epoch))
        return 1.0


def _atomic_torch_save(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pt")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`fit` (on the CPU), checking its format."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist.")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a damaged file
        raise ValueError(f"checkpoint {path} cannot be read: {exc}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a scatkit checkpoint (format {CHECKPOINT_FORMAT}).")
    return ckpt


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
    has_val = Xv is not None
    seed_everything(cfg.seed)
    model.to(dev)
    optimizer = _make_optimizer([p for p in module.parameters() if p.requires_grad], cfg)
    steps_per_epoch = math.ceil(len(Xt) / cfg.batch_size)
    schedule = _Schedule(cfg, steps_per_epoch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    history = History()
    start_epoch = 0
    epochs = cfg.epochs
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
        if int(ckpt["config"]["epochs"]) == cfg.epochs:
            # Same run: keep its (possibly time-budget-lowered) length and schedule.
            epochs = int(ckpt["epochs"])
            schedule.total_steps = int(ckpt["total_steps"])
        else:
            schedule.total_steps = cfg.epochs * steps_per_epoch
            history.notes.append(
                f"resumed a {ckpt['epochs']}-epoch run with epochs={cfg.epochs}; the "
                "schedule now spans the new length"
            )
        start_epoch = int(ckpt["epoch"])
        history.rows = list(ckpt.get("history", []))
        history.notes = list(ckpt.get("notes", [])) + history.notes
        history.resumed_from = start_epoch
        _set_rng_state(ckpt["rng"])

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

    epoch = start_epoch
    while epoch < epochs:
        t0 = time.perf_counter()
        model.train()
        # The order of each epoch depends only on (seed, epoch), so resuming reproduces it.
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch)
        order = torch.randperm(len(Xt), generator=gen)
        total_loss, correct, seen = 0.0, 0, 0
        bar = tqdm(
            range(0, len(Xt), cfg.batch_size),
            desc=f"epoch {epoch + 1}/{epochs}",
            unit="batch",
            disable=not cfg.progress,
            leave=False,
        )
        for start in bar:
            idx = order[start : start + cfg.batch_size]
            xb = Xt[idx]
            if cfg.augment != "none":
                xb = _augment(xb, cfg.augment, cfg.shift)
            xb, yb = xb.to(dev), yt[idx].to(dev)
            logits = module(xb)
            loss = nn.functional.cross_entropy(logits, yb)
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
        row = {
            "epoch": epoch + 1,
            "lr": optimizer.param_groups[0]["lr"],
            "train_loss": total_loss / seen,
            "train_accuracy": correct / seen,
        }
        if has_val:
            val = evaluate(model, Xv, yv, inputs, cfg.eval_batch_size, dev)
            row["val_loss"], row["val_accuracy"] = val["loss"], val["accuracy"]
        row["seconds"] = time.perf_counter() - t0
        history.rows.append(row)
        epoch += 1

        if max_seconds is not None and epoch == start_epoch + 1 and epoch < epochs:
            fit_epochs = max(epoch, int(max_seconds // max(row["seconds"], 1e-9)))
            if fit_epochs < epochs:
                history.notes.append(
                    f"epochs lowered from {epochs} to {fit_epochs} to fit {max_seconds:.0f} s"
                )
                epochs = fit_epochs
                schedule.total_steps = epochs * steps_per_epoch

        if ckpt_path is not None:
            _atomic_torch_save(
                {
                    "format": CHECKPOINT_FORMAT,
                    "scatkit": __version__,
                    "model_spec": getattr(model, "spec", None),
                    "inputs": inputs,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "epoch": epoch,
                    "epochs": epochs,
                    "total_steps": schedule.total_steps,
                    "config": asdict(cfg),
                    "history": history.rows,
                    "notes": history.notes,
                    "rng": _rng_state(),
                    "extra": extra,
                },
                ckpt_path,
            )
        if log_dir is not None:
            _write_logs(Path(log_dir), history, meta)
        if on_epoch is not None:
            on_epoch(row)
    return history
