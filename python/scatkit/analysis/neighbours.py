"""Nearest-neighbour graphs of one layer, with exact distances, through scikit-learn.

An exact all-pairs search costs ``n^2 d`` operations: at ``n = 10,000`` and ``d = 4,096``
it took 20 CPU-seconds per layer with scikit-learn (11 with faiss-cpu), against 2.6 on a
512-dim projection (bench/analysis_speed.py). Above ``search_dim`` dimensions the search therefore
runs on a seeded Gaussian projection (:func:`~.projection.project`) and asks for extra
candidates, whose exact distances in the full space are then computed and sorted
("re-ranking"). The result is exact whenever the true ``k`` neighbours are among the
candidates; :func:`search_recall` measures how often the true nearest neighbour is found.
"""

from __future__ import annotations

import numpy as np

from .projection import project

#: Extra candidates fetched in the projected space for exact re-ranking.
EXTRA_CANDIDATES = 16


def _search(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(base))
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(base)
    dist, idx = nn.kneighbors(queries)
    return dist.astype(np.float32), idx


def exact_distances(Z: np.ndarray, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """``||Z[rows[i]] - Z[cand[i, j]]||`` for every candidate, in chunks of bounded memory.

    Computed as ``sqrt(|a|^2 + |b|^2 - 2 a.b)`` so that only the candidates' rows are gathered
    (the cost is that gather: one pass over ``cand.size`` rows of ``Z``).
    """
    out = np.empty(cand.shape, np.float32)
    sq = np.einsum("ij,ij->i", Z, Z, dtype=np.float64)
    per_row = max(1, cand.shape[1] * Z.shape[1])
    step = max(1, (1 << 23) // per_row)  # ~32 MB of gathered float32 rows per chunk
    for s in range(0, len(rows), step):
        r, c = rows[s : s + step], cand[s : s + step]
        dots = np.einsum("mkd,md->mk", Z[c], Z[r], dtype=np.float64)
        d2 = sq[r][:, None] + sq[c] - 2.0 * dots
        out[s : s + step] = np.sqrt(np.maximum(d2, 0.0))
    # Identical rows: the expansion leaves rounding noise where the distance is exactly 0.
    out[cand == rows[:, None]] = 0.0
    return out


def _rerank(
    Z: np.ndarray, rows: np.ndarray, cand: np.ndarray, dist: np.ndarray, exact: bool
) -> tuple[np.ndarray, np.ndarray]:
    if exact:
        return dist, cand
    dist = exact_distances(Z, rows, cand)
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(dist, order, 1), np.take_along_axis(cand, order, 1)


class NeighbourSearch:
    """Nearest neighbours of the points of one layer ``Z`` (n, d), self excluded.

    Parameters
    ----------
    Z : ndarray (n, d)
        The layer.
    search_dim : int or None
        Dimension of the projected space in which candidates are searched; ``None`` or a
        value ``>= d`` searches the exact space directly.
    seed : int
        Seed of the projection.
    """

    def __init__(self, Z: np.ndarray, search_dim: int | None = 512, seed: int = 0) -> None:
        self.Z = np.ascontiguousarray(Z, dtype=np.float32)
        n, d = self.Z.shape
        self.exact = search_dim is None or d <= search_dim
        self.P = self.Z if self.exact else project(self.Z, int(search_dim), seed)
        self.extra = 0 if self.exact else EXTRA_CANDIDATES

    def graph(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices ``(n, k)`` of each point's ``k`` nearest other points.

        The point itself is removed by index, not by distance, so duplicates of a point stay
        its neighbours (at distance 0).
        """
        n = len(self.Z)
        k = min(k, n - 1)
        dist, idx = _search(self.P, self.P, k + 1 + self.extra)
        rows = np.arange(n)
        dist, idx = _rerank(self.Z, rows, idx, dist, self.exact)
        is_self = idx == rows[:, None]
        # A point absent from its own list (ties at distance 0) loses its farthest candidate.
        is_self[~is_self.any(axis=1), -1] = True
        keep = ~is_self
        cols = idx.shape[1] - 1
        return dist[keep].reshape(n, cols)[:, :k], idx[keep].reshape(n, cols)[:, :k]

    def nearest_in(self, members: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """Distance from each point of ``queries`` to its nearest *other* point of ``members``.

        Both are index arrays into ``Z``; a query that is itself a member is not its own
        neighbour. ``inf`` when no other member exists.
        """
        if len(queries) == 0:
            return np.empty(0, np.float32)
        if len(members) == 0:
            return np.full(len(queries), np.inf, np.float32)
        k = 2 + self.extra
        dist, pos = _search(self.P[members], self.P[queries], k)
        dist, cand = _rerank(self.Z, queries, members[pos], dist, self.exact)
        dist = np.where(cand == queries[:, None], np.inf, dist)
        return dist.min(axis=1)


def search_recall(
    search: NeighbourSearch, idx: np.ndarray, samples: int = 256, seed: int = 0
) -> float:
    """Fraction of sampled points whose exact nearest neighbour is ``idx[:, 0]`` (1 if exact).

    A neighbour at the same distance as the exact one counts as found.
    """
    if search.exact:
        return 1.0
    Z = search.Z
    n = len(Z)
    rng = np.random.default_rng(seed)
    rows = rng.choice(n, size=min(samples, n), replace=False)
    dist, cand = _search(Z, Z[rows], 2)
    # Drop the query itself from its exact list (by index).
    first = np.where(cand[:, 0] == rows, dist[:, 1], dist[:, 0])
    found = exact_distances(Z, rows, idx[rows, :1])[:, 0]
    return float(np.mean(found <= first * (1 + 1e-5) + 1e-12))
