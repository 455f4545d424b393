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
from .geometry import contraction, quantiles, separation
from .intrinsic import twonn
from .neighbours import NeighbourSearch, search_recall
from .projection import project


def jsonable(value: Any) -> Any:
    """A copy of nested dicts/lists of results that ``json.dumps`` writes as strict JSON.

    NumPy scalars become Python numbers, tuples lists, keys strings, and NaN or infinite
    floats (e.g. a linear probe that could not run) ``None``.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def threadpool_limits(**kwargs: Any) -> Any:
    """``threadpoolctl.threadpool_limits`` (a scikit-learn dependency), imported when used."""
    from threadpoolctl import threadpool_limits as limits

    return limits(**kwargs)


def linear_probe(
    Z: np.ndarray, y: np.ndarray, cv: int = 3, max_iter: int = 100, seed: int = 0
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
    search = NeighbourSearch(Z, p["search_dim"], p["seed"])
    # The rest makes many small BLAS calls; with several BLAS threads on a busy machine they
    # spin-wait (measured: the probe took 15 CPU-s with 2 threads, 0.7 with 1). scikit-learn's
    # neighbour search parallelises with OpenMP and sets its own BLAS limit.
    with threadpool_limits(limits=1, user_api="blas"):
        row, curve = _measures(search, Z, X, y, p, ks)
    row["seconds"] = time.perf_counter() - t0
    return row, curve


def _measures(
    search: NeighbourSearch,
    Z: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    p: dict[str, Any],
    ks: range,
) -> tuple[dict[str, Any], np.ndarray]:
    K = max(p["knn_k"], ks[-1], 2)
    dist, idx = search.graph(K)
    labels = y[idx]
    curve = boundary_curve(labels, y, ks, p["tie_break"], p["self_vote"])
    n = len(y)
    sample = p["separation_samples"]
    points = None
    if sample is not None and sample < n:
        points = np.sort(np.random.default_rng(p["seed"]).choice(n, sample, replace=False))
    sep = separation(search, y, dist, idx, points)
    con = contraction(Z, X, y, p["n_pairs"], p["normalise"], p["seed"])
    probe_Z = Z
    if p["probe_dim"] is not None:
        # Projecting the search's projection is cheaper and just as random, when it is wider.
        source = search.P if search.P.shape[1] >= p["probe_dim"] else Z
        probe_Z = project(source, p["probe_dim"], p["seed"] + 1)
    sep_q = quantiles(sep[np.isfinite(sep)])
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
    probe_dim: int | None = 256,
    separation_samples: int | None = 2000,
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
        dimensions (a linear classifier restricted to a random subspace; usually a little
        below the full probe, and much cheaper). ``None``: always the full layer.
    separation_samples : int or None
        ``separation`` is summarised over this many random points (default 2000; ``None``:
        all). Its quantiles need few points, while each point the neighbour graph leaves
        without an other-class neighbour costs a search over the other classes.
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
        "separation_samples": separation_samples,
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
