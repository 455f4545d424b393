"""The hyper-parameters of a training run (:class:`TrainConfig`), checked when built."""

from __future__ import annotations

import math
from dataclasses import dataclass

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("cosine", "step", "constant")
AUGMENTATIONS = ("none", "shift", "shift-flip")


def check_seed(seed: object) -> None:
    """Raise ValueError unless ``seed`` is a non-negative int (bools are refused)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")


@dataclass
class TrainConfig:
    """Hyper-parameters of :func:`fit`.

    ``lr`` is the peak learning rate; ``schedule`` is ``"cosine"`` (to zero over all
    steps), ``"step"`` (times ``gamma`` every ``step_epochs``) or ``"constant"``.
    ``augment`` (``"none"``, ``"shift"``: random translations of up to ``shift`` pixels
    with reflected borders, ``"shift-flip"``: plus horizontal flips) only applies to
    raw images. ``threads`` sets PyTorch's CPU threads during the run (None: unchanged;
    see :func:`scatkit.training.auto_threads`).
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
        check_seed(self.seed)
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
