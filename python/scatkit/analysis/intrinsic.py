"""Intrinsic dimension by TwoNN (Facco, d'Errico, Rodriguez, Laio, Sci. Rep. 7:12140, 2017).

For each point, ``mu = r2 / r1``, the ratio of the distances to its second and first nearest
neighbours. On a locally uniform ``d``-dimensional manifold ``mu`` is Pareto distributed,
``F(mu) = 1 - mu^-d``, so ``-log(1 - F(mu)) = d log(mu)``: ``d`` is the slope, through the
origin, of the empirical ``-log(1 - F)`` against ``log(mu)``. As in the paper, the largest
``discard_fraction`` of the ``mu`` (the points most exposed to curvature and density changes)
are left out of the fit. Points with ``r1 = 0`` (duplicates) are dropped first. This is the
same estimator as ``skdim.id.TwoNN(method="linear")``; the tests compare the two.
"""

from __future__ import annotations

import numpy as np


def twonn(r1: np.ndarray, r2: np.ndarray, discard_fraction: float = 0.1) -> float:
    """TwoNN intrinsic dimension from each point's first and second neighbour distances.

    Parameters
    ----------
    r1, r2 : ndarray (n,)
        Distances to the nearest and second-nearest other point.
    discard_fraction : float
        Fraction of the largest ``mu = r2 / r1`` left out of the fit (0.1 in the paper).

    Returns
    -------
    float
        The estimated dimension (``nan`` with fewer than 2 usable points).
    """
    if not 0 <= discard_fraction < 1:
        raise ValueError(f"discard_fraction must be in [0, 1), got {discard_fraction!r}.")
    r1 = np.asarray(r1, dtype=np.float64)
    r2 = np.asarray(r2, dtype=np.float64)
    ok = r1 > 0
    mu = np.sort(r2[ok] / r1[ok])
    N = len(mu)
    keep = int(N * (1 - discard_fraction))
    if keep < 2:
        return float("nan")
    x = np.log(mu[:keep])
    F = np.arange(1, keep + 1) / N
    yv = -np.log1p(-F)
    return float(np.dot(x, yv) / np.dot(x, x)) if np.dot(x, x) > 0 else float("inf")
