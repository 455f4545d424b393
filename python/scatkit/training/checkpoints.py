"""Checkpoint files of :func:`scatkit.training.fit`: written atomically, read back checked.

A checkpoint is a ``torch.save``'d dict holding everything a resumed run needs to continue
exactly where the interrupted one stopped: ``model``, ``optimizer`` and ``scheduler`` state
dicts, ``epoch`` (finished epochs), ``epochs`` and ``total_steps`` (the run's length, as a
time budget may have lowered it), ``config`` (the TrainConfig as a dict), ``history`` and
``notes``, ``rng`` (every generator's state), plus ``format``, ``scatkit`` (the version),
``model_spec`` (what :func:`scatkit.models.model_from_spec` rebuilds the model from),
``inputs`` and ``extra`` (caller details such as the dataset).

Everything is stored as plain data (dicts, lists, tuples, strings, numbers, tensors), so
:func:`load_checkpoint` reads it with ``torch.load(weights_only=True)``: a file that needs any
other Python object is refused before anything in it runs, since unpickling arbitrary objects
from a file someone else wrote can execute code. Checkpoints of the first format stored NumPy
arrays (the RNG state); :func:`convert_checkpoint` rewrites a trusted one in the new format.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import __version__
from .._atomic import atomic_path
from .config import TrainConfig
from .runtime import rng_state

#: Identifies checkpoint files written by :func:`save_checkpoint`.
CHECKPOINT_FORMAT = "scatkit-checkpoint-2"
# Format 1 files load too when they happen to hold plain data only.
_READABLE_FORMATS = ("scatkit-checkpoint-1", CHECKPOINT_FORMAT)


def _plain(obj: Any, where: str = "checkpoint") -> Any:
    """``obj`` with NumPy arrays/scalars and paths turned into the plain types
    ``torch.load(weights_only=True)`` accepts; anything else is refused at save time,
    so a checkpoint that saves is one that loads."""
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, torch.Tensor)):
        return obj
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, dict):
        return type(obj)((k, _plain(v, f"{where}[{k!r}]")) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else tuple(items)
    raise TypeError(
        f"{where} is a {type(obj).__name__}; a checkpoint stores only plain data "
        "(dicts, lists, strings, numbers, tensors) so that it loads without running code."
    )


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
    state = _plain(state)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def _convert_hint(path: Path) -> str:
    return (
        "If you wrote this file yourself with an earlier scatkit and trust it, convert it "
        f"once with `python -m scatkit.training.checkpoints convert {path} NEW.pt`."
    )


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (onto the CPU), checking its format.

    Only plain data is unpickled (``weights_only=True``); a file holding other objects is
    refused with :class:`ValueError` and none of its code runs. A damaged file raises
    :class:`ValueError` saying so.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist.")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL ([\w.]+)", str(exc))
        if found:
            raise ValueError(
                f"checkpoint {path} needs the Python object {found.group(1)}, not only plain "
                "data and tensors, so it was refused without running anything in it (loading "
                f"such a file can execute code). {_convert_hint(path)}"
            ) from None
        raise ValueError(
            f"checkpoint {path} is corrupt or not a checkpoint and cannot be read "
            "(its pickle stream is damaged)."
        ) from None
    except Exception as exc:  # torch reports a damaged zip/pickle with many types
        raise ValueError(
            f"checkpoint {path} is corrupt or truncated and cannot be read "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})."
        ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") not in _READABLE_FORMATS:
        raise ValueError(f"{path} is not a scatkit checkpoint (format {CHECKPOINT_FORMAT}).")
    return ckpt


def convert_checkpoint(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Rewrite a trusted checkpoint of an earlier format as plain data.

    This unpickles ``src`` with ``weights_only=False``, which can run code stored in it:
    use it only on files you wrote yourself.

    Parameters
    ----------
    src : path
        The old checkpoint.
    dst : path
        Where the converted checkpoint is written (atomically).
    """
    ckpt = torch.load(Path(src), map_location="cpu", weights_only=False)
    if not isinstance(ckpt, dict) or ckpt.get("format") not in _READABLE_FORMATS:
        raise ValueError(f"{src} is not a scatkit checkpoint.")
    ckpt = _plain(dict(ckpt, format=CHECKPOINT_FORMAT))
    with atomic_path(dst) as tmp:
        torch.save(ckpt, tmp)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "convert":
        sys.exit("usage: python -m scatkit.training.checkpoints convert OLD.pt NEW.pt")
    convert_checkpoint(sys.argv[2], sys.argv[3])
    print(f"wrote {sys.argv[3]}")
