"""Getting a Dask client: a LocalCluster sized to this machine, or an existing scheduler."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

#: Seconds to wait for a scheduler before saying it does not answer.
CONNECT_TIMEOUT = 10.0


def require_distributed() -> Any:
    """The ``dask.distributed`` module, or an ImportError saying which extra installs it."""
    try:
        import dask.distributed
    except ImportError:
        raise ImportError(
            "Dask extraction needs dask[distributed]: pip install 'scatkit[distributed]'."
        ) from None
    return dask.distributed


def local_cluster(n_workers: int | None = None, **kwargs: Any) -> Any:
    """A LocalCluster of one single-threaded worker process per core (or ``n_workers``).

    Scattering is CPU-bound and holds the GIL in parts, so processes scale where threads
    of one process would not.
    """
    dd = require_distributed()
    if n_workers is None:
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        n_workers = len(cores) if cores else (os.cpu_count() or 1)
    kwargs.setdefault("threads_per_worker", 1)
    kwargs.setdefault("processes", True)
    kwargs.setdefault("dashboard_address", ":0")
    return dd.LocalCluster(n_workers=n_workers, **kwargs)


def connect(target: Any, timeout: float = CONNECT_TIMEOUT) -> tuple[Any, Callable[[], None]]:
    """A Client for ``target`` and a function that releases what this call started.

    ``target`` is a Client (used as is), ``"local"`` (a new :func:`local_cluster`), a path to
    a scheduler file, or a scheduler address such as ``tcp://host:8786``. A scheduler that
    does not answer within ``timeout`` seconds raises ConnectionError naming it.
    """
    dd = require_distributed()
    if isinstance(target, dd.Client):
        return target, lambda: None
    if target == "local":
        cluster = local_cluster()
        client = dd.Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    target = str(target)
    is_file = os.path.isfile(target)
    try:
        if is_file:
            client = dd.Client(scheduler_file=target, timeout=timeout)
        else:
            client = dd.Client(target, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        what = f"the scheduler of {target}" if is_file else f"a Dask scheduler at {target}"
        raise ConnectionError(
            f"{what} did not answer within {timeout:g} s ({' '.join(str(exc).split())[:200]}); "
            "start one (dask scheduler / dask worker, dask-jobqueue...) or check the address."
        ) from None
    return client, client.close
