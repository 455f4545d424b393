"""Datasets read one record at a time, in bounded memory: image folders, CIFAR-10, STL-10.

A *source* is an index of records (file names, or byte offsets into the official binary
files) plus their labels; nothing is decoded until a record is read. :func:`iter_batches`
walks a source as NumPy batches holding one batch at a time, and
:mod:`scatkit.datasets.torchdata` wraps one as a ``torch.utils.data.Dataset``.

Sources hold only paths, offsets and labels: memory maps are opened lazily, once per
process, and dropped when a source is pickled, so DataLoader workers (fork or spawn) open
their own. A record that cannot be read (a corrupt or truncated file, a decompression
bomb over ``max_pixels``) is logged once with its path, added to ``source.skipped`` and
left out of the batches.
"""

from __future__ import annotations

import copy
import os
import pickletools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._dataset import _check_seed, stratified_split, unit_float
from .formats import (
    STL_BYTES,
    _find_folder,
    cifar_batch_raw,
    cifar_python_folder,
    stl_folder,
    stl_images,
    stl_labels,
)
from .images import DEFAULT_MAX_PIXELS, check_resize, check_size, read_image
from .index import scan_image_folder, skip

_CIFAR_BYTES = 3 * 32 * 32


class RecordSource:
    """Labelled records read one at a time; subclasses implement ``_read`` and ``_where``.

    Attributes
    ----------
    name : str
        Dataset name.
    classes : tuple of str
        Class names; label ``k`` is ``classes[k]``.
    labels : numpy.ndarray
        int64 label of each record (the only per-record data held in memory, with the index).
    skipped : list of (str, str)
        ``(path, reason)`` of each record found unreadable so far, each listed once.
    """

    def __init__(self, name: str, classes: tuple[str, ...], labels: np.ndarray) -> None:
        self.name = name
        self.classes = tuple(classes)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.skipped: list[tuple[str, str]] = []
        self._rows = np.arange(len(self.labels), dtype=np.int64)
        self._maps: dict[str, np.memmap] = {}
        self._pid: int | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def read(self, i: int) -> np.ndarray:
        """Record ``i`` as float32 in [0, 1]; raises ValueError if it cannot be read."""
        return self._read(int(self._rows[i]))

    def where(self, i: int) -> str:
        """Where record ``i`` lives (a file path, or file and record number), for messages."""
        return self._where(int(self._rows[i]))

    def report(self, i: int | None, reason: str, path: str | None = None) -> None:
        """Log an unreadable record and list it in ``skipped``, once per record."""
        path = self.where(i) if path is None else path
        if all(p != path for p, _ in self.skipped):
            skip(self.skipped, path, reason)

    def take(self, indices: np.ndarray) -> RecordSource:
        """A source over the records ``indices`` of this one (an index, nothing is read)."""
        indices = np.asarray(indices, dtype=np.int64)
        sub = copy.copy(self)
        sub._rows = self._rows[indices]
        sub.labels = self.labels[indices]
        sub.skipped = []
        return sub

    def _read(self, row: int) -> np.ndarray:
        raise NotImplementedError

    def _where(self, row: int) -> str:
        raise NotImplementedError

    def _map(self, path: str) -> np.memmap:
        # A map inherited through fork is valid, but one process per map keeps file handles
        # out of pickles and off the parent's books.
        if self._pid != os.getpid():
            self._maps, self._pid = {}, os.getpid()
        if path not in self._maps:
            self._maps[path] = np.memmap(path, dtype=np.uint8, mode="r")
        return self._maps[path]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_maps"], state["_pid"] = {}, None
        return state

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, records={len(self)}, "
            f"classes={len(self.classes)}, skipped={len(self.skipped)})"
        )


class FolderSource(RecordSource):
    """Images under ``root/<class name>/``, indexed by name and decoded (OpenCV) on read.

    Parameters are those of :func:`scatkit.datasets.load_image_folder`; ``check_headers``
    also reads every file's header while indexing (see
    :func:`scatkit.datasets.index.scan_image_folder`), so files that are empty, not images
    or over ``max_pixels`` are skipped up front instead of on first read.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        size: tuple[int, int] | None = None,
        grayscale: bool = False,
        *,
        resize: str = "crop",
        max_pixels: int = DEFAULT_MAX_PIXELS,
        check_headers: bool = False,
    ) -> None:
        check_resize(resize)
        index = scan_image_folder(root, check_headers=check_headers, max_pixels=max_pixels)
        super().__init__(index.root.name or "folder", tuple(index.classes), index.labels)
        self.skipped = index.skipped
        self.index = index
        self._read_kw = {
            "grayscale": bool(grayscale),
            "size": check_size(size),
            "resize": resize,
            "max_pixels": int(max_pixels),
        }

    def _read(self, row: int) -> np.ndarray:
        return read_image(self.index.path(row), **self._read_kw)

    def _where(self, row: int) -> str:
        return self.index.path(row)


class CifarSource(RecordSource):
    """One CIFAR-10 split, read record by record from the official files.

    Accepts the binary version (``cifar-10-batches-bin``: 3,073-byte records, memory-mapped)
    or the python version (``cifar-10-batches-py``). Python batches store the pixels as one
    raw byte string when written by Python 2 (the official files) or with pickle protocol 3
    or later, which is memory-mapped in place; batches re-pickled with protocol 2 from
    Python 3 encode it as text and are decoded whole, once per process that reads them.
    """

    def __init__(self, root: str | os.PathLike | None = None, split: str = "train") -> None:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
        stems = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        binary = _find_folder(root, "cifar-10-batches-bin")
        rows, labels = [], []
        if all((binary / f"{s}.bin").is_file() for s in stems):
            self.folder = binary
            self._files = [str(binary / f"{s}.bin") for s in stems]
            classes = tuple((binary / "batches.meta.txt").read_text(encoding="utf-8").split())
            self._in_place = [True] * len(stems)
            for k, path in enumerate(self._files):
                n, rem = divmod(os.path.getsize(path), _CIFAR_BYTES + 1)
                if rem:
                    raise ValueError(f"{path} is not a whole number of 3,073-byte records.")
                # Each record is one label byte, then the red, green and blue planes.
                y = np.array(np.memmap(path, dtype=np.uint8, mode="r")[:: _CIFAR_BYTES + 1])
                if n and y.max() >= len(classes):
                    raise ValueError(f"{path}: labels must lie in 0..{len(classes) - 1}.")
                rows.append(_record_table(k, n, 1, _CIFAR_BYTES + 1))
                labels.append(y.astype(np.int64))
        else:
            self.folder, classes = cifar_python_folder(root)
            self._files = [str(self.folder / s) for s in stems]
            self._in_place = []
            for k, path in enumerate(self._files):
                data, y = cifar_batch_raw(Path(path))
                start = _raw_blob_offset(path, data.nbytes) if data.flags.c_contiguous else None
                self._in_place.append(start is not None)
                rows.append(_record_table(k, len(y), start or 0, _CIFAR_BYTES))
                labels.append(y)
                del data
        super().__init__("cifar10", classes, np.concatenate(labels))
        self._held: dict[int, np.ndarray] = {}
        self._records = np.concatenate(rows)

    def _read(self, row: int) -> np.ndarray:
        k, off, _ = (int(v) for v in self._records[row])
        if self._in_place[k]:
            buf = self._map(self._files[k])
        else:
            if k not in self._held:
                self._held[k] = cifar_batch_raw(Path(self._files[k]))[0].reshape(-1)
            buf = self._held[k]
        return unit_float(np.asarray(buf[off : off + _CIFAR_BYTES]).reshape(3, 32, 32))

    def _where(self, row: int) -> str:
        k, _, record = (int(v) for v in self._records[row])
        return f"{self._files[k]} record {record}"

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_held"] = {}
        return state


def _record_table(k: int, n: int, start: int, step: int) -> np.ndarray:
    """Rows (file number, byte offset, record number) of ``n`` records of one file."""
    rec = np.arange(n, dtype=np.int64)
    return np.stack([np.full(n, k, dtype=np.int64), start + rec * step, rec], axis=1)


def _raw_blob_offset(path: str, nbytes: int) -> int | None:
    """File offset of a raw byte string of ``nbytes`` in a pickle, or None."""
    # opcode name -> size of its length prefix
    raw = {"BINSTRING": 4, "SHORT_BINSTRING": 1, "BINBYTES": 4, "BINBYTES8": 8, "BYTEARRAY8": 8}
    with open(path, "rb") as fh:
        for op, arg, pos in pickletools.genops(fh):
            if op.name in raw and len(arg) == nbytes:
                return pos + 1 + raw[op.name]
    return None


class StlSource(RecordSource):
    """One labelled STL-10 split (``stl10_binary``), memory-mapped record by record."""

    def __init__(self, root: str | os.PathLike | None = None, split: str = "train") -> None:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
        self.folder, classes = stl_folder(root)
        self._file = str(self.folder / f"{split}_X.bin")
        super().__init__("stl10", classes, stl_labels(self.folder, split, len(classes)))

    def _read(self, row: int) -> np.ndarray:
        raw = self._map(self._file)[row * STL_BYTES : (row + 1) * STL_BYTES]
        return stl_images(np.asarray(raw))[0]

    def _where(self, row: int) -> str:
        return f"{self._file} record {row}"


class ArraySource(RecordSource):
    """Records of images already in memory (the built-in datasets, which are small)."""

    def __init__(self, name: str, X: np.ndarray, y: np.ndarray, classes: tuple[str, ...]) -> None:
        super().__init__(name, classes, y)
        self.X = X

    def _read(self, row: int) -> np.ndarray:
        return self.X[row]

    def _where(self, row: int) -> str:
        return f"{self.name} record {row}"


def order(n: int, shuffle: bool = False, seed: int = 0, epoch: int = 0) -> np.ndarray:
    """Record order of one pass: ``range(n)``, or a permutation fixed by ``(seed, epoch)``."""
    if not shuffle:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng([_check_seed(seed), _check_seed(epoch)])
    return rng.permutation(n).astype(np.int64)


def iter_batches(
    source: RecordSource,
    batch_size: int = 256,
    *,
    shuffle: bool = False,
    seed: int = 0,
    epoch: int = 0,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(images, labels)`` NumPy batches of a source, holding one batch at a time.

    Parameters
    ----------
    source : RecordSource
        From :func:`stream` or a source class.
    batch_size : int
        Records per batch; a batch is shorter where unreadable records were skipped, and
        the last one may be shorter (unless ``drop_last``).
    shuffle, seed, epoch
        Visit the records in the order :func:`order` gives: the same for equal seeds.
    drop_last : bool
        Leave out a last batch shorter than ``batch_size``.

    Yields
    ------
    images : numpy.ndarray
        float32 ``(b, H, W)`` or ``(b, 3, H, W)``.
    labels : numpy.ndarray
        int64 ``(b,)``.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    idx = order(len(source), shuffle, seed, epoch)
    for start in range(0, len(idx), batch_size):
        chunk = idx[start : start + batch_size]
        if drop_last and len(chunk) < batch_size:
            return
        images, labels = [], []
        for i in chunk.tolist():
            try:
                images.append(source.read(i))
            except ValueError as exc:
                source.report(i, str(exc))
                continue
            labels.append(source.labels[i])
        if images:
            yield stack_images(images, source), np.asarray(labels, dtype=np.int64)


def stack_images(images: list[np.ndarray], source: RecordSource) -> np.ndarray:
    """Stack one batch, or say that the images differ in size and how to fix it."""
    check_one_shape({img.shape for img in images}, source.name)
    return np.stack(images)


def check_one_shape(shapes: set[tuple[int, ...]], where: str) -> None:
    """Raise ValueError, saying how to fix it, unless one batch's images share one shape."""
    if len(shapes) > 1:
        raise ValueError(
            f"images of {where} differ in size ({sorted(shapes)[:3]}); pass "
            "size=(H, W) to resize them to one size."
        )


def stream(name: str, split: str = "train", **kwargs: Any) -> RecordSource:
    """Open a dataset by name as a source read record by record.

    Parameters
    ----------
    name : str
        ``"folder"``, ``"cifar10"``, ``"stl10"``, or a built-in dataset (``"digits"``,
        ``"mnist5k"``, ``"textures"``; those are small and loaded whole first).
    split : {"train", "test", "all"}
        Which records. For a folder without ``test_root``, ``"train"``/``"test"`` are the
        stratified split of :func:`load_image_folder` (``test_size``, ``seed``), drawn
        over the indexed files; ``"all"`` keeps every file.
    **kwargs
        ``root`` and the reading options of the loader (for a folder: ``size``,
        ``grayscale``, ``resize``, ``max_pixels``, ``check_headers``, ``test_root``,
        ``test_size``, ``seed``).
    """
    key = str(name).strip().lower()
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}.")
    if key == "folder":
        test_root = kwargs.pop("test_root", None)
        test_size = kwargs.pop("test_size", 0.2)
        seed = kwargs.pop("seed", 0)
        if test_root is not None and split == "test":
            return FolderSource(test_root, **{k: v for k, v in kwargs.items() if k != "root"})
        source = FolderSource(**kwargs)
        if test_root is not None or split == "all":
            return source
        train_idx, test_idx = stratified_split(source.labels, test_size, seed)
        return source.take(train_idx if split == "train" else test_idx)
    if key in ("cifar10", "stl10"):
        if split == "all":
            raise ValueError(f"{key} has separate train and test files; ask for one split.")
        cls = CifarSource if key == "cifar10" else StlSource
        return cls(kwargs.pop("root", None), split, **kwargs)
    from . import load

    ds = load(key, **kwargs)
    if split == "all":
        X, y = np.concatenate([ds.X_train, ds.X_test]), np.concatenate([ds.y_train, ds.y_test])
    else:
        X, y = getattr(ds, f"X_{split}"), getattr(ds, f"y_{split}")
    return ArraySource(ds.name, X, y, ds.classes)
