"""The spatial low-pass against the Fourier low-pass (``SCATKIT_LOWPASS=fourier``), side by side.

Usage::

    python -m bench.lowpass [--threads 1] [--rounds 15]

For each main workload of ``bench.cpu`` two engine workers run interleaved: the default engine
(maps whose spectrum serves only the low-pass are low-passed in space, see
``cpp/src/cpu/spatial_lowpass.hpp``) and the same engine with ``SCATKIT_LOWPASS=fourier`` (every
low-pass in Fourier, as the SPEC writes it). Each is timed executing and running its FFT-only
floor (exactly the FFTs it makes). The table gives both times, their ratio, both floors, and the
default engine's time over each floor (the spatial low-pass removes FFTs, so its own floor drops
more than its time does), and the Fourier-low-pass engine's time over its own floor. Every ratio
is the median over rounds of the two times taken in the same round (``paired_ratio``). The
largest output difference between the two is printed too.
Results go to bench/results/lowpass-<timestamp>.json and lowpass-latest.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .machine import machine_info
from .report import fmt_time, markdown_table, render
from .stats import Task, interleave, max_rel_diff, paired_ratio, per_round
from .store import RESULTS_DIR, write_results
from .worker import Worker
from .workloads import MAIN, Workload

VARIANTS = {"spatial": {}, "fourier": {"SCATKIT_LOWPASS": "fourier"}}


def measure(threads: int, rounds: int) -> list[dict]:
    rows = []
    for w, _ in MAIN:
        print(f"  {w.label} ...", file=sys.stderr, flush=True)
        workers = {k: Worker("scatkit-engine", w, threads, env) for k, env in VARIANTS.items()}
        try:
            for wk in workers.values():
                wk.build()
            # The same calls per round for every task, so that samples pair up round by round.
            n = min(per_round(wk.build_info["first_call_s"], 0.2, 3) for wk in workers.values())
            tasks = []
            for k, wk in workers.items():
                tasks += [Task(f"call-{k}", wk, "call", n), Task(f"fft-{k}", wk, "fft", n)]
            s = interleave(tasks, rounds)
            with tempfile.TemporaryDirectory() as tmp:
                out = {}
                for k, wk in workers.items():
                    wk.dump(Path(tmp) / f"{k}.npy")
                    out[k] = np.load(Path(tmp) / f"{k}.npy")
            rows.append(
                {
                    "workload": w.to_dict(),
                    "threads": threads,
                    **{
                        f"{what}_{k}": s[f"{what}-{k}"].summary()
                        for what in ("call", "fft")
                        for k in VARIANTS
                    },
                    "max_rel_diff": max_rel_diff(out["spatial"], out["fourier"]),
                    # Paired per round (see paired_ratio): robust to the machine's drift.
                    "fourier_over_spatial": paired_ratio(s["call-fourier"], s["call-spatial"]),
                    "engine_over_fft": paired_ratio(s["call-spatial"], s["fft-spatial"]),
                    "engine_over_fourier_fft": paired_ratio(s["call-spatial"], s["fft-fourier"]),
                    "fourier_engine_over_its_fft": paired_ratio(
                        s["call-fourier"], s["fft-fourier"]
                    ),
                }
            )
        finally:
            for wk in workers.values():
                wk.close()
    return rows


def table(rows: list[dict], only: Sequence[str] | None = None) -> str:
    """The comparison of a ``bench.lowpass`` run's rows as Markdown."""
    body = []
    for r in rows:
        t = {k: r[k]["median_s"] for k in r if k.startswith(("call_", "fft_"))}
        body.append(
            [
                Workload.from_dict(r["workload"]).label,
                fmt_time(t["call_spatial"]),
                fmt_time(t["call_fourier"]),
                f"{r['fourier_over_spatial']:.2f}x",
                fmt_time(t["fft_spatial"]),
                fmt_time(t["fft_fourier"]),
                f"{r['engine_over_fft']:.2f}x",
                f"{r['engine_over_fourier_fft']:.2f}x",
                f"{r['fourier_engine_over_its_fft']:.2f}x"
                if "fourier_engine_over_its_fft" in r
                else "n/a",
                f"{r['max_rel_diff']:.1e}",
            ]
        )
    heads = [
        f"workload ({rows[0]['threads']} thread{'s' if rows[0]['threads'] > 1 else ''})",
        "engine",
        "engine, Fourier low-pass",
        "Fourier / default",
        "FFT-only",
        "FFT-only, Fourier low-pass",
        "engine / FFT-only",
        "engine / Fourier FFT-only",
        "Fourier-low-pass engine / its FFT-only",
        "max rel. diff",
    ]
    return render("lowpass.md", {"table": markdown_table(heads, body).rstrip("\n")}, only)


def report(data: dict[str, Any], only: Sequence[str] | None = None) -> str:
    """The table of a ``bench.lowpass`` results dict (what the run printed)."""
    return table(data["rows"], only)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.lowpass", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--threads", type=int, default=1, help="engine threads (default 1)")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where JSON goes")
    a = ap.parse_args(argv)
    if a.threads < 1 or a.rounds < 1:
        ap.error("--threads and --rounds must be positive integers")
    rows = measure(a.threads, a.rounds)
    print(table(rows))
    path = write_results({"machine": machine_info(), "rows": rows}, "lowpass", a.results_dir)
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
