"""Where and how a run executes: seeds, the torch device, CPU threads, and RNG snapshots.

The RNG snapshot (:func:`rng_state` / :func:`set_rng_state`) goes into every checkpoint so
that a resumed run draws the same random numbers as an uninterrupted one.
"""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch

from .config import check_seed


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) and make cuDNN deterministic."""
    check_seed(seed)
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


def rng_state() -> dict[str, Any]:
    """The state of every generator :func:`seed_everything` seeds, for a checkpoint."""
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state taken by :func:`rng_state`."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
