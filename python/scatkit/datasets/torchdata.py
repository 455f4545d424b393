"""A source as a ``torch.utils.data.Dataset``, and a DataLoader that skips unreadable records.

Imports torch; :mod:`scatkit.datasets` itself does not import this module.

Unreadable records are handled with a sentinel rather than by checking every file up
front: ``__getitem__`` returns a :class:`Skipped` for a record it cannot read (in the
worker process that read it), :func:`collate_skipping` drops those from the batch and
passes them on as a third element, and :class:`SkippingLoader` (in the main process)
logs each once and lists it in ``source.skipped``. To catch empty files, non-images and
decompression bombs before any worker starts, index a folder with ``check_headers=True``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler, default_collate

from .streaming import RecordSource, check_one_shape, order


@dataclass(frozen=True)
class Skipped:
    """Sentinel for a record that could not be read: which one, where, and why."""

    index: int
    path: str
    reason: str


class StreamingDataset(Dataset):
    """Map-style dataset over a :class:`~scatkit.datasets.streaming.RecordSource`.

    Items are ``(image, label)``: a float32 tensor ``(H, W)`` or ``(3, H, W)`` in [0, 1]
    (after ``transform``, if given) and an int label; or a :class:`Skipped`.

    Parameters
    ----------
    source : RecordSource
        From :func:`scatkit.datasets.stream`.
    transform : callable, optional
        Applied to each image tensor (for example an augmentation).
    """

    def __init__(self, source: RecordSource, transform: Any = None) -> None:
        self.source = source
        self.transform = transform

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int] | Skipped:
        try:
            image = self.source.read(i)
        except ValueError as exc:
            return Skipped(int(i), self.source.where(i), str(exc))
        tensor = torch.from_numpy(np.ascontiguousarray(image))
        if self.transform is not None:
            tensor = self.transform(tensor)
        return tensor, int(self.source.labels[i])


def collate_skipping(
    batch: list[tuple[torch.Tensor, int] | Skipped],
) -> tuple[torch.Tensor, torch.Tensor, tuple[Skipped, ...]]:
    """Collate the readable items into ``(images, labels)`` and pass the skipped ones on.

    Returns
    -------
    images, labels, skipped
        A batch short by the number of :class:`Skipped` items (possibly empty: ``images``
        then has shape ``(0,)``), and those items.
    """
    good = [item for item in batch if not isinstance(item, Skipped)]
    bad = tuple(item for item in batch if isinstance(item, Skipped))
    if not good:
        return torch.zeros(0), torch.zeros(0, dtype=torch.int64), bad
    check_one_shape({tuple(img.shape) for img, _ in good}, "one batch")
    images, labels = default_collate(good)
    return images, labels, bad


class SeededSampler(Sampler[int]):
    """Record order of :func:`scatkit.datasets.streaming.order`: fixed by seed and epoch.

    Call :meth:`set_epoch` before each pass for a new order per epoch.
    """

    def __init__(self, n: int, shuffle: bool = True, seed: int = 0) -> None:
        self.n, self.shuffle, self.seed, self.epoch = int(n), bool(shuffle), int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        """Use the order of pass number ``epoch``."""
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        return iter(order(self.n, self.shuffle, self.seed, self.epoch).tolist())

    def __len__(self) -> int:
        return self.n


def _quiet_opencv(worker_id: int) -> None:
    # OpenCV's own thread pool is not fork-safe and each worker is already one process per
    # core; keep OpenCV single-threaded inside workers.
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        cv2.setNumThreads(1)


class SkippingLoader:
    """A DataLoader over a source yielding ``(images, labels)``, unreadable records left out.

    Each unreadable record is logged once with its path and listed in ``source.skipped``.
    Batches hold up to ``batch_size`` images (fewer where records were skipped; a batch in
    which every record was skipped is not yielded). The order depends only on ``seed`` and
    the epoch, not on ``num_workers``.

    Parameters
    ----------
    source : RecordSource
        What to read.
    batch_size : int
        Records per batch.
    shuffle : bool
        Visit records in a seeded random order (new per :meth:`set_epoch`).
    seed : int
        Seed of that order.
    num_workers : int
        DataLoader worker processes; decoding happens in them.
    transform : callable, optional
        Applied to each image tensor, in the workers.
    **loader_kwargs
        Passed to ``torch.utils.data.DataLoader`` (for example ``pin_memory``,
        ``multiprocessing_context``, ``persistent_workers``).
    """

    def __init__(
        self,
        source: RecordSource,
        batch_size: int = 256,
        *,
        shuffle: bool = False,
        seed: int = 0,
        num_workers: int = 0,
        transform: Any = None,
        **loader_kwargs: Any,
    ) -> None:
        self.source = source
        self.dataset = StreamingDataset(source, transform)
        self.sampler = SeededSampler(len(source), shuffle, seed)
        loader_kwargs.setdefault("worker_init_fn", _quiet_opencv)
        self.loader = DataLoader(
            self.dataset,
            batch_size=batch_size,
            sampler=self.sampler,
            num_workers=num_workers,
            collate_fn=collate_skipping,
            **loader_kwargs,
        )

    def set_epoch(self, epoch: int) -> None:
        """Use the record order of pass number ``epoch``."""
        self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for images, labels, bad in self.loader:
            for item in bad:
                self.source.report(None, item.reason, path=item.path)
            if len(labels):
                yield images, labels


__all__ = [
    "SeededSampler",
    "Skipped",
    "SkippingLoader",
    "StreamingDataset",
    "collate_skipping",
]
