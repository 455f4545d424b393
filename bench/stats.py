"""Timing statistics of the benchmarks: samples, interleaved rounds, paired ratios, differences.

Each measurement is a list of per-call wall-clock and CPU times (``Samples``). ``interleave``
runs every task once per round, rotating the order, so a slow drift of a shared machine's load
hits every contestant alike; ``paired_ratio`` then compares two tasks round by round.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .worker import Worker


@dataclass
class Samples:
    """Per-call wall-clock and CPU times of one measurement."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, t: dict[str, list[float]]) -> None:
        """Append a worker's reply to ``time``."""
        self.wall += t["wall"]
        self.cpu += t["cpu"]

    @property
    def median(self) -> float:
        """Median wall-clock seconds per call."""
        return statistics.median(self.wall) if self.wall else float("nan")

    def summary(self) -> dict[str, Any]:
        """JSON form: medians, minimum, and every sample."""
        return {
            "median_s": self.median,
            "min_s": min(self.wall) if self.wall else float("nan"),
            "cpu_median_s": statistics.median(self.cpu) if self.cpu else float("nan"),
            "n": len(self.wall),
            "wall_s": self.wall,
            "cpu_s": self.cpu,
        }


@dataclass
class Task:
    """One measurement in an interleaved schedule: ``n`` calls of ``what`` per round."""

    key: str
    worker: Worker
    what: str = "call"
    n: int = 1


def paired_ratio(a: Samples, b: Samples) -> float:
    """Median over rounds of a's time / b's time in the same round (wall clock).

    ``interleave`` gives tasks with the same calls per round aligned samples, each pair taken
    seconds apart; the median of the per-pair ratios follows the machine's drifting speed far
    better than a ratio of two medians taken over the whole run.
    """
    n = min(len(a.wall), len(b.wall))
    if n == 0:
        return float("nan")
    return statistics.median(a.wall[i] / b.wall[i] for i in range(n))


def per_round(first_call_s: float, budget_s: float = 0.3, most: int = 5) -> int:
    """Calls per round for a library: about ``budget_s`` of calls, between 1 and ``most``.

    Fast calls are repeated within a round so their medians rest on more samples, while a slow
    library costs one call per round.
    """
    if not first_call_s or first_call_s != first_call_s:
        return 1
    return int(min(most, max(1, budget_s // first_call_s)))


def interleave(tasks: Sequence[Task], rounds: int) -> dict[str, Samples]:
    """Run ``rounds`` rounds; each round runs every task once, starting one task later each time.

    Rotating the starting task keeps a task from always following the same neighbour (whose
    cache footprint or thread wake-ups it would otherwise always inherit).
    """
    out = {t.key: Samples() for t in tasks}
    for r in range(rounds):
        for i in range(len(tasks)):
            t = tasks[(r + i) % len(tasks)]
            out[t.key].add(t.worker.time(t.what, t.n))
    return out


def max_rel_diff(a: np.ndarray, ref: np.ndarray) -> float:
    """max |a - ref| / max |ref| (the scale of the reference, not element-wise)."""
    a64, r64 = np.asarray(a, np.float64), np.asarray(ref, np.float64)
    if a64.shape != r64.shape:
        raise ValueError(f"outputs differ in shape: {a64.shape} vs {r64.shape}.")
    scale = float(np.abs(r64).max()) or 1.0
    return float(np.abs(a64 - r64).max()) / scale
