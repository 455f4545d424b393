"""Argument checks shared by every front end, each failing with a sentence a user understands.

The rules of a valid transform and its sizes are the engine's (``scatkit._core.geometry``); this
module checks only what Python must (integers, a pair of sides) and asks the engine the rest.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    from . import _core
except ImportError:  # pragma: no cover - only when the extension failed to build
    _core = None


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return value


def check_types(
    J: Any, shape: Any, L: Any, max_order: Any
) -> tuple[int, tuple[int, int], int, int]:
    """Check that (J, shape, L, max_order) are integers and a pair of sides; return them as ints.

    Only the Python side of the checks: which values make a valid transform is the engine's
    rule (:func:`check_geometry`), or the reference's own in ``scatkit.reference``.
    """
    J = check_int("J", J)
    L = check_int("L", L)
    max_order = check_int("max_order", max_order)
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
    return J, (M, N), L, max_order


@dataclass(frozen=True)
class Geometry:
    """Sizes of one transform, as the engine computes them (``scatkit._core.geometry``)."""

    M: int  #: image height
    N: int  #: image width
    J: int  #: number of scales
    L: int  #: number of angles
    max_order: int  #: highest order
    P: int  #: padded height
    Q: int  #: padded width
    pad_top: int  #: reflect-padded rows above the image
    pad_left: int  #: reflect-padded columns left of the image
    out_rows: int  #: output height M'
    out_cols: int  #: output width N'
    K: int  #: number of output channels

    @property
    def shape(self) -> tuple[int, int]:
        """Image size (M, N)."""
        return (self.M, self.N)

    @property
    def padded_shape(self) -> tuple[int, int]:
        """Size (P, Q) of the reflect-padded grid."""
        return (self.P, self.Q)

    @property
    def out_spatial_shape(self) -> tuple[int, int]:
        """Spatial size (M', N') of each output channel."""
        return (self.out_rows, self.out_cols)


# What the engine's C types hold: int for J, L and max_order, size_t for the sides.
_C_INT_RANGE = (-(2**31), 2**31 - 1)
_C_SIZE_MAX = 2**64 - 1


@functools.lru_cache(maxsize=256)
def engine_geometry(M: int, N: int, J: int, L: int, max_order: int) -> Geometry:
    """The engine's geometry for integer parameters; ValueError with its sentence if invalid."""
    for name, value in (("J", J), ("L", L), ("max_order", max_order)):
        if not _C_INT_RANGE[0] <= value <= _C_INT_RANGE[1]:
            raise ValueError(f"{name}={value} is out of range: it must fit a 32-bit integer.")
    if max(M, N) > _C_SIZE_MAX:
        raise ValueError(f"images of {M}x{N} are too large.")
    if _core is None:
        # Without the engine the reference is the only implementation, so its rules apply.
        from .reference import geometry

        return geometry(J, (M, N), L, max_order)
    g = _core.geometry(M, N, J, L, max_order)
    return Geometry(
        M, N, J, L, max_order, g.padded_rows, g.padded_cols, g.pad_top, g.pad_left,
        g.out_rows, g.out_cols, g.num_channels,
    )  # fmt: skip


def check_geometry(J: Any, shape: Any, L: Any, max_order: Any) -> Geometry:
    """Validate (J, shape, L, max_order) and return the transform's sizes, from the engine.

    Raises TypeError for values that are not integers (or a pair of sides), and ValueError with
    the engine's sentence for a transform it cannot compute.
    """
    J, (M, N), L, max_order = check_types(J, shape, L, max_order)
    return engine_geometry(M, N, J, L, max_order)


def check_params(
    J: Any, shape: Any, L: Any, max_order: Any
) -> tuple[int, tuple[int, int], int, int]:
    """Validate (J, shape, L, max_order) as the engine requires; return them normalised."""
    g = check_geometry(J, shape, L, max_order)
    return g.J, g.shape, g.L, g.max_order


def channel_table(g: Geometry) -> np.ndarray:
    """The engine's (K, 5) int32 channel table (order, j1, theta1, j2, theta2) for ``g``."""
    if _core is None:
        from .reference import channel_table as reference_table

        return reference_table(g.J, g.L, g.max_order)
    return _core.channel_table(g.M, g.N, g.J, g.L, g.max_order)


def as_float_array(x: Any, what: str = "input") -> np.ndarray:
    """Convert array-like input to a float32/float64 NumPy array, rejecting complex and objects.

    float32 and float64 stay in their precision (in native byte order); integers, booleans and
    float16 become float32; wider floats become float64. :func:`output_dtype` gives the dtype
    the front ends return.
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
    if kind == "f" and arr.dtype.itemsize in (4, 8):
        # Byte order belongs to the data, not its precision: big-endian float64 stays float64.
        return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))
    if kind == "f" and arr.dtype.itemsize > 8:
        return arr.astype(np.float64)
    return arr.astype(np.float32)


def output_dtype(dtype: Any) -> np.dtype:
    """The dtype every front end returns for real input of ``dtype`` (see the migration guide).

    float32 and float64 (either byte order) give themselves in native order; float16 is computed
    in float32 and returned as float16; integers and booleans give float32; wider floats float64.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize <= 8:
        return dtype.newbyteorder("=")
    return np.dtype(np.float64) if dtype.kind == "f" else np.dtype(np.float32)
