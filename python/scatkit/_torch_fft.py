"""Pure ``torch.fft`` implementation of the SPEC, with a hand-written adjoint for autograd.

Everything here is plain tensor code that runs on any device ``torch.fft`` supports (CPU, CUDA).
Two entry points:

- :func:`scatter` computes the transform of a (B, M, N) batch.
- :func:`scatter_backward` computes the gradient with respect to that batch, given the gradient
  of the output. It recomputes the forward intermediates one wavelet at a time instead of
  keeping them all alive from the forward pass, so training through the transform costs a few
  batch-sized spectra of memory rather than every intermediate of every path.

The adjoints use the real inner product on complex tensors (``<a, b> = Re(sum(conj(a) * b))``),
which is PyTorch's convention for gradients of real losses with respect to complex tensors:
for a linear map ``A``, the gradient passes back through ``A^H``.
"""

from __future__ import annotations

import numpy as np
import torch

# The transform's sizes are the engine's (scatkit._core.geometry), like every front end's.
from ._validation import Geometry


def pad_index(g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Source row and column of every padded pixel (NumPy 'reflect', repeated if needed)."""
    rows = np.pad(np.arange(g.M), (g.pad_top, g.P - g.M - g.pad_top), mode="reflect")
    cols = np.pad(np.arange(g.N), (g.pad_left, g.Q - g.N - g.pad_left), mode="reflect")
    return rows.astype(np.int64), cols.astype(np.int64)


def filter_arrays(g: Geometry) -> list[np.ndarray]:
    """Fourier filters (float64) from the native filter bank, stacked by resolution level.

    Returns the flat list ``[phi_0, ..., phi_{J-1}, psi_0, psi_1, ..., psi_{J-2}]`` where
    ``phi_r`` is the low-pass at level r, ``psi_0`` (J, L, P, Q) holds every wavelet at level 0,
    and ``psi_r`` for r >= 1 (J-1-r, L, P/2**r, Q/2**r) holds the wavelets j = r+1..J-1 at level
    r (the only ones second-order paths need there). :func:`split_filters` undoes the flattening.
    """
    from . import _core

    fb = _core.filter_bank(g.P, g.Q, g.J, g.L)

    def wavelets(r: int, scales: range) -> np.ndarray:
        return np.stack(
            [np.stack([fb["psi"][j * g.L + t]["levels"][r] for t in range(g.L)]) for j in scales]
        )

    phis = [np.ascontiguousarray(fb["phi"][r], dtype=np.float64) for r in range(g.J)]
    psis = [wavelets(0, range(g.J))] + [wavelets(r, range(r + 1, g.J)) for r in range(1, g.J - 1)]
    return phis + [np.ascontiguousarray(p, dtype=np.float64) for p in psis]


def split_filters(
    filters: list[torch.Tensor], J: int
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Undo :func:`filter_arrays`' flattening: ``(phi_levels, psi_levels)``."""
    return list(filters[:J]), list(filters[J:])


def _psi(psi: list[torch.Tensor], r: int, j: int) -> torch.Tensor:
    """The L wavelets of scale j at level r, shape (L, P/2**r, Q/2**r)."""
    return psi[0][j] if r == 0 else psi[r][j - r - 1]


# -- linear building blocks and their adjoints ---------------------------------------------------
def _aliases(t: torch.Tensor, k: int) -> torch.Tensor:
    """View (..., P, Q) as (..., k, P/k, k, Q/k); [..., x, a, y, b] is (a + x P/k, b + y Q/k)."""
    *lead, p, q = t.shape
    return t.reshape(*lead, k, p // k, k, q // k)


def _mul_periodize(v: torch.Tensor, f: torch.Tensor, k: int) -> torch.Tensor:
    """SPEC periodize_mean(v * f, k) for spectra v (..., P, Q) and real filters f (..., P, Q).

    Sums the k*k aliases one at a time, so the full-resolution product (which for a stack of
    filters is L times larger than v) never exists.
    """
    if k == 1:
        return v * f
    va, fa = _aliases(v, k), _aliases(f, k)
    out = None
    for x in range(k):
        for y in range(k):
            term = va[..., x, :, y, :] * fa[..., x, :, y, :]
            out = term if out is None else out + term
    return out / (k * k)


def _mul_periodize_adj(
    g: torch.Tensor, f: torch.Tensor, k: int, sum_dim: int | None
) -> torch.Tensor:
    """Adjoint of :func:`_mul_periodize` with respect to v, summed over ``sum_dim`` if given.

    g is (..., P/k, Q/k); the result is (..., P, Q) (without ``sum_dim``): alias block (x, y)
    receives ``f[alias x, y] * g / k**2``.
    """
    if k == 1:
        out = g * f
        return out if sum_dim is None else out.sum(dim=sum_dim)
    fa = _aliases(f, k)
    rows = []
    for x in range(k):
        blocks = []
        for y in range(k):
            b = g * fa[..., x, :, y, :]
            blocks.append(b if sum_dim is None else b.sum(dim=sum_dim))
        rows.append(torch.stack(blocks, dim=-2))
    out = torch.stack(rows, dim=-4)
    *lead, _, p, _, q = out.shape
    return out.reshape(*lead, k * p, k * q) / (k * k)


def _lowpass(v: torch.Tensor, phi: torch.Tensor, k: int) -> torch.Tensor:
    """crop(real(ifft2(periodize(v * phi, k)))) for spectra v (..., P_r, Q_r)."""
    return torch.fft.ifft2(_mul_periodize(v, phi, k)).real[..., 1:-1, 1:-1]


def _lowpass_adj(g: torch.Tensor, phi: torch.Tensor, k: int) -> torch.Tensor:
    """Adjoint of :func:`_lowpass`: real maps (..., m, n) -> complex spectra (..., P_r, Q_r)."""
    g = torch.nn.functional.pad(g, (1, 1, 1, 1))
    # ifft2 = F^H / n, whose adjoint is F / n: the 'forward' normalisation.
    return _mul_periodize_adj(torch.fft.fft2(g, norm="forward"), phi, k, None)


def _bandpass(v: torch.Tensor, psi: torch.Tensor, k: int) -> torch.Tensor:
    """Complex wavelet responses ifft2(periodize(v * psi, k)) before the modulus.

    v is (B, P, Q), psi (T, P, Q); the result is (B, T, P/k, Q/k).
    """
    return torch.fft.ifft2(_mul_periodize(v.unsqueeze(1), psi, k))


def _bandpass_adj(gz: torch.Tensor, psi: torch.Tensor, k: int) -> torch.Tensor:
    """Adjoint of :func:`_bandpass`: (B, T, P/k, Q/k) -> (B, P, Q), summed over the T wavelets."""
    return _mul_periodize_adj(torch.fft.fft2(gz, norm="forward"), psi, k, sum_dim=1)


def _fft_real_adj(gv: torch.Tensor) -> torch.Tensor:
    """Adjoint of fft2 applied to a real map: Re(F^H gv) = Re(n * ifft2(gv))."""
    return torch.fft.ifft2(gv, norm="forward").real


def _modulus_adj(gu: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Adjoint of the derivative of |z|: gu * z / |z|, and 0 where z == 0 (no NaN)."""
    return gu * torch.sgn(z)


def _pad(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    return x.index_select(-2, rows).index_select(-1, cols)


def _pad_adj(
    g: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, M: int, N: int
) -> torch.Tensor:
    b, _, q = g.shape
    # Out of place, so that torch.func.vmap (jacrev) can batch g into the zero tensors.
    h = g.new_zeros(b, M, q).index_add(1, rows, g)
    return g.new_zeros(b, M, N).index_add(2, cols, h)


def _s2_offset(g: Geometry, j1: int, t1: int) -> int:
    """Channel index of the first second-order channel of the path n1 = (j1, t1)."""
    J, L = g.J, g.L
    before = L * sum(L * (J - 1 - j) for j in range(j1)) + t1 * L * (J - 1 - j1)
    return 1 + J * L + before


# -- the transform ------------------------------------------------------------------------------
def scatter(
    x: torch.Tensor,
    filters: list[torch.Tensor],
    index: tuple[torch.Tensor, torch.Tensor],
    g: Geometry,
) -> torch.Tensor:
    """Scattering transform of x (B, M, N) -> (B, K, M', N'), as the SPEC defines it.

    ``filters`` are :func:`filter_arrays` as tensors of x's dtype on x's device; ``index`` the
    padding indices of :meth:`Geometry.pad_index` on x's device.
    """
    J, L = g.J, g.L
    phi, psi = split_filters(filters, J)
    B = x.shape[0]
    out = x.new_empty(B, g.K, g.out_rows, g.out_cols)
    if B == 0:
        return out
    X = torch.fft.fft2(_pad(x, *index))
    out[:, 0] = _lowpass(X, phi[0], 2**J)
    for j1 in range(J):
        # All L angles of scale j1 at once: (B, L, P_j1, Q_j1).
        u1 = _bandpass(X, _psi(psi, 0, j1), 2**j1).abs()
        v1 = torch.fft.fft2(u1)
        del u1
        c = 1 + j1 * L
        out[:, c : c + L] = _lowpass(v1, phi[j1], 2 ** (J - j1))
        if g.max_order < 2:
            continue
        for t1 in range(L):
            c = _s2_offset(g, j1, t1)
            for j2 in range(j1 + 1, J):
                u2 = _bandpass(v1[:, t1], _psi(psi, j1, j2), 2 ** (j2 - j1)).abs()
                out[:, c : c + L] = _lowpass(torch.fft.fft2(u2), phi[j2], 2 ** (J - j2))
                c += L
    return out


# Images per backward chunk: chosen so that one chunk's largest temporaries (L second-order
# responses on the level-0 grid, complex) hold about this many elements. Smaller chunks save
# memory; GPUs get larger ones so that their kernels stay big enough to be efficient.
BACKWARD_CHUNK_ELEMENTS = {"cpu": 2**20, "cuda": 2**23}


def scatter_backward(
    x: torch.Tensor,
    grad_out: torch.Tensor,
    filters: list[torch.Tensor],
    index: tuple[torch.Tensor, torch.Tensor],
    g: Geometry,
) -> torch.Tensor:
    """Gradient of ``sum(scatter(x) * grad_out)`` with respect to x (B, M, N).

    Recomputes the forward path by path (one first-order wavelet at a time) on chunks of the
    batch, so the memory it needs is a handful of spectra of one chunk, not the intermediates
    of every path of every image.
    """
    B = x.shape[0]
    if B == 0:
        return torch.zeros_like(x)
    budget = BACKWARD_CHUNK_ELEMENTS.get(x.device.type, BACKWARD_CHUNK_ELEMENTS["cuda"])
    chunk = max(1, budget // (g.L * g.P * g.Q))
    if chunk >= B:
        return _scatter_backward(x, grad_out, filters, index, g)
    return torch.cat(
        [
            _scatter_backward(x[i : i + chunk], grad_out[i : i + chunk], filters, index, g)
            for i in range(0, B, chunk)
        ]
    )


def _scatter_backward(
    x: torch.Tensor,
    grad_out: torch.Tensor,
    filters: list[torch.Tensor],
    index: tuple[torch.Tensor, torch.Tensor],
    g: Geometry,
) -> torch.Tensor:
    J, L = g.J, g.L
    phi, psi = split_filters(filters, J)
    rows, cols = index
    X = torch.fft.fft2(_pad(x, rows, cols))
    gX = _lowpass_adj(grad_out[:, 0], phi[0], 2**J)
    for j1 in range(J):
        psi1 = _psi(psi, 0, j1)
        k1 = 2**j1
        for t1 in range(L):
            z1 = _bandpass(X, psi1[t1 : t1 + 1], k1)[:, 0]
            u1 = z1.abs()
            v1 = torch.fft.fft2(u1)
            del u1
            gv1 = _lowpass_adj(grad_out[:, 1 + j1 * L + t1], phi[j1], 2 ** (J - j1))
            if g.max_order == 2:
                c = _s2_offset(g, j1, t1)
                for j2 in range(j1 + 1, J):
                    psi2 = _psi(psi, j1, j2)
                    k2 = 2 ** (j2 - j1)
                    z2 = _bandpass(v1, psi2, k2)
                    gv2 = _lowpass_adj(grad_out[:, c : c + L], phi[j2], 2 ** (J - j2))
                    gz2 = _modulus_adj(_fft_real_adj(gv2), z2)
                    del z2, gv2
                    gv1 = gv1 + _bandpass_adj(gz2, psi2, k2)
                    del gz2
                    c += L
            del v1
            gz1 = _modulus_adj(_fft_real_adj(gv1), z1)
            del z1, gv1
            gX = gX + _bandpass_adj(gz1.unsqueeze(1), psi1[t1 : t1 + 1], k1)
            del gz1
    del X
    gxp = _fft_real_adj(gX)
    return _pad_adj(gxp, rows, cols, g.M, g.N)
