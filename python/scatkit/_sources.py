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
    max_pixels: int | None = None  #: folder sources: largest declared image (None: default)


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
    if log is not None:
        # An empty class folder gets no label (labels come from the folders holding images);
        # say so, since another split of the same data may have images in it.
        top = sorted(d.name for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
        used = {p.relative_to(folder).parts[0] for p in files}
        empty = [d for d in top if d not in used]
        if empty:
            log(f"class folder(s) without images, left out of the classes: {', '.join(empty)}")
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

    limit = {} if src.max_pixels is None else {"max_pixels": src.max_pixels}
    return read_image(src.files[i], grayscale=not color, size=size, resize=resize, **limit)


def prepare_source(
    source: str | os.PathLike,
    root: str | os.PathLike | None,
    size: tuple[int, int] | None,
    color: bool,
    resize: str,
    log: Callable[[str], None] | None = None,
    max_pixels: int | None = None,
) -> tuple[Source, tuple[int, int], int]:
    """The source of ``source``, the image size to scatter and the image channels.

    Folder images take ``size`` (default: the first readable image's); datasets keep their
    own and refuse another ``size``.
    """
    src = resolve_source(source, root, log)
    src.max_pixels = max_pixels
    if src.images is not None:
        data_size = tuple(src.images.shape[-2:])
        if size is not None and tuple(size) != data_size:
            raise ValueError(
                f"--size resizes image folders only; {src.description} images are "
                f"{data_size[0]}x{data_size[1]}."
            )
        channels = 1 if src.images.ndim == 3 else int(src.images.shape[1])
        return src, data_size, channels  # type: ignore[return-value]
    size = tuple(size) if size is not None else _first_image_size(src, color, resize)
    return src, size, 3 if color else 1  # type: ignore[return-value]


def _first_image_size(src: Source, color: bool, resize: str) -> tuple[int, int]:
    for i in range(len(src.names)):
        try:
            img = read_item(src, i, color, None, resize)
        except ValueError:
            continue  # reported when its chunk is processed
        return tuple(img.shape[-2:])  # type: ignore[return-value]
    raise ValueError(f"none of the {len(src.names)} image files in {src.description} can be read.")


def sub_source(src: Source, lo: int, hi: int) -> Source:
    """Items ``lo:hi`` of ``src`` as a source of their own (what one extraction task reads)."""
    return Source(
        kind=src.kind,
        description=src.description,
        names=src.names[lo:hi],
        labels=src.labels[lo:hi],
        classes=src.classes,
        fingerprint=src.fingerprint,
        files=src.files[lo:hi],
        images=None if src.images is None else src.images[lo:hi],
        split=None if src.split is None else src.split[lo:hi],
        max_pixels=src.max_pixels,
    )
