"""Options several commands share: how they are declared and how their values are checked."""

from __future__ import annotations

import argparse

from .._progress import PROGRESS_CHOICES, progress_mode
from ._common import CLIError


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
    add_max_pixels_option(p)


def add_max_pixels_option(p: argparse.ArgumentParser) -> None:
    """``--max-pixels``: the largest width x height an image file may declare."""
    p.add_argument(
        "--max-pixels",
        type=parse_max_pixels,
        default=None,
        metavar="N",
        help="skip image files whose header declares more than N pixels, before decoding "
        "them (default 100000000)",
    )


def parse_max_pixels(value: str) -> int:
    """``--max-pixels N``: a positive integer (``1e8`` and ``100_000_000`` also read)."""
    try:
        n = float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        n = 0
    if not n >= 1 or n != int(n):
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return int(n)


def add_progress_option(p: argparse.ArgumentParser) -> None:
    """``--progress auto|always|never`` and its older spelling ``--no-progress``."""
    p.add_argument(
        "--progress",
        choices=PROGRESS_CHOICES,
        default="auto",
        help="progress bars: 'auto' (default) draws them on a terminal and otherwise prints "
        "a plain line per epoch or every 10%% of the work; 'always' draws them anywhere; "
        "'never' shows none",
    )
    p.add_argument("--no-progress", action="store_true", help="same as --progress never")


def progress_choice(args: argparse.Namespace) -> str:
    """The ``--progress`` value, with ``--no-progress`` read as ``never``."""
    return "never" if getattr(args, "no_progress", False) else getattr(args, "progress", "auto")


def progress_bars(args: argparse.Namespace) -> bool:
    """True where ``--progress`` draws bars; for training runs whose command prints the epochs."""
    return progress_mode(progress_choice(args))
