"""Extraction into a Zarr store on Dask: images/s with 1 and 2 workers, and peak RSS vs size.

Generates 32x32 PNGs in ten class folders under a temporary directory (``bench.streaming``'s
generator; the smaller set is hard links to the larger one's first files), then

1. extracts the ``--n`` image folder (J=2, L=8, chunks of 128) with a LocalCluster of 1 and
   then 2 single-threaded worker processes, ``--rounds`` times each (best round kept), and
   reports images/s and the scaling efficiency rate(2) / (2 rate(1)); the cluster start is
   not timed, the workers' first plan is;
2. runs ``scatkit extract FOLDER -o OUT.zarr`` in a fresh child process for each of
   ``--rss-sizes`` and records the child's peak RSS (``ru_maxrss``).

Also records how many CPUs' worth of time two busy processes got (``cpu_capacity``), since a
loaded machine caps the 2-worker rate. Writes ``bench/results/distributed-latest.json``.

Usage: ``python bench/distributed.py [--n 5000] [--rss-sizes 5000 50000] [--rounds 2]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file's folder must not be on the path: dask.distributed imports a module of this name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.machine import cpu_capacity, machine_info  # noqa: E402
from bench.store import write_results  # noqa: E402
from bench.streaming import generate, link_subset  # noqa: E402


def throughput(folder: Path, n_workers: int, work: Path, batch: int) -> float:
    """Images/s of one Dask extraction of ``folder`` with ``n_workers`` worker processes."""
    from dask.distributed import Client, LocalCluster
    from scatkit.distributed import extract

    store = work / f"w{n_workers}-{time.monotonic_ns()}.zarr"
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("scatkit.distributed"))  # imports are not the work
        t0 = time.perf_counter()
        r = extract(folder, store, client, batch_size=batch)
        seconds = time.perf_counter() - t0
    shutil.rmtree(store)
    return r.features_shape[0] / seconds


def peak_rss_mib(folder: Path, work: Path, batch: int) -> tuple[float, float]:
    """Peak RSS (MiB) and wall seconds of ``scatkit extract folder -o x.zarr`` in a child."""
    store = work / f"rss-{time.monotonic_ns()}.zarr"
    cmd = [sys.executable, "-m", "scatkit", "extract", str(folder), "-o", str(store)]
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [*cmd, "--no-progress", "--batch-size", str(batch)], stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with status {status}")
    shutil.rmtree(store)
    return usage.ru_maxrss / 1024, seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="images for the throughput runs")
    ap.add_argument("--rss-sizes", type=int, nargs="+", default=[5000, 50000])
    ap.add_argument("--rounds", type=int, default=2, help="throughput rounds (best kept)")
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="scatkit-bench-distributed-"))
    try:
        largest = max([args.n, *args.rss_sizes])
        full = work / f"imgs{largest}"
        t0 = time.perf_counter()
        generate(full, largest)
        print(f"generated {largest} images in {time.perf_counter() - t0:.0f} s", flush=True)
        folders = {largest: full}
        for n in {args.n, *args.rss_sizes} - {largest}:
            folders[n] = work / f"imgs{n}"
            link_subset(full, folders[n], n)

        capacity = cpu_capacity(2)
        rates: dict[int, list[float]] = {1: [], 2: []}
        for r in range(args.rounds):
            for k in (1, 2):
                rates[k].append(throughput(folders[args.n], k, work, args.batch_size))
                print(f"round {r + 1}: {k} worker(s): {rates[k][-1]:.0f} images/s", flush=True)
        best = {k: max(v) for k, v in rates.items()}
        efficiency = best[2] / (2 * best[1])
        print(f"scaling efficiency at 2 workers: {efficiency:.2f} (CPU capacity {capacity:.2f})")

        rss = {}
        for n in sorted(args.rss_sizes):
            mib, seconds = peak_rss_mib(folders[n], work, args.batch_size)
            rss[n] = {"peak_rss_mib": round(mib, 1), "seconds": round(seconds, 1)}
            print(f"single-process extract of {n} images: peak RSS {mib:.0f} MiB, {seconds:.0f} s")
        sizes = sorted(rss)
        growth = rss[sizes[-1]]["peak_rss_mib"] / rss[sizes[0]]["peak_rss_mib"] - 1
        print(f"peak RSS growth {sizes[0]} -> {sizes[-1]} images: {100 * growth:+.1f} %")
        data = {
            "benchmark": "distributed",
            "images": {"n": args.n, "side": 32, "format": "png", "classes": 10},
            "scattering": {"J": 2, "L": 8, "max_order": 2, "batch_size": args.batch_size},
            "throughput_images_per_s": {str(k): [round(x, 1) for x in v] for k, v in rates.items()},
            "best_images_per_s": {str(k): round(v, 1) for k, v in best.items()},
            "scaling_efficiency_2_workers": round(efficiency, 3),
            "cpu_capacity_2_processes": round(capacity, 2),
            "peak_rss": {str(k): v for k, v in rss.items()},
            "peak_rss_growth": round(growth, 4),
            "goals": {"scaling_efficiency": 0.85, "peak_rss_growth": 0.10},
            "machine": machine_info(),
        }
        path = write_results(data, "distributed")
        print(f"wrote {path}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
