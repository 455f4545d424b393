"""Peak memory of one streaming pass over image folders of 2k, 20k and 100k images.

Generates 32x32 PNGs in ten class folders under a temporary directory (the largest set
once; the smaller sets are hard links to its first files), then, in a fresh child process
per (size, reader), makes one full pass with ``scatkit.datasets.iter_batches`` and with a
``DataLoader(num_workers=2)`` (``scatkit.datasets.torchdata.SkippingLoader``) and records
the child's peak RSS (``ru_maxrss``; for the DataLoader also its workers'). Prints a table
and writes ``bench/results/streaming-latest.json``.

Usage: ``python bench/streaming.py [--sizes 2000 20000 100000] [--batch-size 256]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CLASSES = 10


def generate(root: Path, n: int, side: int = 32) -> None:
    """Write ``n`` random ``side`` x ``side`` RGB PNGs, ``n / CLASSES`` per class folder."""
    import cv2

    rng = np.random.default_rng(0)
    for c in range(CLASSES):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    # A few distinct images written many times keep generation fast; content is irrelevant.
    blobs = [
        cv2.imencode(".png", rng.integers(0, 256, (side, side, 3), dtype=np.uint8))[1].tobytes()
        for _ in range(64)
    ]
    for i in range(n):
        (root / f"class{i % CLASSES}" / f"{i:07d}.png").write_bytes(blobs[i % len(blobs)])


def link_subset(full: Path, root: Path, n: int) -> None:
    """A folder holding hard links to the first ``n`` images of ``full``."""
    for c in range(CLASSES):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name = f"class{i % CLASSES}/{i:07d}.png"
        os.link(full / name, root / name)


def child(root: str, reader: str, batch_size: int) -> None:
    """One pass in this process; print a JSON line with its figures."""
    from scatkit import datasets

    t0 = time.perf_counter()
    source = datasets.stream("folder", root=root, split="all")
    t_index = time.perf_counter() - t0
    seen, checksum = 0, 0.0
    if reader == "numpy":
        for X, _ in datasets.iter_batches(source, batch_size, shuffle=True, seed=0):
            seen += len(X)
            checksum += float(X[:, 0, 0, 0].sum())
    else:
        from scatkit.datasets.torchdata import SkippingLoader

        for X, _ in SkippingLoader(source, batch_size, shuffle=True, seed=0, num_workers=2):
            seen += len(X)
            checksum += float(X[:, 0, 0, 0].sum())
    elapsed = time.perf_counter() - t0
    kib = 1 if sys.platform != "darwin" else 1 / 1024  # ru_maxrss is KiB on Linux
    print(
        json.dumps(
            {
                "images": seen,
                "index_s": round(t_index, 3),
                "pass_s": round(elapsed, 3),
                "images_per_s": round(seen / elapsed, 1),
                "peak_rss_mib": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1024, 1
                ),
                "workers_peak_rss_mib": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 1024, 1
                ),
                "checksum": round(checksum, 3),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--readers", nargs="+", default=["numpy", "dataloader"])
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "READER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.batch_size)
        return
    sizes = sorted(args.sizes)
    tmp = Path(tempfile.mkdtemp(prefix="scatkit-streaming-"))
    rows = []
    try:
        t0 = time.perf_counter()
        full = tmp / f"n{sizes[-1]}"
        generate(full, sizes[-1])
        for n in sizes[:-1]:
            link_subset(full, tmp / f"n{n}", n)
        print(f"generated {sizes[-1]} PNGs in {time.perf_counter() - t0:.1f} s under {tmp}")
        print(f"{'images':>8} {'reader':>10} {'peak RSS MiB':>13} {'workers MiB':>12} {'img/s':>8}")
        for n in sizes:
            for reader in args.readers:
                cmd = [sys.executable, __file__, "--child", str(tmp / f"n{n}"), reader]
                cmd += ["--batch-size", str(args.batch_size)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                row = {"n": n, "reader": reader, **json.loads(out.strip().splitlines()[-1])}
                rows.append(row)
                print(
                    f"{n:>8} {reader:>10} {row['peak_rss_mib']:>13} "
                    f"{row['workers_peak_rss_mib']:>12} {row['images_per_s']:>8}"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    growth = {}
    for reader in args.readers:
        mine = [r for r in rows if r["reader"] == reader]
        growth[reader] = round(mine[-1]["peak_rss_mib"] / mine[0]["peak_rss_mib"], 3)
        print(f"{reader}: peak RSS at {sizes[-1]} / at {sizes[0]} images = {growth[reader]}")
    result = {
        "benchmark": "streaming",
        "image": "32x32 RGB PNG, 10 class folders",
        "batch_size": args.batch_size,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "python": platform.python_version(),
        "rows": rows,
        "peak_rss_ratio_largest_to_smallest": growth,
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "streaming-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out_dir / 'streaming-latest.json'}")


if __name__ == "__main__":
    main()
