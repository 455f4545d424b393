"""Input layout of the scikit-learn transformer: the image shape of a sample, and a plan cache."""

from __future__ import annotations

import math
import threading
import warnings
from typing import Any

import numpy as np

from ._validation import check_int
from .scattering import Scattering2D


class _PlanCache:
    """A fitted estimator's Scattering2D, the key it was built for, and a lock.

    A native plan owns one workspace, so two threads must not execute it at once; the lock
    serialises calls on this one plan only. Pickling keeps the key and the (lazily rebuilt)
    Scattering2D and creates a fresh lock.
    """

    def __init__(self, key: tuple, scattering: Scattering2D) -> None:
        self.key = key
        self.scattering = scattering
        self.lock = threading.Lock()

    def __reduce__(self) -> tuple:
        return (_PlanCache, (self.key, self.scattering))


def _check_image_shape(shape: Any) -> tuple[int, ...] | None:
    """Validate the ``shape`` parameter: None, (M, N) or (C, M, N)."""
    if shape is None:
        return None
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__"):
        raise TypeError(
            f"shape must be None, a pair (M, N) or a triple (C, M, N) of positive integers, "
            f"got {shape!r}."
        )
    if len(shape) not in (2, 3):
        raise ValueError(
            f"shape must be a pair (M, N) or a triple (C, M, N) of positive integers, got "
            f"{shape!r} ({len(shape)} entries)."
        )
    names = ("image height M", "image width N")
    if len(shape) == 3:
        names = ("channel count C",) + names
    return tuple(check_int(f"shape entry ({n})", s, 1) for n, s in zip(names, shape))


def square_side(n_features: int) -> int:
    """Side of the smallest square image (at least 2x2) that holds ``n_features`` values."""
    side = math.isqrt(n_features)
    return max(2, side if side * side == n_features else side + 1)


def _infer_image_shape(X: np.ndarray) -> tuple[int, ...]:
    """Per-sample image shape implied by validated input X when ``shape=None``.

    Flattened input is read as square images: ``sqrt(n_features)`` on a side when that is an
    integer of at least 2. Any other feature count has no image shape of its own; it is laid
    out row-major in the smallest square that holds it, the remaining pixels zero (with a
    warning saying so), so that any feature matrix can be transformed.
    """
    if X.ndim != 2:
        return tuple(int(s) for s in X.shape[1:])
    n_features = X.shape[1]
    side = square_side(n_features)
    if side * side != n_features:
        warnings.warn(
            f"X has {n_features} features, which is not the size of a square image: each "
            f"sample is taken as a {side}x{side} image holding the features row by row and "
            f"{side * side - n_features} zero pixels after them. Pass shape=(M, N) to "
            f"ScatteringTransformer if the features are (M, N) images.",
            UserWarning,
            stacklevel=3,
        )
    return (side, side)


def zero_fill(X: np.ndarray, side: int) -> np.ndarray:
    """Flattened samples (n, k) with k < side**2, as (n, side, side) images padded with zeros."""
    images = np.zeros((X.shape[0], side * side), dtype=X.dtype)
    images[:, : X.shape[1]] = X
    return images.reshape(X.shape[0], side, side)
