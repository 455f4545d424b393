"""What several commands share: the user-facing error, option parsing, dataset loading."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np


class CLIError(Exception):
    """A user-facing error: its message is printed as one line, without a traceback."""


def eprint(*parts: Any) -> None:
    """Print to stderr at once (progress bars and stdout may interleave with it)."""
    print(*parts, file=sys.stderr, flush=True)


def one_line(message: str) -> str:
    """``message`` with every run of whitespace, newlines included, made one space."""
    return " ".join(str(message).split())


def fmt_pct(x: float) -> str:
    """A fraction as a percentage with one decimal."""
    return f"{100 * x:.1f}%"


def parse_threads(value: str) -> int:
    """``--threads``: ``auto`` (the idle cores) or a positive integer."""
    if value == "auto":
        from ..training import auto_threads

        return auto_threads()
    try:
        n = int(value)
    except ValueError:
        raise CLIError(f"--threads must be 'auto' or a positive integer, got {value!r}.") from None
    if n < 1:
        raise CLIError(f"--threads must be 'auto' or a positive integer, got {value!r}.")
    return n


def parse_size(values: list[int] | None) -> tuple[int, int] | None:
    """``--size H [W]`` as ``(H, W)``; one value means a square."""
    if values is None:
        return None
    if len(values) not in (1, 2) or min(values) < 1:
        raise CLIError(f"--size takes one or two positive integers (H [W]), got {values}.")
    return (values[0], values[-1])


def load_dataset(name: str, root: str | None, size: tuple[int, int] | None, color: bool) -> Any:
    """Load a named dataset; ``folder`` needs ``root``."""
    from .. import datasets

    key = name.strip().lower()
    if key not in datasets.available():
        raise CLIError(
            f"unknown dataset {name!r}; valid names are: {', '.join(datasets.available())}."
        )
    kwargs: dict[str, Any] = {}
    if key in ("cifar10", "stl10") and root is not None:
        kwargs["root"] = root
    if key == "folder":
        if root is None:
            raise CLIError("dataset 'folder' needs --root PATH (a folder of class sub-folders).")
        kwargs.update(root=root, size=size, grayscale=not color)
    ds = datasets.load(key, **kwargs)
    for skipped in ds.skipped:
        eprint(f"scatkit: skipped unreadable image {skipped}")
    return ds


def hybrid_features(
    model: Any,
    X: np.ndarray,
    what: str,
    cache_dir: str | None,
    use_cache: bool,
    progress: bool,
    log: Any = print,
) -> np.ndarray:
    """Cached scattering features of ``X`` for a hybrid model's front, with one log line."""
    from ..training import cached_scattering

    front = model.front
    res = cached_scattering(
        X,
        front.J,
        front.L,
        front.max_order,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
        desc=f"scattering {what}",
    )
    how = "cache hit" if res.hit else f"{res.images_per_second:.0f} images/s"
    log(f"scattering features ({what}): {res.features.shape} [{how}]")
    return res.features


def add_cache_options(p: argparse.ArgumentParser, what: str) -> None:
    """``--cache-dir`` and ``--no-cache`` of the commands that use the feature cache."""
    p.add_argument("--cache-dir", help=what)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")


def add_data_options(p: argparse.ArgumentParser) -> None:
    """``--root``, ``--size`` and ``--color`` of the commands that load a named dataset."""
    p.add_argument("--root", help="data folder (cifar10, stl10; required for 'folder')")
    p.add_argument("--size", type=int, nargs="+", metavar="N", help="resize folder images to H [W]")
    p.add_argument(
        "--color", action="store_true", help="keep RGB for folder images (default: grayscale)"
    )
