"""The usual steps after scattering features: log compression and a linear baseline pipeline.

Public through :mod:`scatkit.sklearn`; kept apart so that each module stays one job.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_array, validate_data

from .sklearn import ScatteringTransformer

_FLOAT_DTYPES = (np.float64, np.float32)


class LogCompression(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Elementwise ``log(1 + |x| / eps)``, the usual normalisation of scattering features.

    Scattering coefficients span orders of magnitude (second-order paths are much smaller than
    first-order ones); the log makes their scale comparable and turns products of factors into
    sums, which suits a linear model. Stateless: ``fit`` only validates.

    Parameters
    ----------
    eps : float, default 0.01
        Positive scale below which coefficients are treated as roughly linear; in the units of
        the input images' intensities (keep it small compared with typical coefficients).
    """

    def __init__(self, eps: float = 0.01) -> None:
        self.eps = eps

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _check_eps(self) -> float:
        eps = self.eps
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
            raise TypeError(f"eps must be a positive number, got {eps!r}.")
        if not (math.isfinite(eps) and eps > 0):
            raise ValueError(f"eps must be a positive finite number, got {eps!r}.")
        return float(eps)

    def fit(self, X: Any, y: Any = None) -> LogCompression:
        """Validate ``eps`` and X (2D, finite, real) and record ``n_features_in_``."""
        self._check_eps()
        validate_data(self, X, reset=True, dtype=_FLOAT_DTYPES)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return ``log1p(|X| / eps)`` in X's precision (float32 stays float32)."""
        eps = self._check_eps()
        if hasattr(self, "n_features_in_"):
            X = validate_data(self, X, reset=False, dtype=_FLOAT_DTYPES)
        else:
            X = check_array(X, dtype=_FLOAT_DTYPES, estimator=self, input_name="X")
        return np.log1p(np.abs(X) / X.dtype.type(eps))


def linear_baseline(
    J: int = 2,
    shape: tuple[int, ...] | None = None,
    L: int = 8,
    max_order: int = 2,
    classifier: str = "logistic",
    C: float = 0.1,
    normalisation: str = "log",
    eps: float = 0.01,
    max_iter: int = 1000,
    backend: str = "auto",
    threads: int | None = None,
    invariance: str = "translation",
    angular_scales: int = 0,
    spatial: str | None = None,
) -> Pipeline:
    """Scattering features followed by a linear classifier, as one scikit-learn Pipeline.

    Steps (names in brackets, usable in ``set_params`` and grid searches):
    ``ScatteringTransformer`` ["scattering"] -> ``LogCompression(eps)`` ["normalise"; the
    string "passthrough" when ``normalisation="none"``] -> ``StandardScaler`` ["scaler"] ->
    ``LogisticRegression`` or ``LinearSVC`` ["classifier"].

    Parameters
    ----------
    J, shape, L, max_order, backend, threads
        Passed to :class:`ScatteringTransformer`.
    classifier : {"logistic", "linearsvc"}, default "logistic"
        ``LogisticRegression`` (lbfgs, multinomial) or ``LinearSVC`` (one-vs-rest).
    C : float, default 0.1
        Inverse regularisation strength of the classifier.
    normalisation : {"log", "none"}, default "log"
        ``"log"`` applies ``log(1 + |S| / eps)`` before standardisation; ``"none"`` feeds the raw
        coefficients to the scaler.
    eps : float, default 0.01
        ``LogCompression`` scale, in the input's intensity units.
    max_iter : int, default 1000
        Iteration limit of the classifier's solver.
    invariance, angular_scales
        Passed to :class:`ScatteringTransformer` (docs/transform.md section 7).
    spatial : {"map", "mean"} or None, default None
        ``None`` averages each channel over space with the rotation-invariant variants
        ("rotation", "roto-translation"), for features invariant to rigid motions, and keeps
        the maps otherwise; ``"map"`` and ``"mean"`` choose explicitly.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; call ``fit(X, y)`` with images as :class:`ScatteringTransformer` accepts.
    """
    if classifier == "logistic":
        clf = LogisticRegression(C=C, max_iter=max_iter)
    elif classifier == "linearsvc":
        clf = LinearSVC(C=C, max_iter=max_iter)
    else:
        raise ValueError(f"classifier must be 'logistic' or 'linearsvc', got {classifier!r}.")
    if normalisation == "log":
        normalise: Any = LogCompression(eps=eps)
    elif normalisation == "none":
        normalise = "passthrough"
    else:
        raise ValueError(f"normalisation must be 'log' or 'none', got {normalisation!r}.")
    if spatial is None:
        spatial = "mean" if invariance in ("rotation", "roto-translation") else "map"
    scattering = ScatteringTransformer(
        J=J,
        shape=shape,
        L=L,
        max_order=max_order,
        backend=backend,
        threads=threads,
        invariance=invariance,
        angular_scales=angular_scales,
        spatial=spatial,
    )
    return Pipeline(
        [
            ("scattering", scattering),
            ("normalise", normalise),
            ("scaler", StandardScaler()),
            ("classifier", clf),
        ]
    )
