"""Majority votes of nearest neighbours and Oyallon's boundary points (CVPR 2017).

The votes come from a precomputed neighbour list: ``labels[i, j]`` is the class of the
``j``-th nearest *other* point of point ``i`` (see :class:`~.neighbours.NeighbourSearch`).

Boundary points ("local support vectors", Oyallon 2017, Building a Regular Decision
Boundary with Deep Networks): start from all points; for ``k = 2, 3, ..., 31`` keep only
the points still kept that a ``k``-NN classifier fitted on the whole set misclassifies. The
sets are nested, so the count can only fall as ``k`` grows. Two details of the original code
(sklearn's ``KNeighborsClassifier`` predicting its own training set) are explicit here:

- **Self-vote.** Predicting a training point with a classifier fitted on it counts the point
  among its own ``k`` neighbours, voting for its true class. By default (``self_vote=False``)
  the vote is leave-one-out: the ``k`` nearest *other* points. ``self_vote=True`` reproduces
  the original: the point and its ``k - 1`` nearest others.
- **Ties.** With an even ``k`` two classes can tie (at ``k = 2`` with the self-vote, every
  disagreeing neighbour makes one). ``tie_break="nearest"`` (default) gives the tie to the
  tied class whose member is nearest, which does not depend on how classes are numbered;
  ``"lowest"`` gives it to the lowest class index, as sklearn does (so the original's
  ``|Gamma^2|`` depends on the label order); ``"error"`` counts any tie as a misclassification
  (an upper bound on the boundary).
"""

from __future__ import annotations

import numpy as np

TIE_BREAKS = ("nearest", "lowest", "error")


def _check(labels: np.ndarray, y: np.ndarray, tie_break: str) -> tuple[np.ndarray, np.ndarray]:
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}.")
    labels = np.asarray(labels)
    y = np.asarray(y)
    if labels.ndim != 2 or labels.shape[0] != y.shape[0]:
        raise ValueError(f"labels must be (n, k) for n = {len(y)} points, got {labels.shape}.")
    return labels, y


class _Votes:
    """Running vote counts over the first ``k`` neighbours, one neighbour added at a time."""

    def __init__(self, labels: np.ndarray, n_classes: int) -> None:
        n, K = labels.shape
        self.labels = labels
        self.rows = np.arange(n)
        self.counts = np.zeros((n, n_classes), np.int32)
        # First position at which each class appears: the "nearest" tie-break key.
        self.first = np.full((n, n_classes), K, np.int32)
        for j in range(K - 1, -1, -1):
            self.first[self.rows, labels[:, j]] = j
        self.k = 0
        self.K = K

    def add_next(self) -> None:
        self.counts[self.rows, self.labels[:, self.k]] += 1
        self.k += 1

    def correct(self, y: np.ndarray, tie_break: str, rows: np.ndarray) -> np.ndarray:
        counts = self.counts[rows]
        top = counts.max(axis=1)
        if tie_break == "error":
            return (counts[np.arange(len(rows)), y[rows]] == top) & (
                (counts == top[:, None]).sum(1) == 1
            )
        if tie_break == "lowest":
            return counts.argmax(axis=1) == y[rows]
        score = counts.astype(np.int64) * (self.K + 1) - self.first[rows]
        return score.argmax(axis=1) == y[rows]


def _prepare(
    labels: np.ndarray, y: np.ndarray, self_vote: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    classes, codes = np.unique(np.concatenate([y, labels.ravel()]), return_inverse=True)
    yc = codes[: len(y)]
    lc = codes[len(y) :].reshape(labels.shape)
    if self_vote:
        lc = np.concatenate([yc[:, None], lc], axis=1)
    return lc, yc, len(classes)


def knn_correct(
    labels: np.ndarray, y: np.ndarray, k: int, tie_break: str = "nearest", self_vote: bool = False
) -> np.ndarray:
    """Whether the majority of each point's ``k`` nearest neighbours votes for its class."""
    labels, y = _check(labels, y, tie_break)
    lc, yc, C = _prepare(labels, y, self_vote)
    if not 1 <= k <= lc.shape[1]:
        raise ValueError(f"k must be in 1..{lc.shape[1]}, got {k}.")
    votes = _Votes(lc[:, :k], C)
    for _ in range(k):
        votes.add_next()
    return votes.correct(yc, tie_break, votes.rows)


def boundary_curve(
    labels: np.ndarray,
    y: np.ndarray,
    ks: range = range(2, 32),
    tie_break: str = "nearest",
    self_vote: bool = False,
) -> np.ndarray:
    """Fraction of points kept as boundary points at each ``k`` of ``ks`` (nested sets).

    Parameters
    ----------
    labels : ndarray (n, K)
        Classes of each point's nearest other points, nearest first; ``K >= max(ks)``
        (``max(ks) - 1`` with ``self_vote``).
    y : ndarray (n,)
        Classes of the points.
    ks : range
        Increasing neighbourhood sizes, starting at 1 or more (Oyallon: 2..31).
    tie_break, self_vote : see the module docstring.

    Returns
    -------
    ndarray (len(ks),)
        ``|Gamma^k| / n`` for each ``k``.
    """
    labels, y = _check(labels, y, tie_break)
    lc, yc, C = _prepare(labels, y, self_vote)
    ks = list(ks)
    if not ks or ks[0] < 1 or any(b <= a for a, b in zip(ks, ks[1:])) or ks[-1] > lc.shape[1]:
        raise ValueError(f"ks must increase within 1..{lc.shape[1]}, got {ks}.")
    votes = _Votes(lc[:, : ks[-1]], C)
    kept = votes.rows
    curve = np.empty(len(ks))
    for i, k in enumerate(ks):
        while votes.k < k:
            votes.add_next()
        kept = kept[~votes.correct(yc, tie_break, kept)]
        curve[i] = len(kept) / len(y)
    return curve
