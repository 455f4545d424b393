"""scikit-learn front end: a scattering transformer and a linear classification baseline.

``ScatteringTransformer`` turns images into scattering features inside any scikit-learn
workflow (``Pipeline``, ``GridSearchCV``, ``clone``, pickling). ``LogCompression`` is the
small stateless normalisation that usually follows it, and ``linear_baseline`` assembles
the classic "scattering + linear classifier" pipeline.

This module needs scikit-learn (``pip install scatkit[sklearn]``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, validate_data

from . import _kymatio_compat as kc
from ._sklearn_input import (
    _check_image_shape,
    _infer_image_shape,
    _PlanCache,
    square_side,
    zero_fill,
)
from ._validation import channel_table, check_geometry, check_int, check_params
from .backends import resolve
from .reference_invariance import channel_table as invariant_table
from .reference_invariance import check_invariance
from .scattering import Scattering2D as NumpyScattering2D

__all__ = ["ScatteringTransformer", "Scattering2D", "LogCompression", "linear_baseline"]

# Numbers pass as they are: the NumPy front end applies the dtype rule of every front end
# (float32/float64 kept in either byte order, float16 returned as float16, integers float32),
# and non-finite values propagate as they do there (docs/migrating-from-kymatio.md).
_NUMBERS = dict(dtype="numeric", ensure_all_finite=False)


class ScatteringTransformer(TransformerMixin, BaseEstimator):
    """2D wavelet scattering features of images, as a scikit-learn transformer.

    The transform is fixed (nothing is learned), so the estimator is stateless: ``fit`` only
    validates the parameters and the input and records its layout, and ``transform`` also
    works without ``fit`` when the image shape is given or can be read off the input.

    Parameters
    ----------
    J : int, default 1
        Number of scales; the feature maps are subsampled by ``2**J``. Needs
        ``2**J <= min(M, N)``.
    shape : None, (M, N) or (C, M, N), default None
        Size of one sample. ``(M, N)``: single-channel images, given either flattened as
        ``(n_samples, M*N)`` (row-major, as ``images.reshape(n, -1)``) or as
        ``(n_samples, M, N)``. ``(C, M, N)``: C-channel images, flattened as
        ``(n_samples, C*M*N)`` or as ``(n_samples, C, M, N)``; each channel is transformed
        on its own. ``None``: read from the data: ``(n_samples, M, N)`` and
        ``(n_samples, C, M, N)`` arrays give their own shape, and flattened input is taken
        as square ``sqrt(n_features) x sqrt(n_features)`` images (any other feature count
        is an error asking for ``shape``).
    L : int, default 8
        Number of wavelet orientations.
    max_order : {1, 2}, default 2
        Highest scattering order.
    backend : str, default "auto"
        Engine, one of ``scatkit.backends()`` names or ``"auto"``.
    threads : int or None, default None
        CPU threads for the native engine; ``None`` uses every core.
    flatten : bool, default True
        ``True``: ``transform`` returns ``(n_samples, n_features_out)``, ready for the next
        scikit-learn step. ``False``: it returns the maps ``(n_samples, K, M', N')``
        (``(n_samples, C, K, M', N')`` for C-channel input), which only estimators that
        accept n-dimensional input can take.
    invariance : str, default "translation"
        ``"translation"``, ``"rotation"``, ``"roto-translation"`` or
        ``"roto-translation-separable"`` (see :class:`scatkit.Scattering2D`).
    angular_scales : int, default 0
        Angular wavelets of the roto-translation variants; 0 takes the variant's default.
    spatial : {"map", "mean"}, default "map"
        ``"map"`` keeps each channel's spatial map; ``"mean"`` averages it over space, which
        together with a rotation invariance gives features invariant to rigid motions.

    Attributes
    ----------
    n_features_in_ : int
        Number of input values per sample (``M*N`` or ``C*M*N``), also for image-shaped input.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` got a DataFrame with string column names.
    input_shape_ : tuple of int
        Per-sample shape ``(M, N)`` or ``(C, M, N)`` seen (or given) at ``fit``.
    output_shape_ : tuple of int
        Per-sample output shape ``(K, M', N')`` or ``(C, K, M', N')``.

    Notes
    -----
    The dtype and NaN rules are those of every scatkit front end: float32 and float64 input
    (either byte order) is computed and returned in its precision, float16 is computed in
    float32 and returned as float16, integers and booleans give float32; NaN and infinite
    values are not refused, they make the coefficients of their sample NaN or infinite (other
    samples are unaffected). The flattened output
    is ``maps.reshape(n_samples, -1)`` of the ``flatten=False`` output: channel-major, then
    row, then column; :meth:`get_feature_names_out` names every column.
    """

    def __init__(
        self,
        J: int = 1,
        shape: tuple[int, ...] | None = None,
        L: int = 8,
        max_order: int = 2,
        backend: str = "auto",
        threads: int | None = None,
        flatten: bool = True,
        invariance: str = "translation",
        angular_scales: int = 0,
        spatial: str = "map",
    ) -> None:
        self.J = J
        self.shape = shape
        self.L = L
        self.max_order = max_order
        self.backend = backend
        self.threads = threads
        self.flatten = flatten
        self.invariance = invariance
        self.angular_scales = angular_scales
        self.spatial = spatial

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True  # propagated as by every front end
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- validation --------------------------------------------------------------------------
    def _check_flatten(self) -> bool:
        if not isinstance(self.flatten, (bool, np.bool_)):
            raise TypeError(f"flatten must be True or False, got {self.flatten!r}.")
        return bool(self.flatten)

    def _resolve_shape(self, X: np.ndarray | None) -> tuple[int, ...]:
        """The per-sample shape: the parameter, else the fitted one, else read from X."""
        shape = _check_image_shape(self.shape)
        if shape is not None:
            return shape
        if hasattr(self, "input_shape_"):
            return self.input_shape_
        if X is None:
            raise NotFittedError(
                "This ScatteringTransformer has shape=None and has not been fitted, so the "
                "image shape is unknown; pass shape=(M, N) or call fit first."
            )
        return _infer_image_shape(X)

    def _plan_key(self, shape: tuple[int, ...]) -> tuple:
        """Validated engine parameters for images of per-sample ``shape``."""
        J, image, L, max_order = check_params(self.J, shape[-2:], self.L, self.max_order)
        threads = None if self.threads is None else check_int("threads", self.threads, 1)
        invariance, scales = check_invariance(self.invariance, self.angular_scales)
        if self.spatial not in ("map", "mean"):
            raise ValueError(f"spatial must be 'map' or 'mean', got {self.spatial!r}.")
        backend = resolve(kc.map_backend(self.backend, "sklearn"), "cpu")
        return (J, image, L, max_order, backend, threads, invariance, scales)

    @staticmethod
    def _scattering(key: tuple) -> NumpyScattering2D:
        return NumpyScattering2D(
            *key[:4], backend=key[4], threads=key[5], invariance=key[6], angular_scales=key[7]
        )

    def _validate_X(self, X: Any, reset: bool | None) -> np.ndarray:
        """Check X (2D flattened, 3D or 4D images); ``reset=None`` skips the fitted-state checks."""
        ndim = getattr(X, "ndim", None)
        if ndim is None and isinstance(X, (list, tuple)):
            ndim = np.ndim(X)
        if ndim in (3, 4):
            X = check_array(X, **_NUMBERS, allow_nd=True, estimator=self, input_name="X")
            if reset is not None:
                # Counts every value of a sample, so flattened and image input agree.
                validate_data(self, X.reshape(X.shape[0], -1), reset=reset, skip_check_array=True)
            return X
        if reset is None:
            return check_array(X, **_NUMBERS, estimator=self, input_name="X")
        return validate_data(self, X, reset=reset, **_NUMBERS)

    def _as_images(self, X: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Reshape validated X to (n_samples, *shape), or say why it does not fit."""
        n = X.shape[0]
        if X.ndim == 2:
            expected = math.prod(shape)
            if self.shape is None and shape == (square_side(X.shape[1]),) * 2:
                return zero_fill(X, shape[0])  # a feature count that is not a square image
            if X.shape[1] != expected:
                raise ValueError(
                    f"X has {X.shape[1]} features, but images of shape {shape} need "
                    f"{expected} (flattened input must be (n_samples, {expected}))."
                )
            return X.reshape((n,) + shape)
        if X.ndim == 3 and len(shape) == 3:
            raise ValueError(
                f"X has shape {X.shape}, but shape={shape} describes {shape[0]}-channel "
                f"images: give them as (n_samples, {', '.join(map(str, shape))}) or flattened "
                f"as (n_samples, {math.prod(shape)})."
            )
        if X.ndim == 4 and len(shape) == 2:
            raise ValueError(
                f"X has shape {X.shape} (multi-channel images), but shape={shape} describes "
                f"single-channel images; pass shape=(C, M, N) or shape=None."
            )
        if tuple(X.shape[1:]) != tuple(shape):
            raise ValueError(
                f"X holds samples of shape {tuple(X.shape[1:])}, but this transformer works on "
                f"images of shape {shape}."
            )
        return X

    # -- estimator API -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> ScatteringTransformer:
        """Validate the parameters and X and record the input layout.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, M, N) or (n_samples, C, M, N)
            Training images, flattened or not (see the class docstring).
        y : None
            Ignored.

        Returns
        -------
        self : ScatteringTransformer
        """
        self._check_flatten()
        X = self._validate_X(X, reset=True)
        shape = _check_image_shape(self.shape)
        if shape is None:
            shape = _infer_image_shape(X)
        self._as_images(X, shape)
        key = self._plan_key(shape)
        scattering = self._scattering(key)
        self.input_shape_ = shape
        spatial = scattering.out_spatial_shape if self.spatial == "map" else ()
        self.output_shape_ = shape[:-2] + (scattering.K,) + spatial
        self._plan_cache = _PlanCache(key, scattering)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scattering coefficients of the images in X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, M, N) or (n_samples, C, M, N)
            Images, flattened or not (see the class docstring).

        Returns
        -------
        ndarray of shape (n_samples, n_features_out) if ``flatten`` else the coefficient maps
            (n_samples, K, M', N') or (n_samples, C, K, M', N'); float32 for float32 input,
            float64 otherwise.
        """
        flatten = self._check_flatten()
        fitted = hasattr(self, "n_features_in_")
        X = self._validate_X(X, reset=False if fitted else None)
        shape = self._resolve_shape(X)
        images = self._as_images(X, shape)
        key = self._plan_key(shape)
        cache = getattr(self, "_plan_cache", None)
        if cache is not None and cache.key == key:
            with cache.lock:
                out = cache.scattering(images)
        else:
            # Unfitted, or parameters changed by set_params after fit: a one-off plan.
            out = self._scattering(key)(images)
        if self.spatial == "mean":
            out = out.mean(axis=(-2, -1))
        if flatten:
            out = out.reshape(out.shape[0], -1)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the flattened output columns.

        Each name reads ``s{order}[_j{j1}_t{theta1}[_j{j2}_t{theta2}]]_y{row}_x{col}``, e.g.
        ``s2_j0_t3_j1_t5_y1_x2``, prefixed with ``c{channel}_`` for C-channel input.

        Parameters
        ----------
        input_features : array-like of str or None
            Input column names; only checked (for length, and against ``feature_names_in_``),
            since each output column mixes all input pixels.

        Returns
        -------
        ndarray of str objects, of length ``prod(output_shape)``.
        """
        shape = self._resolve_shape(None)
        n_in = getattr(self, "n_features_in_", math.prod(shape))
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            if input_features.ndim != 1 or len(input_features) != n_in:
                raise ValueError(
                    f"input_features should have length {n_in} (one name per input value), "
                    f"got {input_features.shape}."
                )
            names_in = getattr(self, "feature_names_in_", None)
            if names_in is not None and not np.array_equal(input_features, names_in):
                raise ValueError("input_features is not equal to feature_names_in_.")
        g = check_geometry(self.J, shape[-2:], self.L, self.max_order)
        rows, cols = g.out_spatial_shape
        channel_names = []
        invariance, scales = check_invariance(self.invariance, self.angular_scales)
        if invariance != "translation":
            # Variant channels: every field that applies, e.g. s2_j0_j1_d3_k0 (section 7.5).
            table = invariant_table(g.J, g.L, g.max_order, invariance, scales)
            for row in table.tolist():
                fields = zip(("j", "t", "j", "t", "d", "k"), row[1:])
                channel_names.append(
                    f"s{row[0]}" + "".join(f"_{f}{v}" for f, v in fields if v >= 0)
                )
        for order, j1, t1, j2, t2 in channel_table(g).tolist() if not channel_names else ():
            name = f"s{order}"
            if order >= 1:
                name += f"_j{j1}_t{t1}"
            if order == 2:
                name += f"_j{j2}_t{t2}"
            channel_names.append(name)
        pixel = [f"_y{y}_x{x}" for y in range(rows) for x in range(cols)]
        if self.spatial == "mean":
            pixel = [""]
        names = [c + p for c in channel_names for p in pixel]
        if len(shape) == 3:
            names = [f"c{c}_{n}" for c in range(shape[0]) for n in names]
        return np.asarray(names, dtype=object)


class Scattering2D(ScatteringTransformer):
    """Kymatio's scikit-learn front end under its name (``kymatio.sklearn.Scattering2D``).

    A :class:`ScatteringTransformer` whose arguments come in Kymatio's order, ``(J, shape, L,
    max_order, pre_pad, backend, out_type)``, so ``Scattering2D(J, (M, N)).transform(X)`` maps
    flattened ``(n_samples, M*N)`` images to ``(n_samples, K*M'*N')`` as Kymatio's does. As there,
    ``pre_pad`` must be False (Kymatio's transformer reshapes samples to ``shape``, so padded
    samples cannot pass) and ``out_type`` "array"; Kymatio's ``"numpy"`` backend means "auto".
    The positional order continues as :class:`scatkit.Scattering2D`'s (``threads, invariance,
    angular_scales, frontend``); ``flatten`` and ``spatial`` are :class:`ScatteringTransformer`'s.
    Parameters are checked at ``fit``/``transform``, as scikit-learn requires.
    """

    def __init__(
        self,
        J: int = 1,
        shape: tuple[int, ...] | None = None,
        L: int = 8,
        max_order: int = 2,
        pre_pad: bool = False,
        backend: str = "auto",
        out_type: str = "array",
        threads: int | None = None,
        invariance: str = "translation",
        angular_scales: int = 0,
        frontend: str | None = None,
        flatten: bool = True,
        spatial: str = "map",
    ) -> None:
        super().__init__(
            J=J,
            shape=shape,
            L=L,
            max_order=max_order,
            backend=backend,
            threads=threads,
            flatten=flatten,
            invariance=invariance,
            angular_scales=angular_scales,
            spatial=spatial,
        )
        self.pre_pad = pre_pad
        self.out_type = out_type
        self.frontend = frontend

    def _plan_key(self, shape: tuple[int, ...]) -> tuple:
        kc.check_frontend(self.frontend, "sklearn")
        if kc.check_pre_pad(self.pre_pad):
            raise ValueError(
                "pre_pad=True is not available in the scikit-learn front end: samples are "
                "reshaped to `shape` (as in Kymatio, where it cannot work either); pad the "
                "images and pass their padded size as shape, or use scatkit.Scattering2D."
            )
        if kc.check_out_type(self.out_type) != "array":
            raise ValueError("out_type='list' is not available in the scikit-learn front end.")
        return super()._plan_key(shape)


# Defined in their own module (which imports ScatteringTransformer from here), public here.
from ._sklearn_pipeline import LogCompression, linear_baseline  # noqa: E402
