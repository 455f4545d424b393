"""The Dataset container and the sampling helpers every loader shares.

Convention used by every loader in :mod:`scatkit.datasets`:

* images are ``float32`` in ``[0, 1]``;
* grayscale images have shape ``(n, H, W)``; colour images have shape
  ``(n, 3, H, W)`` with channels in RGB order (channel-first, as PyTorch and
  :class:`scatkit.Scattering2D` expect: the transform acts on the last two axes);
* labels are ``int64`` in ``0 .. len(classes) - 1`` and ``classes[k]`` names label ``k``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test image classification dataset held in NumPy arrays.

    Parameters
    ----------
    name : str
        Short name of the dataset (for example ``"digits"``).
    X_train, X_test : numpy.ndarray
        float32 images in [0, 1], shape ``(n, H, W)`` (grayscale) or ``(n, 3, H, W)``
        (RGB, channel-first). Train and test share the per-image shape.
    y_train, y_test : numpy.ndarray
        int64 labels in ``0 .. len(classes) - 1``.
    classes : tuple of str
        Class names; ``classes[k]`` is the name of label ``k``.
    skipped : tuple of str
        Files a loader could not read and left out (only image folders produce these).
    info : dict
        Loader-specific details (source folder, split parameters, tile origins, ...).
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Loaders build these themselves, so a failure here is a bug in a loader or a
        # hand-made Dataset; either way it must not travel further as a silent mismatch.
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        object.__setattr__(self, "skipped", tuple(str(s) for s in self.skipped))
        for split in ("train", "test"):
            X = getattr(self, f"X_{split}")
            y = getattr(self, f"y_{split}")
            if not isinstance(X, np.ndarray) or X.dtype != np.float32:
                raise TypeError(f"X_{split} must be a float32 NumPy array, got {_describe(X)}.")
            if X.ndim not in (3, 4):
                raise ValueError(
                    f"X_{split} must have shape (n, H, W) or (n, C, H, W), got {X.shape}."
                )
            if not isinstance(y, np.ndarray) or y.dtype != np.int64 or y.ndim != 1:
                raise TypeError(f"y_{split} must be a 1-D int64 NumPy array, got {_describe(y)}.")
            if len(y) != len(X):
                raise ValueError(
                    f"X_{split} holds {len(X)} images but y_{split} holds {len(y)} labels."
                )
            if y.size and (y.min() < 0 or y.max() >= len(self.classes)):
                raise ValueError(
                    f"y_{split} must lie in 0..{len(self.classes) - 1} "
                    f"({len(self.classes)} classes), got range {y.min()}..{y.max()}."
                )
        if self.X_train.shape[1:] != self.X_test.shape[1:]:
            raise ValueError(
                f"train and test images differ in shape: {self.X_train.shape[1:]} vs "
                f"{self.X_test.shape[1:]}."
            )

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one image: ``(H, W)`` or ``(C, H, W)``."""
        return tuple(self.X_train.shape[1:])

    @property
    def is_color(self) -> bool:
        """True for ``(n, C, H, W)`` images, False for grayscale ``(n, H, W)``."""
        return self.X_train.ndim == 4

    def balanced_train(self, n: int, seed: int = 0) -> Dataset:
        """Return a copy whose training set is a class-balanced subset of ``n`` images.

        The test set is unchanged. See :func:`balanced_subset` for how ``n`` is shared.
        """
        X, y, idx = balanced_subset(self.X_train, self.y_train, n, seed, return_indices=True)
        info = dict(self.info)
        info["train_subset"] = {"n": int(n), "seed": int(seed), "indices": idx}
        return Dataset(self.name, X, y, self.X_test, self.y_test, self.classes, self.skipped, info)

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, train={self.X_train.shape}, test={self.X_test.shape}, "
            f"classes={len(self.classes)}, skipped={len(self.skipped)})"
        )


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"array of dtype {a.dtype} and shape {a.shape}"
    return type(a).__name__


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds, so messages read ``2``, not ``np.int64(2)``."""
    return value.item() if isinstance(value, np.generic) else value


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}.")
    return int(seed)


def _check_labels(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}.")
    if X.ndim < 1 or len(X) != len(y):
        raise ValueError(
            f"X and y must hold the same number of samples, got X of shape {X.shape} and "
            f"{len(y)} labels."
        )
    return X, y


def balanced_subset(
    X: np.ndarray,
    y: np.ndarray,
    n: int,
    seed: int = 0,
    *,
    return_indices: bool = False,
) -> tuple[np.ndarray, ...]:
    """Draw a class-balanced subset of ``n`` samples, reproducible by ``seed``.

    Every class present in ``y`` gets ``n // k`` samples (``k`` = number of distinct
    labels). When ``n`` is not a multiple of ``k``, the ``n % k`` remaining samples go
    one each to ``n % k`` distinct classes drawn at random with the same seed, among the
    classes that hold more than ``n // k`` samples, so no class ever has more than one
    sample more than another. Within each class the
    samples are drawn without replacement; the result is shuffled (seeded) so classes
    are interleaved.

    Parameters
    ----------
    X : array_like, shape (n_samples, ...)
        Samples (any trailing shape).
    y : array_like, shape (n_samples,)
        Labels (any hashable, sortable dtype).
    n : int
        Total number of samples wanted, at least ``k``.
    seed : int
        Seed of the random generator; equal seeds give equal subsets.
    return_indices : bool
        Also return the indices into ``X``/``y`` that were taken.

    Returns
    -------
    X_sub, y_sub : numpy.ndarray
        The subset, plus ``indices`` when ``return_indices`` is True.

    Raises
    ------
    ValueError
        If ``n < k`` (some class would get nothing), ``n`` exceeds the samples available,
        or the classes are too small for shares that differ by at most one; the message
        gives the largest ``n`` that works.
    """
    X, y = _check_labels(X, y)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an integer number of samples, got {n!r}.")
    n = int(n)
    seed = _check_seed(seed)
    labels, counts = np.unique(y, return_counts=True)
    k = len(labels)
    if k == 0:
        raise ValueError("cannot draw a subset from an empty dataset.")
    if n < k:
        raise ValueError(
            f"n={n} is smaller than the number of classes ({k}); a balanced subset needs "
            f"at least one sample per class, so use n >= {k}."
        )
    if n > len(y):
        raise ValueError(f"n={n} exceeds the {len(y)} samples available.")
    base, extra = divmod(n, k)
    spare = np.flatnonzero(counts > base)
    if counts.min() < base or len(spare) < extra:
        # Shares may differ by at most one, so the most one can draw is k * min + (number of
        # classes holding more than the minimum).
        largest = k * int(counts.min()) + int(np.sum(counts > counts.min()))
        short = ", ".join(
            f"class {_plain(lab)} has {int(c)}" for lab, c in zip(labels, counts) if c <= base
        )
        raise ValueError(
            f"n={n} over {k} classes needs {base} or {base + 1} samples per class, but {short}; "
            f"the largest balanced subset here has n={largest}."
        )
    rng = np.random.default_rng(seed)
    share = np.full(k, base, dtype=np.int64)
    share[rng.choice(spare, size=extra, replace=False)] += 1
    picked = []
    for i, label in enumerate(labels):
        members = np.flatnonzero(y == label)
        picked.append(rng.choice(members, size=int(share[i]), replace=False))
    idx = rng.permutation(np.concatenate(picked))
    if return_indices:
        return X[idx], y[idx], idx
    return X[idx], y[idx]


def check_test_size(test_size: Any) -> float:
    """Return ``test_size`` as a float in [0, 1), or raise TypeError/ValueError."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction in [0, 1), got {test_size!r}.")
    if not 0.0 <= float(test_size) < 1.0:
        raise ValueError(f"test_size must be a fraction in [0, 1), got {test_size}.")
    return float(test_size)


def stratified_split(
    y: np.ndarray, test_size: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train and test, class by class, reproducible by ``seed``.

    Each class with ``m`` samples sends ``round(m * test_size)`` of them to the test set,
    kept within ``1 .. m - 1`` when ``m >= 2`` and ``0 < test_size``, so every class with
    two or more samples appears on both sides. A class with a single sample stays in
    the training set.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Labels.
    test_size : float
        Fraction of each class that goes to the test set, ``0 <= test_size < 1``.
    seed : int
        Seed of the random generator.

    Returns
    -------
    train_idx, test_idx : numpy.ndarray
        Sorted int64 index arrays that partition ``range(len(y))``.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}.")
    test_size = check_test_size(test_size)
    rng = np.random.default_rng(_check_seed(seed))
    test = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        m = len(members)
        n_test = int(round(m * float(test_size)))
        if test_size > 0 and m >= 2:
            n_test = min(max(n_test, 1), m - 1)
        elif m < 2:
            n_test = 0
        test.append(rng.permutation(members)[:n_test])
    test_idx = np.sort(np.concatenate(test)).astype(np.int64) if test else np.zeros(0, np.int64)
    mask = np.ones(len(y), dtype=bool)
    mask[test_idx] = False
    return np.flatnonzero(mask).astype(np.int64), test_idx


def split_dataset(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    test_size: float,
    seed: int,
    **info: Any,
) -> Dataset:
    """Build a :class:`Dataset` from one pool of samples by a stratified split."""
    train_idx, test_idx = stratified_split(y, test_size, seed)
    info.update(
        test_size=float(test_size), seed=int(seed), train_indices=train_idx, test_indices=test_idx
    )
    return Dataset(
        name,
        np.ascontiguousarray(X[train_idx]),
        y[train_idx].astype(np.int64),
        np.ascontiguousarray(X[test_idx]),
        y[test_idx].astype(np.int64),
        classes,
        info=info,
    )


def unit_float(images: np.ndarray) -> np.ndarray:
    """Scale integer images to float32 in [0, 1] by the dtype's maximum value."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255)
    if images.dtype == np.uint16:
        return images.astype(np.float32) / np.float32(65535)
    if np.issubdtype(images.dtype, np.floating):
        return np.clip(images, 0.0, 1.0).astype(np.float32)
    raise TypeError(f"unsupported image dtype {images.dtype}; expected uint8, uint16 or float.")
