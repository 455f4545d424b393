"""Per-layer measures of a representation: accuracy, boundary, contraction, separation, ID.

:func:`layer_metrics` takes ``{layer name: (n, d) array}`` (what :func:`~.collect.collect`
and :func:`~.collect.scattering_layers` return) and the labels, and gives one row per layer.
All distances are Euclidean. Neighbour searches go through
:class:`~.neighbours.NeighbourSearch` (scikit-learn brute force; above ``search_dim``
dimensions, a random-projection search with exact re-ranking).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .boundary import boundary_curve, knn_correct
from .intrinsic import twonn
from .neighbours import NeighbourSearch, search_recall
from .projection import project

QUANTILES = (0.1, 0.5, 0.9)


def layer_scale(Z: np.ndarray) -> float:
    """``sqrt(trace Cov(Z))``, the root-mean-square distance of the points to their mean.

    Dividing a layer by it makes the mean squared distance between two random points equal
    to 2 in every layer; an isometry leaves it unchanged and a scaling by ``c`` multiplies it
    by ``|c|``.
    """
    Z = np.asarray(Z, dtype=np.float64)
    return float(np.sqrt(np.sum(np.var(Z, axis=0))))


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


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
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
        q10, med, q90 = _quantiles(ratio)
        out.update({f"{kind}_q10": q10, kind: med, f"{kind}_q90": q90})
    return out


def separation(
    search: NeighbourSearch, y: np.ndarray, dist: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """Per point: distance to the nearest other-class point over that to the nearest same-class.

    Uses the neighbour graph ``(dist, idx)`` where it holds both kinds of neighbour, and a
    search restricted to one class at a time for the points it does not cover. The ratio is
    ``inf`` for a point alone in its class and ``nan`` when both distances are 0.
    """
    y = np.asarray(y)
    same = y[idx] == y[:, None]
    n = len(y)
    rows = np.arange(n)
    d_same = np.where(same.any(1), dist[rows, same.argmax(1)], np.inf)
    d_other = np.where((~same).any(1), dist[rows, (~same).argmax(1)], np.inf)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        need_other = np.flatnonzero((y != c) & ~(~same).any(1))
        d_other[need_other] = np.minimum(
            d_other[need_other], search.nearest_in(members, need_other)
        )
        # Rare except with many classes: all of a point's k nearest are of other classes.
        need_same = members[~same[members].any(1)]
        d_same[need_same] = search.nearest_in(members, need_same)
    with np.errstate(divide="ignore", invalid="ignore"):
        return d_other / d_same


def linear_probe(
    Z: np.ndarray, y: np.ndarray, cv: int = 3, max_iter: int = 200, seed: int = 0
) -> float:
    """Mean cross-validated accuracy of a standardised logistic regression on ``Z``.

    Stratified, shuffled ``cv`` folds (fewer when a class has fewer members); L2 penalty with
    ``C = 1``; lbfgs stopped after ``max_iter`` iterations (convergence warnings are silenced:
    a probe that has not fully converged gives a lower bound).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = min(cv, int(np.unique(y, return_counts=True)[1].min()))
    if folds < 2:
        return float("nan")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(
            model, Z, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed)
        )
    return float(np.mean(scores))


def _standardized(Z: np.ndarray) -> np.ndarray:
    std = Z.std(0)
    return ((Z - Z.mean(0)) / np.where(std > 0, std, 1)).astype(np.float32)


def _one_layer(
    Z: np.ndarray, X: np.ndarray, y: np.ndarray, p: dict[str, Any]
) -> tuple[dict[str, Any], np.ndarray]:
    t0 = time.perf_counter()
    Z = np.asarray(Z, dtype=np.float32)
    if p["standardize"]:
        Z = _standardized(Z)
    ks = range(2, p["boundary_max_k"] + 1)
    K = max(p["knn_k"], ks[-1], 2)
    search = NeighbourSearch(Z, p["search_dim"], p["seed"])
    dist, idx = search.graph(K)
    labels = y[idx]
    curve = boundary_curve(labels, y, ks, p["tie_break"], p["self_vote"])
    sep = separation(search, y, dist, idx)
    con = contraction(Z, X, y, p["n_pairs"], p["normalise"], p["seed"])
    probe_Z = Z if p["probe_dim"] is None else project(Z, p["probe_dim"], p["seed"])
    sep_q = _quantiles(sep[np.isfinite(sep)])
    row = {
        "dim": Z.shape[1],
        "nn1_accuracy": float(np.mean(labels[:, 0] == y)),
        "knn_accuracy": float(np.mean(knn_correct(labels, y, p["knn_k"], p["tie_break"]))),
        "linear_accuracy": linear_probe(probe_Z, y, p["cv"], seed=p["seed"]),
        "boundary_points": float(curve[list(ks).index(p["boundary_k"])]),
        "contraction_same": con["same"],
        "contraction_diff": con["diff"],
        "contraction_same_q10": con["same_q10"],
        "contraction_same_q90": con["same_q90"],
        "contraction_diff_q10": con["diff_q10"],
        "contraction_diff_q90": con["diff_q90"],
        "separation": sep_q[1],
        "separation_q10": sep_q[0],
        "intrinsic_dim": twonn(dist[:, 0], dist[:, 1]),
        "search_recall": search_recall(search, idx, seed=p["seed"]),
    }
    row["seconds"] = time.perf_counter() - t0
    return row, curve


def layer_metrics(
    reps: Mapping[str, np.ndarray],
    y: Any,
    reference: str | None = None,
    knn_k: int = 10,
    boundary_k: int = 31,
    boundary_max_k: int = 31,
    tie_break: str = "nearest",
    self_vote: bool = False,
    n_pairs: int = 2000,
    normalise: bool = True,
    standardize: bool = False,
    search_dim: int | None = 512,
    probe_dim: int | None = 512,
    cv: int = 3,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """Measures of every layer of ``reps``, one row per layer, as a pandas DataFrame.

    Parameters
    ----------
    reps : mapping of str to ndarray (n, d)
        Layers in depth order, all of the same ``n`` points.
    y : array-like (n,)
        Class labels.
    reference : str, optional
        Layer against which contraction is measured (``||Phi x - Phi x'|| / ||x - x'||``):
        default ``"input"`` when present, else the first layer.
    knn_k : int
        ``k`` of ``knn_accuracy``.
    boundary_k, boundary_max_k : int
        ``boundary_points`` is the fraction kept at ``boundary_k`` of the nested procedure run
        for ``k = 2..boundary_max_k`` (Oyallon 2017: 31); the whole curve is in
        ``df.attrs["boundary_curve"]``.
    tie_break, self_vote : str, bool
        How ties and the point's own vote are handled in k-NN votes
        (:mod:`scatkit.analysis.boundary`); they apply to ``knn_accuracy`` (tie_break only)
        and to the boundary points.
    n_pairs, normalise : int, bool
        Pairs per kind and scale normalisation of :func:`contraction`.
    standardize : bool
        Standardise every feature (zero mean, unit variance) before all measures, as Oyallon's
        code does.
    search_dim : int or None
        Above this dimension, neighbours are searched in a random projection and re-ranked
        exactly (:mod:`scatkit.analysis.neighbours`); the ``search_recall`` column reports
        how often the exact nearest neighbour was found. ``None``: always exact.
    probe_dim : int or None
        Above this dimension, the linear probe runs on a random projection to ``probe_dim``
        dimensions (a linear classifier restricted to a random subspace: a lower bound of the
        full probe). ``None``: always the full layer.
    cv : int
        Folds of the linear probe.
    seed : int
        Seed of projections, pair sampling and folds.
    progress : callable, optional
        Called with each layer's name when that layer is done (e.g. to advance a progress bar).

    Returns
    -------
    pandas.DataFrame
        Columns ``layer, depth, n, dim, nn1_accuracy, knn_accuracy, linear_accuracy,
        boundary_points, contraction_same, contraction_diff`` (medians) and their 10% and 90%
        quantiles, ``separation`` (median of the per-point ratio nearest other-class distance
        over nearest same-class distance; > 1 where the nearest point is of the same class)
        and ``separation_q10``, ``intrinsic_dim`` (TwoNN), ``search_recall``, ``seconds``.
        ``attrs`` holds ``boundary_k`` (the k of the curve), ``boundary_curve``
        (``{layer: list of fractions}``) and ``params``.
    """
    import pandas as pd

    y = np.asarray(y)
    names = list(reps)
    if not names:
        raise ValueError("reps holds no layer.")
    n = len(y)
    for name in names:
        shape = np.shape(reps[name])
        if len(shape) != 2 or shape[0] != n:
            raise ValueError(f"layer {name!r} must be (n, d) with n = {n} labels, got {shape}.")
    if n < 3:
        raise ValueError("at least 3 points are needed.")
    if not 2 <= boundary_k <= boundary_max_k:
        raise ValueError(f"boundary_k must be in 2..{boundary_max_k}, got {boundary_k}.")
    if boundary_max_k > n - 1 or knn_k > n - 1 or knn_k < 1:
        raise ValueError(f"knn_k and boundary_max_k must be in 1..{n - 1} for {n} points.")
    if reference is None:
        reference = "input" if "input" in reps else names[0]
    if reference not in reps:
        raise ValueError(f"reference layer {reference!r} is not in reps.")
    params = {
        "reference": reference,
        "knn_k": knn_k,
        "boundary_k": boundary_k,
        "boundary_max_k": boundary_max_k,
        "tie_break": tie_break,
        "self_vote": self_vote,
        "n_pairs": n_pairs,
        "normalise": normalise,
        "standardize": standardize,
        "search_dim": search_dim,
        "probe_dim": probe_dim,
        "cv": cv,
        "seed": seed,
    }
    X = np.asarray(reps[reference], dtype=np.float32)
    if standardize:
        X = _standardized(X)
    rows, curves = [], {}
    for depth, name in enumerate(names):
        row, curve = _one_layer(reps[name], X, y, params)
        rows.append({"layer": name, "depth": depth, "n": n, **row})
        curves[name] = curve.tolist()
        if progress is not None:
            progress(name)
    df = pd.DataFrame(rows)
    df.attrs["boundary_k"] = list(range(2, boundary_max_k + 1))
    df.attrs["boundary_curve"] = curves
    df.attrs["params"] = params
    return df
