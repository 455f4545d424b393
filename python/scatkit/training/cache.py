"""Scattering features of an image stack, computed in batches and cached on disk.

A hybrid network's scattering front has no parameters, so when no augmentation needs
the raw images its features can be computed once and reused by every run and epoch.
The cache key hashes the data and the transform (:func:`feature_cache_key`); entries
are ``<key>.npy`` files beside a ``<key>.json`` note of what they hold.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from .._atomic import atomic_path
from .._progress import Progress, progress_bar
from ..scattering import Scattering2D

#: Bumped when the layout of cached feature files changes.
CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """``$SCATKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/scatkit/features``, else ``~/.cache/...``."""
    env = os.environ.get("SCATKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scatkit" / "features"


def _as_image_stack(images: Any) -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim not in (3, 4):
        raise ValueError(
            f"images must be an array (N, H, W) or (N, C, H, W), got shape {arr.shape}."
        )
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"images must hold real numbers, got dtype {arr.dtype}.")
    return np.ascontiguousarray(arr, dtype=np.float32)


def feature_cache_key(images: np.ndarray, J: int, L: int, max_order: int) -> str:
    """Hex digest identifying the features of ``images``: data bytes, transform, version."""
    arr = _as_image_stack(images)
    h = hashlib.sha256()
    header = {
        "format": CACHE_FORMAT,
        "scatkit": __version__,
        "J": int(J),
        "L": int(L),
        "max_order": int(max_order),
        "shape": list(arr.shape),
        "dtype": str(arr.dtype),
    }
    h.update(json.dumps(header, sort_keys=True).encode())
    h.update(memoryview(arr.reshape(-1)).cast("B"))
    return h.hexdigest()[:32]


@dataclass
class CachedFeatures:
    """Result of :func:`cached_scattering`."""

    features: np.ndarray  #: (N, C*K, H', W') float32
    key: str  #: cache key (file stem)
    path: Path | None  #: cache file, None when caching was off
    hit: bool  #: True when the features came from the cache
    seconds: float  #: time spent computing (0 on a hit)

    @property
    def images_per_second(self) -> float:
        """Throughput of the computation (nan on a cache hit)."""
        if self.hit or self.seconds <= 0:
            return float("nan")
        return len(self.features) / self.seconds


def compute_scattering(
    images: np.ndarray,
    J: int,
    L: int = 8,
    max_order: int = 2,
    backend: str = "auto",
    batch_size: int = 256,
    progress: Progress = False,
    desc: str = "scattering",
) -> np.ndarray:
    """Scattering of every channel of ``images`` (N, [C,] H, W) -> (N, C*K, H', W') float32.

    Runs :class:`scatkit.Scattering2D` in batches of ``batch_size`` images; ``progress``
    ("auto", "always", "never" or a bool) is read as :func:`scatkit.extract.extract` reads it.
    """
    arr = _as_image_stack(images)
    if arr.ndim == 3:
        arr = arr[:, None]
    n, C, H, W = arr.shape
    S = Scattering2D(J, (H, W), L=L, max_order=max_order, backend=backend)
    out = np.empty((n, C * len(S)) + tuple(S.out_spatial_shape), dtype=np.float32)
    batch_size = max(1, int(batch_size))
    with progress_bar(progress, total=n, desc=desc, unit="img", leave=False) as bar:
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            out[start:stop] = S(arr[start:stop]).reshape((stop - start,) + out.shape[1:])
            bar.update(stop - start)
    return out


def cached_scattering(
    images: Any,
    J: int,
    L: int = 8,
    max_order: int = 2,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    backend: str = "auto",
    batch_size: int = 256,
    progress: Progress = False,
    desc: str = "scattering",
) -> CachedFeatures:
    """Scattering features of ``images``, read from the on-disk cache when present.

    The cache file is ``<cache_dir>/<key>.npy`` where the key hashes the image bytes,
    shape and dtype, ``J``, ``L``, ``max_order``, the scatkit version and the cache
    format, so any change to the data or the transform gives a new entry. Unreadable
    or mismatching entries are recomputed and overwritten.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` or ``(N, C, H, W)``; every channel is scattered separately.
    J, L, max_order : int
        Scattering parameters.
    cache_dir : path, optional
        Where entries live; default :func:`default_cache_dir`.
    use_cache : bool
        False computes without reading or writing the cache.
    backend, batch_size, progress, desc
        Passed to :func:`compute_scattering`.
    """
    arr = _as_image_stack(images)
    key = feature_cache_key(arr, J, L, max_order)
    path = None
    if use_cache:
        folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        path = folder / f"{key}.npy"
        if path.is_file():
            try:
                feats = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                feats = None
            if feats is not None and feats.dtype == np.float32 and len(feats) == len(arr):
                return CachedFeatures(feats, key, path, True, 0.0)
    start = time.perf_counter()
    feats = compute_scattering(arr, J, L, max_order, backend, batch_size, progress, desc)
    seconds = time.perf_counter() - start
    if path is not None:
        with atomic_path(path) as tmp:
            np.save(tmp, feats, allow_pickle=False)
        meta = {
            "J": J,
            "L": L,
            "max_order": max_order,
            "scatkit": __version__,
            "images_shape": list(arr.shape),
            "features_shape": list(feats.shape),
        }
        (path.with_suffix(".json")).write_text(json.dumps(meta, indent=1))
    return CachedFeatures(feats, key, path, False, seconds)
