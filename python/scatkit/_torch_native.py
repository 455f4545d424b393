"""The native engine as a PyTorch custom operator, ``torch.ops.scatkit.scattering2d_native``.

Imported by :mod:`scatkit.torch`, which registers the operator on import; the autograd function
(:mod:`scatkit._torch_autograd`) calls it through ``torch.ops``.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

import torch

from ._plan_cache import PlanCache
from ._validation import engine_geometry
from .backends import cuda_execute, cuda_plan, cuda_status, current_stream, native_plan

try:
    from . import _core
except ImportError:  # pragma: no cover - the extension is part of every supported install
    _core = None


# -- the native engine as a PyTorch custom operator ----------------------------------------------
def _build_native_plan(
    M: int,
    N: int,
    J: int,
    L: int,
    max_order: int,
    precision: str,
    threads: int,
    invariance: str,
    angular_scales: int,
) -> Any:
    """A native CPU plan of any invariance variant (docs/transform.md section 7), shared by
    every module with this configuration. Python threads (e.g. DataParallel replicas or
    data-loader threads sharing a module) may execute it at once: the engine gives concurrent
    calls their own workspaces."""
    return native_plan((M, N), J, L, max_order, precision, threads, invariance, angular_scales)


def _build_cuda_plan(
    M: int, N: int, J: int, L: int, max_order: int, precision: str, device_id: int
) -> tuple[Any, threading.Lock]:
    """A CUDA plan of the native engine on ``cuda:device_id``, with a lock (a CUDA plan owns
    one workspace)."""
    plan = cuda_plan((M, N), J, L, max_order, precision, device_id)
    return plan, threading.Lock()


# Bounded by the plans' memory rather than their number (see scatkit._plan_cache).
_native_plan = PlanCache(_build_native_plan)
_cuda_plan = PlanCache(_build_cuda_plan)


def invariant_forward(
    x: torch.Tensor,
    J: int,
    L: int,
    max_order: int,
    threads: int,
    invariance: str,
    angular_scales: int,
) -> torch.Tensor:
    """The variant's coefficients of a contiguous CPU batch (B, M, N) by the engine, without
    gradients (the module uses it when no gradient is asked for)."""
    B, M, N = x.shape
    precision = "float32" if x.dtype == torch.float32 else "float64"
    plan = _native_plan(M, N, J, L, max_order, precision, threads, invariance, angular_scales)
    out = torch.empty((B, plan.num_channels, plan.out_rows, plan.out_cols), dtype=x.dtype)
    if B:
        plan.execute(x.detach().contiguous().numpy(), out.numpy())  # zero-copy views
    return out


# Traced by torch.compile as a constant: whether CUDA tensors can use the native engine.
@torch.compiler.assume_constant_result
def _cuda_engine_available() -> bool:
    return cuda_status()[0]


def _clear_plans() -> None:
    _native_plan.cache_clear()
    _cuda_plan.cache_clear()


# Plans must be released before the extension module is torn down at interpreter exit.
atexit.register(_clear_plans)


# Registered as a custom op so torch.compile treats the native call as one opaque node with a
# known output shape instead of trying (and failing) to trace into NumPy and C++. The CPU kernel
# runs the FFTW engine, the CUDA kernel the cuFFT engine on the tensor's device and stream.
@torch.library.custom_op(
    "scatkit::scattering2d_native",
    mutates_args=(),
    device_types="cpu",
    schema="(Tensor x, int J, int L, int max_order, int threads) -> Tensor",
)
def _native_scattering(
    x: torch.Tensor, J: int, L: int, max_order: int, threads: int
) -> torch.Tensor:
    B, M, N = x.shape
    precision = "float32" if x.dtype == torch.float32 else "float64"
    plan = _native_plan(M, N, J, L, max_order, precision, threads, "translation", 0)
    out = torch.empty(
        (B, plan.num_channels, plan.out_rows, plan.out_cols), dtype=x.dtype, device=x.device
    )
    if B == 0:
        return out
    # Zero-copy: both NumPy arrays view the tensors' memory.
    xin = x.detach().contiguous().numpy()
    plan.execute(xin, out.numpy())
    return out


@_native_scattering.register_kernel("cuda")
def _(x: torch.Tensor, J: int, L: int, max_order: int, threads: int) -> torch.Tensor:
    B, M, N = x.shape
    precision = "float32" if x.dtype == torch.float32 else "float64"
    plan, lock = _cuda_plan(M, N, J, L, max_order, precision, x.device.index or 0)
    out = torch.empty(
        (B, plan.num_channels, plan.out_rows, plan.out_cols), dtype=x.dtype, device=x.device
    )
    if B == 0:
        return out
    with lock:
        cuda_execute(plan, x.detach().contiguous(), out, current_stream(x))
    return out


@_native_scattering.register_fake
def _(x: torch.Tensor, J: int, L: int, max_order: int, threads: int) -> torch.Tensor:
    g = engine_geometry(int(x.shape[1]), int(x.shape[2]), J, L, max_order)
    return x.new_empty((x.shape[0], g.K, g.out_rows, g.out_cols))
