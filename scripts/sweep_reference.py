"""Random configurations of the native engine against the pure-Python reference.

Usage::

    python scripts/sweep_reference.py [--seed 1] [--seconds 400]

Until the time is up, draws J in 1..6, M and N in [2**J, min(300, 6 * 2**J)), L in 1..12, order 1
or 2, float32 or float64, 1 to 3 threads and a batch of 1 to 4 standard normal images (a fifth
of them with their top half zero), and compares ``scatkit.Scattering2D`` with
``ReferenceScattering2D`` computed in float64: max |a - b| / max |b| must stay below 2e-5
(float32) or 1e-10 (float64). Prints every configuration over its tolerance and, at the end, the
number checked and the worst error per precision; exits with 1 if any was over. Meant for engine
changes (the unit tests cover fixed shapes); not run by CI.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import scatkit
from scatkit.reference import ReferenceScattering2D

TOLERANCE = {"float32": 2e-5, "float64": 1e-10}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--seconds", type=float, default=400.0, help="time budget (default 400)")
    a = ap.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    t_end = time.monotonic() + a.seconds
    worst: dict[str, float] = {}
    checked = bad = 0
    while time.monotonic() < t_end:
        J = int(rng.integers(1, 7))
        lo = 2**J
        hi = max(lo + 1, min(300, 6 * lo))
        M, N = int(rng.integers(lo, hi)), int(rng.integers(lo, hi))
        L, order = int(rng.integers(1, 13)), int(rng.integers(1, 3))
        dtype = np.dtype([np.float32, np.float64][int(rng.integers(0, 2))])
        threads, batch = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        x = rng.standard_normal((batch, M, N)).astype(dtype)
        if rng.random() < 0.2:
            x[:, : M // 2] = 0
        y = scatkit.Scattering2D(J, (M, N), L=L, max_order=order, threads=threads)(x)
        ref = ReferenceScattering2D(J, (M, N), L=L, max_order=order, threads=1)(
            x.astype(np.float64)
        )
        err = float(np.max(np.abs(y - ref)) / np.max(np.abs(ref)))
        worst[dtype.name] = max(worst.get(dtype.name, 0.0), err)
        checked += 1
        if not err <= TOLERANCE[dtype.name]:
            bad += 1
            print(
                f"OVER: M={M} N={N} J={J} L={L} order={order} {dtype.name} threads={threads} "
                f"batch={batch}: {err:.3g}",
                flush=True,
            )
    print(
        f"checked {checked} configurations, {bad} over tolerance; worst relative error: "
        + ", ".join(f"{k} {v:.2g}" for k, v in worst.items())
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
