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

Every library runs in its own worker process (see ``bench/common.py``). Results go to
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

import numpy as np

from .common import (
    HERE,
    RESULTS_DIR,
    Samples,
    Task,
    Worker,
    WorkerError,
    Workload,
    fmt_mib,
    fmt_ratio,
    fmt_time,
    interleave,
    library_available,
    machine_info,
    machine_lines,
    make_input,
    markdown_table,
    max_rel_diff,
    paired_ratio,
    per_round,
    record_end,
    write_results,
)

# Workload -> target speed-up over kymatio.numpy.
MAIN: list[tuple[Workload, float]] = [
    (Workload((128, 3, 32, 32), 2), 10.0),
    (Workload((8, 3, 256, 256), 3), 8.0),
    (Workload((1, 1, 512, 512), 4), 8.0),
]
# Kymatio takes ~11 s and ~69 s to construct these; --quick reuses their last numbers.
SLOW_FOR_KYMATIO = {"8x3x256x256_J3", "1x1x512x512_J4"}
# Plan construction compared with kymatio's construction on these (target >= 200x).
PLAN_WORKLOADS = ["8x3x256x256_J3", "1x1x512x512_J4"]
PLAN_TARGET = 200.0
FFT_TARGET = 1.5
PTWAV_WORKLOAD = "128x3x32x32_J2"
GROWTH_BATCHES = (8, 64, 512)
GROWTH_SIDE, GROWTH_J = 64, 3
SIDES = (32, 64, 128, 256, 512)
SIDE_J = 3
SIDE_PIXELS = 2**19  # images per side point: this many pixels in all (at least one image)
JS = (1, 2, 3, 4, 5)
J_SIDE, J_BATCH = 256, 4


_T0 = time.perf_counter()


def _say(msg: str) -> None:
    """Progress line with the seconds elapsed since the start."""
    print(f"[{time.perf_counter() - _T0:6.1f} s] {msg}", flush=True)


def _entry(worker: Worker, samples: Samples, stats: dict[str, int]) -> dict[str, Any]:
    b = worker.build_info
    return {
        "build_s": b["build_s"],
        "first_call_s": b["first_call_s"],
        "info": b["info"],
        "time": samples.summary(),
        "peak_rss": stats["peak_rss"],
        "rss_before_build": stats["rss_before_build"],
        "rss_built": stats["rss_built"],
    }


def measure_workload(
    w: Workload, threads: int, rounds: int, kymatio: bool, ptwav: bool, tmp: Path
) -> dict[str, Any]:
    """Front end, engine, FFT-only, kymatio and pytorch_wavelets on one workload, interleaved."""
    res: dict[str, Any] = {"workload": w.to_dict(), "images": w.batch}
    workers: dict[str, Worker] = {}
    try:
        for lib in ["scatkit", "scatkit-engine"] + (["kymatio-numpy"] if kymatio else []):
            workers[lib] = Worker(lib, w, threads)
        if ptwav:
            ok, why = library_available("ptwav-scatlayer-x2")
            if ok:
                workers["ptwav-scatlayer-x2"] = Worker("ptwav-scatlayer-x2", w, threads)
                if threads != 1:
                    # torch's OpenMP threads spin when a core is taken by another process, so
                    # on a shared machine the single-threaded pair is the steadier comparison.
                    workers["ptwav-1t"] = Worker("ptwav-scatlayer-x2", w, 1)
                    workers["scatkit-1t"] = Worker("scatkit", w, 1)
            else:
                res["ptwav_skipped"] = why
        for lib, wk in workers.items():
            _say(f"  building {lib} ...")
            wk.build()
        ns = per_round(workers["scatkit"].build_info["first_call_s"])
        tasks = [
            Task("scatkit", workers["scatkit"], "call", ns),
            Task("engine", workers["scatkit-engine"], "call", ns),
            Task("fft", workers["scatkit-engine"], "fft", ns),
        ]
        if "kymatio-numpy" in workers:
            tasks.append(Task("kymatio-numpy", workers["kymatio-numpy"], "call", 1))
        for lib in ("ptwav-scatlayer-x2", "ptwav-1t", "scatkit-1t"):
            if lib in workers:
                first = workers[lib].build_info["first_call_s"]
                tasks.append(Task(lib, workers[lib], "call", per_round(first)))
        _say(f"  timing {rounds} interleaved rounds ...")
        samples = interleave(tasks, rounds)
        stats = {lib: wk.stats() for lib, wk in workers.items()}
        res["scatkit"] = _entry(workers["scatkit"], samples["scatkit"], stats["scatkit"])
        res["engine"] = _entry(
            workers["scatkit-engine"], samples["engine"], stats["scatkit-engine"]
        )
        res["engine"]["fft_only"] = samples["fft"].summary()
        res["engine"]["total_over_fft"] = paired_ratio(samples["engine"], samples["fft"])
        res["frontend_overhead_s"] = samples["scatkit"].median - samples["engine"].median
        for lib in ("kymatio-numpy", "ptwav-scatlayer-x2", "ptwav-1t", "scatkit-1t"):
            if lib in workers:
                res[lib] = _entry(workers[lib], samples[lib], stats[lib])
        # A fast wrong answer must not pass unnoticed: compare the outputs.
        paths = {lib: tmp / f"{w.key}-{lib}.npy" for lib in workers if "1t" not in lib}
        saved = {lib: workers[lib].dump(path) for lib, path in paths.items()}
        ref = np.load(paths["scatkit-engine"])
        res["max_rel_diff_frontend_vs_engine"] = max_rel_diff(np.load(paths["scatkit"]), ref)
        if saved.get("kymatio-numpy"):
            res["max_rel_diff_vs_kymatio"] = max_rel_diff(ref, np.load(paths["kymatio-numpy"]))
        for p in paths.values():
            p.unlink(missing_ok=True)
    finally:
        for wk in workers.values():
            wk.close()
    return res


def measure_plan_construction(w: Workload, threads: int, cold: int, warm: int) -> dict[str, Any]:
    """Plan construction in fresh processes: with an empty wisdom cache, then with it filled."""
    cold_s, warm_s = [], []
    for _ in range(cold):
        cache = tempfile.mkdtemp(prefix="scatkit-bench-cache-")
        try:
            env = {"SCATKIT_CACHE_DIR": cache, "SCATKIT_FFTW_WISDOM": "1"}
            with Worker("scatkit-engine", w, threads, env) as wk:
                cold_s.append(wk.build(warmup=False)["build_s"])
            for _ in range(warm if not warm_s else 0):
                with Worker("scatkit-engine", w, threads, env) as wk:
                    warm_s.append(wk.build(warmup=False)["build_s"])
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    return {
        "cold_s": cold_s,
        "warm_s": warm_s,
        "cold_median_s": float(np.median(cold_s)),
        "warm_median_s": float(np.median(warm_s)),
    }


def measure_growth(threads: int, kymatio: bool) -> dict[str, Any]:
    """Peak RSS vs batch at 64x64 J=3, each batch in a fresh process, one call after warm-up."""
    out: dict[str, Any] = {"side": GROWTH_SIDE, "J": GROWTH_J, "rows": []}
    libs = ["scatkit"] + (["kymatio-numpy"] if kymatio else [])
    for lib in libs:
        for b in GROWTH_BATCHES:
            w = Workload((b, GROWTH_SIDE, GROWTH_SIDE), GROWTH_J)
            with Worker(lib, w, threads) as wk:
                wk.build()
                wk.time("call", 1)
                st = wk.stats()
            in_bytes, out_bytes = w.io_bytes()
            out["rows"].append(
                {
                    "lib": lib,
                    "batch": b,
                    "peak_rss": st["peak_rss"],
                    "rss_before_build": st["rss_before_build"],
                    "input_bytes": in_bytes,
                    "output_bytes": out_bytes,
                    "peak_minus_io": st["peak_rss"] - in_bytes - out_bytes,
                }
            )
    return out


def _sweep_row(w: Workload, wk: Worker, call: Samples, fft: Samples) -> dict[str, Any]:
    """One workload and thread count of a sweep: engine and FFT-only times, paired ratio."""
    return {
        "workload": w.to_dict(),
        "threads": wk.build_info["info"]["threads"],
        "images": w.batch,
        "time": call.summary(),
        "fft_only": fft.summary(),
        "total_over_fft": paired_ratio(call, fft),
        "per_image_s": call.median / w.batch,
        "fft_per_image_s": fft.median / w.batch,
        "images_per_s": w.batch / call.median,
        "workspace_bytes": wk.build_info["info"]["workspace_bytes"],
        "padded": wk.build_info["info"]["padded"],
    }


def _engine_sweep(workloads: list[Workload], threads_list: list[int], rounds: int) -> list[dict]:
    """Engine and FFT-only medians for each workload and thread count, interleaved per workload."""
    rows = []
    for w in workloads:
        workers = {t: Worker("scatkit-engine", w, t) for t in threads_list}
        try:
            for wk in workers.values():
                wk.build()
            tasks = []
            for t, wk in workers.items():
                n = per_round(wk.build_info["first_call_s"], 0.2, 3)
                tasks += [Task(f"call{t}", wk, "call", n), Task(f"fft{t}", wk, "fft", n)]
            s = interleave(tasks, rounds)
            rows += [_sweep_row(w, wk, s[f"call{t}"], s[f"fft{t}"]) for t, wk in workers.items()]
        finally:
            for wk in workers.values():
                wk.close()
    return rows


def measure_fft_floor(rounds: int) -> list[dict]:
    """The issue's total / FFT-only ratio at one thread (one image per worker, like the FFT-only
    hook), with more rounds than the scaling sweeps: the per-round paired ratio of each workload.

    Two floors per workload: the engine's own (exactly the FFTs it makes) and the SPEC
    formulation's (the FFTs of the same engine with every low-pass in Fourier,
    ``SCATKIT_LOWPASS=fourier``): the spatial low-pass replaces FFTs with cheaper exact work,
    which lowers the first floor more than the engine's time (see bench.lowpass).
    """
    rows = []
    for w, _ in MAIN:
        own = Worker("scatkit-engine", w, 1)
        spec = Worker("scatkit-engine", w, 1, {"SCATKIT_LOWPASS": "fourier"})
        try:
            own.build()
            spec.build()
            # The same calls per round for all three tasks, so that samples pair up by round.
            n = min(per_round(wk.build_info["first_call_s"], 0.2, 3) for wk in (own, spec))
            tasks = [
                Task("call", own, "call", n),
                Task("fft", own, "fft", n),
                Task("fft-spec", spec, "fft", n),
            ]
            s = interleave(tasks, rounds)
            row = _sweep_row(w, own, s["call"], s["fft"])
            row["spec_fft_only"] = s["fft-spec"].summary()
            row["total_over_spec_fft"] = paired_ratio(s["call"], s["fft-spec"])
            rows.append(row)
        finally:
            own.close()
            spec.close()
    return rows


def measure_scaling(threads: int, rounds: int) -> dict[str, Any]:
    """Threads 1 and 2 (and all cores) on the main workloads; time vs image side and vs J."""
    tl = sorted({1, 2, threads})
    _say(f"  threads {tl} on the main workloads ...")
    by_threads = _engine_sweep([w for w, _ in MAIN], tl, rounds)
    _say("  image side sweep ...")
    sides = [Workload((max(1, SIDE_PIXELS // (s * s)), s, s), SIDE_J) for s in SIDES]
    by_side = _engine_sweep(sides, [threads], rounds)
    _say("  J sweep ...")
    js = [Workload((J_BATCH, J_SIDE, J_SIDE), J) for J in JS]
    by_j = _engine_sweep(js, [threads], rounds)
    return {"threads": by_threads, "side": by_side, "J": by_j}


FFT_SIDES = (256, 272, 288, 512, 544, 576)


def fft_size_study(sides: tuple[int, ...] = FFT_SIDES, repeats: int = 15) -> dict[str, Any]:
    """One float32 2D complex FFT per padded side: the FFTW library scatkit links vs scipy.fft.

    Explains the engine's times: the SPEC's padding turns 256x256 J=3 into 272 = 16*17 and
    512x512 J=4 into 544 = 32*17, and FFTW has no codelet for the factor 17. FFTW is called
    through ctypes (FFTW_MEASURE, out of place); scipy.fft (pocketfft, what kymatio.numpy uses)
    with one worker.
    """
    import ctypes
    import ctypes.util
    import statistics

    import scipy.fft

    name = ctypes.util.find_library("fftw3f")
    if not name:
        return {"skipped": "libfftw3f not found by ctypes.util.find_library"}
    lib = ctypes.CDLL(name)
    lib.fftwf_plan_dft_2d.restype = ctypes.c_void_p
    lib.fftwf_plan_dft_2d.argtypes = [
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_uint,
    ]
    lib.fftwf_execute.argtypes = [ctypes.c_void_p]
    lib.fftwf_destroy_plan.argtypes = [ctypes.c_void_p]
    fftw_forward, fftw_measure = -1, 0

    def med(fn: Any) -> float:
        fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    rows = []
    for n in sides:
        a = np.zeros((n, n), np.complex64)
        b = np.zeros((n, n), np.complex64)
        plan = lib.fftwf_plan_dft_2d(n, n, a.ctypes.data, b.ctypes.data, fftw_forward, fftw_measure)
        if not plan:
            continue
        try:
            a[:] = make_input(Workload((n, n), 1))
            t_fftw = med(lambda plan=plan: lib.fftwf_execute(plan))
            t_pocket = med(lambda a=a: scipy.fft.fft2(a, workers=1))
        finally:
            lib.fftwf_destroy_plan(plan)
        rows.append({"side": n, "fftw_s": t_fftw, "pocketfft_s": t_pocket})
    return {"library": name, "rows": rows}


def plot_scaling(scaling: dict[str, Any], threads: int, path: Path) -> None:
    """bench/scaling.png: images/s by threads, time per image vs side and vs J."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    labels = [w.label for w, _ in MAIN]
    tl = sorted({r["threads"] for r in scaling["threads"]})
    width = 0.8 / len(tl)
    for i, t in enumerate(tl):
        ips = [
            next(
                r["images_per_s"]
                for r in scaling["threads"]
                if r["threads"] == t and Workload.from_dict(r["workload"]).label == lab
            )
            for lab in labels
        ]
        ax.bar(np.arange(len(labels)) + i * width, ips, width, label=f"{t} thread(s)")
    ax.set_xticks(np.arange(len(labels)) + width * (len(tl) - 1) / 2, labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("images / s")
    ax.set_title("Throughput by thread count")
    ax.legend()

    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    def tidy(ax: Any, xs: list[int], rows: list[dict[str, Any]]) -> None:
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.margins(y=0.12)
        # The padded grid's factors explain the bumps (FFTW is slower on large prime factors).
        for x, r in zip(xs, rows):
            ax.annotate(
                f"{r['padded'][0]}",
                (x, r["per_image_s"] * 1e3),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=7,
                color="tab:blue",
            )
        ax.legend(title="labels: padded side", title_fontsize=7, fontsize=8)

    ax = axes[1]
    rows = scaling["side"]
    xs = [r["workload"]["shape"][-1] for r in rows]
    ax.loglog(xs, [r["per_image_s"] * 1e3 for r in rows], "o-", label="scatkit")
    ax.loglog(xs, [r["fft_per_image_s"] * 1e3 for r in rows], "s--", label="FFT only")
    ref = rows[-1]["per_image_s"] * 1e3
    ax.loglog(xs, [ref * (x / xs[-1]) ** 2 for x in xs], ":", color="gray", label="~ side^2")
    ax.set_xlabel(f"image side (N x N), J={SIDE_J}")
    ax.set_ylabel("ms per image")
    ax.set_title(f"Time per image vs side ({threads} threads)")
    tidy(ax, xs, rows)

    ax = axes[2]
    rows = scaling["J"]
    js = [r["workload"]["J"] for r in rows]
    ax.semilogy(js, [r["per_image_s"] * 1e3 for r in rows], "o-", label="scatkit")
    ax.semilogy(js, [r["fft_per_image_s"] * 1e3 for r in rows], "s--", label="FFT only")
    ax.set_xlabel(f"J ({J_SIDE}x{J_SIDE})")
    ax.set_ylabel("ms per image")
    ax.set_title(f"Time per image vs J ({threads} threads)")
    tidy(ax, js, rows)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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


def _reused_growth(previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not previous:
        return []
    rows = previous.get("memory_growth", {}).get("rows", [])
    return [dict(r, reused=True) for r in rows if r["lib"] == "kymatio-numpy"]


# -- report -------------------------------------------------------------------------------------
def _factors(n: int) -> str:
    """Prime factorisation, e.g. 272 -> '2^4*17' (FFT speed depends on it)."""
    parts, p = [], 2
    while p * p <= n:
        k = 0
        while n % p == 0:
            n //= p
            k += 1
        if k:
            parts.append(f"{p}^{k}" if k > 1 else str(p))
        p += 1
    if n > 1:
        parts.append(str(n))
    return "*".join(parts)


def _total_over_fft(r: dict[str, Any]) -> float:
    """A sweep row's engine / FFT-only ratio: the paired one, or for older results the ratio of
    the medians."""
    return r.get("total_over_fft") or r["time"]["median_s"] / r["fft_only"]["median_s"]


def _target(value: float | None, target: float, at_least: bool = True) -> str:
    if value is None or value != value:
        return "n/a"
    ok = value >= target if at_least else value <= target
    return f"{'>=' if at_least else '<='} {target:g}x: {'met' if ok else 'MISSED'}"


def report(data: dict[str, Any]) -> str:
    """All tables as Markdown text."""
    out: list[str] = []
    star = " (*)"
    any_reused = False

    def ky(entry: dict[str, Any] | None, field: str) -> tuple[float | None, str]:
        nonlocal any_reused
        if not entry:
            return None, ""
        tag = ""
        if "reused_from" in entry:
            any_reused = True
            tag = star
        val = entry["time"]["median_s"] if field == "time" else entry[field]
        return val, tag

    rows = []
    cpu_rows = []
    for w, target in MAIN:
        r = data["workloads"][w.key]
        s = r["scatkit"]["time"]["median_s"]
        k, tag = ky(r.get("kymatio-numpy"), "time")
        ratio = k / s if k else None
        rows.append(
            [
                f"{w.label}, execute",
                fmt_time(s),
                fmt_time(k) + tag,
                f"{fmt_ratio(ratio)} ({_target(ratio, target)})",
            ]
        )
        if k:
            kc = r["kymatio-numpy"]["time"]["cpu_median_s"]
            cpu_rows.append((w.label + tag, kc / r["scatkit"]["time"]["cpu_median_s"]))
    for key in PLAN_WORKLOADS:
        w = Workload.from_dict(data["workloads"][key]["workload"])
        p = data["plan_construction"][key]
        k, tag = ky(data["workloads"][key].get("kymatio-numpy"), "build_s")
        for kind in ("cold", "warm"):
            s = p[f"{kind}_median_s"]
            ratio = k / s if k else None
            rows.append(
                [
                    f"plan construction {w.M}x{w.N} J={w.J}, {kind} cache",
                    fmt_time(s),
                    fmt_time(k) + tag + " (construction)",
                    f"{fmt_ratio(ratio)} ({_target(ratio, PLAN_TARGET)})",
                ]
            )
    th = data["config"]["threads"]
    out.append(f"### scatkit vs kymatio.numpy 0.3 (float32, L=8, order 2, scatkit threads={th})")
    out.append("")
    out.append(markdown_table(["workload", "scatkit", "kymatio.numpy 0.3", "ratio (target)"], rows))
    out.append("")
    out.append(
        "Medians of wall-clock time over interleaved repeats; ratio = kymatio / scatkit. "
        "scatkit: NumPy front end, native backend. kymatio.numpy is single-threaded."
    )
    if cpu_rows:
        out.append(
            "Same comparison by CPU time (all threads summed; less sensitive to other load): "
            + "; ".join(f"{lab} {fmt_ratio(x)}" for lab, x in cpu_rows)
            + "."
        )
    diffs = [
        f"{Workload.from_dict(r['workload']).label} {r['max_rel_diff_vs_kymatio']:.1e}"
        for r in data["workloads"].values()
        if "max_rel_diff_vs_kymatio" in r
    ]
    if diffs:
        out.append("Max relative difference scatkit vs kymatio: " + "; ".join(diffs) + ".")
    if any_reused:
        srcs = {
            str(e["reused_from"].get("timestamp"))
            for r in data["workloads"].values()
            for e in [r.get("kymatio-numpy") or {}]
            if "reused_from" in e
        }
        out.append(
            f"(*) REUSED, not measured in this run (--quick): kymatio numbers from the run of "
            f"{', '.join(sorted(srcs))}."
        )

    out.append("")
    out.append("### scatkit engine vs its FFT-only floor")
    out.append("")
    rows = []
    caveat = False
    for w, _ in MAIN:
        e = data["workloads"][w.key]["engine"]
        ratio = e["total_over_fft"]
        one = [
            r
            for r in data["scaling"]["threads"]
            if r["threads"] == 1 and Workload.from_dict(r["workload"]).key == w.key
        ]
        floor = [
            r
            for r in data.get("fft_floor_1t", [])
            if Workload.from_dict(r["workload"]).key == w.key
        ]
        one = floor or one  # older results: the scaling sweep's 1-thread row
        r1 = _total_over_fft(one[0]) if one else None
        rs = one[0].get("total_over_spec_fft") if one else None
        mark = ""
        if w.batch < e["info"]["threads"]:
            mark, caveat = " (+)", True
        rows.append(
            [
                w.label,
                fmt_time(e["time"]["median_s"]),
                fmt_time(e["fft_only"]["median_s"]),
                f"{ratio:.2f}x ({_target(ratio, FFT_TARGET, at_least=False)}){mark}",
                f"{r1:.2f}x ({_target(r1, FFT_TARGET, at_least=False)})" if r1 else "n/a",
                f"{rs:.2f}x ({_target(rs, FFT_TARGET, at_least=False)})" if rs else "n/a",
                fmt_time(data["workloads"][w.key]["frontend_overhead_s"]),
            ]
        )
    out.append(
        markdown_table(
            [
                "workload",
                f"engine, {th} threads",
                "FFT-only",
                "total / FFT-only (target)",
                "same, 1 thread",
                "1 thread, over the SPEC's FFTs",
                "front-end overhead",
            ],
            rows,
        )
    )
    out.append(
        "engine = Plan.execute into a preallocated output; FFT-only = scatkit._core._fft_only, "
        "the same FFT calls on the plan's workspace; "
        + (
            "total / FFT-only = median over rounds of engine / FFT-only timed in the same round "
            "(the 1-thread column: "
            f"{min(len(r['time']['wall_s']) for r in data['fft_floor_1t'])} or more pairs of its "
            "own); "
            if data.get("fft_floor_1t")
            else "total / FFT-only = ratio of the medians; "
        )
        + "over the SPEC's FFTs = the same engine time over the FFT-only time of the SPEC's "
        "Fourier formulation (the same engine with SCATKIT_LOWPASS=fourier: the spatial low-pass "
        "replaces FFTs with cheaper exact work, so the engine's own floor falls further than its "
        "time; python -m bench.lowpass); "
        + "front-end overhead = NumPy front end minus engine (output allocation, checks; within "
        "noise when negative)."
    )
    if caveat:
        out.append(
            "(+) batch smaller than the thread count: the engine shares one image's paths among "
            "threads, but the FFT-only hook runs one thread per image, so this ratio is not a "
            "like-for-like comparison; use the 1-thread column."
        )
    out.append("")

    r = data["workloads"][PTWAV_WORKLOAD]
    if "ptwav-scatlayer-x2" in r:
        label = Workload.from_dict(r["workload"]).label
        rows = []
        for sk, pt in (("scatkit", "ptwav-scatlayer-x2"), ("scatkit-1t", "ptwav-1t")):
            if sk in r and pt in r:
                s, p = r[sk]["time"]["median_s"], r[pt]["time"]["median_s"]
                n = r[pt]["info"]["threads"]
                rows.append([label, str(n), fmt_time(s), fmt_time(p), fmt_ratio(p / s)])
        out += [
            "### scatkit vs pytorch_wavelets DTCWT ScatLayer x2 (second order; a different "
            "transform, speed only)",
            "",
            markdown_table(
                ["workload", "threads", "scatkit", "ScatLayer x2", "ratio (ScatLayer / scatkit)"],
                rows,
            ),
            "Both libraries at the same thread count (torch.set_num_threads); scatkit = NumPy "
            "front end.",
        ]

    out += ["", "### Peak memory (peak RSS of a fresh process per library and workload)", ""]
    rows = []
    for w, _ in MAIN:
        r = data["workloads"][w.key]
        s = r["scatkit"]
        k, tag = ky(r.get("kymatio-numpy"), "peak_rss")
        io = sum(w.io_bytes())
        rows.append(
            [
                w.label,
                fmt_mib(s["peak_rss"]),
                fmt_mib(k) + tag,
                fmt_ratio(k / s["peak_rss"]) if k else "n/a",
                fmt_mib(s["peak_rss"] - s["rss_before_build"]),
                fmt_mib(k - r["kymatio-numpy"]["rss_before_build"]) + tag if k else "n/a",
                fmt_mib(r["engine"]["info"]["workspace_bytes"]),
                fmt_mib(io),
            ]
        )
    out.append(
        markdown_table(
            [
                "workload",
                "scatkit peak",
                "kymatio peak",
                "kymatio / scatkit",
                "scatkit peak - base",
                "kymatio peak - base",
                "scatkit workspace",
                "input + output",
            ],
            rows,
        )
    )
    out.append(
        "base = RSS after imports and input allocation, before construction (interpreter, "
        "NumPy and the library's code). Workspace = Plan.workspace_bytes (all threads)."
    )
    g = data["memory_growth"]
    out += ["", f"Peak RSS vs batch, {g['side']}x{g['side']} J={g['J']} (fresh process each):", ""]
    rows = [
        [
            r["lib"] + (star if r.get("reused") else ""),
            str(r["batch"]),
            fmt_mib(r["input_bytes"] + r["output_bytes"]),
            fmt_mib(r["peak_rss"]),
            fmt_mib(r["peak_minus_io"]),
        ]
        for r in g["rows"]
    ]
    out.append(
        markdown_table(
            ["library", "batch", "input + output", "peak RSS", "peak - (input + output)"], rows
        )
    )

    sc = data["scaling"]
    out += ["", "### Scaling (scatkit engine, Plan.execute)", ""]
    m = data["machine"]
    if m.get("cpu_capacity_start") is not None and m.get("cpu_capacity_end") is not None:
        out += [
            f"CPU time free for {m['logical_cpus']} busy processes (CPUs' worth): "
            f"{m['cpu_capacity_start']:.2f} at the start, {m['cpu_capacity_end']:.2f} at the "
            "end; a thread speed-up cannot exceed it.",
            "",
        ]
    rows = []
    for w, _ in MAIN:
        rs = [r for r in sc["threads"] if Workload.from_dict(r["workload"]).key == w.key]
        base = next(r for r in rs if r["threads"] == 1)["images_per_s"]
        for r in rs:
            rows.append(
                [
                    w.label,
                    str(r["threads"]),
                    f"{r['images_per_s']:.1f}",
                    fmt_ratio(r["images_per_s"] / base),
                ]
            )
    out.append(markdown_table(["workload", "threads", "images/s", "speed-up"], rows))
    heads = ["images", "padded grid", "per image", "FFT-only per image", "total / FFT", "workspace"]

    def sweep_row(first: str, r: dict[str, Any]) -> list[str]:
        p = r["padded"]
        return [
            first,
            str(r["images"]),
            f"{p[0]}x{p[1]} ({_factors(p[0])})",
            fmt_time(r["per_image_s"]),
            fmt_time(r["fft_per_image_s"]),
            f"{_total_over_fft(r):.2f}x",
            fmt_mib(r["workspace_bytes"]),
        ]

    out += ["", f"Time per image vs image side (J={SIDE_J}, threads={th}):", ""]
    rows = [sweep_row("{0}x{0}".format(r["workload"]["shape"][-1]), r) for r in sc["side"]]
    out.append(markdown_table(["side", *heads], rows))
    out += ["", f"Time per image vs J ({J_SIDE}x{J_SIDE}, threads={th}):", ""]
    rows = [sweep_row(str(r["workload"]["J"]), r) for r in sc["J"]]
    out.append(markdown_table(["J", *heads], rows))
    fs = data.get("fft_sizes", {})
    if fs.get("rows"):
        out += [
            "",
            "### One 2D complex FFT, float32, one thread: FFTW vs scipy.fft (pocketfft)",
            "",
        ]
        rows = [
            [
                f"{r['side']}x{r['side']}",
                _factors(r["side"]),
                fmt_time(r["fftw_s"]),
                fmt_time(r["pocketfft_s"]),
                fmt_ratio(r["fftw_s"] / r["pocketfft_s"]),
            ]
            for r in fs["rows"]
        ]
        out.append(
            markdown_table(["grid", "factors", "FFTW", "scipy.fft", "FFTW / scipy.fft"], rows)
        )
        out.append(
            f"FFTW = {fs['library']} (the library scatkit links), FFTW_MEASURE; scipy.fft is "
            "what kymatio.numpy runs. 272 and 544 are the padded grids of 256x256 J=3 and "
            "512x512 J=4."
        )
    return "\n".join(out)


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
            _say(f"{w.label}:")
            r = measure_workload(w, args.threads, rounds, run_ky, w.key == PTWAV_WORKLOAD, tmp)
            if have_kymatio and not run_ky:
                reused = _reused(previous, w.key, source.name)
                if reused:
                    r["kymatio-numpy"] = reused
                else:
                    r["kymatio_missing"] = "--quick and no earlier full run to reuse"
            data["workloads"][w.key] = r
        _say("plan construction (fresh processes, cold and warm FFTW wisdom) ...")
        data["plan_construction"] = {
            w.key: measure_plan_construction(
                w, args.threads, cold=1 if args.quick else 2, warm=2 if args.quick else 3
            )
            for w, _ in MAIN
        }
        _say("peak RSS vs batch ...")
        data["memory_growth"] = measure_growth(args.threads, have_kymatio)
        _say("scaling ...")
        data["scaling"] = measure_scaling(args.threads, 2 if args.quick else 3)
        _say("total / FFT-only at one thread ...")
        data["fft_floor_1t"] = measure_fft_floor(3 if args.quick else 9)
        _say("FFT sizes: FFTW vs scipy.fft ...")
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
