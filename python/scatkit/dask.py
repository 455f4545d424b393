"""Scattering of a Dask array of images, block by block (``map_blocks``).

>>> import dask.array as da  # doctest: +SKIP
>>> x = da.random.random((10_000, 64, 64), chunks=(500, 64, 64)).astype("float32")
>>> feats = scatkit.dask.scattering(x, Scattering2D(2, (64, 64)))  # lazy, (10000, K, 16, 16)

Each block is scattered on the worker that holds it, by a plan built once per worker
thread from ``S``'s parameters (the plan itself never travels).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .scattering import Scattering2D

__all__ = ["scattering"]


def _block(block: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    from .distributed.extract import _plan

    return _plan(params)(block)


def scattering(array: Any, S: Scattering2D) -> Any:
    """Lazy scattering of ``array`` (Dask, shape ``(..., M, N)``) by ``S``.

    Parameters
    ----------
    array : dask.array.Array
        Images with ``S.shape`` as the last two axes; those two axes are rechunked whole
        when split.
    S : Scattering2D
        The transform; each worker builds its own copy from its parameters (its invariance
        included).

    Returns
    -------
    dask.array.Array
        ``(..., K, M', N')`` in the input's float precision (integers give float32).
    """
    import dask.array as da

    array = da.asarray(array)
    if tuple(array.shape[-2:]) != tuple(S.shape):
        raise ValueError(
            f"the images are {array.shape[-2]}x{array.shape[-1]}, but S was built for "
            f"{S.shape[0]}x{S.shape[1]}."
        )
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float32)
    array = array.rechunk({array.ndim - 2: -1, array.ndim - 1: -1})
    params = {
        "J": S.J,
        "shape": tuple(S.shape),
        "L": S.L,
        "max_order": S.max_order,
        "backend": S.backend,
        "threads": 1,
        "invariance": S.invariance,
        "angular_scales": S.angular_scales,
    }
    out_shape = (len(S), *S.out_spatial_shape)
    chunks = (*array.chunks[:-2], (out_shape[0],), (out_shape[1],), (out_shape[2],))
    return array.map_blocks(
        _block,
        params,
        dtype=array.dtype,
        chunks=chunks,
        new_axis=array.ndim - 2,
        meta=np.empty((0,) * (array.ndim + 1), array.dtype),
    )
