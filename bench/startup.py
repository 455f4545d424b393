"""Start-up cost: ``import``, the first ``Scattering2D`` and its first call, in fresh processes.

Usage::

    python -m bench.startup [--repeats 9] [--shape 256] [--J 3] [--no-kymatio]

Each repetition starts a new interpreter that times, with ``time.perf_counter``:

1. ``import scatkit`` (for Kymatio: ``from kymatio.numpy import Scattering2D``), NumPy included,
   since a fresh process pays for it;
2. the first ``Scattering2D(J=3, shape=(256, 256))`` with default arguments;
3. the first call on one float32 256x256 image;

and then, for scale, a second construction and a second call in the same process. The two
libraries alternate (scatkit, Kymatio, scatkit, ...) so that a change in the machine's load
falls on both. The table gives the median over repetitions of each step and Kymatio's median
over scatkit's. The optional modules each worker ended up importing are recorded too.
Results go to bench/results/startup-<timestamp>.json and startup-latest.json.

This file imports nothing from the other benches on purpose: it must stay cheap to run and
independent of their harness.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: Goals for this repository's 2-core reference machine (issue 17), in seconds.
GOALS = {"import": 0.150, "construct": 0.060}

#: Optional modules whose presence in sys.modules after a step is worth reporting.
WATCHED = ("pyfftw", "scipy", "torch", "cv2", "sklearn", "pandas", "tqdm", "kymatio")

STEPS = (
    ("import", "import"),
    ("construct", "first Scattering2D(J={J}, shape=({n}, {n}))"),
    ("call", "first call on one {n}x{n} image"),
    ("construct2", "second Scattering2D (same process)"),
    ("call2", "second call (same process)"),
)

# Run with ``python -c`` so that nothing but the interpreter's own start-up precedes the timer.
_WORKER = """
import sys, time
t0 = time.perf_counter()
if {lib!r} == "scatkit":
    from scatkit import Scattering2D
else:
    from kymatio.numpy import Scattering2D
t1 = time.perf_counter()
S = Scattering2D(J={J}, shape=({n}, {n}))
t2 = time.perf_counter()
import numpy as np
x = np.random.default_rng(0).random(({n}, {n}), dtype=np.float32)
t3 = time.perf_counter()
y = S(x)
t4 = time.perf_counter()
S2 = Scattering2D(J={J}, shape=({n}, {n}))
t5 = time.perf_counter()
S(x)
t6 = time.perf_counter()
import json
print(json.dumps({{
    "import": t1 - t0, "construct": t2 - t1, "call": t4 - t3, "construct2": t5 - t4,
    "call2": t6 - t5, "out_shape": list(y.shape),
    "modules": sorted(m for m in {watched!r} if m in sys.modules),
}}))
"""


def run_worker(lib: str, J: int, n: int) -> dict[str, Any]:
    """Time the start-up steps of ``lib`` ("scatkit" or "kymatio") in a new interpreter."""
    code = _WORKER.format(lib=lib, J=J, n=n, watched=WATCHED)
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} worker failed (exit {proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process"] = wall
    return result


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    """What the numbers depend on: CPUs, load, interpreter and library versions."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scatkit": _version("scatkit"),
        "kymatio": _version("kymatio"),
        "pyfftw": _version("pyFFTW"),
        "git_commit": _git_commit(),
    }


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and minimum of every step over the repetitions, in seconds."""
    keys = [k for k, _ in STEPS] + ["process"]
    return {
        k: {
            "median": statistics.median(s[k] for s in samples),
            "min": min(s[k] for s in samples),
        }
        for k in keys
    }


def fmt_ms(s: float | None) -> str:
    """Seconds as milliseconds, '-' when missing."""
    return "-" if s is None else f"{s * 1e3:.1f} ms"


def table(summary: dict[str, dict[str, Any]], J: int, n: int) -> str:
    """Markdown table: scatkit and Kymatio medians per step, and their ratio."""
    sk, ky = summary["scatkit"], summary.get("kymatio")
    lines = [
        "| step | scatkit | Kymatio 0.3 | Kymatio / scatkit |",
        "|---|---:|---:|---:|",
    ]
    for key, label in [*STEPS, ("process", "whole process (interpreter start to exit)")]:
        a = sk[key]["median"]
        b = ky[key]["median"] if ky else None
        ratio = f"{b / a:.1f}x" if b is not None and a > 0 else "-"
        lines.append(f"| {label.format(J=J, n=n)} | {fmt_ms(a)} | {fmt_ms(b)} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the start-up benchmark and print and save the results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=9, help="fresh processes per library")
    ap.add_argument("--shape", type=int, default=256, help="image side")
    ap.add_argument("--J", type=int, default=3, help="number of scales")
    ap.add_argument("--no-kymatio", action="store_true", help="time scatkit only")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    a = ap.parse_args(argv)
    if a.repeats < 1:
        ap.error("--repeats must be at least 1")

    libs = ["scatkit"]
    if not a.no_kymatio:
        if _version("kymatio") is None:
            print("kymatio is not installed: timing scatkit only (pip install kymatio==0.3.0)")
        else:
            libs.append("kymatio")
    info = machine()
    t_start = time.time()
    samples: dict[str, list[dict[str, Any]]] = {lib: [] for lib in libs}
    for lib in libs:  # one untimed warm-up each, so .pyc files and the page cache are ready
        run_worker(lib, a.J, a.shape)
    for _ in range(a.repeats):
        for lib in libs:
            samples[lib].append(run_worker(lib, a.J, a.shape))
    summary = {lib: summarise(s) for lib, s in samples.items()}
    info["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    print(
        f"Start-up, medians of {a.repeats} fresh processes ({info['cpu_model']}, "
        f"{info['logical_cpus']} CPUs, Python {info['python']}, NumPy {info['numpy']}):\n"
    )
    print(table(summary, a.J, a.shape))
    modules = sorted({m for s in samples["scatkit"] for m in s["modules"]})
    print(f"\noptional modules scatkit imported: {', '.join(modules) or 'none'}")
    goals = []
    for key, goal in GOALS.items():
        got = summary["scatkit"][key]["median"]
        verdict = "met" if got <= goal else "MISSED"
        goals.append({"step": key, "goal_s": goal, "median_s": got, "met": got <= goal})
        print(f"goal {key} <= {fmt_ms(goal)}: {fmt_ms(got)} ({verdict})")

    data = {
        "machine": info,
        "config": {"J": a.J, "shape": [a.shape, a.shape], "repeats": a.repeats},
        "summary": summary,
        "goals": goals,
        "samples": samples,
        "wall_s": time.time() - t_start,
    }
    a.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime())
    text = json.dumps(data, indent=1) + "\n"
    path = a.results_dir / f"startup-{stamp}.json"
    path.write_text(text)
    (a.results_dir / "startup-latest.json").write_text(text)
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
