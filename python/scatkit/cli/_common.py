"""What several commands share: the user-facing error, printing, dataset and feature loading."""

from __future__ import annotations

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


def load_dataset(
    name: str,
    root: str | None,
    size: tuple[int, int] | None,
    color: bool,
    max_pixels: int | None = None,
) -> Any:
    """Load a named dataset; ``folder`` needs ``root`` (and takes ``max_pixels``)."""
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
        if max_pixels is not None:
            kwargs["max_pixels"] = max_pixels
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
    progress: bool | str,
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
