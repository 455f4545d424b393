"""Loaders for datasets in their official on-disk formats (CIFAR-10, STL-10, image folders)."""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._dataset import Dataset, check_test_size, split_dataset, unit_float
from .images import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,  # noqa: F401  (importable from here, as before)
    check_max_pixels,
    check_resize,
    check_size,
    read_image,
)
from .index import scan_image_folder, skip, warn_skipped

logger = logging.getLogger(__name__)

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
STL10_URL = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"


def default_root() -> Path:
    """Folder searched when a loader gets no ``root``: ``$SCATKIT_DATA`` or ``~/scatkit_data``."""
    env = os.environ.get("SCATKIT_DATA")
    return Path(env).expanduser() if env else Path.home() / "scatkit_data"


def _find_folder(root: str | os.PathLike | None, folder: str) -> Path:
    """Return the dataset folder: ``root/folder``, or ``root`` itself if it is named ``folder``."""
    base = default_root() if root is None else Path(root).expanduser()
    return base if base.name == folder else base / folder


def _missing(
    name: str, where: Path, expected: Sequence[str], missing: Sequence[str], url: str
) -> FileNotFoundError:
    archive = url.rsplit("/", 1)[-1]
    if len(missing) == len(expected):
        head = f"{name} not found"
    else:
        head = f"{name} is incomplete ({', '.join(missing)} missing)"
    return FileNotFoundError(
        f"{head}: expected the files {', '.join(expected)} in {where}. "
        f"Download {url} and unpack it into {where.parent} (for example "
        f"`tar xzf {archive} -C {where.parent}`), which creates {where.name}/, or pass "
        f"root= naming the folder that holds {where.name}/ (by default $SCATKIT_DATA, "
        f"else ~/scatkit_data)."
    )


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds only plain containers and NumPy arrays.

    The CIFAR-10 batches are pickles, and an ordinary pickle can run arbitrary code,
    so anything beyond the classes an array needs is refused.
    """

    _allowed = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),
        ("codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name} from a dataset pickle; CIFAR-10 batches "
                "only contain dicts, lists, bytes and NumPy arrays."
            )
        return super().find_class(module, name)


def _read_cifar_pickle(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            obj = _ArrayUnpickler(fh, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"{path} is not a readable CIFAR-10 python batch: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{path} should hold a dict, found {type(obj).__name__}.")
    # Batches pickled by Python 2 have bytes keys, re-pickled ones may have str keys.
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def cifar_batch_raw(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The uint8 ``(n, 3072)`` pixel rows and int64 labels of one CIFAR-10 python batch."""
    batch = _read_cifar_pickle(path)
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"{path} lacks the 'data' and 'labels' entries of a CIFAR-10 batch.")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(
            f"{path}: 'data' must be uint8 of shape (n, 3072), got {data.dtype} {data.shape}."
        )
    if labels.shape != (len(data),):
        raise ValueError(f"{path}: {len(data)} images but {labels.size} labels.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must lie in 0..9, got {labels.min()}..{labels.max()}.")
    return data, labels


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data, labels = cifar_batch_raw(path)
    # Each row is the red plane, then green, then blue, each 32x32 stored row by row.
    return unit_float(data.reshape(-1, 3, 32, 32)), labels


def cifar_python_folder(root: str | os.PathLike | None) -> tuple[Path, tuple[str, ...]]:
    """The ``cifar-10-batches-py`` folder under ``root`` (all files checked) and its classes."""
    folder = _find_folder(root, "cifar-10-batches-py")
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise _missing("CIFAR-10", folder, names, missing, CIFAR10_URL)
    meta = _read_cifar_pickle(folder / "batches.meta")
    label_names = meta.get("label_names")
    if not isinstance(label_names, (list, tuple)) or len(label_names) != 10:
        raise ValueError(f"{folder / 'batches.meta'} should list 10 label_names.")
    classes = tuple(n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in label_names)
    return folder, classes


def load_cifar10(root: str | os.PathLike | None = None) -> Dataset:
    """Load CIFAR-10 from the official python version (``cifar-10-batches-py``).

    Parameters
    ----------
    root : str or path-like, optional
        Folder that contains ``cifar-10-batches-py/`` (or that folder itself). By default
        ``$SCATKIT_DATA`` or ``~/scatkit_data``.

    Returns
    -------
    Dataset
        50,000 training and 10,000 test RGB images ``(n, 3, 32, 32)``, float32 in [0, 1].

    Raises
    ------
    FileNotFoundError
        If any of data_batch_1..5, test_batch or batches.meta is missing; the message
        says where to put them and where to download them.
    """
    folder, classes = cifar_python_folder(root)
    parts = [_cifar_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    X_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    X_test, y_test = _cifar_batch(folder / "test_batch")
    return Dataset("cifar10", X_train, y_train, X_test, y_test, classes, info={"root": str(folder)})


STL_SIDE = 96
STL_BYTES = 3 * STL_SIDE * STL_SIDE


def stl_labels(folder: Path, split: str, n_classes: int) -> np.ndarray:
    """Labels 0..n_classes-1 of an STL-10 split, after checking they match its image file."""
    nbytes = (folder / f"{split}_X.bin").stat().st_size
    labels = np.fromfile(folder / f"{split}_y.bin", dtype=np.uint8).astype(np.int64)
    if nbytes % STL_BYTES:
        raise ValueError(
            f"{folder / f'{split}_X.bin'} holds {nbytes} bytes, not a multiple of "
            f"{STL_BYTES} (one 3x96x96 image)."
        )
    n = nbytes // STL_BYTES
    if labels.size != n:
        raise ValueError(f"{split}_X.bin holds {n} images but {split}_y.bin {labels.size} labels.")
    if n and (labels.min() < 1 or labels.max() > n_classes):
        raise ValueError(
            f"{split}_y.bin labels must lie in 1..{n_classes}, got {labels.min()}..{labels.max()}."
        )
    return labels - 1


def stl_images(raw: np.ndarray) -> np.ndarray:
    """float32 ``(n, 3, 96, 96)`` images from STL-10's raw bytes."""
    # STL-10 stores each channel column by column (MATLAB order): swap to rows x columns.
    images = raw.reshape(-1, 3, STL_SIDE, STL_SIDE).transpose(0, 1, 3, 2)
    return unit_float(np.ascontiguousarray(images))


def _stl_split(folder: Path, split: str, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    labels = stl_labels(folder, split, n_classes)
    return stl_images(np.fromfile(folder / f"{split}_X.bin", dtype=np.uint8)), labels


def stl_folder(root: str | os.PathLike | None) -> tuple[Path, tuple[str, ...]]:
    """The ``stl10_binary`` folder under ``root`` (all files checked) and its classes."""
    folder = _find_folder(root, "stl10_binary")
    names = ["train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin", "class_names.txt"]
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise _missing("STL-10", folder, names, missing, STL10_URL)
    text = (folder / "class_names.txt").read_text(encoding="utf-8")
    classes = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not classes:
        raise ValueError(f"{folder / 'class_names.txt'} lists no class names.")
    return folder, classes


def load_stl10(root: str | os.PathLike | None = None) -> Dataset:
    """Load the labelled part of STL-10 from the official binary version (``stl10_binary``).

    Parameters
    ----------
    root : str or path-like, optional
        Folder that contains ``stl10_binary/`` (or that folder itself). By default
        ``$SCATKIT_DATA`` or ``~/scatkit_data``.

    Returns
    -------
    Dataset
        5,000 training and 8,000 test RGB images ``(n, 3, 96, 96)``, float32 in [0, 1];
        labels are the file's 1..10 minus one. The unlabelled split is not loaded.

    Raises
    ------
    FileNotFoundError
        If train_X.bin, train_y.bin, test_X.bin, test_y.bin or class_names.txt is missing.
    """
    folder, classes = stl_folder(root)
    X_train, y_train = _stl_split(folder, "train", len(classes))
    X_test, y_test = _stl_split(folder, "test", len(classes))
    return Dataset("stl10", X_train, y_train, X_test, y_test, classes, info={"root": str(folder)})


def load_image_folder(
    root: str | os.PathLike,
    size: tuple[int, int] | None = None,
    grayscale: bool = False,
    *,
    resize: str = "crop",
    test_root: str | os.PathLike | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Dataset:
    """Load labelled images laid out as ``root/<class name>/<image files>``.

    Class names are the sub-folder names in sorted order (label ``k`` is the k-th);
    images in nested folders below a class folder belong to that class; hidden files
    are ignored. Files that are not images, that OpenCV cannot decode or whose header
    declares more than ``max_pixels`` are skipped, each logged, all listed in a warning
    and in ``Dataset.skipped``. For folders too large for memory, iterate them with
    :func:`scatkit.datasets.stream` instead.

    Parameters
    ----------
    root : str or path-like
        The folder of class sub-folders.
    size : (H, W), optional
        Size of the returned images (see ``resize``). None requires all images to have
        one size already.
    grayscale : bool
        Return ``(n, H, W)`` grayscale images instead of ``(n, 3, H, W)`` RGB.
    resize : {"crop", "stretch"}
        ``"crop"`` keeps the aspect ratio and cuts the centre; ``"stretch"`` distorts.
    test_root : str or path-like, optional
        A second folder with the same class sub-folders holding the test set; without it
        the test set is a stratified ``test_size`` share of ``root``.
    test_size : float
        Fraction of each class held out when ``test_root`` is None (0 keeps all for training).
    seed : int
        Seed of that split.
    max_pixels : int
        Largest width x height an image file may declare, checked before decoding it.

    Returns
    -------
    Dataset
        float32 images in [0, 1].
    """
    size = check_size(size)
    check_resize(resize)
    if test_root is None:
        check_test_size(test_size)
    root = Path(root).expanduser()
    read_kw = {
        "grayscale": bool(grayscale),
        "size": size,
        "resize": resize,
        "max_pixels": check_max_pixels(max_pixels),
    }
    classes, X, y, skipped = _read_folder(root, read_kw)
    name = root.name or "folder"
    if test_root is None:
        ds = split_dataset(name, X, y, tuple(classes), test_size, seed, root=str(root))
        return dataclasses.replace(ds, skipped=tuple(skipped))
    test_root = Path(test_root).expanduser()
    test_classes, X_test, y_test, test_skipped = _read_folder(test_root, read_kw)
    if test_classes != classes:
        raise ValueError(
            f"the test folder's classes {test_classes} differ from the training folder's "
            f"classes {classes}."
        )
    if X_test.shape[1:] != X.shape[1:]:
        raise ValueError(
            f"test images have shape {X_test.shape[1:]} but training images {X.shape[1:]}; "
            "pass size=(H, W) to resize both."
        )
    info = {"root": str(root), "test_root": str(test_root)}
    return Dataset(name, X, y, X_test, y_test, tuple(classes), skipped + test_skipped, info=info)


def _read_folder(
    root: Path, read_kw: dict[str, Any]
) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    index = scan_image_folder(root)
    skipped = index.skipped
    images, labels = [], []
    for i, label in enumerate(index.labels.tolist()):
        path = index.path(i)
        try:
            img = read_image(path, **read_kw)
        except ValueError as exc:
            skip(skipped, path, str(exc))
            continue
        images.append(img)
        labels.append(label)
    warn_skipped(skipped, root, stacklevel=3)
    classes = index.classes
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(classes))
    empty = [c for c, n in zip(classes, counts) if n == 0]
    if empty:
        raise ValueError(
            f"class folder(s) {', '.join(empty)} under {root} contain no readable images."
        )
    shapes = {img.shape for img in images}
    if len(shapes) > 1:
        raise ValueError(
            f"images under {root} differ in size ({len(shapes)} shapes, e.g. "
            f"{sorted(shapes)[:3]}); pass size=(H, W) to resize them to one size."
        )
    return classes, np.stack(images), np.asarray(labels, dtype=np.int64), [p for p, _ in skipped]
