"""The file index of an image folder: names and labels found without decoding any image."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .images import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS, check_max_pixels, probe_image

logger = logging.getLogger("scatkit.datasets")


@dataclass
class FolderIndex:
    """Image files under ``root/<class name>/``, in class order then sorted path order.

    Attributes
    ----------
    root : Path
        The folder of class sub-folders.
    classes : list of str
        Sub-folder names, sorted; label ``k`` is ``classes[k]``.
    files : numpy.ndarray
        Image file names relative to ``root``, file-system encoded bytes (one flat array,
        not a list of Python strings, so forked DataLoader workers share it without
        copying its pages); :meth:`path` gives one as a full path.
    labels : numpy.ndarray
        int64 label of each file.
    skipped : list of (str, str)
        ``(path, reason)`` of each file left out while indexing.
    """

    root: Path
    classes: list[str]
    files: np.ndarray
    labels: np.ndarray
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def path(self, i: int) -> str:
        """Full path of file ``i``."""
        return os.path.join(self.root, os.fsdecode(self.files[i]))


def scan_image_folder(
    root: str | os.PathLike,
    *,
    check_headers: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> FolderIndex:
    """Index ``root/<class name>/<image files>`` by file names, without decoding images.

    Class names are the sub-folder names in sorted order; files in nested folders below a
    class folder belong to that class; hidden files and folders are ignored. Files whose
    name does not end in an image extension are skipped, each logged once.

    Parameters
    ----------
    root : str or path-like
        The folder of class sub-folders.
    check_headers : bool
        Also read each file's header (a few bytes, no decoding) and skip empty files,
        non-images, corrupt headers and declared sizes over ``max_pixels`` up front.
    max_pixels : int
        Largest declared width x height accepted when ``check_headers`` is True.

    Raises
    ------
    FileNotFoundError, NotADirectoryError, ValueError
        If ``root`` is missing, a file, or holds no class sub-folders.
    """
    root = Path(root).expanduser()
    max_pixels = check_max_pixels(max_pixels)
    if not root.exists():
        raise FileNotFoundError(f"image folder {root} does not exist.")
    if not root.is_dir():
        raise NotADirectoryError(
            f"{root} is a file; expected a folder with one sub-folder per class."
        )
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        loose = [p.name for p in root.iterdir() if p.is_file()][:3]
        hint = f"it holds files such as {', '.join(loose)} directly" if loose else "it is empty"
        raise ValueError(
            f"{root} has no class sub-folders ({hint}); expected root/<class name>/<image files>, "
            "one sub-folder per class."
        )
    files: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    skipped: list[tuple[str, str]] = []
    for label, d in enumerate(class_dirs):
        names = []
        for p in sorted(d.rglob("*")):
            if not p.is_file() or any(part.startswith(".") for part in p.relative_to(d).parts):
                continue
            if p.suffix.lower() not in IMAGE_EXTENSIONS:
                skip(skipped, str(p), f"file name ending {p.suffix!r} is not an image format")
                continue
            if check_headers:
                try:
                    probe_image(p, max_pixels)
                except ValueError as exc:
                    skip(skipped, str(p), str(exc))
                    continue
            names.append(os.fsencode(p.relative_to(root)))
        files.append(np.array(names, dtype=bytes))
        labels.append(np.full(len(names), label, dtype=np.int64))
    return FolderIndex(
        root, [d.name for d in class_dirs], np.concatenate(files), np.concatenate(labels), skipped
    )


def skip(skipped: list[tuple[str, str]], path: str, reason: str) -> None:
    """Record a file left out and log it (once: callers record each file once)."""
    skipped.append((path, reason))
    logger.warning("skipping %s: %s", path, reason)


def warn_skipped(skipped: Sequence[tuple[str, str]], where: object, stacklevel: int) -> None:
    """One summary warning listing the first few skipped files, if any."""
    if not skipped:
        return
    shown = "; ".join(f"{p} ({why})" for p, why in skipped[:5])
    shown += "; ..." if len(skipped) > 5 else ""
    warnings.warn(
        f"skipped {len(skipped)} unreadable or non-image file(s) under {where}: {shown} "
        "(the full list is in Dataset.skipped).",
        stacklevel=stacklevel + 1,
    )
