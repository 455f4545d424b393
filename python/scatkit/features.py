"""The feature store: scattering features on disk as a Zarr (v3) store, written chunk by chunk.

A store holds ``features`` (n, C*K, H', W'), ``labels`` (n,), ``paths`` (n,: the item names,
file paths relative to the source folder) and ``valid`` (n,: False where an image could
not be read; its feature rows are zero), all chunked along the image axis with the same
chunk length. The group's attributes hold the scattering parameters, the channel meta
table, the classes and the source's fingerprint.

Chunk ``c`` is written by one task (a loop iteration here, a Dask task in
:mod:`scatkit.distributed`), and counts as done only once a marker file
``_done/<c>.json`` has been written atomically after its data. A run killed at any point
therefore leaves only chunks that a rerun recomputes whole; the rerun writes the same bits
because every writer plans its FFTs the same way (:func:`deterministic_planner`).

:func:`open` reads a store back lazily: Zarr arrays, or Dask arrays on request, and a
``torch`` Dataset over it (:meth:`FeatureStore.torch_dataset`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_path

#: Identifies a scatkit feature store (the ``scatkit`` attribute's ``format``).
STORE_FORMAT = "scatkit-features-1"
_DONE = "_done"
ARRAYS = ("features", "labels", "paths", "valid")

__all__ = ["STORE_FORMAT", "FeatureStore", "StoreDataset", "deterministic_planner", "open"]


def require_zarr() -> Any:
    """The ``zarr`` module (v3), or an ImportError saying which extra installs it."""
    try:
        import zarr
    except ImportError:
        raise ImportError(
            "Zarr feature stores need zarr>=3: pip install 'scatkit[distributed]'."
        ) from None
    if int(zarr.__version__.split(".")[0]) < 3:
        raise ImportError(f"Zarr feature stores need zarr>=3, found {zarr.__version__}.")
    return zarr


@contextlib.contextmanager
def deterministic_planner() -> Iterator[None]:
    """Plans built inside this block compute the same bits in every process.

    FFTW_MEASURE plans (the engine's default) and plans built from saved wisdom depend on
    timings, so two processes can differ by ~5e-8 relative. Estimate-only plans without
    wisdom are a fixed function of the problem. The engine loads wisdom once per process,
    at its first plan: a process that planned with wisdom before may still differ (fresh
    processes, such as ``scatkit extract`` and Dask workers, do not).
    """
    # The engine has no per-plan option for this yet; it reads these switches when planning.
    keys = ("SCATKIT_FFTW_PLANNER", "SCATKIT_FFTW_WISDOM")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(SCATKIT_FFTW_PLANNER="estimate", SCATKIT_FFTW_WISDOM="0")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- writing ----------------------------------------------------------------------------------
def differences(old: dict[str, Any], new: dict[str, Any], where: str = "store") -> str:
    """The settings two manifests disagree on, as 'J: store 2, this call 3; ...'.

    ``where`` names the older side (the store, a partial run).
    """
    # Manifests of the translation scattering leave the invariance out (it was added later).
    implied = {"invariance": "translation", "angular_scales": 0}

    def flat(m: dict[str, Any]) -> dict[str, Any]:
        # The channel meta table follows from the parameters; name those instead.
        out = {k: v for k, v in m.items() if k not in ("params", "meta", "meta_fields")}
        return {**implied, **out, **m.get("params", {})}

    a, b = flat(old), flat(new)
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return "; ".join(f"{k}: {where} {a.get(k)!r}, this call {b.get(k)!r}" for k in keys) or "format"


def create_store(
    path: str | os.PathLike,
    manifest: dict[str, Any],
    n: int,
    feature_shape: tuple[int, ...],
    chunk: int,
    dtype: str,
    *,
    restart: bool = False,
) -> bool:
    """Create the store at ``path`` for ``manifest``, or check it for a resume.

    Returns True when ``path`` already holds a store of the same manifest (finished chunks
    are kept). A store of other parameters or inputs is refused with the differences named,
    unless ``restart`` (then it is replaced). The empty store is built beside ``path`` and
    renamed into place, so a kill never leaves a store without its manifest.
    """
    zarr = require_zarr()
    path = Path(path)
    if path.exists() and restart:
        shutil.rmtree(path)
    if path.exists():
        old = _read_manifest(path)
        if old != manifest:
            raise ValueError(
                f"{path} was written with other scattering parameters or inputs "
                f"({differences(old, manifest)}); refusing to resume into it. Pass --restart "
                "to replace it, or choose another output."
            )
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".tmp-{path.name}-"))
    try:
        g = zarr.open_group(tmp, mode="w")
        g.create_array(
            "features", shape=(n, *feature_shape), chunks=(chunk, *feature_shape), dtype=dtype
        )
        g.create_array("labels", shape=(n,), chunks=(chunk,), dtype="int64", fill_value=-1)
        g.create_array("paths", shape=(n,), chunks=(chunk,), dtype=str)
        g.create_array("valid", shape=(n,), chunks=(chunk,), dtype="bool", fill_value=False)
        g.attrs["scatkit"] = manifest
        (tmp / _DONE).mkdir()
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return False


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads((path / "zarr.json").read_text())
        manifest = meta["attributes"]["scatkit"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(f"{path} exists and is not a scatkit feature store.") from None
    if manifest.get("format") != STORE_FORMAT:
        raise ValueError(f"{path} is a feature store of format {manifest.get('format')!r}.")
    return manifest


def _marker(path: Path, c: int) -> Path:
    return path / _DONE / f"{c:06d}.json"


def pending_chunks(path: str | os.PathLike, n_chunks: int) -> list[int]:
    """The chunks of the store at ``path`` without a done marker."""
    path = Path(path)
    return [c for c in range(n_chunks) if not _marker(path, c).is_file()]


def write_chunk(
    path: str | os.PathLike,
    c: int,
    lo: int,
    features: np.ndarray,
    labels: np.ndarray,
    names: list[str],
    valid: np.ndarray,
    skipped: list[tuple[int, str]],
) -> None:
    """Write chunk ``c`` (rows ``lo:lo+len(names)``), then mark it done atomically.

    A full disk raises OSError(ENOSPC) saying so; the chunk then has no marker and a rerun
    recomputes it.
    """
    zarr = require_zarr()
    path = Path(path)
    hi = lo + len(names)
    try:
        g = zarr.open_group(path, mode="r+")
        g["features"][lo:hi] = features.astype(g["features"].dtype, copy=False)
        g["labels"][lo:hi] = labels
        g["paths"][lo:hi] = np.asarray(names, dtype=str)
        g["valid"][lo:hi] = valid
        with atomic_path(_marker(path, c)) as tmp:
            tmp.write_text(json.dumps({"chunk": c, "rows": [lo, hi], "skipped": skipped}))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OSError(
                errno.ENOSPC,
                f"no space left on the device while writing chunk {c} of {path}; free some "
                "space and rerun the same command: finished chunks are kept, this one is "
                "recomputed.",
            ) from exc
        raise


def finish_store(path: str | os.PathLike, n_chunks: int) -> list[tuple[str, str]]:
    """Record the skipped items in the store's attributes once every chunk is done.

    Returns the (name, reason) of every skipped item. Raises ValueError when a chunk is
    missing or no image could be read.
    """
    zarr = require_zarr()
    path = Path(path)
    missing = pending_chunks(path, n_chunks)
    if missing:
        raise ValueError(f"{path}: {len(missing)} chunk(s) not written yet; rerun to finish.")
    g = zarr.open_group(path, mode="r+")
    names = g["paths"]
    skipped: list[tuple[str, str]] = []
    for c in range(n_chunks):
        for i, reason in json.loads(_marker(path, c).read_text())["skipped"]:
            skipped.append((str(names[i]), reason))
    if len(skipped) == g["valid"].shape[0]:
        raise ValueError(f"no image of {g.attrs['scatkit']['source']} could be read.")
    g.attrs["skipped"] = [list(s) for s in skipped]
    g.attrs["complete"] = True
    return skipped


# -- reading ----------------------------------------------------------------------------------
@dataclass
class FeatureStore:
    """A feature store opened by :func:`open`: arrays read lazily, attributes in memory."""

    path: Path
    features: Any  #: (n, C*K, H', W') Zarr or Dask array
    labels: Any  #: (n,) int64, -1 for items without a class
    paths: Any  #: (n,) item names (paths relative to the source folder)
    valid: Any  #: (n,) bool: False where the image could not be read
    #: J, L, max_order, size, color, resize, dtype, chunk, channels; invariance and
    #: angular_scales unless the store holds the translation scattering
    params: dict[str, Any]
    meta: np.ndarray  #: (C*K, 5) channel meta table, (C*K, 7) for the invariance variants
    meta_fields: tuple[str, ...]
    classes: list[str]
    complete: bool  #: every chunk written
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.features.shape[0])

    @property
    def invariance(self) -> str:
        """The invariance variant the store holds ("translation" for stores without one)."""
        return str(self.params.get("invariance", "translation"))

    def torch_dataset(self) -> StoreDataset:
        """A ``torch`` Dataset of (features, label) over the valid rows, read chunk-wise."""
        return StoreDataset(self)


def open(path: str | os.PathLike, *, dask: bool = False) -> FeatureStore:  # noqa: A001
    """Open the feature store at ``path`` for reading; nothing large is read yet.

    Parameters
    ----------
    path : path
        A store written by ``scatkit extract ... -o OUT.zarr``.
    dask : bool
        Return Dask arrays (one block per Zarr chunk) instead of Zarr arrays.

    Returns
    -------
    FeatureStore
    """
    zarr = require_zarr()
    path = Path(path)
    manifest = _read_manifest(path)
    g = zarr.open_group(path, mode="r")
    arrays = {name: g[name] for name in ARRAYS}
    if dask:
        import dask.array as da

        arrays = {k: da.from_zarr(v) for k, v in arrays.items()}
    attrs = g.attrs.asdict()
    return FeatureStore(
        path=path,
        **arrays,
        params=dict(manifest["params"]),
        meta=np.asarray(manifest["meta"], np.int64),
        meta_fields=tuple(manifest["meta_fields"]),
        classes=list(manifest["classes"]),
        complete=bool(attrs.get("complete", False)),
        skipped=[tuple(s) for s in attrs.get("skipped", [])],
    )


class StoreDataset:
    """Map-style ``torch`` Dataset of (float32 features, label) over a store's valid rows.

    Reads whole Zarr chunks and keeps the last one, so sequential or chunk-grouped access
    (see :meth:`chunk_order`) decodes each chunk once.
    """

    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self.index = np.flatnonzero(np.asarray(store.valid[:]))
        self.chunk = int(store.params["chunk"])
        self._cached: tuple[int, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        import torch

        row = int(self.index[i])
        c = row // self.chunk
        if self._cached is None or self._cached[0] != c:
            lo, hi = c * self.chunk, min(len(self.store), (c + 1) * self.chunk)
            self._cached = (c, np.asarray(self.store.features[lo:hi]), self.store.labels[lo:hi])
        _, feats, labels = self._cached
        r = row - c * self.chunk
        return torch.from_numpy(feats[r].astype(np.float32)), int(labels[r])

    def chunk_order(self, seed: int, epoch: int = 0) -> list[int]:
        """A shuffled order that visits chunks in random order, rows shuffled within each."""
        rng = np.random.default_rng([seed, epoch])
        by_chunk: dict[int, list[int]] = {}
        for i, row in enumerate(self.index):
            by_chunk.setdefault(int(row) // self.chunk, []).append(i)
        order: list[int] = []
        for c in rng.permutation(sorted(by_chunk)):
            order += list(rng.permutation(by_chunk[int(c)]))
        return [int(i) for i in order]
