"""The measurements of ``python -m bench.cpu``: each returns the plain-JSON part of the results.

Every library runs in its own worker process (``bench.worker``); timings of contestants that are
compared are interleaved round by round (``bench.stats.interleave``) and compared with paired
ratios. The workload sets are in ``bench.workloads``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .peers import library_available
from .stats import Samples, Task, interleave, max_rel_diff, paired_ratio, per_round
from .worker import Worker
from .workloads import (
    FFT_SIDES,
    GROWTH_BATCHES,
    GROWTH_J,
    GROWTH_SIDE,
    J_BATCH,
    J_SIDE,
    JS,
    MAIN,
    SIDE_J,
    SIDE_PIXELS,
    SIDES,
    Workload,
    make_input,
)

_T0 = time.perf_counter()


def say(msg: str) -> None:
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
            say(f"  building {lib} ...")
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
        say(f"  timing {rounds} interleaved rounds ...")
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
    say(f"  threads {tl} on the main workloads ...")
    by_threads = _engine_sweep([w for w, _ in MAIN], tl, rounds)
    say("  image side sweep ...")
    sides = [Workload((max(1, SIDE_PIXELS // (s * s)), s, s), SIDE_J) for s in SIDES]
    by_side = _engine_sweep(sides, [threads], rounds)
    say("  J sweep ...")
    js = [Workload((J_BATCH, J_SIDE, J_SIDE), J) for J in JS]
    by_j = _engine_sweep(js, [threads], rounds)
    return {"threads": by_threads, "side": by_side, "J": by_j}


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
