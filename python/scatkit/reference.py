"""Pure Python implementation of docs/transform.md, the yardstick for the fast engines.

Everything here follows the SPEC step by step in float64 with NumPy, so that it can be read
next to the SPEC and checked line by line. It shares no code with the C++ engine: the filters
are built from the formulas of SPEC section 2 and the transform follows SPEC section 4.
Speed comes only from vectorising over the batch and over the L angles, and from pyfftw's
threaded FFTs when pyfftw is installed (numpy.fft otherwise).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from ._validation import Geometry, as_float_array, check_int, check_types

try:
    import pyfftw
    import pyfftw.interfaces.numpy_fft as _pyfftw_fft
except ImportError:  # pragma: no cover - exercised only where pyfftw is missing
    _pyfftw_fft = None
else:
    # The interfaces cache keeps FFTW plans alive between calls on arrays of the same shape,
    # which is what the transform does over and over.
    pyfftw.interfaces.cache.enable()
    pyfftw.interfaces.cache.set_keepalive_time(30.0)

__all__ = [
    "FFT_LIBRARY",
    "ReferenceScattering2D",
    "channel_table",
    "filter_bank",
    "geometry",
    "padded_size",
    "scattering2d",
]

#: Which FFT library the reference runs on.
FFT_LIBRARY = "pyfftw" if _pyfftw_fft is not None else "numpy.fft"

# Kymatio's literal value of pi in the Gabor normalisation (SPEC section 2).
_KYMATIO_PI = 3.1415

# exp(-x) is exactly 0.0 in double precision for x above this, so Gabor tiles whose every
# point lies that far out in the Gaussian's metric contribute nothing and can be skipped.
_EXP_UNDERFLOW = 746.0

# Rough cap (in complex128 elements) on the big temporaries, to keep memory bounded for
# large images and batches.
_BLOCK_ELEMENTS = 1 << 22


# Below this many elements an FFT call is too small to gain from threads (starting them costs
# more than the transform).
_MIN_THREADED_ELEMENTS = 1 << 18


# -- FFTs ------------------------------------------------------------------------------------
def _threads_for(a: np.ndarray, threads: int) -> int:
    return threads if a.size >= _MIN_THREADED_ELEMENTS else 1


def _fft2(a: np.ndarray, threads: int) -> np.ndarray:
    """Forward 2D FFT over the last two axes, unnormalised (NumPy convention)."""
    if _pyfftw_fft is not None:
        return _pyfftw_fft.fft2(
            a, axes=(-2, -1), threads=_threads_for(a, threads), planner_effort="FFTW_ESTIMATE"
        )
    return np.fft.fft2(a, axes=(-2, -1))


def _ifft2(a: np.ndarray, threads: int) -> np.ndarray:
    """Inverse 2D FFT over the last two axes, divided by the grid size (NumPy convention)."""
    if _pyfftw_fft is not None:
        return _pyfftw_fft.ifft2(
            a, axes=(-2, -1), threads=_threads_for(a, threads), planner_effort="FFTW_ESTIMATE"
        )
    return np.fft.ifft2(a, axes=(-2, -1))


# -- SPEC section 1: padding -----------------------------------------------------------------
def padded_size(n: int, J: int) -> int:
    """Padded length of an image side of length ``n`` (SPEC section 1)."""
    return ((n + 2**J) // 2**J + 1) * 2**J


def geometry(J: Any, shape: Any, L: Any = 8, max_order: Any = 2) -> Geometry:
    """Validate (J, shape, L, max_order) by the SPEC's rules and return the transform's sizes.

    Kept apart from the engine's ``scatkit._core.geometry`` on purpose: the two are computed
    independently, and ``tests/python/test_geometry.py`` checks that they agree.

    Raises
    ------
    TypeError
        For values that are not integers, or a shape that is not a pair.
    ValueError
        For a transform the SPEC does not define (section 1: ``2**J <= min(M, N)``).
    """
    J, (M, N), L, max_order = check_types(J, shape, L, max_order)
    if J < 1:
        raise ValueError(f"J must be >= 1, got {J}.")
    if L < 1:
        raise ValueError(f"L must be >= 1, got {L}.")
    if max_order not in (1, 2):
        raise ValueError(f"max_order must be 1 or 2, got {max_order}.")
    if M < 2 or N < 2:
        raise ValueError(
            f"images must be at least 2x2 pixels (a 1-pixel side cannot be reflect-padded), "
            f"got shape {(M, N)}."
        )
    largest = min(M, N).bit_length() - 1  # the largest J with 2**J <= min(M, N)
    if J > largest:
        # 2**J is spelt out only while it is short enough to read.
        need = 2**J if J <= 64 else f"2**{J}"
        raise ValueError(
            f"J={J} needs images of at least 2**J={need} pixels per side, got shape {(M, N)}; "
            f"use J <= {largest}."
        )
    P, Q = padded_size(M, J), padded_size(N, J)
    K = 1 + J * L + (L * L * J * (J - 1) // 2 if max_order == 2 else 0)
    top, left = _pad_widths(M, J)[0], _pad_widths(N, J)[0]
    return Geometry(M, N, J, L, max_order, P, Q, top, left, P // 2**J - 2, Q // 2**J - 2, K)


def _pad_widths(n: int, J: int) -> tuple[int, int]:
    """(before, after) reflect-pad widths of a side of length ``n``."""
    extra = padded_size(n, J) - n
    return extra // 2, (extra + 1) // 2


# -- SPEC section 2: filters -----------------------------------------------------------------
def _gabor(P: int, Q: int, sigma: float, theta: float, xi: float, slant: float) -> np.ndarray:
    """Spatial Gabor filter on the P x Q grid, summed over the 5 x 5 periodic tiles."""
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    rot = np.array([[cos_t, -sin_t], [sin_t, cos_t]])
    curv = rot @ np.diag([1.0, slant * slant]) @ np.linalg.inv(rot) / (2.0 * sigma * sigma)

    # Tile offsets (ex, ey) in {-2..2}^2. A tile whose nearest point u to the origin already
    # has u^T A u above the underflow limit adds exact zeros and is left out.
    ex, ey = np.meshgrid(np.arange(-2, 3), np.arange(-2, 3), indexing="ij")
    ex, ey = ex.ravel(), ey.ravel()
    gap_x = np.maximum(0, np.maximum(ex * P, -(ex * P + P - 1)))
    gap_y = np.maximum(0, np.maximum(ey * Q, -(ey * Q + Q - 1)))
    smallest_eigenvalue = np.linalg.eigvalsh(curv)[0]
    keep = smallest_eigenvalue * (gap_x**2.0 + gap_y**2.0) <= _EXP_UNDERFLOW
    ex, ey = ex[keep], ey[keep]

    # Coordinates of every kept tile: x[t, p] = p + ex[t] * P, y[t, q] = q + ey[t] * Q.
    y = (np.arange(Q)[None, :] + ey[:, None] * Q).astype(np.float64)[:, None, :]
    out = np.empty((P, Q), dtype=np.complex128)
    rows_per_block = max(1, _BLOCK_ELEMENTS // (len(ex) * Q))
    for start in range(0, P, rows_per_block):
        rows = np.arange(start, min(start + rows_per_block, P))
        x = (rows[None, :] + ex[:, None] * P).astype(np.float64)[:, :, None]
        quad = curv[0, 0] * x * x + (curv[0, 1] + curv[1, 0]) * x * y + curv[1, 1] * y * y
        phase = xi * (x * cos_t + y * sin_t)
        out[start : start + len(rows)] = np.exp(-quad + 1j * phase).sum(axis=0)
    return out / (2.0 * _KYMATIO_PI * sigma * sigma / slant)


def _morlet(P: int, Q: int, sigma: float, theta: float, xi: float, slant: float) -> np.ndarray:
    """Zero-mean Morlet filter: Gabor minus the multiple of its envelope with the same sum."""
    wave = _gabor(P, Q, sigma, theta, xi, slant)
    envelope = _gabor(P, Q, sigma, theta, 0.0, slant)
    return wave - (wave.sum() / envelope.sum()) * envelope


def _at_level(f: np.ndarray, r: int) -> np.ndarray:
    """Level-r version of a Fourier filter: keep the low band of each axis, fold aliases."""
    P, Q = f.shape
    Pr, Qr = P // 2**r, Q // 2**r
    k = np.arange(P)
    keep_rows = (k < P // 2 ** (r + 1)) | (k >= P - P // 2 ** (r + 1))
    k = np.arange(Q)
    keep_cols = (k < Q // 2 ** (r + 1)) | (k >= Q - Q // 2 ** (r + 1))
    kept = f * keep_rows[:, None] * keep_cols[None, :]
    # Index k = i * Pr + a folds onto a: sum over the alias numbers i (and likewise columns).
    return kept.reshape(2**r, Pr, 2**r, Qr).sum(axis=(0, 2))


def filter_bank(P: int, Q: int, J: int, L: int = 8) -> dict[str, list[Any]]:
    """Fourier filters of the transform on a padded P x Q grid (SPEC section 2), in float64.

    Parameters
    ----------
    P, Q : int
        Padded grid size; both must be multiples of ``2**J``.
    J : int
        Number of scales.
    L : int, default 8
        Number of angles.

    Returns
    -------
    dict
        ``{'psi': [{'j': j, 'theta': t, 'levels': [array, ...]}, ...], 'phi': [array, ...]}``
        with psi in index order n = j * L + t; ``levels[r]`` is the filter on the
        (P / 2**r) x (Q / 2**r) grid. The layout is that of ``scatkit._core.filter_bank``.
    """
    J = check_int("J", J, 1)
    L = check_int("L", L, 1)
    P = check_int("P", P, 1)
    Q = check_int("Q", Q, 1)
    if P % 2**J or Q % 2**J:
        raise ValueError(f"the padded grid must be divisible by 2**J={2**J}, got {P}x{Q}.")
    top_psi_level = max(J - 1, 1) - 1  # wavelets are only ever needed up to this level
    psi = []
    for j in range(J):
        for t in range(L):
            theta = (int(L - L / 2 - 1) - t) * np.pi / L
            spatial = _morlet(P, Q, 0.8 * 2**j, theta, 3.0 / 4.0 * np.pi / 2**j, 4.0 / L)
            fourier = np.fft.fft2(spatial).real
            levels = [_at_level(fourier, r) for r in range(min(j, top_psi_level) + 1)]
            psi.append({"j": j, "theta": t, "levels": levels})
    phi_fourier = np.fft.fft2(_gabor(P, Q, 0.8 * 2 ** (J - 1), 0.0, 0.0, 1.0)).real
    phi = [_at_level(phi_fourier, r) for r in range(J)]
    return {"psi": psi, "phi": phi}


# -- SPEC section 3: operators ---------------------------------------------------------------
def _periodize_mean(y: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k x k aliases of the last two axes: subsampling by k in space."""
    P, Q = y.shape[-2:]
    return y.reshape(y.shape[:-2] + (k, P // k, k, Q // k)).mean(axis=(-4, -2))


def _crop(y: np.ndarray) -> np.ndarray:
    """Drop one row and column on each side."""
    return y[..., 1:-1, 1:-1]


def channel_table(J: int, L: int, max_order: int) -> np.ndarray:
    """(K, 5) int32 table of (order, j1, theta1, j2, theta2) per channel, in SPEC order."""
    rows = [(0, -1, -1, -1, -1)]
    rows += [(1, j1, t1, -1, -1) for j1 in range(J) for t1 in range(L)]
    if max_order == 2:
        for j1 in range(J):
            for t1 in range(L):
                rows += [(2, j1, t1, j2, t2) for j2 in range(j1 + 1, J) for t2 in range(L)]
    return np.asarray(rows, dtype=np.int32).reshape(-1, 5)


# -- SPEC section 4: the transform -----------------------------------------------------------
class ReferenceScattering2D:
    """Plain NumPy scattering transform of (B, M, N) images, as docs/transform.md defines it.

    Parameters
    ----------
    J : int
        Number of scales (``2**J <= min(M, N)``).
    shape : tuple of int
        Image size ``(M, N)``.
    L : int, default 8
        Number of angles.
    max_order : {1, 2}, default 2
        Highest order computed.
    threads : int, default 0
        FFT threads when pyfftw is used; 0 means one per CPU core.
    pre_pad : bool, default False
        True: the input is already the padded (P, Q) grid (Kymatio's ``pre_pad``), so the
        reflect padding is skipped.

    Attributes
    ----------
    meta : numpy.ndarray
        (K, 5) int32 table (order, j1, theta1, j2, theta2), -1 where a field does not apply.
    """

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int = 8,
        max_order: int = 2,
        threads: int = 0,
        pre_pad: bool = False,
    ) -> None:
        g = geometry(J, shape, L, max_order)
        self.pre_pad = bool(pre_pad)
        self.J, self.shape, self.L, self.max_order = g.J, g.shape, g.L, g.max_order
        threads = check_int("threads", threads, 0)
        self.threads = threads if threads > 0 else (os.cpu_count() or 1)
        self.padded_shape = g.padded_shape
        self.out_spatial_shape = g.out_spatial_shape
        self.meta = channel_table(self.J, self.L, self.max_order)
        self.K = len(self.meta)

        filters = filter_bank(*self.padded_shape, self.J, self.L)
        self.phi = filters["phi"]
        # psi[j][r]: the L wavelets of scale j stacked on axis 0, at resolution level r.
        self.psi = [
            [
                np.stack([filters["psi"][j * self.L + t]["levels"][r] for t in range(self.L)])
                for r in range(len(filters["psi"][j * self.L]["levels"]))
            ]
            for j in range(self.J)
        ]

    def __len__(self) -> int:
        return self.K

    def _low_pass(self, v: np.ndarray, level: int) -> np.ndarray:
        """crop(real(ifft2(periodize_mean(V * phi_level, 2**(J - level))))) of a level grid."""
        y = _periodize_mean(v * self.phi[level], 2 ** (self.J - level))
        return _crop(_ifft2(y, self.threads).real)

    def _band_pass(self, v: np.ndarray, j: int, level: int) -> np.ndarray:
        """fft2(|ifft2(periodize_mean(V * psi_{j, .}, 2**(j - level)))|) for all L angles.

        ``v`` is (b, P, Q) at resolution ``level``; the result is (b, L, P', Q') at level ``j``.
        """
        y = v[:, None] * self.psi[j][level]
        if j > level:
            y = _periodize_mean(y, 2 ** (j - level))
        u = np.abs(_ifft2(y, self.threads))
        return _fft2(u, self.threads)

    def _transform(self, x: np.ndarray, out: np.ndarray) -> None:
        """Write the coefficients of the (b, M, N) float64 batch ``x`` into ``out``."""
        M, N = self.shape
        pads = ((0, 0), _pad_widths(M, self.J), _pad_widths(N, self.J))
        if not self.pre_pad:
            x = np.pad(x, pads, mode="reflect")
        X = _fft2(x.astype(np.complex128), self.threads)

        out[:, 0] = self._low_pass(X, 0)
        second = 1 + self.J * self.L  # next order-2 channel; they all follow the order-1 ones
        for j1 in range(self.J):
            v1 = self._band_pass(X, j1, 0)  # (b, L, ...) at level j1, reused for every j2
            first = 1 + j1 * self.L
            out[:, first : first + self.L] = self._low_pass(v1, j1)
            if self.max_order < 2:
                continue
            for t1 in range(self.L):
                for j2 in range(j1 + 1, self.J):
                    v2 = self._band_pass(v1[:, t1], j2, j1)
                    out[:, second : second + self.L] = self._low_pass(v2, j2)
                    second += self.L

    def __call__(self, x: Any) -> np.ndarray:
        """Scattering coefficients of ``x`` (B, M, N) as a float64 (B, K, M', N') array."""
        x = as_float_array(x)
        side = self.padded_shape if self.pre_pad else self.shape
        if x.ndim != 3 or x.shape[1:] != side:
            raise ValueError(f"input must have shape (B, {side[0]}, {side[1]}), got {x.shape}.")
        x = x.astype(np.float64)
        out = np.empty((x.shape[0], self.K) + self.out_spatial_shape, dtype=np.float64)
        P, Q = self.padded_shape
        chunk = max(1, _BLOCK_ELEMENTS // (self.L * P * Q))
        for start in range(0, x.shape[0], chunk):
            self._transform(x[start : start + chunk], out[start : start + chunk])
        return out


def scattering2d(x: Any, J: int, L: int = 8, max_order: int = 2) -> np.ndarray:
    """Scattering transform of ``x`` (..., M, N) as float64 (..., K, M', N'), via the reference.

    Builds the filters on every call; keep a :class:`ReferenceScattering2D` to reuse them.
    """
    x = as_float_array(x)
    if x.ndim < 2:
        raise ValueError(f"input must have shape (..., M, N), got {x.shape}.")
    lead, shape = x.shape[:-2], x.shape[-2:]
    ref = ReferenceScattering2D(J, shape, L=L, max_order=max_order)
    out = ref(x.reshape((-1,) + shape))
    return out.reshape(lead + out.shape[1:])
