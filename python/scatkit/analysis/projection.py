"""Seeded random projections that keep pairwise distances, and how much they distort them.

A layer wider than a budget is mapped to ``k`` dimensions by ``x -> x @ R`` with ``R`` a
``(d, k)`` random matrix scaled so that ``E ||x R||^2 = ||x||^2``. By the
Johnson-Lindenstrauss lemma in the form of Dasgupta and Gupta (2003), for ``n`` points and

    k >= 4 ln(n) / (eps^2 / 2 - eps^3 / 3)

every pairwise distance is kept within a factor ``1 +- eps`` with probability at least
``1 - 1/n``; :func:`jl_epsilon` solves that for ``eps``. The bound is a worst case over all
``n^2 / 2`` pairs: the typical relative error of one distance is about ``sqrt(2 / k)``, which is
what :func:`pairwise_distortion` measures on a sample.

Two kinds of matrix:

- ``"gaussian"``: i.i.d. N(0, 1/k) entries, used while ``d * k`` stays under
  :data:`DENSE_LIMIT` entries.
- ``"sparse"``: the very sparse projection of Li, Hastie and Church (2006): each entry is
  ``+-sqrt(s/k)`` with probability ``1/(2s)`` each and 0 otherwise, ``s = sqrt(d)``, so it holds
  about ``k * sqrt(d)`` nonzeros. It obeys the same bound asymptotically; its error grows on
  very sparse or heavy-tailed data, which the measured distortion reports.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Largest dense projection matrix, in entries (256 MB of float32).
DENSE_LIMIT = 1 << 26


def projection_kind(d: int, k: int) -> str:
    """``"gaussian"`` when a dense ``(d, k)`` matrix fits :data:`DENSE_LIMIT`, else ``"sparse"``."""
    return "gaussian" if d * k <= DENSE_LIMIT else "sparse"


def gaussian_matrix(d: int, k: int, seed: int = 0) -> np.ndarray:
    """Dense ``(d, k)`` float32 matrix with i.i.d. N(0, 1/k) entries, seeded by ``(seed, d, k)``."""
    rng = np.random.default_rng([seed, d, k])
    R = rng.standard_normal((d, k), dtype=np.float32)
    R *= np.float32(1.0 / math.sqrt(k))
    return R


def sparse_entries(d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of a very sparse ``(d, k)`` projection (Li et al. 2006).

    Positions are drawn with replacement and then made unique; at ``k sqrt(d)`` draws out of
    ``d k`` cells the repeats are a fraction ``~ 1/(2 sqrt(d))`` of them, a negligible bias.
    """
    rng = np.random.default_rng([seed, d, k, 1])
    s = math.sqrt(d)
    nnz = int(rng.binomial(d * k, 1.0 / s))
    flat = np.unique(rng.integers(0, d * k, size=nnz, dtype=np.int64))
    rows, cols = np.divmod(flat, k)
    values = np.where(rng.random(flat.size) < 0.5, -1.0, 1.0).astype(np.float32)
    values *= np.float32(math.sqrt(s / k))
    return rows, cols, values


def jl_epsilon(n: int, k: int) -> float:
    """Smallest ``eps`` in (0, 1) with ``k >= 4 ln(n) / (eps^2/2 - eps^3/3)``; ``inf`` if none.

    With probability at least ``1 - 1/n``, a Gaussian projection to ``k`` dimensions keeps all
    pairwise distances of ``n`` points within ``1 +- eps`` (squared distances, strictly; the
    distances themselves then within ``sqrt(1 +- eps)``).
    """
    if n < 2:
        return 0.0
    need = 4.0 * math.log(n) / k
    top = 0.5 - 1.0 / 3.0  # eps^2/2 - eps^3/3 at eps = 1, its largest value on (0, 1]
    if need > top:
        return math.inf
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if mid * mid / 2 - mid**3 / 3 >= need:
            hi = mid
        else:
            lo = mid
    return hi


def pairwise_distortion(raw: np.ndarray, projected: np.ndarray) -> dict[str, float]:
    """Relative error ``| ||Px - Py|| / ||x - y|| - 1 |`` over all pairs of the given rows.

    Returns the median and the maximum over pairs with a nonzero original distance (both 0
    when there is no such pair).
    """
    a = np.asarray(raw, dtype=np.float64)
    b = np.asarray(projected, dtype=np.float64)
    iu = np.triu_indices(len(a), 1)
    da = _pair_distances(a)[iu]
    db = _pair_distances(b)[iu]
    keep = da > 0
    if not keep.any():
        return {"distortion_median": 0.0, "distortion_max": 0.0}
    err = np.abs(db[keep] / da[keep] - 1.0)
    return {"distortion_median": float(np.median(err)), "distortion_max": float(err.max())}


def _pair_distances(a: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", a, a)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (a @ a.T)
    return np.sqrt(np.maximum(d2, 0.0))


class RandomProjection:
    """The seeded ``(d, k)`` projection of :func:`projection_kind`, for NumPy or torch batches.

    The matrix depends only on ``(d, k, seed)``, so two layers of the same width, or two runs,
    get the same one. Torch batches are projected on their own device (a copy of the matrix
    is made there once), so only ``k`` values per sample leave a GPU.
    """

    def __init__(self, d: int, k: int, seed: int = 0) -> None:
        self.d, self.k, self.seed = int(d), int(k), int(seed)
        self.kind = projection_kind(self.d, self.k)
        self._dense = gaussian_matrix(self.d, self.k, seed) if self.kind == "gaussian" else None
        self._sparse: Any = None
        self._torch: Any = None

    def _entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return sparse_entries(self.d, self.k, self.seed)

    def __call__(self, a: np.ndarray) -> np.ndarray:
        """``a @ R`` for ``a`` of shape (m, d): float32 (m, k)."""
        a = np.asarray(a, dtype=np.float32)
        if self._dense is not None:
            return a @ self._dense
        if self._sparse is None:
            from scipy import sparse

            rows, cols, values = self._entries()
            self._sparse = sparse.csr_matrix((values, (cols, rows)), shape=(self.k, self.d))
        return np.asarray(self._sparse @ a.T, dtype=np.float32).T

    def torch(self, t: Any) -> Any:
        """``t @ R`` for a float torch tensor ``t`` of shape (m, d), on ``t``'s device."""
        import torch

        if self._torch is None or self._torch.device != t.device:
            if self._dense is not None:
                self._torch = torch.from_numpy(self._dense).to(t.device)
            else:
                rows, cols, values = self._entries()
                R = torch.sparse_coo_tensor(
                    torch.from_numpy(np.stack([cols, rows])),
                    torch.from_numpy(values),
                    (self.k, self.d),
                    check_invariants=True,
                )
                self._torch = R.coalesce().to(t.device)
        if self._dense is not None:
            return t @ self._torch
        return torch.sparse.mm(self._torch, t.T).T


def project(Z: np.ndarray, k: int, seed: int = 0, chunk: int = 4096) -> np.ndarray:
    """``Z @ R`` with the seeded :class:`RandomProjection`, chunk by chunk of rows.

    Returns ``Z`` itself (as float32) when it has ``k`` columns or fewer.
    """
    Z = np.asarray(Z, dtype=np.float32)
    n, d = Z.shape
    if d <= k:
        return Z
    R = RandomProjection(d, k, seed)
    out = np.empty((n, k), np.float32)
    for s in range(0, n, chunk):
        out[s : s + chunk] = R(Z[s : s + chunk])
    return out
