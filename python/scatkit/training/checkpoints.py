"""Checkpoint files of :func:`scatkit.training.fit`: written atomically, read back checked.

A checkpoint is a ``torch.save``'d dict holding everything a resumed run needs to continue
exactly where the interrupted one stopped: ``model``, ``optimizer`` and ``scheduler`` state
dicts, ``epoch`` (finished epochs), ``epochs`` and ``total_steps`` (the run's length, as a
time budget may have lowered it), ``config`` (the TrainConfig as a dict), ``history`` and
``notes``, ``rng`` (every generator's state), plus ``format``, ``scatkit`` (the version),
``model_spec`` (what :func:`scatkit.models.model_from_spec` rebuilds the model from),
``inputs`` and ``extra`` (caller details such as the dataset).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .. import __version__
from .._atomic import atomic_path
from .config import TrainConfig
from .runtime import rng_state

#: Identifies checkpoint files written by :func:`save_checkpoint`.
CHECKPOINT_FORMAT = "scatkit-checkpoint-1"


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    *,
    inputs: str,
    epoch: int,
    epochs: int,
    total_steps: int,
    config: TrainConfig,
    history: list[dict[str, float]],
    notes: list[str],
    extra: dict[str, Any] | None = None,
) -> None:
    """Write a checkpoint that :func:`load_checkpoint` reads and ``fit(resume=True)`` continues.

    The current state of every random generator is stored with it. The file is replaced
    atomically, so an interruption leaves the previous checkpoint intact.

    Parameters
    ----------
    path : path
        Checkpoint file (conventionally ``.pt``); parent folders are created.
    model, optimizer, scheduler
        The run's module, optimizer and learning-rate scheduler.
    inputs : {"images", "features"}
        What the model was trained on.
    epoch, epochs, total_steps : int
        Finished epochs, the run's epoch count and its number of schedule steps.
    config : TrainConfig
        The run's hyper-parameters.
    history, notes : list
        Per-epoch metrics and notes so far (``History.rows`` and ``History.notes``).
    extra : dict, optional
        JSON-able caller details, e.g. the dataset.
    """
    state = {
        "format": CHECKPOINT_FORMAT,
        "scatkit": __version__,
        "model_spec": getattr(model, "spec", None),
        "inputs": inputs,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
        "epochs": epochs,
        "total_steps": total_steps,
        "config": asdict(config),
        "history": history,
        "notes": notes,
        "rng": rng_state(),
        "extra": extra if extra is not None else {},
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (onto the CPU), checking its format."""
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
