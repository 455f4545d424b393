"""CPU benchmark of scatkit against kymatio.numpy 0.3 (and pytorch_wavelets), in one run.

Usage::

    python -m bench.cpu            # full run (about 5 minutes; kymatio's constructions ~80 s)
    python -m bench.cpu --quick    # development run: fewer repeats, and kymatio's slow
                                   # workloads (256x256 J=3, 512x512 J=4) are not re-run:
                                   # their numbers are reused from bench/results/cpu-latest.json
                                   # and labelled as reused

All measurements are float32, L=8, max_order=2, taken side by side in one run:

* execution time on 128x3x32x32 J=2, 8x3x256x256 J=3 and 1x1x512x512 J=4: scatkit's NumPy front
  end (native backend) vs kymatio.numpy, medians over interleaved repeats; plus scatkit's engine
  alone (``Plan.execute`` into a preallocated output) vs the FFT-only floor
  (``scatkit._core._fft_only``: exactly the FFTs the transform makes, on the plan's workspace),
  as the median of per-round paired ratios, also at one thread with 9 rounds;
* 128x3x32x32 J=2 vs pytorch_wavelets' DTCWT ScatLayer applied twice (second order);
* plan construction, cold (fresh FFTW wisdom cache) and warm, each in a fresh process, vs
  kymatio's object construction (measured once: it takes tens of seconds);
* peak RSS of a fresh process per library and workload; whether scatkit's peak grows with the
  batch beyond input + output (64x64 J=3, batch 8 / 64 / 512);
* scaling: images/s at 1 and 2 threads, time per image vs image side (J=3) and vs J (256x256),
  also drawn in bench/scaling.png.

Every library runs in its own worker process (see ``bench/worker.py``); the measurements
are in ``bench/cpu_measure.py``, the report's template in ``bench/templates/cpu.md``. Results go to
bench/results/cpu-<timestamp>.json and cpu-latest.json (``--quick``: cpu-quick-*.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .cpu_measure import (
    fft_size_study,
    measure_fft_floor,
    measure_growth,
    measure_plan_construction,
    measure_scaling,
    measure_workload,
    say,
)
from .machine import machine_info, machine_lines, record_end
from .peers import library_available
from .plot import plot_scaling
from .report_cpu import report
from .store import HERE, RESULTS_DIR, write_results
from .worker import WorkerError
from .workloads import MAIN, PTWAV_WORKLOAD, SLOW_FOR_KYMATIO

__all__ = ["MAIN", "PTWAV_WORKLOAD", "SLOW_FOR_KYMATIO", "main", "report"]


# -- reuse of kymatio's slow numbers under --quick ---------------------------------------------
def _reused(previous: dict[str, Any] | None, key: str, source: str) -> dict[str, Any] | None:
    if not previous:
        return None
    entry = previous.get("workloads", {}).get(key, {}).get("kymatio-numpy")
    if not entry:
        return None
    entry = dict(entry)
    entry.setdefault("reused_from", {"file": source, "timestamp": previous.get("timestamp")})
    return entry


def _finish(data: dict[str, Any], plot: Path | None) -> str:
    """Draw the plot (if asked) and render the report; a plotting failure is only a warning."""
    if plot is not None:
        try:
            plot.parent.mkdir(parents=True, exist_ok=True)
            plot_scaling(data["scaling"], data["config"]["threads"], plot)
            data["plot"] = plot.name
        except Exception as exc:  # noqa: BLE001 - the numbers matter more than the picture
            print(f"bench.cpu: could not draw {plot}: {exc}", file=sys.stderr)
    return report(data)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    ap = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="fewer repeats; reuse kymatio's slow numbers from cpu-latest.json",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="interleaved rounds per workload (default 5, --quick 2)",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="scatkit / torch threads (default: all logical CPUs)",
    )
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where JSON goes")
    ap.add_argument("--plot", type=Path, default=HERE / "scaling.png", help="scaling plot path")
    ap.add_argument("--no-plot", action="store_true", help="do not draw the scaling plot")
    ap.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="measure nothing: print the tables of a results JSON (and redraw its plot)",
    )
    args = ap.parse_args(argv)
    plot = None if args.no_plot else args.plot
    if args.from_json is not None:
        try:
            data = json.loads(args.from_json.read_text())
        except (OSError, ValueError) as exc:
            print(f"bench.cpu: cannot read {args.from_json}: {exc}", file=sys.stderr)
            return 2
        for line in machine_lines(data["machine"]):
            print(line)
        print()
        print(_finish(data, plot))
        return 0
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 5)
    if rounds < 1:
        ap.error(f"--rounds must be >= 1, got {rounds}.")
    if args.threads < 1:
        ap.error(f"--threads must be >= 1, got {args.threads}.")
    for lib in ("scatkit", "scatkit-engine"):
        ok, why = library_available(lib)
        if not ok:
            print(f"bench.cpu: scatkit cannot run: {why}", file=sys.stderr)
            return 2
    have_kymatio, why_not = library_available("kymatio-numpy")
    if not have_kymatio:
        print(
            f"bench.cpu: kymatio not available ({why_not}); its cells stay empty", file=sys.stderr
        )

    t_start = time.perf_counter()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    info = machine_info()
    for line in machine_lines(info):
        print(line)
    prefix = "cpu-quick" if args.quick else "cpu"
    source = args.results_dir / "cpu-latest.json"
    previous = None
    if args.quick and source.exists():
        previous = json.loads(source.read_text())
    command = "python -m bench.cpu" + (" " + " ".join(argv) if argv else "")
    if argv is None:
        command = "python -m bench.cpu " + " ".join(sys.argv[1:])
    data: dict[str, Any] = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "config": {
            "quick": args.quick,
            "rounds": rounds,
            "threads": args.threads,
            "precision": "float32",
            "L": 8,
            "max_order": 2,
            "command": command.strip(),
        },
        "workloads": {},
    }
    tmp = Path(tempfile.mkdtemp(prefix="scatkit-bench-"))
    try:
        for w, _ in MAIN:
            run_ky = have_kymatio and not (args.quick and w.key in SLOW_FOR_KYMATIO)
            say(f"{w.label}:")
            r = measure_workload(w, args.threads, rounds, run_ky, w.key == PTWAV_WORKLOAD, tmp)
            if have_kymatio and not run_ky:
                reused = _reused(previous, w.key, source.name)
                if reused:
                    r["kymatio-numpy"] = reused
                else:
                    r["kymatio_missing"] = "--quick and no earlier full run to reuse"
            data["workloads"][w.key] = r
        say("plan construction (fresh processes, cold and warm FFTW wisdom) ...")
        data["plan_construction"] = {
            w.key: measure_plan_construction(
                w, args.threads, cold=1 if args.quick else 2, warm=2 if args.quick else 3
            )
            for w, _ in MAIN
        }
        say("peak RSS vs batch ...")
        data["memory_growth"] = measure_growth(args.threads, have_kymatio)
        say("scaling ...")
        data["scaling"] = measure_scaling(args.threads, 2 if args.quick else 3)
        say("total / FFT-only at one thread ...")
        data["fft_floor_1t"] = measure_fft_floor(3 if args.quick else 9)
        say("FFT sizes: FFTW vs scipy.fft ...")
        data["fft_sizes"] = fft_size_study()
    except WorkerError as exc:
        print(f"bench.cpu: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    record_end(data, t_start)
    # Numbers first, so that nothing below can lose them.
    path = write_results(data, prefix, args.results_dir, stamp)
    text = _finish(data, plot)
    data["report_markdown"] = text
    write_results(data, prefix, args.results_dir, stamp)
    print()
    print(text)
    print()
    load = data["machine"]["loadavg_end"]
    print(
        f"load average at end: {', '.join(f'{x:.2f}' for x in load) if load else 'n/a'}; "
        f"elapsed {data['elapsed_s']:.0f} s; wrote {path} and {prefix}-latest.json"
        + (f"; plot {plot}" if plot is not None else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
