"""Contraction and separation of a layer: distances between its points, by class.

Following Mallat (2016), a good representation ``Phi`` contracts the space,
``||Phi x - Phi x'|| <= ||x - x'||``, while keeping classes apart,
``y(x) != y(x') => ||Phi x - Phi x'|| >= eps``. :func:`contraction` gives the distribution of
the ratio over random same- and other-class pairs; :func:`separation` the per-point ratio of
the nearest other-class distance to the nearest same-class distance.
"""

from __future__ import annotations

import numpy as np

from .neighbours import NeighbourSearch

QUANTILES = (0.1, 0.5, 0.9)


def layer_scale(Z: np.ndarray) -> float:
    """``sqrt(trace Cov(Z))``, the root-mean-square distance of the points to their mean.

    Dividing a layer by it makes the mean squared distance between two random points equal
    to 2 in every layer; an isometry leaves it unchanged and a scaling by ``c`` multiplies it
    by ``|c|``.
    """
    Z = np.asarray(Z)
    mean = Z.mean(axis=0, dtype=np.float64)
    total = 0.0
    for s in range(0, len(Z), 2048):  # bounded float64 temporaries
        centred = Z[s : s + 2048] - mean
        total += float(np.einsum("ij,ij->", centred, centred))
    return float(np.sqrt(total / len(Z)))


def _pairs(y: np.ndarray, n_pairs: int, same: bool, rng: np.random.Generator) -> np.ndarray:
    """``n_pairs`` random pairs ``(i, j)``, ``i != j``, of the same or of different classes."""
    order = np.argsort(y, kind="stable")
    classes, start, size = np.unique(y[order], return_index=True, return_counts=True)
    code = np.searchsorted(classes, y)
    n = len(y)
    ok = size[code] >= 2 if same else size[code] < n
    if not ok.any():
        return np.empty((0, 2), np.int64)
    i = rng.choice(np.flatnonzero(ok), n_pairs)
    c = code[i]
    if same:
        # A random other member of i's class: skip i's own slot in the sorted class block.
        r = rng.integers(0, size[c] - 1)
        pos_i = np.empty(n, np.int64)
        pos_i[order] = np.arange(n)
        slot = start[c] + r
        slot += slot >= pos_i[i]
        j = order[slot]
    else:
        # A random point outside i's class: a slot among the n - size[c] others.
        r = rng.integers(0, n - size[c])
        slot = r + np.where(r >= start[c], size[c], 0)
        j = order[slot]
    return np.stack([i, j], axis=1)


def quantiles(values: np.ndarray) -> tuple[float, float, float]:
    """The :data:`QUANTILES` (10%, median, 90%) of ``values``; ``nan`` when empty."""
    if len(values) == 0:
        return (float("nan"),) * 3  # type: ignore[return-value]
    q = np.quantile(values, QUANTILES)
    return float(q[0]), float(q[1]), float(q[2])


def contraction(
    Z: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    n_pairs: int = 2000,
    normalise: bool = True,
    seed: int = 0,
) -> dict[str, float]:
    """Quantiles of ``||Z_i - Z_j|| / ||X_i - X_j||`` over random same- and other-class pairs.

    Parameters
    ----------
    Z : ndarray (n, d)
        The layer, ``Phi x``.
    X : ndarray (n, d0)
        The reference representation of the same points (usually the input).
    y : ndarray (n,)
        Classes.
    n_pairs : int
        Pairs drawn for each of the two kinds.
    normalise : bool
        Divide ``Z`` and ``X`` by their :func:`layer_scale` first, so layers of any scale
        compare (the ratio is then 1 on average over pairs for a map that keeps the relative
        geometry). ``False`` gives the raw ratio: a scaling by ``c`` gives ``c``.
    seed : int
        Seed of the pair sampling.

    Returns
    -------
    dict
        ``same_q10, same, same_q90, diff_q10, diff, diff_q90`` (``same`` and ``diff`` are
        medians). Pairs at distance 0 in ``X`` are left out.
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    sz = layer_scale(Z) if normalise else 1.0
    sx = layer_scale(X) if normalise else 1.0
    out: dict[str, float] = {}
    for kind, same in (("same", True), ("diff", False)):
        p = _pairs(y, n_pairs, same, rng)
        dz = np.linalg.norm(np.asarray(Z[p[:, 0]], np.float64) - Z[p[:, 1]], axis=1)
        dx = np.linalg.norm(np.asarray(X[p[:, 0]], np.float64) - X[p[:, 1]], axis=1)
        ok = dx > 0
        ratio = (dz[ok] / sz) / (dx[ok] / sx) if sz > 0 else np.zeros(ok.sum())
        q10, med, q90 = quantiles(ratio)
        out.update({f"{kind}_q10": q10, kind: med, f"{kind}_q90": q90})
    return out


def separation(
    search: NeighbourSearch,
    y: np.ndarray,
    dist: np.ndarray,
    idx: np.ndarray,
    points: np.ndarray | None = None,
) -> np.ndarray:
    """Per point: distance to the nearest other-class point over that to the nearest same-class.

    Uses the neighbour graph ``(dist, idx)`` (all ``n`` points) where it holds both kinds of
    neighbour, and a search restricted to one class at a time for the points it does not
    cover. The ratio is ``inf`` for a point alone in its class and ``nan`` when both distances
    are 0.

    Parameters
    ----------
    points : ndarray of int, optional
        Only these points (default: all). The searches the graph leaves over cost up to a
        full ``n^2`` search when classes are well apart, so a sample keeps it cheap.
    """
    y = np.asarray(y)
    points = np.arange(len(y)) if points is None else np.asarray(points)
    same = y[idx[points]] == y[points, None]
    rows = np.arange(len(points))
    d = dist[points]
    d_same = np.where(same.any(1), d[rows, same.argmax(1)], np.inf)
    d_other = np.where((~same).any(1), d[rows, (~same).argmax(1)], np.inf)
    # Points the graph leaves without one kind of neighbour are searched again, one class at
    # a time: against the other classes' points, or against their own class.
    no_other = ~(~same).any(1)
    no_same = ~same.any(1)
    for c in np.unique(y[points]):
        members = y[points] == c
        need = np.flatnonzero(members & no_other)
        d_other[need] = search.nearest_in(np.flatnonzero(y != c), points[need])
        need = np.flatnonzero(members & no_same)
        d_same[need] = search.nearest_in(np.flatnonzero(y == c), points[need])
    with np.errstate(divide="ignore", invalid="ignore"):
        return d_other / d_same
