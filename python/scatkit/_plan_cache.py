"""A cache of built plans bounded by the memory they hold, not by their number.

Multi-scale training, random-resized crops or a sweep over J see many shapes; a cache of a
fixed count either rebuilds plans (filters, FFT plans) again and again or, with large images,
holds gigabytes. This one keeps the most recently used plans while their ``workspace_bytes``
(filters and per-thread buffers) stay under a budget: ``SCATKIT_PLAN_CACHE_MB`` (default: an
eighth of physical memory, at most 4 GiB). The plan in use is always kept.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, Callable

_DEFAULT_CAP = 4 << 30


def default_budget() -> int:
    """Bytes of plans a cache keeps (see the module docstring)."""
    env = os.environ.get("SCATKIT_PLAN_CACHE_MB", "").strip()
    if env:
        try:
            return max(0, int(float(env) * (1 << 20)))
        except ValueError:
            raise ValueError(
                f"SCATKIT_PLAN_CACHE_MB must be a number of MiB, got {env!r}."
            ) from None
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return _DEFAULT_CAP
    return min(_DEFAULT_CAP, phys // 8)


class PlanCache:
    """Memoises ``build(*key)`` with least-recently-used eviction by bytes.

    Parameters
    ----------
    build : callable
        Builds the value for a key; the value is a plan, or a tuple whose first item is one.
    budget : int, optional
        Bytes to keep; default :func:`default_budget`, read when the cache is first used.
    """

    def __init__(self, build: Callable[..., Any], budget: int | None = None) -> None:
        self._build = build
        self._budget = budget
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, *key: Any) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
        value = self._build(*key)  # outside the lock: building can take a while
        plan = value[0] if isinstance(value, tuple) else value
        size = int(getattr(plan, "workspace_bytes", 0))
        with self._lock:
            if key in self._items:  # another thread built it meanwhile: keep one
                self._items.move_to_end(key)
                return self._items[key][0]
            self._items[key] = (value, size)
            self._bytes += size
            budget = default_budget() if self._budget is None else self._budget
            while self._bytes > budget and len(self._items) > 1:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old
        return value

    @property
    def nbytes(self) -> int:
        """Bytes the cached plans hold."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def cache_clear(self) -> None:
        """Drop every plan."""
        with self._lock:
            self._items.clear()
            self._bytes = 0
