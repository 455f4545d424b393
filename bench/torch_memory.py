"""Peak memory of forward + backward through a scattering module: scatkit.torch vs kymatio.torch.

Workload (defaults): a (32, 3, 64, 64) float32 batch that requires grad, J=2, L=8,
max_order=2, on the CPU. The loss is ``S(x).sum()`` (its gradient is a broadcast scalar, so the
loss adds no memory of its own), then ``loss.backward()``. For context the forward pass alone
under ``torch.no_grad()`` is measured too.

Method. Each library runs in its own fresh Python process, so neither sees the other's caches,
allocator state or imported code:

1. import, build the module and the input, then run one warm-up step (plans, FFT caches and
   lazily built tables exist afterwards and are not counted as per-step memory);
2. reset the kernel's peak-RSS counter (write "5" to /proc/self/clear_refs) and read the
   current resident set size (VmRSS) as the baseline;
3. run forward + backward and read the peak resident set size (VmHWM);
4. report VmHWM - baseline: the extra memory the step needed at its peak. Steps 2-4 run
   ``--repeats`` times and the median is kept.

glibc's malloc is told to serve every block over 64 KiB with mmap (MALLOC_MMAP_THRESHOLD_), so
freed tensors go back to the kernel at once and RSS follows live memory rather than the
allocator's retained heap. RSS, unlike torch.profiler or tracemalloc, also counts memory that
C++ code (FFTW, the native engine, MKL) allocates outside PyTorch's allocator. Where
/proc/self/clear_refs cannot be written, the script falls back to getrusage's ru_maxrss
(a lifetime peak, so only the first, cold step is measured) and says so in the JSON.

Usage: python bench/torch_memory.py [--batch 32] [--channels 3] [--size 64] [--J 2] [--L 8]
       [--repeats 3] [--threads 1]
Writes bench/results/torch_memory.json (or --out).
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
LIBRARIES = ("scatkit", "kymatio")


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


def worker(args: argparse.Namespace) -> dict:
    """Runs in the child process: measures one library and returns its numbers."""
    import resource

    import torch

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    shape = (args.size, args.size)
    if args.worker == "scatkit":
        from scatkit.torch import Scattering2D

        S = Scattering2D(args.J, shape, L=args.L, max_order=2, threads=args.threads)
    else:
        from kymatio.torch import Scattering2D

        S = Scattering2D(J=args.J, shape=shape, L=args.L, max_order=2)
    x = torch.randn(args.batch, args.channels, *shape, requires_grad=True)

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

    if not _reset_peak():
        # Lifetime peak only: measure the very first step, before any warm-up.
        unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds = step()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "method": "ru_maxrss increase over the first (cold) step; clear_refs unavailable",
            "peak_extra_mib": [(peak - base) * unit / 2**20],
            "seconds": [seconds],
        }
    step()  # warm-up
    out: dict = {
        "method": "VmHWM - VmRSS around one warm step (peak reset via /proc/self/clear_refs)"
    }
    for prefix, fn in (("", step), ("forward_only_", forward_only)):
        extra, seconds = [], []
        for _ in range(args.repeats):
            _reset_peak()
            base = _status_kib("VmRSS")
            seconds.append(fn())
            extra.append((_status_kib("VmHWM") - base) / 1024)
        out[prefix + "peak_extra_mib"] = extra
        out[prefix + "seconds"] = seconds
    return out


def run_child(library: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", library]
    for name in ("batch", "channels", "size", "J", "L", "repeats", "threads"):
        cmd += [f"--{name}", str(getattr(args, name))]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{library} worker failed:\n{res.stderr}")
    r = json.loads(res.stdout.strip().splitlines()[-1])
    for key in ("peak_extra_mib", "seconds", "forward_only_peak_extra_mib"):
        if key in r:
            r["median_" + key] = statistics.median(r[key])
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--size", type=int, default=64, help="image side (square images)")
    ap.add_argument("--J", type=int, default=2)
    ap.add_argument("--L", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for PyTorch and the native engine alike (default 1: steady timings "
        "on shared machines; per-thread workspaces are made during the uncounted warm-up)",
    )
    ap.add_argument("--worker", choices=LIBRARIES, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(HERE / "results" / "torch_memory.json"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return

    import torch

    results = {}
    for lib in LIBRARIES:
        r = run_child(lib, args)
        results[lib] = r
        fwd = r.get("median_forward_only_peak_extra_mib")
        fwd_text = f"; forward alone {fwd:.1f} MiB" if fwd is not None else ""
        print(
            f"{lib:8s} peak extra memory of forward+backward: {r['median_peak_extra_mib']:8.1f} MiB"
            f" (step {r['median_seconds']:.2f} s{fwd_text})"
        )
    ratio = (
        results["kymatio"]["median_peak_extra_mib"] / results["scatkit"]["median_peak_extra_mib"]
    )
    print(f"kymatio / scatkit memory ratio (forward+backward): {ratio:.1f}x")
    print(f"method: {results['scatkit']['method']}")
    payload = {
        "workload": {
            "input_shape": [args.batch, args.channels, args.size, args.size],
            "dtype": "float32",
            "J": args.J,
            "L": args.L,
            "max_order": 2,
            "device": "cpu",
            "threads": args.threads,
            "input_mib": args.batch * args.channels * args.size**2 * 4 / 2**20,
            "loss": "S(x).sum()",
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
