"""Start-up cost: ``import``, the first ``Scattering2D`` and its first call, in fresh processes.

Usage::

    python -m bench.startup [--repeats 9] [--shape 256] [--J 3] [--no-kymatio]

Each repetition starts a new interpreter that times, with ``time.perf_counter``:

1. the import, ``from scatkit import Scattering2D`` (Kymatio: ``from kymatio.numpy import
   Scattering2D``), NumPy included, since a fresh process pays for it;
2. the first ``Scattering2D(J=3, shape=(256, 256))`` with default arguments;
3. the first call on one float32 256x256 image;

and then, for scale, a second construction and a second call in the same process. Three
variants: scatkit with the FFTW wisdom its warm-up run saved (any session after the first for
that image size), scatkit with an empty cache folder (the very first session on a machine, where
FFTW measures its plans), and Kymatio. They alternate (scatkit, scatkit cold, Kymatio, scatkit,
...) so that a change in the machine's load falls on all of them. The table gives the median over
repetitions of each step and Kymatio's median over scatkit's. The optional modules each worker
ended up importing are recorded too.
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
import tempfile
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
# Each mark takes the wall clock and the process's CPU time (all threads): on a loaded machine
# the wall times grow with the queue for the cores, the CPU times much less.
_WORKER = """
import sys, time
marks = [(time.perf_counter(), time.process_time())]
if {lib!r} == "scatkit":
    from scatkit import Scattering2D
else:
    from kymatio.numpy import Scattering2D
marks.append((time.perf_counter(), time.process_time()))
S = Scattering2D(J={J}, shape=({n}, {n}))
marks.append((time.perf_counter(), time.process_time()))
import numpy as np
x = np.random.default_rng(0).random(({n}, {n}), dtype=np.float32)
marks.append((time.perf_counter(), time.process_time()))
y = S(x)
marks.append((time.perf_counter(), time.process_time()))
S2 = Scattering2D(J={J}, shape=({n}, {n}))
marks.append((time.perf_counter(), time.process_time()))
S(x)
marks.append((time.perf_counter(), time.process_time()))
import json
out = {{"out_shape": list(y.shape)}}
for key, a, b in {spans!r}:
    out[key] = marks[b][0] - marks[a][0]
    out["cpu_" + key] = marks[b][1] - marks[a][1]
out["modules"] = sorted(m for m in {watched!r} if m in sys.modules)
print(json.dumps(out))
"""

#: (step, first mark, last mark) of each timed step in the worker.
_SPANS = (
    ("import", 0, 1),
    ("construct", 1, 2),
    ("call", 3, 4),
    ("construct2", 4, 5),
    ("call2", 5, 6),
)


def worker_env(pycache: str, cache_dir: str) -> dict[str, str]:
    """The environment of a timed interpreter: bytecode cached, FFTW wisdom in ``cache_dir``.

    ``PYTHONDONTWRITEBYTECODE`` (common in containers) would make every run compile the sources
    of an editable install again; a private ``PYTHONPYCACHEPREFIX`` gives every library its
    bytecode after the warm-up run, as an installed package has, without writing into the
    source tree. ``SCATKIT_CACHE_DIR`` keeps the runs off the user's own FFTW wisdom, whose size
    depends on everything run before.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    env["SCATKIT_CACHE_DIR"] = cache_dir
    return env


def run_worker(lib: str, J: int, n: int, env: dict[str, str]) -> dict[str, Any]:
    """Time the start-up steps of ``lib`` ("scatkit" or "kymatio") in a new interpreter."""
    code = _WORKER.format(lib=lib.split("-")[0], J=J, n=n, watched=WATCHED, spans=_SPANS)
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
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
    """Median and minimum of every step (wall and CPU time) over the repetitions, in seconds."""
    keys = [k for k, _ in STEPS] + ["cpu_" + k for k, _ in STEPS] + ["process"]
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


_PROCESS = ("process", "whole process (interpreter start to exit)")

#: Column titles of the variants timed.
TITLES = {
    "scatkit": "scatkit",
    "scatkit-cold": "scatkit, no FFTW wisdom yet",
    "kymatio": "Kymatio 0.3",
}


def table(summary: dict[str, dict[str, Any]], J: int, n: int, cpu: bool = False) -> str:
    """Markdown table: the median of every variant per step, and Kymatio's over scatkit's.

    ``cpu`` tabulates the process's CPU time (all threads) instead of the wall clock.
    """
    names = list(summary)
    ky = summary.get("kymatio")
    head = [TITLES[v] for v in names] + (["Kymatio / scatkit"] if ky else [])
    lines = ["| step | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    rows = [(f"cpu_{k}", label) for k, label in STEPS[:3]] if cpu else [*STEPS, _PROCESS]
    for key, label in rows:
        cells = [fmt_ms(summary[v][key]["median"]) for v in names]
        if ky:
            a, b = summary["scatkit"][key]["median"], ky[key]["median"]
            cells.append(f"{b / a:.1f}x" if a > 0 else "-")
        lines.append(f"| {label.format(J=J, n=n)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_all(variants: list[str], J: int, n: int, repeats: int) -> dict[str, list[dict[str, Any]]]:
    """Every variant ``repeats`` times, interleaved, after one untimed warm-up each."""
    samples: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory(prefix="scatkit-startup-") as tmp:
        pycache, warm = os.path.join(tmp, "pycache"), os.path.join(tmp, "wisdom")

        def env_for(variant: str) -> dict[str, str]:
            # A first session on a machine starts from an empty cache folder every time.
            cold = variant == "scatkit-cold"
            return worker_env(pycache, tempfile.mkdtemp(dir=tmp) if cold else warm)

        for v in variants:  # bytecode written, page cache filled, FFTW wisdom saved
            run_worker(v, J, n, env_for(v))
        for _ in range(repeats):
            for v in variants:
                samples[v].append(run_worker(v, J, n, env_for(v)))
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the start-up benchmark and print and save the results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=9, help="fresh processes per variant")
    ap.add_argument("--shape", type=int, default=256, help="image side")
    ap.add_argument("--J", type=int, default=3, help="number of scales")
    ap.add_argument("--no-kymatio", action="store_true", help="time scatkit only")
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    a = ap.parse_args(argv)
    if a.repeats < 1:
        ap.error("--repeats must be at least 1")

    variants = ["scatkit", "scatkit-cold"]
    if not a.no_kymatio:
        if _version("kymatio") is None:
            print("kymatio is not installed: timing scatkit only (pip install kymatio==0.3.0)")
        else:
            variants.append("kymatio")
    info = machine()
    t_start = time.time()
    samples = run_all(variants, a.J, a.shape, a.repeats)
    summary = {v: summarise(s) for v, s in samples.items()}
    info["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    print(
        f"Start-up, medians of {a.repeats} fresh processes ({info['cpu_model']}, "
        f"{info['logical_cpus']} CPUs, Python {info['python']}, NumPy {info['numpy']}):\n"
    )
    print("Wall clock:\n")
    print(table(summary, a.J, a.shape))
    print("\nCPU time of the process (all threads):\n")
    print(table(summary, a.J, a.shape, cpu=True))
    modules = sorted({m for s in samples["scatkit"] for m in s["modules"]})
    print(f"\noptional modules scatkit imported: {', '.join(modules) or 'none'}")
    goals = []
    for key, goal in GOALS.items():
        got, cpu = summary["scatkit"][key]["median"], summary["scatkit"]["cpu_" + key]["median"]
        verdict = "met" if got <= goal else "MISSED"
        goals.append(
            {"step": key, "goal_s": goal, "median_s": got, "cpu_median_s": cpu, "met": got <= goal}
        )
        print(f"goal {key} <= {fmt_ms(goal)}: {fmt_ms(got)} ({verdict}; CPU time {fmt_ms(cpu)})")
    load = (info["loadavg_start"] or [0])[0]
    if load > (info["logical_cpus"] or 1):
        print(
            f"the load average was {load:.1f} on {info['logical_cpus']} CPUs: wall times are "
            "inflated by other work; the CPU times above are less so"
        )

    data = {
        "machine": info,
        "config": {"J": a.J, "shape": [a.shape, a.shape], "repeats": a.repeats},
        "variants": {v: TITLES[v] for v in variants},
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
