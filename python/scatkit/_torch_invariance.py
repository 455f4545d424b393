"""The invariance variants of docs/transform.md section 7 in differentiable torch operations.

``scatkit.torch.Scattering2D(invariance=...)`` uses these: "rotation" is a fixed averaging
matrix applied to the translation output (so its gradient is the translation transform's
hand-written adjoint followed by the matrix's transpose); the roto-translation variants are
computed here from the complex second-layer maps with plain autograd, on any device.
"""

from __future__ import annotations

import numpy as np
import torch

from ._torch_fft import _bandpass, _lowpass, _mul_periodize, _pad, _psi, split_filters
from ._validation import Geometry
from .reference_invariance import angular_filters


def angular_filter_bank(g: Geometry, invariance: str, K: int) -> np.ndarray:
    """Rows of the angular filters the variant uses, in its channel order (section 7)."""
    if invariance == "roto-translation":
        return angular_filters(2 * g.L, K)
    return angular_filters(g.L, K, mirrored=True)


def joint_index(L: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, r, flip), each (L delta, 2L t): a_delta[t] = Y[s, r], conjugated where flip."""
    t = np.arange(2 * L)[None, :]
    d = np.arange(L)[:, None]
    s = np.broadcast_to(t % L, (L, 2 * L))
    r = s + d
    return s.copy(), r % L, (r >= L) ^ (t >= L)


def _angular_abs(a: torch.Tensor, h: torch.Tensor, dim: int) -> torch.Tensor:
    """|a (*) h_f| along ``dim`` for every filter row f: the filter axis comes first."""
    fa = torch.fft.fft(a, dim=dim)
    shape = [1] * a.dim()
    shape[dim] = -1
    return torch.stack([torch.fft.ifft(fa * row.reshape(shape), dim=dim).abs() for row in h])


def roto_translation(
    x: torch.Tensor,
    filters: list[torch.Tensor],
    index: tuple[torch.Tensor, torch.Tensor],
    g: Geometry,
    invariance: str,
    K: int,
    h: torch.Tensor,
    joint: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
) -> torch.Tensor:
    """Roto-translation coefficients of x (B, M, N) -> (B, C, M', N'), with autograd."""
    J = g.J
    phi, psi = split_filters(filters, J)
    is_joint = invariance == "roto-translation"
    B = x.shape[0]
    X = torch.fft.fft2(_pad(x, *index))
    firsts = [_lowpass(X, phi[0], 2**J).unsqueeze(1)]
    seconds = []
    for j1 in range(J):
        v1 = torch.fft.fft2(_bandpass(X, _psi(psi, 0, j1), 2**j1).abs())
        s1 = _lowpass(v1, phi[j1], 2 ** (J - j1))
        firsts.append(s1.mean(dim=1, keepdim=True) if is_joint else s1)
        if g.max_order < 2:
            continue
        if is_joint:
            c = torch.cat([s1, s1], dim=1)
            seconds.append(_angular_abs(c, h[:K], dim=1).mean(dim=2).transpose(0, 1))
        for j2 in range(j1 + 1, J):
            k = 2 ** (j2 - j1)
            y = torch.fft.ifft2(_mul_periodize(v1.unsqueeze(2), _psi(psi, j1, j2), k))
            if is_joint:
                s, r, flip = joint
                a = y[:, s, r]
                a = torch.where(flip[None, :, :, None, None], a.conj().resolve_conj(), a)
                w = _angular_abs(a, h, dim=2).mean(dim=3).permute(1, 2, 0, 3, 4)
            else:
                w = _angular_abs(y, h, dim=1).permute(1, 3, 0, 2, 4, 5)
            lp = _lowpass(torch.fft.fft2(w), phi[j2], 2 ** (J - j2))
            seconds.append(lp.reshape((B, -1) + lp.shape[-2:]))
    return torch.cat(firsts + seconds, dim=1)
