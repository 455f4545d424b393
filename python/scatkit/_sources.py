"""What ``scatkit extract`` reads: the image files of a folder, or a named dataset's images.

A :class:`Source` lists the items in a fixed order with their names, labels and a
fingerprint of the contents, so that a resumed extraction can tell whether its inputs
changed; :func:`read_item` reads one item as a float32 array.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: File extensions :func:`folder_source` treats as images.
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}
)
#: Datasets whose loader takes a ``root`` folder (the ``folder`` dataset is a path here).
_ROOTED_DATASETS = ("cifar10", "stl10")


@dataclass
class Source:
    """Items to extract: the image files of a folder, or the images of a named dataset."""

    kind: str  #: "folder" or "dataset"
    description: str  #: the folder path or the dataset's name
    names: list[str]  #: one per item: the path relative to the folder, or "<split>/<i>"
    labels: np.ndarray  #: int64 per item; -1 for files directly in the folder
    classes: list[str]
    fingerprint: str  #: hash of the contents, so a resume notices changed inputs
    files: list[Path] = field(default_factory=list)  #: folder sources
    images: np.ndarray | None = None  #: dataset sources, (n, [C,] H, W)
    split: list[str] | None = None  #: dataset sources: "train" or "test" per item


def folder_source(folder: str | os.PathLike, log: Callable[[str], None] | None = None) -> Source:
    """The image files below ``folder``, labelled by their first sub-folder (ImageFolder).

    Files without an image extension are left out and, when there are any, named in one
    line to ``log``.
    """
    folder = Path(folder)
    files, ignored = [], []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            path = Path(dirpath) / fn
            (files if path.suffix.lower() in IMAGE_EXTENSIONS else ignored).append(path)
    if ignored and log is not None:
        shown = ", ".join(str(p.relative_to(folder)) for p in ignored[:5])
        more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
        log(f"ignoring {len(ignored)} file(s) without an image extension: {shown}{more}")
    if not files:
        raise ValueError(
            f"no image files ({', '.join(sorted(IMAGE_EXTENSIONS))}) found in {folder}."
        )
    rel = [p.relative_to(folder) for p in files]
    # Files directly in the folder belong to no class: label -1.
    classes = sorted({r.parts[0] for r in rel if len(r.parts) > 1})
    index = {c: i for i, c in enumerate(classes)}
    names = [r.as_posix() for r in rel]
    h = hashlib.sha256()
    for p, name in zip(files, names):
        st = p.stat()
        h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return Source(
        kind="folder",
        description=str(folder),
        names=names,
        labels=np.array([index[r.parts[0]] if len(r.parts) > 1 else -1 for r in rel], np.int64),
        classes=classes,
        fingerprint=h.hexdigest(),
        files=files,
    )


def dataset_source(name: str, root: str | os.PathLike | None = None) -> Source:
    """Train then test images of a named dataset (see :func:`scatkit.datasets.load`)."""
    from . import datasets

    key = name.strip().lower()
    kwargs = {"root": root} if root is not None and key in _ROOTED_DATASETS else {}
    ds = datasets.load(key, **kwargs)
    images = np.concatenate([ds.X_train, ds.X_test])
    labels = np.concatenate([ds.y_train, ds.y_test])
    split = ["train"] * len(ds.X_train) + ["test"] * len(ds.X_test)
    h = hashlib.sha256(np.ascontiguousarray(images).tobytes())
    h.update(labels.tobytes())
    return Source(
        kind="dataset",
        description=ds.name,
        names=[f"{s}/{i}" for i, s in enumerate(split)],
        labels=labels,
        classes=list(ds.classes),
        fingerprint=h.hexdigest(),
        images=images,
        split=split,
    )


def resolve_source(
    path: str | os.PathLike,
    root: str | os.PathLike | None = None,
    log: Callable[[str], None] | None = None,
) -> Source:
    """A folder when ``path`` is one (see :func:`folder_source`), else a dataset name."""
    from .datasets import available

    names = [n for n in available() if n != "folder"]
    p = Path(path).expanduser()
    if p.is_dir():
        return folder_source(p, log)
    if p.is_file():
        raise ValueError(
            f"{path} is a file; extract takes a folder of images or a dataset name "
            f"({', '.join(names)})."
        )
    if str(path).strip().lower() in names:
        return dataset_source(str(path), root)
    raise ValueError(f"{path}: no such folder, and not a dataset name ({', '.join(names)}).")


def read_item(
    src: Source, i: int, color: bool, size: tuple[int, int] | None, resize: str
) -> np.ndarray:
    """Item ``i`` of ``src`` as float32 ``([C,] H, W)``; ValueError when unreadable."""
    if src.images is not None:
        return src.images[i]
    from .datasets import read_image

    return read_image(src.files[i], grayscale=not color, size=size, resize=resize)
