"""CUDA arrays from any DLPack producer: recognising them, streams, outputs, the copy-free call.

The backend registry (:mod:`scatkit.backends`) re-exports the public names; they live here so
the registry stays one job (which engines exist and whether they run) and the framework-facing
array plumbing another.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

try:
    from . import _core
except ImportError:  # pragma: no cover - only when the extension failed to build
    _core = None

# DLPack device type of CUDA device memory (kDLCUDA).
_DLPACK_CUDA = 2


def is_cuda_array(x: Any) -> bool:
    """True for arrays in CUDA device memory that export DLPack (PyTorch, CuPy, JAX, ...)."""
    dev = getattr(x, "__dlpack_device__", None)
    if dev is None or isinstance(x, np.ndarray):
        return False
    try:
        kind, _ = dev()
    except Exception:  # noqa: BLE001 - a broken producer is simply not a CUDA array
        return False
    return int(kind) == _DLPACK_CUDA


def _device_id(x: Any) -> int:
    return int(x.__dlpack_device__()[1])


def _dtype_name(x: Any) -> str:
    # torch.float32 -> "float32"; CuPy and NumPy dtypes print as "float32" already.
    return str(getattr(x, "dtype", "?")).rsplit(".", 1)[-1]


def _is_c_contiguous(x: Any) -> bool:
    if hasattr(x, "is_contiguous"):  # torch
        return bool(x.is_contiguous())
    flags = getattr(x, "flags", None)
    if flags is not None and hasattr(flags, "c_contiguous"):  # CuPy
        return bool(flags.c_contiguous)
    return True  # others: nanobind checks the DLPack strides itself


def _framework(x: Any) -> str:
    return type(x).__module__.split(".", 1)[0]


def _stream_handle(stream: Any) -> int:
    """cudaStream_t as an int, from an int or a torch/CuPy stream object."""
    if isinstance(stream, bool):
        raise TypeError(f"stream must be an int (cudaStream_t) or a stream object, got {stream!r}.")
    if isinstance(stream, (int, np.integer)):
        value = int(stream)
    elif hasattr(stream, "cuda_stream"):  # torch.cuda.Stream
        value = int(stream.cuda_stream)
    elif hasattr(stream, "ptr"):  # cupy.cuda.Stream
        value = int(stream.ptr)
    else:
        raise TypeError(
            "stream must be an int (a cudaStream_t, 0 for the default stream) or a "
            f"torch.cuda.Stream / cupy.cuda.Stream, got {type(stream).__name__}."
        )
    if value < 0:
        raise ValueError(f"stream must be a cudaStream_t handle (>= 0), got {value}.")
    return value


def current_stream(x: Any) -> int:
    """The framework's current CUDA stream for array ``x`` (0 when it has no notion of one)."""
    fw = _framework(x)
    if fw == "torch":
        return int(sys.modules["torch"].cuda.current_stream(x.device).cuda_stream)
    if fw == "cupy":
        return int(sys.modules["cupy"].cuda.get_current_stream().ptr)
    return 0


def empty_like_cuda(x: Any, shape: tuple[int, ...]) -> Any:
    """An uninitialised array of ``shape`` with the dtype, device and framework of ``x``."""
    fw = _framework(x)
    if fw == "torch":
        return sys.modules["torch"].empty(shape, dtype=x.dtype, device=x.device)
    if fw == "cupy":
        cupy = sys.modules["cupy"]
        with cupy.cuda.Device(_device_id(x)):
            return cupy.empty(shape, dtype=x.dtype)
    raise TypeError(
        f"cannot allocate the output for a CUDA array of type {type(x).__name__}: pass a "
        "PyTorch tensor or a CuPy array, or call cuda_execute() with your own output array."
    )


def cuda_execute(plan: Any, x: Any, out: Any, stream: Any = 0) -> None:
    """Run a CUDA plan on CUDA arrays without copies: ``out[:] = S(x)``.

    Parameters
    ----------
    plan : scatkit._core.Plan
        A plan built with ``device="cuda"`` (see :func:`cuda_plan`).
    x : CUDA array
        C-contiguous (B, M, N) array of the plan's precision on the plan's device; any DLPack
        producer (a torch CUDA tensor, a CuPy array, ...). A torch tensor that requires grad is
        read through ``x.detach()``.
    out : CUDA array
        C-contiguous (B, K, M', N') array of the same dtype and device, written in place.
    stream : int or stream object, default 0
        The ``cudaStream_t`` to enqueue on (0 = the legacy default stream), or a
        ``torch.cuda.Stream`` / ``cupy.cuda.Stream``. The call returns once the work is queued;
        it is ordered with the other work on that stream, as a kernel launch would be.
    """
    if _core is None or not isinstance(plan, _core.Plan):
        raise TypeError(f"plan must be a scatkit._core.Plan, got {type(plan).__name__}.")
    if plan.device != "cuda":
        raise ValueError("plan runs on the CPU; build it with cuda_plan() or device='cuda'.")
    handle = _stream_handle(stream)
    for what, a in (("x", x), ("out", out)):
        if not is_cuda_array(a):
            raise TypeError(
                f"{what} must be an array in CUDA device memory exporting DLPack (e.g. a torch "
                f"CUDA tensor or a CuPy array), got {type(a).__name__}."
            )
        if _dtype_name(a) != plan.precision:
            raise TypeError(
                f"{what} must be {plan.precision} like the plan, got dtype {_dtype_name(a)}."
            )
        if _device_id(a) != plan.device_id:
            raise ValueError(
                f"{what} is on cuda:{_device_id(a)} but the plan was built for "
                f"cuda:{plan.device_id}."
            )
        if not _is_c_contiguous(a):
            raise ValueError(f"{what} must be C-contiguous; call .contiguous() (torch) first.")
    xs, os_ = tuple(x.shape), tuple(out.shape)
    if len(xs) != 3:
        raise ValueError(f"x must have shape (batch, M, N), got shape {xs}.")
    want = (xs[0], plan.num_channels, plan.out_rows, plan.out_cols)
    if os_ != want:
        raise ValueError(f"out must have shape {want} for x of shape {xs}, got {os_}.")
    if getattr(x, "requires_grad", False):
        x = x.detach()
    if getattr(out, "requires_grad", False):
        raise ValueError("out must not require grad: it is written in place.")
    plan.execute(x, out, stream=handle)


def cuda_call(
    get_runner: Callable[[np.dtype], Any],
    x: Any,
    shape: tuple[int, int],
    K: int,
    out_spatial: tuple[int, int],
) -> Any:
    """Front-end helper: apply the 'cuda' runner for ``x``'s dtype to a CUDA array ``x``.

    ``x`` has shape (..., M, N); the result is a new array of the same framework, dtype and
    device, shape (..., K, M', N'). float32 and float64 only (cast other dtypes first).
    ``get_runner(dtype)`` returns the front end's runner for that NumPy dtype.
    """
    xs = tuple(int(s) for s in x.shape)
    if len(xs) < 2 or xs[-2:] != tuple(shape):
        raise ValueError(
            f"input images must be {shape[0]}x{shape[1]} (the shape given to Scattering2D), got "
            f"input shape {xs}."
        )
    dt = _dtype_name(x)
    if dt not in ("float32", "float64"):
        raise TypeError(
            f"CUDA input must be float32 or float64, got {dt}; cast it first (e.g. x.float())."
        )
    lead = xs[:-2]
    batch = 1
    for s in lead:
        batch *= s
    if batch == 0:
        return empty_like_cuda(x, lead + (K,) + tuple(out_spatial))
    x3 = x.reshape((batch,) + tuple(shape))
    if not _is_c_contiguous(x3):
        if hasattr(x3, "contiguous"):  # torch
            x3 = x3.contiguous()
        elif _framework(x3) == "cupy":
            x3 = sys.modules["cupy"].ascontiguousarray(x3)
        else:
            raise ValueError("CUDA input must be C-contiguous; make a contiguous copy first.")
    out = get_runner(np.dtype(dt))(x3)
    return out.reshape(lead + (K,) + tuple(out_spatial))
