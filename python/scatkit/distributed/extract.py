"""Extraction into a Zarr feature store, in this process or as Dask tasks (one per chunk).

Each task gets a chunk's item names (or, for an in-memory dataset, its images), reads and
scatters them with a plan built once per worker thread, and writes its own chunk of the
store (:func:`scatkit.features.write_chunk`); only names and the skipped list pass through
the scheduler. A task killed with its worker is rerun elsewhere and rewrites its chunk whole.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, features
from .._progress import Progress, check_progress, progress_bar, progress_mode
from .._sources import Source, prepare_source, sub_source
from .cluster import connect

__all__ = ["StoreResult", "extract"]

_PLANS: dict[tuple[Any, ...], Any] = {}
_PLANS_LOCK = threading.Lock()


def _plan(params: dict[str, Any]) -> Any:
    """The worker thread's Scattering2D for ``params``, built on first use."""
    from ..scattering import Scattering2D

    key = (threading.get_ident(), *sorted(params.items()))
    with _PLANS_LOCK:
        S = _PLANS.get(key)
    if S is None:
        with features.deterministic_planner():
            S = Scattering2D(**params)
        with _PLANS_LOCK:
            _PLANS[key] = S
    return S


def run_chunk(job: dict[str, Any], c: int, part: Source) -> list[tuple[str, str]]:
    """Scatter and write chunk ``c`` of ``job``'s store; return its skipped (name, reason)."""
    from ..extract import _compute_chunk

    S = _plan(job["plan"])
    chunk, _ = _compute_chunk(
        S,
        part,
        range(len(part.names)),
        job["channels"],
        job["color"],
        tuple(job["size"]),
        job["resize"],
        lambda message: None,
    )
    n = len(part.names)
    feats = np.zeros((n, *job["feature_shape"]), np.float32)
    feats[chunk["index"]] = chunk["features"]
    valid = np.zeros(n, bool)
    valid[chunk["index"]] = True
    lo = c * job["chunk"]
    skipped = [(int(i), str(r)) for i, r in zip(chunk["skipped_index"], chunk["skipped_reason"])]
    marks = [(lo + i, r) for i, r in skipped]  # store rows
    features.write_chunk(job["store"], c, lo, feats, part.labels, part.names, valid, marks)
    return [(part.names[i], r) for i, r in skipped]


@dataclass
class StoreResult:
    """What :func:`extract` wrote."""

    output: Path  #: the store
    features_shape: tuple[int, ...]  #: (n, C*K, H', W')
    dtype: str
    n_images: int  #: readable images (rows with valid=True)
    skipped: list[tuple[str, str]]  #: (name, reason) of every unreadable item
    resumed: bool  #: the store held finished chunks of an earlier run
    computed_chunks: int  #: chunks written by this call
    seconds: float  #: wall time of this call's chunks
    computed_images: int = 0  #: items in this call's chunks

    @property
    def images_per_second(self) -> float:
        """Wall-clock throughput of this call's chunks (nan when none was computed)."""
        return float("nan") if self.seconds <= 0 else self.computed_images / self.seconds


def extract(
    source: str | os.PathLike,
    store: str | os.PathLike,
    client: Any = None,
    *,
    J: int = 2,
    L: int = 8,
    max_order: int = 2,
    size: tuple[int, int] | None = None,
    resize: str = "crop",
    color: bool = False,
    backend: str = "auto",
    threads: int | None = None,
    batch_size: int = 128,
    dtype: str = "float32",
    root: str | os.PathLike | None = None,
    restart: bool = False,
    progress: Progress = False,
    log: Callable[[str], None] | None = None,
    max_pixels: int | None = None,
    invariance: str = "translation",
    angular_scales: int = 0,
) -> StoreResult:
    """Scattering features of every image of ``source`` into the Zarr store ``store``.

    Parameters
    ----------
    source : str or path
        A folder of images (class sub-folders give labels) or a dataset name.
    store : str or path
        The ``.zarr`` folder; an unfinished store of the same call is resumed.
    client : dask.distributed.Client, "local", str or None
        None: run the chunks in this process. ``"local"``: start a LocalCluster sized to this
        machine. An address (``tcp://host:8786``) or a scheduler file: connect to it. A
        Client: use it.
    J, L, max_order, size, resize, color, backend, threads
        As :func:`scatkit.extract.extract`; ``threads`` defaults to 1 per Dask task.
    batch_size : int
        Images per chunk (the store's chunk length and one task's work).
    dtype : {"float32", "float16"}
        Stored feature precision.
    restart : bool
        Replace a store written with other parameters instead of refusing.
    progress : {"auto", "always", "never"} or bool
        As :func:`scatkit.extract.extract` reads it (Dask's bar on Dask); anything but
        ``"never"``/False also prints the dashboard link.
    log : callable, optional
        Receives notices (skipped files, resume, dashboard link).
    max_pixels : int, optional
        Folder images whose header declares more pixels are skipped before decoding.
    invariance, angular_scales
        As :func:`scatkit.extract.extract`; every worker's plan computes this variant. A store
        of another variant is refused (or replaced with ``restart``). The store's attributes
        record both (K resolved) unless the variant is "translation", and its ``meta`` is the
        variant's table (seven columns).

    Returns
    -------
    StoreResult
    """
    note = log if log is not None else (lambda message: None)
    if dtype not in ("float32", "float16"):
        raise ValueError(f"--dtype must be float32 or float16, got {dtype!r}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"--batch-size must be a positive integer, got {batch_size}.")
    from .._invariance import meta_fields
    from ..extract import check_option_invariance, invariance_params

    invariance, angular_scales = check_option_invariance(invariance, angular_scales)
    src, size, channels = prepare_source(source, root, size, color, resize, note, max_pixels)
    plan = {
        "J": J,
        "shape": tuple(size),
        "L": L,
        "max_order": max_order,
        "backend": backend,
        "invariance": invariance,
        "angular_scales": angular_scales,
    }
    threads = threads if threads is not None else (1 if client is not None else None)
    # This process's chunks use this plan: planned before any other, so its bits match
    # the workers'.
    S = _plan({**plan, "threads": threads})
    n, K = len(src.names), len(S) * channels
    feature_shape = (K, *S.out_spatial_shape)
    manifest = {
        "format": features.STORE_FORMAT,
        "source": src.description,
        "kind": src.kind,
        "n": n,
        "fingerprint": src.fingerprint,
        "classes": list(src.classes),
        "params": {
            "J": S.J,
            "L": S.L,
            "max_order": S.max_order,
            "size": list(size),
            "color": color,
            "resize": resize,
            "dtype": dtype,
            "chunk": batch_size,
            "channels": channels,
            **invariance_params(S),
        },
        "meta": S.meta_table().tolist(),
        "meta_fields": list(meta_fields(S.invariance)),
    }
    store = Path(store).expanduser()
    resumed = features.create_store(
        store, manifest, n, feature_shape, batch_size, dtype, restart=restart
    )
    if resumed:
        note(f"resuming {store}")
    n_chunks = (n + batch_size - 1) // batch_size
    todo = features.pending_chunks(store, n_chunks)
    job = {
        "store": str(store),
        "plan": {**plan, "threads": threads},
        "channels": channels,
        "color": color,
        "size": list(size),
        "resize": resize,
        "chunk": batch_size,
        "feature_shape": feature_shape,
        "scatkit": __version__,
    }
    t0 = time.perf_counter()
    parts = {c: sub_source(src, c * batch_size, min(n, (c + 1) * batch_size)) for c in todo}
    if client is None:
        _run_here(job, parts, progress, note)
    else:
        _run_on_dask(job, parts, client, progress, note)
    seconds = time.perf_counter() - t0
    skipped = features.finish_store(store, n_chunks)
    for name, reason in skipped:
        note(f"skipped {name}: {reason}")
    computed = sum(len(p.names) for p in parts.values())
    return StoreResult(
        store,
        (n, *feature_shape),
        dtype,
        n - len(skipped),
        skipped,
        resumed,
        len(todo),
        seconds,
        computed,
    )


def _run_here(
    job: dict[str, Any], parts: dict[int, Source], progress: Progress, note: Callable[[str], None]
) -> None:
    total = sum(len(p.names) for p in parts.values())
    with progress_bar(progress, total=total, desc="extract", unit="img") as bar:
        for c, part in parts.items():
            run_chunk(job, c, part)
            bar.update(len(part.names))


def _run_on_dask(
    job: dict[str, Any],
    parts: dict[int, Source],
    client: Any,
    progress: Progress,
    note: Callable[[str], None],
) -> None:
    from dask.distributed import as_completed, wait

    client, close = connect(client)
    try:
        if check_progress(progress) != "never" and client.dashboard_link:
            note(f"Dask dashboard: {client.dashboard_link}")
        futures = [
            client.submit(
                run_chunk, job, c, part, key=f"scatkit-chunk-{c}-{os.getpid()}", pure=False
            )
            for c, part in parts.items()
        ]
        if progress_mode(progress):
            from dask.distributed import progress as dask_progress

            dask_progress(futures)
        else:  # plain lines on a non-terminal, or nothing
            sizes = {f.key: len(part.names) for f, part in zip(futures, parts.values())}
            total = sum(sizes.values())
            with progress_bar(progress, total=total, desc="extract", unit="img") as bar:
                for f in as_completed(futures):
                    bar.update(sizes[f.key])
        wait(futures)
        for f in futures:
            f.result()  # raises the first task's error here, with its traceback
    finally:
        close()
