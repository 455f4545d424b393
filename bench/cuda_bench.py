"""GPU throughput of the CUDA backend: scatkit (cuFFT) vs kymatio.torch on the same GPU.

Workloads (float32, max_order=2):

* ``large``: a (128, 3, 256, 256) batch, J=3, L=8 (384 images), timed for
  scatkit, for kymatio.torch (0.3) on the same device, and for the FFTs alone
  (``scatkit._core._fft_only``: exactly the cuFFT calls the plan makes, on its own
  workspace), the floor the whole transform is compared against;
* ``small``: a (128, 3, 32, 32) batch, J=2, L=8, reported as images per second.

Method: plans and modules are built once (construction timed separately), one warm-up run,
then ``--repeats`` timed runs, each closed by ``torch.cuda.synchronize()``; the median is kept.
Inputs and outputs stay on the GPU (zero copy through DLPack). The scatkit and Kymatio outputs
are compared (max relative difference) so a fast wrong answer cannot pass unnoticed.

Usage: python bench/cuda_bench.py [--repeats 10] [--no-kymatio] [--device 0]
Needs a CUDA GPU, PyTorch with CUDA and scatkit built with CUDA; exits with status 2 and a
message saying which is missing otherwise. Writes bench/results/cuda_bench.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent


def _fail(msg: str) -> int:
    print(f"cuda_bench: {msg}", file=sys.stderr)
    return 2


def _median_seconds(fn: Callable[[], Any], repeats: int, sync: Callable[[], None]) -> float:
    fn()
    sync()
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _bench_case(
    torch: Any,
    shape: tuple[int, ...],
    J: int,
    L: int,
    repeats: int,
    kymatio: bool,
    device: int,
) -> dict[str, Any]:
    import scatkit
    from scatkit.backends import cuda_execute, cuda_plan

    B = 1
    for s in shape[:-2]:
        B *= s
    M, N = shape[-2:]
    dev = torch.device("cuda", device)
    sync = torch.cuda.synchronize
    x = torch.randn(shape, device=dev, dtype=torch.float32)
    x3 = x.reshape(B, M, N)

    t0 = time.perf_counter()
    plan = cuda_plan((M, N), J, L, 2, "float32", device_id=device)
    plan_s = time.perf_counter() - t0
    out = torch.empty((B, plan.num_channels, plan.out_rows, plan.out_cols), device=dev)

    def run() -> None:
        cuda_execute(plan, x3, out, torch.cuda.current_stream(dev))

    res: dict[str, Any] = {
        "shape": list(shape),
        "J": J,
        "L": L,
        "images": B,
        "channels": plan.num_channels,
        "scatkit_plan_s": plan_s,
        "scatkit_workspace_mib": plan.workspace_bytes / 2**20,
    }
    res["scatkit_s"] = _median_seconds(run, repeats, sync)
    res["fft_only_s"] = _median_seconds(lambda: scatkit._core._fft_only(plan, B), repeats, sync)
    res["scatkit_images_per_s"] = B / res["scatkit_s"]
    res["scatkit_over_fft_only"] = res["scatkit_s"] / res["fft_only_s"]

    if kymatio:
        from kymatio.torch import Scattering2D as KymatioScattering2D

        t0 = time.perf_counter()
        ks = KymatioScattering2D(J=J, shape=(M, N), L=L, max_order=2).to(dev)
        res["kymatio_build_s"] = time.perf_counter() - t0
        with torch.no_grad():
            res["kymatio_s"] = _median_seconds(lambda: ks(x), repeats, sync)
            ref = ks(x).reshape(B, plan.num_channels, plan.out_rows, plan.out_cols)
        run()
        sync()
        scale = float(ref.abs().max()) or 1.0
        res["max_rel_diff_vs_kymatio"] = float((out - ref).abs().max()) / scale
        res["kymatio_images_per_s"] = B / res["kymatio_s"]
        res["speedup_vs_kymatio"] = res["kymatio_s"] / res["scatkit_s"]
    return res


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=10, help="timed runs per measurement")
    ap.add_argument("--no-kymatio", action="store_true", help="skip kymatio.torch")
    ap.add_argument("--device", type=int, default=0, help="CUDA device ordinal")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "cuda_bench.json")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        return _fail(f"--repeats must be >= 1, got {args.repeats}.")

    try:
        import scatkit
        from scatkit.backends import cuda_status
    except ImportError as exc:
        return _fail(f"scatkit is not importable: {exc}")
    ok, why = cuda_status()
    if not ok:
        return _fail(f"the scatkit CUDA backend cannot run here: {why}.")
    try:
        import torch
    except ImportError:
        return _fail("PyTorch is not installed; this benchmark keeps data on the GPU with it.")
    if not torch.cuda.is_available():
        return _fail(
            f"PyTorch {torch.__version__} sees no CUDA device (a CPU-only build?); "
            "install a CUDA build of PyTorch."
        )
    kymatio = not args.no_kymatio
    if kymatio:
        try:
            import kymatio.torch  # noqa: F401
        except ImportError:
            print("cuda_bench: kymatio not installed, comparing with cuFFT only", file=sys.stderr)
            kymatio = False

    cases = {
        "large": ((128, 3, 256, 256), 3, 8),
        "small": ((128, 3, 32, 32), 2, 8),
    }
    results: dict[str, Any] = {
        "device": torch.cuda.get_device_name(args.device),
        "torch": torch.__version__,
        "scatkit": scatkit.__version__,
        "python": platform.python_version(),
        "repeats": args.repeats,
        "cases": {},
    }
    for name, (shape, J, L) in cases.items():
        r = _bench_case(torch, shape, J, L, args.repeats, kymatio, args.device)
        torch.cuda.empty_cache()  # the case's plan and tensors are gone; so is their cache
        results["cases"][name] = r
        line = (
            f"{name:5s} {'x'.join(map(str, shape))} J={J} L={L}: "
            f"scatkit {r['scatkit_s'] * 1e3:.2f} ms"
            f" ({r['scatkit_images_per_s']:.0f} img/s), FFTs only {r['fft_only_s'] * 1e3:.2f} ms"
            f" -> scatkit/FFT-only = {r['scatkit_over_fft_only']:.2f}x"
        )
        if "kymatio_s" in r:
            line += (
                f"; kymatio.torch {r['kymatio_s'] * 1e3:.2f} ms -> speed-up "
                f"{r['speedup_vs_kymatio']:.1f}x (max rel diff {r['max_rel_diff_vs_kymatio']:.1e})"
            )
        print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
