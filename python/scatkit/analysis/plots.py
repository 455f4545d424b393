"""Figures of per-layer measures (matplotlib, no pyplot: figures are plain objects, Agg-safe).

Every function returns a ``matplotlib.figure.Figure``; save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Accuracy columns drawn by :func:`plot_depth`, with their legend labels.
ACCURACIES = {"nn1_accuracy": "1-NN", "knn_accuracy": "k-NN", "linear_accuracy": "linear probe"}


def _as_models(metrics: Any) -> dict[str, Any]:
    """``{model name: DataFrame}`` from one frame, a mapping, or a frame with a "model" column."""
    if isinstance(metrics, Mapping):
        return dict(metrics)
    if "model" in getattr(metrics, "columns", ()):
        return {str(k): g for k, g in metrics.groupby("model", sort=False)}
    return {"": metrics}


def _figure(ncols: int, nrows: int = 1, size: float = 4.0) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size * ncols, 0.8 * size * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def plot_depth(
    metrics: Any,
    relative: bool | None = None,
    accuracies: Sequence[str] = tuple(ACCURACIES),
) -> Any:
    """Accuracy and boundary points against depth (the seed's slide 11), one or several models.

    Parameters
    ----------
    metrics : DataFrame, mapping of str to DataFrame, or DataFrame with a ``model`` column
        Output(s) of :func:`~.metrics.layer_metrics`.
    relative : bool, optional
        Put depth on ``[0, 1]`` (layer index over the last index), so models of different
        depths share an axis. Default: True for several models, False for one (whose layer
        names then label the ticks).
    accuracies : sequence of str
        Accuracy columns to draw.

    Returns
    -------
    matplotlib.figure.Figure
        Left: accuracies (solid 1-NN, dashed k-NN, dotted probe); right: boundary points.
    """
    models = _as_models(metrics)
    if relative is None:
        relative = len(models) > 1
    fig, axes = _figure(2)
    left, right = axes[0]
    styles = ["-", "--", ":", "-."]
    for m, (name, df) in enumerate(models.items()):
        depth = np.arange(len(df), dtype=float)
        x = depth / max(len(df) - 1, 1) if relative else depth
        color = f"C{m}"
        for s, col in enumerate(accuracies):
            label = ACCURACIES.get(col, col) + (f" ({name})" if name else "")
            left.plot(x, df[col], styles[s % 4], marker="o", ms=3, color=color, label=label)
        right.plot(x, df["boundary_points"], "-", marker="o", ms=3, color=color, label=name)
    left.set_ylabel("accuracy")
    params = getattr(next(iter(models.values())), "attrs", {}).get("params", {})
    k = f" (k = {params['boundary_k']})" if "boundary_k" in params else ""
    right.set_ylabel("boundary points, fraction" + k)
    for ax in (left, right):
        ax.set_xlabel("relative depth" if relative else "layer")
        ax.grid(alpha=0.3)
        if not relative:
            names = list(next(iter(models.values()))["layer"])
            ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    left.legend(fontsize=7)
    if len(models) > 1:
        right.legend(fontsize=7)
    return fig


def plot_boundary_curves(metrics: Any) -> Any:
    """Boundary points against ``k``, one curve per layer (Oyallon 2017's "SVs" figure)."""
    fig, axes = _figure(1)
    ax = axes[0][0]
    ks = metrics.attrs["boundary_k"]
    curves = metrics.attrs["boundary_curve"]
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(ks, curve, color=_depth_colour(i, len(curves)), label=name)
    ax.set_xlabel("k")
    ax.set_ylabel("boundary points, fraction")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6)
    return fig


def _depth_colour(i: int, n: int) -> Any:
    from matplotlib import colormaps

    return colormaps["viridis"](i / max(n - 1, 1))


def plot_pca(
    reps: Mapping[str, np.ndarray],
    y: Any,
    layers: Sequence[str] | None = None,
    max_points: int = 2000,
    seed: int = 0,
) -> Any:
    """Scatter of the first two principal components of each layer, coloured by class.

    Parameters
    ----------
    reps : mapping of str to ndarray (n, d)
        Layers.
    y : array-like (n,)
        Classes (colours).
    layers : sequence of str, optional
        Layers to draw (default: all).
    max_points : int
        A random subset of at most this many points is drawn (the PCA is fitted on it too).
    seed : int
        Seed of the subset and of the randomized SVD.
    """
    from sklearn.decomposition import PCA

    from .metrics import threadpool_limits

    names = list(layers) if layers is not None else list(reps)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(y), size=min(max_points, len(y)), replace=False)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = _figure(cols, rows, size=3.0)
    classes = np.unique(y)
    for a, name in enumerate(names):
        ax = axes[a // cols][a % cols]
        Z = np.asarray(reps[name], dtype=np.float64)[pick]
        # One BLAS thread: on a busy machine two spin-waiting threads made these small SVDs
        # take seconds each (as in metrics._one_layer).
        with threadpool_limits(limits=1, user_api="blas"):
            P = PCA(n_components=min(2, Z.shape[1]), random_state=seed).fit_transform(Z)
        if P.shape[1] == 1:
            P = np.hstack([P, np.zeros_like(P)])
        for c, cls in enumerate(classes):
            sel = y[pick] == cls
            ax.scatter(P[sel, 0], P[sel, 1], s=3, color=f"C{c % 10}", label=str(cls))
        ax.set_title(name, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for a in range(len(names), rows * cols):
        axes[a // cols][a % cols].set_visible(False)
    if len(classes) <= 10:
        axes[0][0].legend(fontsize=6, markerscale=3)
    return fig
