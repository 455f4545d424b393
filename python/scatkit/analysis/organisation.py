"""How smoothly a layer's activations vary along its channel order ("organised" layers).

In an ordinary CNN the channel index is an unordered set; in a multiscale hierarchical
network (Jacobsen, Oyallon, Mallat, Smeulders 2017) channels sit on a grid of ordered axes,
along which the network convolves and pools, so neighbouring channels should respond alike.
:func:`organisation` measures that: the mean squared difference between the activations of
channels adjacent along each channel axis, divided by its expectation when the same channels
are placed on the grid in a uniformly random order. Under a random order every adjacent pair
is a uniformly random pair of distinct channels, so the expectation is the mean over all
distinct pairs, computed exactly from the channels' Gram matrix (no sampling noise).
Below 1: organised (neighbours resemble each other more than random pairs); about 1: the
order carries no information.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _channel_matrix(
    A: np.ndarray, channel_axes: Sequence[int], standardize: bool
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Observations x channels: samples and positions as rows, the channel grid as columns."""
    axes = [a % A.ndim for a in channel_axes]
    if 0 in axes or len(set(axes)) != len(axes):
        raise ValueError(f"channel_axes must be distinct axes other than 0, got {channel_axes}.")
    rest = [a for a in range(A.ndim) if a not in axes]
    grid = tuple(A.shape[a] for a in axes)
    M = np.transpose(A, axes=rest + axes).reshape(-1, int(np.prod(grid)))
    M = M.astype(np.float64)
    M -= M.mean(axis=0)
    if standardize:
        std = M.std(axis=0)
        M /= np.where(std > 0, std, 1.0)
    return M, grid


def channel_smoothness(
    A: np.ndarray, channel_axes: Sequence[int] = (1,), standardize: bool = True
) -> dict[str, float]:
    """Adjacent-channel over random-order mean squared difference, per channel axis.

    Parameters
    ----------
    A : ndarray
        Activations ``(n, ...)``: axis 0 indexes samples; ``channel_axes`` index the channel
        grid; every other axis (space) counts as more observations.
    channel_axes : sequence of int
        Axes of ``A`` that order the channels (``(1,)`` for ``(n, C, H, W)`` maps).
    standardize : bool
        Give every channel zero mean and unit variance first, so the measure reflects how
        alike neighbouring channels vary (``1 - correlation``) rather than their scales.

    Returns
    -------
    dict
        ``organisation`` (all channel axes pooled) and ``axis<i>`` for each channel axis
        longer than 1 (``i`` counts the channel axes from 0). ``nan`` with fewer than 2
        channels.
    """
    M, grid = _channel_matrix(np.asarray(A), channel_axes, standardize)
    C = M.shape[1]
    if C < 2:
        return {"organisation": float("nan")}
    G = M.T @ M / len(M)
    sq = np.diag(G)
    random = (2 * (C - 1) * sq.sum() - 2 * (G.sum() - sq.sum())) / (C * (C - 1))
    index = np.arange(C).reshape(grid)
    out: dict[str, float] = {}
    pooled: list[np.ndarray] = []
    for i, m in enumerate(grid):
        if m < 2:
            continue
        a = np.take(index, np.arange(m - 1), axis=i).ravel()
        b = np.take(index, np.arange(1, m), axis=i).ravel()
        diffs = sq[a] + sq[b] - 2 * G[a, b]
        pooled.append(diffs)
        out[f"axis{i}"] = float(diffs.mean() / random) if random > 0 else float("nan")
    adjacent = np.concatenate(pooled).mean()
    out = {"organisation": float(adjacent / random) if random > 0 else float("nan"), **out}
    return out


def auto_channel_axes(shape: Sequence[int]) -> tuple[int, ...] | None:
    """Channel axes (sample axis included) of one sample's ``shape``, by scatkit's layouts.

    ``(C,)`` and ``(C, H, W)`` have one channel axis; ``(P, Q, H, W)`` (the state of
    :class:`scatkit.models.MHCNN`) two; anything else ``None`` (no known channel order).
    """
    return {1: (1,), 3: (1,), 4: (1, 2)}.get(len(tuple(shape)))


def organisation(
    rep_maps: Mapping[str, Any],
    channel_axes: Sequence[int] | Mapping[str, Sequence[int]] | str = (1,),
    standardize: bool = True,
    max_samples: int = 2000,
) -> Any:
    """:func:`channel_smoothness` of every layer, as a DataFrame (one row per layer).

    Parameters
    ----------
    rep_maps : mapping of str to ndarray
        Activation maps ``(n, C, ...)`` (or with several channel axes). A
        :class:`~.collect.Representations` from ``collect(..., max_dim=None)`` works too:
        its flattened rows are reshaped with ``.shapes``; projected layers (whose channels no
        longer exist) and layers without a channel axis are skipped.
    channel_axes : sequence of int, mapping of layer name to sequence of int, or "auto"
        Channel axes of the maps (sample axis included), per layer when a mapping;
        ``"auto"``: per layer by :func:`auto_channel_axes` (layers it does not know skipped).
    standardize : bool
        See :func:`channel_smoothness`.
    max_samples : int
        Only the first ``max_samples`` samples are used.

    Returns
    -------
    pandas.DataFrame
        Columns ``layer``, ``channels``, ``organisation`` and ``axis<i>`` where defined.
    """
    import pandas as pd

    shapes = getattr(rep_maps, "shapes", {})
    projected = getattr(rep_maps, "projections", {})
    rows = []
    for name, A in rep_maps.items():
        if name in projected:
            continue
        A = np.asarray(A)[:max_samples]
        if name in shapes:
            A = A.reshape((len(A),) + tuple(shapes[name]))
        if isinstance(channel_axes, str):
            if channel_axes != "auto":
                raise ValueError(f"channel_axes must be axes or 'auto', got {channel_axes!r}.")
            axes = auto_channel_axes(A.shape[1:])
            if axes is None:
                continue
        elif isinstance(channel_axes, Mapping):
            if name not in channel_axes:
                continue
            axes = channel_axes[name]
        else:
            axes = channel_axes
        if A.ndim < 2 or max(a % A.ndim for a in axes) >= A.ndim:
            continue
        channels = int(np.prod([A.shape[a] for a in axes]))
        rows.append(
            {"layer": name, "channels": channels, **channel_smoothness(A, axes, standardize)}
        )
    return pd.DataFrame(rows)
