"""Work over several processes or machines: extraction on Dask, training under torchrun.

:func:`extract` writes a Zarr feature store (:mod:`scatkit.features`) chunk by chunk, in
this process or as one Dask task per chunk; :func:`connect` gets a Dask client (a
LocalCluster sized to this machine, or an existing scheduler). The torchrun helpers are in
:mod:`scatkit.distributed.ddp`. Dask is imported only when used.
"""

from __future__ import annotations

from .cluster import CONNECT_TIMEOUT, connect, local_cluster
from .extract import StoreResult, extract

__all__ = ["CONNECT_TIMEOUT", "StoreResult", "connect", "extract", "local_cluster"]
