"""Concurrent calls on one transform: the speed-up of 2 calling threads over 1.

One ``scatkit.Scattering2D`` (threads=1 per call, native engine) is called ``--calls`` times
from one thread, then the same number of calls split between 2 threads, interleaved over
``--rounds`` rounds; the median speed-up is printed with the CPU capacity measured just before
(how many cores' worth of time two busy processes got then: on a shared machine it bounds the
speed-up that was possible). Before the engine took concurrent calls, a per-plan mutex held the
speed-up at 1.0.

Usage: python -m bench.concurrency [--size 128] [--J 3] [--calls 16] [--rounds 5] [--no-save]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from typing import Any, Callable

import numpy as np

from .machine import cpu_capacity, machine_info
from .store import write_results


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(size: int, J: int, calls: int, rounds: int, batch: int = 2) -> dict[str, Any]:
    """Median seconds of ``calls`` calls on 1 and on 2 threads, and their ratio."""
    import scatkit

    S = scatkit.Scattering2D(J, (size, size), L=8, backend="native", threads=1)
    x = np.random.default_rng(0).standard_normal((batch, size, size)).astype(np.float32)
    want = S(x)

    def one_thread() -> None:
        for _ in range(calls):
            S(x)

    def two_threads() -> None:
        outs: list = []

        def work() -> None:
            for _ in range(calls // 2):
                outs.append(S(x))

        ts = [threading.Thread(target=work) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert all(np.array_equal(o, want) for o in outs)

    one_thread()  # warm-up
    t1, t2 = [], []
    for _ in range(rounds):
        t1.append(_timed(one_thread))
        t2.append(_timed(two_threads))
    m1, m2 = statistics.median(t1), statistics.median(t2)
    return {
        "size": size,
        "J": J,
        "batch": batch,
        "calls": calls,
        "rounds": rounds,
        "seconds_1_thread": t1,
        "seconds_2_threads": t2,
        "speedup_2_threads": m1 / m2,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the speed-up and save bench/results/concurrency-*.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--J", type=int, default=3)
    ap.add_argument("--calls", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    capacity = cpu_capacity(2)
    res = run(args.size, args.J, args.calls, args.rounds)
    res["cpu_capacity_2"] = capacity
    print(
        f"{args.calls} calls of {res['batch']}x{args.size}x{args.size} J={args.J} (threads=1 per "
        f"call): 1 thread {statistics.median(res['seconds_1_thread']):.3f} s, 2 threads "
        f"{statistics.median(res['seconds_2_threads']):.3f} s, speed-up "
        f"{res['speedup_2_threads']:.2f}x (CPU capacity for 2 busy processes: {capacity:.2f})"
    )
    if not args.no_save:
        res["machine"] = machine_info()
        print(f"wrote {write_results(res, 'concurrency')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
