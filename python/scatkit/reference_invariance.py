"""Pure Python implementation of the invariance variants of docs/transform.md, section 7.

The translation scattering stays in :mod:`scatkit.reference`; this module builds the rotation,
roto-translation and separable roto-translation variants on top of its filters and operators,
step by step in float64, sharing no code with the C++ engine. It is the yardstick the engine and
the front ends are checked against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_float_array, check_int

# scatkit.reference (and pyfftw and SciPy with it) is imported inside the class only: the front
# ends import this module at start-up for its tables, which must not cost a computation's imports.

__all__ = [
    "INVARIANCES",
    "ReferenceInvariantScattering2D",
    "angular_filters",
    "channel_count",
    "channel_table",
    "check_invariance",
    "rotation_average",
]

#: The values ``invariance=`` accepts, in the order docs/transform.md section 7 defines them.
INVARIANCES = ("translation", "rotation", "roto-translation", "roto-translation-separable")

# Angular wavelets per variant when ``angular_scales`` is 0 (section 7.3 and 7.4).
_DEFAULT_SCALES = {"roto-translation": 3, "roto-translation-separable": 2}


def check_invariance(invariance: Any, angular_scales: Any = 0) -> tuple[str, int]:
    """Validate ``invariance`` and ``angular_scales``; return (name, K) with K resolved.

    K is 0 for the variants without angular filters; ``angular_scales=0`` picks each variant's
    default (3 for "roto-translation", 2 for "roto-translation-separable").
    """
    if invariance not in INVARIANCES:
        raise ValueError(f"invariance must be one of {INVARIANCES}, got {invariance!r}.")
    K = check_int("angular_scales", angular_scales, 0)
    if invariance not in _DEFAULT_SCALES:
        return invariance, 0
    return invariance, K if K > 0 else _DEFAULT_SCALES[invariance]


def channel_count(J: int, L: int, max_order: int, invariance: str, K: int = 0) -> int:
    """Number of channels of a variant (docs/transform.md section 7)."""
    invariance, K = check_invariance(invariance, K)
    pairs = J * (J - 1) // 2 if max_order == 2 else 0
    if invariance == "translation":
        return 1 + J * L + L * L * pairs
    if invariance == "rotation":
        return 1 + J + L * pairs
    if invariance == "roto-translation":
        return 1 + J + (J * K + (K + 1) * L * pairs if max_order == 2 else 0)
    return 1 + J * L + (2 * K + 1) * L * L * pairs


def channel_table(J: int, L: int, max_order: int, invariance: str, K: int = 0) -> np.ndarray:
    """(C, 7) int32 table (order, j1, theta1, j2, theta2, delta, k) of a variant, -1 = n/a.

    For "translation" the last two columns are -1 and the first five are the SPEC's table.
    """
    invariance, K = check_invariance(invariance, K)
    rows = [(0, -1, -1, -1, -1, -1, -1)]
    if invariance in ("translation", "roto-translation-separable"):
        rows += [(1, j1, t1, -1, -1, -1, -1) for j1 in range(J) for t1 in range(L)]
    else:
        rows += [(1, j1, -1, -1, -1, -1, -1) for j1 in range(J)]
    if max_order == 2:
        for j1 in range(J):
            if invariance == "translation":
                rows += [
                    (2, j1, t1, j2, t2, -1, -1)
                    for t1 in range(L)
                    for j2 in range(j1 + 1, J)
                    for t2 in range(L)
                ]
            elif invariance == "rotation":
                rows += [(2, j1, -1, j2, -1, d, -1) for j2 in range(j1 + 1, J) for d in range(L)]
            elif invariance == "roto-translation":
                rows += [(2, j1, -1, -1, -1, -1, k) for k in range(K)]
                rows += [
                    (2, j1, -1, j2, -1, d, k)
                    for j2 in range(j1 + 1, J)
                    for d in range(L)
                    for k in range(K + 1)
                ]
            else:
                rows += [
                    (2, j1, t1, j2, t2, -1, f)
                    for j2 in range(j1 + 1, J)
                    for t2 in range(L)
                    for f in range(2 * K + 1)
                    for t1 in range(L)
                ]
    return np.asarray(rows, dtype=np.int32).reshape(-1, 7)


def angular_filters(A: int, K: int, mirrored: bool = False) -> np.ndarray:
    """Fourier angular filters on A samples (section 7): rows h_0..h_{K-1}, h_phi[, hbar_k].

    Returns a (K + 1, A) float64 array, or (2K + 1, A) with ``mirrored``, indexed by the FFT
    frequency index m (w_m = 2 pi m / A taken in (-pi, pi]).
    """
    m = np.arange(A)
    w = 2.0 * np.pi * np.where(m <= A // 2, m, m - A) / A

    def periodised(w: np.ndarray, s: float, c: float) -> np.ndarray:
        return sum(np.exp(-((w + 2.0 * np.pi * n - c) ** 2) / (2.0 * s * s)) for n in (-1, 0, 1))

    xi = [0.75 * np.pi * 2.0**-k for k in range(K)]
    rows = []
    for k in range(K):
        s = xi[k] / 2.0
        zero = np.zeros(1)
        beta = periodised(zero, s, xi[k])[0] / periodised(zero, s, 0.0)[0]
        rows.append(periodised(w, s, xi[k]) - beta * periodised(w, s, 0.0))
    s_phi = xi[K - 1] / 2.0
    rows.append(periodised(w, s_phi, 0.0) / periodised(np.zeros(1), s_phi, 0.0)[0])
    if mirrored:
        rows += [row[(-m) % A] for row in rows[:K]]
    return np.stack(rows)


def _translation_table(J: int, L: int) -> np.ndarray:
    return channel_table(J, L, 2, "translation")[:, :5]


def rotation_average(S: np.ndarray, J: int, L: int, max_order: int) -> np.ndarray:
    """The "rotation" channels (section 7.2) from translation coefficients S (..., K, H, W)."""
    lead = S.shape[:-3]
    out = [S[..., :1, :, :]]
    first = S[..., 1 : 1 + J * L, :, :].reshape(lead + (J, L) + S.shape[-2:])
    out.append(first.mean(axis=-3))
    if max_order == 2:
        # Where each (j1, t1, j2, t2) sits in the translation output (SPEC section 4 order).
        index = {tuple(row[1:]): i for i, row in enumerate(_translation_table(J, L))}
        for j1 in range(J):
            for j2 in range(j1 + 1, J):
                for d in range(L):
                    chans = [index[(j1, t, j2, (t + d) % L)] for t in range(L)]
                    out.append(S[..., chans, :, :].mean(axis=-3, keepdims=True))
    return np.concatenate(out, axis=-3)


class ReferenceInvariantScattering2D:
    """Plain NumPy invariance variants of (B, M, N) images, as docs/transform.md section 7.

    Parameters
    ----------
    J, shape, L, max_order
        As :class:`scatkit.reference.ReferenceScattering2D`.
    invariance : str, default "rotation"
        One of :data:`INVARIANCES`.
    angular_scales : int, default 0
        K, the number of angular wavelets; 0 takes the variant's default.
    threads : int, default 0
        FFT threads when pyfftw is used.
    """

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int = 8,
        max_order: int = 2,
        invariance: str = "rotation",
        angular_scales: int = 0,
        threads: int = 0,
    ) -> None:
        from .reference import ReferenceScattering2D

        self.invariance, self.angular_scales = check_invariance(invariance, angular_scales)
        self.plain = ReferenceScattering2D(J, shape, L=L, max_order=max_order, threads=threads)
        p = self.plain
        self.J, self.shape, self.L, self.max_order = p.J, p.shape, p.L, p.max_order
        self.out_spatial_shape = p.out_spatial_shape
        self.meta = channel_table(
            self.J, self.L, self.max_order, self.invariance, self.angular_scales
        )
        self.K = len(self.meta)
        K = max(self.angular_scales, 1)
        self.h_joint = angular_filters(2 * self.L, K)
        self.h_sep = angular_filters(self.L, K, mirrored=True)

    def __len__(self) -> int:
        return self.K

    def _second_layer(self, v1: np.ndarray, j1: int, j2: int) -> np.ndarray:
        """Complex Y[t1, t2] (b, L, L, P2, Q2) on the level-j2 grid, before the modulus."""
        from .reference import _ifft2, _periodize_mean

        y = v1[:, :, None] * self.plain.psi[j2][j1][None, None]
        return _ifft2(_periodize_mean(y, 2 ** (j2 - j1)), self.plain.threads)

    def _low_pass_real(self, w: np.ndarray, j: int) -> np.ndarray:
        from .reference import _fft2

        return self.plain._low_pass(_fft2(w, self.plain.threads), j)

    @staticmethod
    def _angular(a: np.ndarray, h: np.ndarray, axis: int) -> np.ndarray:
        """|a (*) h| along ``axis`` for each filter row of h: result has the filter axis first."""
        fa = np.fft.fft(a, axis=axis)
        shape = [1] * a.ndim
        shape[axis] = -1
        return np.stack([np.abs(np.fft.ifft(fa * row.reshape(shape), axis=axis)) for row in h])

    def _joint_sequence(self, y: np.ndarray) -> np.ndarray:
        """a_delta[t] (b, L delta, 2L t, P2, Q2) of section 7.3 from Y (b, L, L, P2, Q2)."""
        L = self.L
        t = np.arange(2 * L)[None, :]
        d = np.arange(L)[:, None]
        s = t % L
        r = s + d
        a = y[:, s, r % L]
        flip = (r >= L) ^ (t >= L)
        return np.where(flip[None, :, :, None, None], np.conj(a), a)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        from .reference import _fft2, _pad_widths

        J, L, K = self.J, self.L, self.angular_scales
        if self.invariance == "translation":
            return self.plain(x)
        if self.invariance == "rotation":
            return rotation_average(self.plain(x), J, L, self.max_order)
        M, N = self.shape
        pads = ((0, 0), _pad_widths(M, J), _pad_widths(N, J))
        X = _fft2(np.pad(x, pads, mode="reflect").astype(np.complex128), self.plain.threads)
        s0 = self.plain._low_pass(X, 0)[:, None]
        joint = self.invariance == "roto-translation"
        firsts, seconds = [], []
        for j1 in range(J):
            v1 = self.plain._band_pass(X, j1, 0)
            s1 = self.plain._low_pass(v1, j1)  # (b, L, h, w)
            firsts.append(s1.mean(axis=1, keepdims=True) if joint else s1)
            if self.max_order < 2:
                continue
            if joint:
                c = np.concatenate([s1, s1], axis=1)
                seconds.append(
                    self._angular(c, self.h_joint[:K], axis=1).mean(axis=2).swapaxes(0, 1)
                )
            for j2 in range(j1 + 1, J):
                y = self._second_layer(v1, j1, j2)
                if joint:
                    z = self._angular(self._joint_sequence(y), self.h_joint, axis=2).mean(axis=3)
                    # z: (K + 1 filters, b, L delta, P2, Q2) -> channels (delta, k).
                    lp = self._low_pass_real(np.moveaxis(z, 0, 2), j2)
                    seconds.append(lp.reshape((x.shape[0], L * (K + 1)) + lp.shape[-2:]))
                else:
                    z = self._angular(y, self.h_sep, axis=1)  # (F, b, L t1, L t2, P2, Q2)
                    lp = self._low_pass_real(np.transpose(z, (1, 3, 0, 2, 4, 5)), j2)
                    seconds.append(lp.reshape((x.shape[0], -1) + lp.shape[-2:]))
        return np.concatenate([s0] + firsts + seconds, axis=1)

    def __call__(self, x: Any) -> np.ndarray:
        """The variant's coefficients of ``x`` (B, M, N) as a float64 (B, C, M', N') array."""
        x = as_float_array(x)
        if x.ndim != 3 or x.shape[1:] != self.shape:
            raise ValueError(
                f"input must have shape (B, {self.shape[0]}, {self.shape[1]}), got {x.shape}."
            )
        from .reference import _BLOCK_ELEMENTS

        x = x.astype(np.float64)
        P, Q = self.plain.padded_shape
        per_image = (2 * self.angular_scales + 2) * self.L * self.L * P * Q // 4
        chunk = max(1, _BLOCK_ELEMENTS // per_image)
        parts = [self._transform(x[i : i + chunk]) for i in range(0, x.shape[0], chunk)]
        if not parts:
            return np.empty((0, self.K) + self.out_spatial_shape)
        return np.concatenate(parts, axis=0)


def scattering2d_invariant(x: Any, J: int, invariance: str, L: int = 8, **kw: Any) -> np.ndarray:
    """One-shot helper: the variant's coefficients of ``x`` (..., M, N)."""
    x = as_float_array(x)
    lead, shape = x.shape[:-2], x.shape[-2:]
    ref = ReferenceInvariantScattering2D(J, shape, L=L, invariance=invariance, **kw)
    out = ref(x.reshape((-1,) + tuple(shape)))
    return out.reshape(lead + out.shape[1:])
