"""Argument checks shared by every front end, each failing with a sentence a user understands."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return value


def check_params(
    J: Any, shape: Any, L: Any, max_order: Any
) -> tuple[int, tuple[int, int], int, int]:
    """Validate (J, shape, L, max_order) as the SPEC requires; return them normalised."""
    J = check_int("J", J, 1)
    L = check_int("L", L, 1)
    max_order = check_int("max_order", max_order)
    if max_order not in (1, 2):
        raise ValueError(f"max_order must be 1 or 2, got {max_order}.")
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(
            f"shape must be a pair (M, N) of image height and width, got {shape!r}."
        ) from None
    if len(shape) != 2:
        raise ValueError(f"shape must be a pair (M, N) of image height and width, got {shape!r}.")
    M = check_int("shape[0] (image height)", shape[0], 1)
    N = check_int("shape[1] (image width)", shape[1], 1)
    if M < 2 or N < 2:
        raise ValueError(
            f"images must be at least 2x2 pixels (a 1-pixel side cannot be reflect-padded), "
            f"got shape {(M, N)}."
        )
    if 2**J > min(M, N):
        raise ValueError(
            f"J={J} needs images of at least 2**J={2**J} pixels per side, got shape {(M, N)}; "
            f"use J <= {int(np.log2(min(M, N)))}."
        )
    return J, (M, N), L, max_order


def as_float_array(x: Any, what: str = "input") -> np.ndarray:
    """Convert array-like input to a float32/float64 NumPy array, rejecting complex and objects.

    float32 and float64 stay as they are; integers, booleans and float16 become float32.
    """
    if hasattr(x, "__array__") or isinstance(x, (list, tuple, np.ndarray)):
        arr = np.asarray(x)
    else:
        raise TypeError(
            f"{what} must be a NumPy array (or array-like) of real numbers, got {type(x).__name__}."
        )
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{what} must be real-valued; got complex dtype {arr.dtype}. Pass x.real or abs(x)."
        )
    if kind not in "fiub":
        raise TypeError(f"{what} must hold real numbers, got dtype {arr.dtype}.")
    if arr.dtype == np.float64 or arr.dtype == np.float32:
        return arr
    if kind == "f" and arr.dtype.itemsize > 8:
        return arr.astype(np.float64)
    return arr.astype(np.float32)
