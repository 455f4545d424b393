"""Peak memory of forward + backward through a scattering module: scatkit.torch vs kymatio.torch.

Workload: a (32, 3, 64, 64) float32 batch that requires grad, J=2, L=8, max_order=2; the loss is
``S(x).sum()`` (its gradient is a broadcast scalar, so the loss itself adds no memory), then
``loss.backward()``. For context the script also measures the forward pass alone under
``torch.no_grad()``.

Method. Each library runs in its own fresh Python process (so neither sees the other's caches,
allocator state or imported code), on the CPU:

1. import, build the module and the input, then run one warm-up step (plans, FFT caches and
   lazily built tables are then in place and not counted as per-step memory);
2. reset the kernel's peak-RSS counter (write "5" to /proc/self/clear_refs), read the current
   resident set size (VmRSS) as the baseline;
3. run forward + backward, read the peak resident set size (VmHWM);
4. report VmHWM - baseline, the extra memory the step needed at its peak. Steps 2-4 run
   ``--repeats`` times and the median is kept.

glibc's malloc is told to serve every block over 64 KiB with mmap (MALLOC_MMAP_THRESHOLD_), so
freed tensors go back to the kernel at once and RSS follows live memory rather than the
allocator's retained heap. RSS, unlike torch.profiler or tracemalloc, also counts memory that
C++ code (FFTW, the native engine, MKL) allocates outside PyTorch's allocator. Where
/proc/self/clear_refs cannot be written, the script falls back to getrusage's ru_maxrss
(a lifetime peak, so only the first step is measured) and says so in the JSON.

Usage: python bench/torch_memory.py [--repeats 3] [--batch 32] [--threads 1]
Writes bench/results/torch_memory.json.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHAPE = (64, 64)
J, L, MAX_ORDER = 2, 8, 2


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def worker(library: str, batch: int, channels: int, repeats: int, threads: int) -> dict:
    """Runs in the child process: measures one library and returns its numbers."""
    import resource

    import torch

    torch.manual_seed(0)
    torch.set_num_threads(threads)
    if library == "scatkit":
        from scatkit.torch import Scattering2D

        S = Scattering2D(J, SHAPE, L=L, max_order=MAX_ORDER, threads=threads)
    elif library == "kymatio":
        from kymatio.torch import Scattering2D

        S = Scattering2D(J=J, shape=SHAPE, L=L, max_order=MAX_ORDER)
    else:
        raise ValueError(f"unknown library {library!r}")
    x = torch.randn(batch, channels, *SHAPE, requires_grad=True)

    def step() -> float:
        t0 = time.perf_counter()
        S(x).sum().backward()
        x.grad = None
        return time.perf_counter() - t0

    def forward_only() -> float:
        t0 = time.perf_counter()
        with torch.no_grad():
            S(x)
        return time.perf_counter() - t0

    can_reset = _reset_peak()
    if not can_reset:
        # Lifetime peak only: measure the very first step, before any warm-up.
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds = step()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "method": "ru_maxrss increase over the first step (clear_refs unavailable)",
            "peak_extra_mib": [(peak - base) / 1024],
            "seconds": [seconds],
        }
    step()  # warm-up
    out: dict = {
        "method": "VmHWM - VmRSS around one warm step (peak reset via /proc/self/clear_refs)"
    }
    for name, fn in (("", step), ("forward_only_", forward_only)):
        extra, seconds = [], []
        for _ in range(repeats):
            _reset_peak()
            base = _status_kib("VmRSS")
            seconds.append(fn())
            extra.append((_status_kib("VmHWM") - base) / 1024)
        out[name + "peak_extra_mib"] = extra
        out[name + "seconds"] = seconds
    return out


def run_child(library: str, batch: int, channels: int, repeats: int, threads: int) -> dict:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        library,
        "--batch",
        str(batch),
        "--channels",
        str(channels),
        "--repeats",
        str(repeats),
        "--threads",
        str(threads),
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{library} worker failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for PyTorch and the native engine alike (default 1: steady timings "
        "on shared machines; per-thread workspaces are made during the uncounted warm-up)",
    )
    ap.add_argument("--worker", choices=["scatkit", "kymatio"], help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(HERE / "results" / "torch_memory.json"))
    args = ap.parse_args()
    if args.worker:
        print(
            json.dumps(worker(args.worker, args.batch, args.channels, args.repeats, args.threads))
        )
        return

    import torch

    results = {}
    for lib in ("scatkit", "kymatio"):
        r = run_child(lib, args.batch, args.channels, args.repeats, args.threads)
        r["median_peak_extra_mib"] = statistics.median(r["peak_extra_mib"])
        r["median_seconds"] = statistics.median(r["seconds"])
        fwd = r.get("forward_only_peak_extra_mib")
        fwd_text = ""
        if fwd:
            r["median_forward_only_peak_extra_mib"] = statistics.median(fwd)
            fwd_text = f"; forward alone {r['median_forward_only_peak_extra_mib']:.1f} MiB"
        results[lib] = r
        print(
            f"{lib:8s} peak extra memory of forward+backward: {r['median_peak_extra_mib']:8.1f} MiB"
            f" (step {r['median_seconds']:.2f} s{fwd_text})"
        )
    ratio = (
        results["kymatio"]["median_peak_extra_mib"] / results["scatkit"]["median_peak_extra_mib"]
    )
    print(f"kymatio / scatkit memory ratio (forward+backward): {ratio:.1f}x")
    print(f"method: {results['scatkit']['method']}")
    x_bytes = args.batch * args.channels * SHAPE[0] * SHAPE[1] * 4
    payload = {
        "workload": {
            "input_shape": [args.batch, args.channels, *SHAPE],
            "dtype": "float32",
            "J": J,
            "L": L,
            "max_order": MAX_ORDER,
            "device": "cpu",
            "threads": args.threads,
            "input_mib": x_bytes / 2**20,
        },
        "results": results,
        "ratio_kymatio_over_scatkit": ratio,
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
