"""Head-to-head: every scatkit backend and every installed peer on the same CPU workloads.

Usage::

    python -m bench.headtohead [--rounds 5] [--threads 2]

Contestants (each in its own fresh worker process, skipped with the reason when not installed):
scatkit's NumPy front end on the native engine and on the pure-Python reference backend;
``scatkit.torch.Scattering2D`` with the native engine and with its ``torch.fft`` backend;
kymatio 0.3 (``kymatio.numpy`` and ``kymatio.torch``); pytorch_wavelets' DTCWT ``ScatLayer``
applied twice (second order; a different transform, so only its speed is comparable).

Workloads: 32x3x32x32 J=2 and 4x1x128x128 J=3 (float32, L=8, max_order=2). Construction is
timed once; then one untimed warm-up call, then ``--rounds`` interleaved rounds. Every output of
the SPEC's transform is compared with scatkit native's (max relative difference). One table with
medians and time ratios to scatkit native; JSON to bench/results/headtohead-<timestamp>.json and
headtohead-latest.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .machine import machine_info, machine_lines, record_end
from .peers import LIBRARIES, SAME_TRANSFORM, library_available
from .report import fmt_ratio, fmt_time, markdown_table, render
from .stats import Task, interleave, max_rel_diff, per_round
from .store import RESULTS_DIR, write_results
from .worker import Worker, WorkerError
from .workloads import Workload

WORKLOADS = [Workload((32, 3, 32, 32), 2), Workload((4, 1, 128, 128), 3)]
CONTESTANTS = [
    "scatkit",
    "scatkit-reference",
    "scatkit-torch-native",
    "scatkit-torch-torch",
    "kymatio-numpy",
    "kymatio-torch",
    "ptwav-scatlayer-x2",
]
BASELINE = "scatkit"


def measure(w: Workload, libs: list[str], threads: int, rounds: int, tmp: Path) -> dict[str, Any]:
    """Build every library on ``w``, time them interleaved, compare outputs with the baseline."""
    workers: dict[str, Worker] = {}
    res: dict[str, Any] = {"workload": w.to_dict(), "images": w.batch, "libraries": {}}
    try:
        for lib in libs:
            workers[lib] = Worker(lib, w, threads)
        for lib, wk in list(workers.items()):
            print(f"  building {lib} ...", flush=True)
            try:
                wk.build()
            except WorkerError as exc:
                if lib == BASELINE:
                    raise
                res["libraries"][lib] = {"error": str(exc)}
                wk.close()
                del workers[lib]
        tasks = [
            Task(lib, wk, "call", per_round(wk.build_info["first_call_s"]))
            for lib, wk in workers.items()
        ]
        print(f"  timing {rounds} interleaved rounds ...", flush=True)
        samples = interleave(tasks, rounds)
        ref_path = tmp / "baseline.npy"
        workers[BASELINE].dump(ref_path)
        ref = np.load(ref_path)
        for lib, wk in workers.items():
            st = wk.stats()
            entry: dict[str, Any] = {
                "build_s": wk.build_info["build_s"],
                "first_call_s": wk.build_info["first_call_s"],
                "info": wk.build_info["info"],
                "time": samples[lib].summary(),
                "peak_rss": st["peak_rss"],
            }
            if lib in SAME_TRANSFORM and lib != BASELINE:
                p = tmp / f"{lib}.npy"
                if wk.dump(p):
                    entry["max_rel_diff_vs_native"] = max_rel_diff(np.load(p), ref)
                    p.unlink()
            res["libraries"][lib] = entry
    finally:
        for wk in workers.values():
            wk.close()
    return res


def report(data: dict[str, Any], only: Sequence[str] | None = None) -> str:
    """The table and its notes as Markdown (``only``: these sections of the template)."""
    rows = []
    for r in data["workloads"].values():
        w = Workload.from_dict(r["workload"])
        base = r["libraries"][BASELINE]["time"]["median_s"]
        for lib in CONTESTANTS:
            e = r["libraries"].get(lib)
            if e is None:
                why = data["skipped"].get(lib, "not run")
                rows.append([w.label, LIBRARIES[lib], "-", "-", "-", "-", f"skipped: {why}", "-"])
                continue
            if "error" in e:
                rows.append([w.label, LIBRARIES[lib], "-", "-", "-", "-", "failed", "-"])
                continue
            t = e["time"]["median_s"]
            diff = e.get("max_rel_diff_vs_native")
            rows.append(
                [
                    w.label,
                    LIBRARIES[lib],
                    str(e["info"].get("threads", "?")),
                    fmt_time(e["build_s"]),
                    fmt_time(t),
                    f"{w.batch / t:.0f}" if w.batch / t >= 100 else f"{w.batch / t:.3g}",
                    "1x (baseline)" if lib == BASELINE else fmt_ratio(t / base),
                    "-" if lib == BASELINE else (f"{diff:.1e}" if diff is not None else "n/a"),
                ]
            )
    heads = [
        "workload",
        "library",
        "threads",
        "construction",
        "median",
        "images/s",
        "time / scatkit native",
        "max rel diff",
    ]
    return render("headtohead.md", {"table": markdown_table(heads, rows).rstrip("\n")}, only)


def main(argv: list[str] | None = None) -> int:
    """Run the head-to-head; returns the process exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m bench.headtohead", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="threads for scatkit and torch (default: all logical CPUs)",
    )
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where JSON goes")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error(f"--rounds must be >= 1, got {args.rounds}.")
    if args.threads < 1:
        ap.error(f"--threads must be >= 1, got {args.threads}.")
    ok, why = library_available(BASELINE)
    if not ok:
        print(f"bench.headtohead: scatkit cannot run: {why}", file=sys.stderr)
        return 2
    libs, skipped = [], {}
    for lib in CONTESTANTS:
        ok, why = library_available(lib)
        if ok:
            libs.append(lib)
        else:
            skipped[lib] = why
    info = machine_info()
    for line in machine_lines(info):
        print(line)
    t0 = time.perf_counter()
    data: dict[str, Any] = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "config": {"rounds": args.rounds, "threads": args.threads, "precision": "float32"},
        "skipped": skipped,
        "workloads": {},
    }
    tmp = Path(tempfile.mkdtemp(prefix="scatkit-h2h-"))
    try:
        for w in WORKLOADS:
            print(f"{w.label}:", flush=True)
            data["workloads"][w.key] = measure(w, libs, args.threads, args.rounds, tmp)
    except WorkerError as exc:
        print(f"bench.headtohead: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    record_end(data, t0)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # A non-default thread count gets its own files, so both runs can be kept side by side.
    default_threads = os.cpu_count() or 1
    prefix = "headtohead" if args.threads == default_threads else f"headtohead-t{args.threads}"
    path = write_results(data, prefix, args.results_dir, stamp)
    text = report(data)
    data["report_markdown"] = text
    write_results(data, prefix, args.results_dir, stamp)
    print()
    print(text)
    print(f"\nelapsed {data['elapsed_s']:.0f} s; wrote {path} and {prefix}-latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
