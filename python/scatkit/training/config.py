"""The hyper-parameters of a training run (:class:`TrainConfig`), checked when built."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._progress import check_progress

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("cosine", "step", "constant")
AUGMENTATIONS = ("auto", "none", "shift", "shift-flip", "crop-flip", "affine", "elastic")

#: With ``epochs=None`` a run lasts at least this many optimiser steps ...
MIN_STEPS = 1000
#: ... and at least this many epochs (see :meth:`TrainConfig.resolve_epochs`).
MIN_EPOCHS = 30


def check_seed(seed: object) -> None:
    """Raise ValueError unless ``seed`` is a non-negative int (bools are refused)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")


def check_label_smoothing(value: object) -> None:
    """Raise TypeError unless ``value`` is a real number, ValueError unless it is in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"label_smoothing must be a float in [0, 1), got {value!r}.")
    if not 0.0 <= value < 1.0:  # NaN fails this too
        raise ValueError(f"label_smoothing must be in [0, 1), got {value!r}.")


@dataclass
class TrainConfig:
    """Hyper-parameters of :func:`fit`.

    ``lr`` is the peak learning rate; ``schedule`` is ``"cosine"`` (to zero over all
    steps), ``"step"`` (times ``gamma`` every ``step_epochs``) or ``"constant"``.
    ``epochs=None`` (the default) follows the data size: enough epochs for
    :data:`MIN_STEPS` optimiser steps and at least :data:`MIN_EPOCHS` epochs (see
    :meth:`resolve_epochs`), so 100 images get as many updates as 1,000.
    ``augment`` names a transform of raw images (see :mod:`scatkit.training.augment`);
    ``"auto"`` (the default) picks one from the image shape for raw images and none for
    precomputed features; ``shift`` is the largest translation in pixels (None: from
    the image size, see :func:`scatkit.training.augment.auto_shift`). A hybrid trained
    on raw images with augmentation scatters every augmented batch on the fly.
    ``threads`` sets PyTorch's (and the scattering engine's) CPU threads during the run
    (None: unchanged; see
    :func:`scatkit.training.auto_threads`). Validation data are evaluated every
    ``eval_every`` epochs and after the last (None: about 20 times per run; the rows
    of other epochs hold None). ``progress`` is ``"auto"`` (the default: a bar per epoch
    on a terminal, otherwise one line per epoch on stderr), ``"always"`` or True (bars),
    ``"never"`` or False (nothing). ``label_smoothing`` in [0, 1) mixes that much of a
    uniform distribution into the training targets (torch's ``cross_entropy``
    ``label_smoothing``; the history's ``train_loss`` is that smoothed loss); evaluation
    losses always use the plain labels. Its default, 0.1, was the largest single gain
    found on validation splits of the training pool for both the hybrid and the CNN at
    100 and 500 images (bench/RESULTS-hybrid.md); 0 gives plain cross-entropy.
    """

    epochs: int | None = None
    batch_size: int = 32
    lr: float = 0.05
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    step_epochs: int = 10
    gamma: float = 0.2
    seed: int = 0
    augment: str = "auto"
    shift: int | None = None
    device: str = "auto"
    threads: int | None = None
    progress: bool | str = "auto"
    eval_batch_size: int = 256
    eval_every: int | None = None
    label_smoothing: float = 0.1

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "step_epochs", "eval_batch_size", "eval_every"):
            value = getattr(self, name)
            if name in ("epochs", "eval_every") and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        check_seed(self.seed)
        check_progress(self.progress)
        if not (isinstance(self.lr, (int, float)) and self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}.")
        check_label_smoothing(self.label_smoothing)
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
        if self.shift is not None and (
            isinstance(self.shift, bool) or not isinstance(self.shift, int) or self.shift < 0
        ):
            raise ValueError(f"shift must be None or a non-negative integer, got {self.shift!r}.")

    def resolve_epochs(self, n_train: int) -> int:
        """Epochs of a run on ``n_train`` samples: ``epochs``, or the data-sized budget."""
        if self.epochs is not None:
            return self.epochs
        steps_per_epoch = max(1, math.ceil(n_train / self.batch_size))
        return max(MIN_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch))
