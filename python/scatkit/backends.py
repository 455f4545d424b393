"""Registry of the engines that can compute the transform, with availability and reasons."""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - only when the extension failed to build
    _core = None
    _CORE_ERROR = str(exc)
else:
    _CORE_ERROR = ""


@dataclass(frozen=True)
class BackendInfo:
    """One backend: its name, whether it can run here, why not, and where it runs."""

    name: str
    available: bool
    reason: str
    device: str
    description: str


_NAMES = ("native", "cuda", "reference")

# DLPack device type of CUDA device memory (kDLCUDA).
_DLPACK_CUDA = 2


def _preload_cufft() -> None:
    """Load libcufft from the pip wheel nvidia-cufft, if installed, before the CUDA plugin.

    The plugin finds the wheel through its RPATH when both sit in one site-packages; loading the
    library first also covers a wheel in another folder (user site, a second venv on sys.path).
    """
    try:
        import nvidia.cu13 as nv  # the namespace package of the nvidia-cufft wheel
    except ImportError:
        return
    import ctypes

    for root in list(getattr(nv, "__path__", [])):
        lib = os.path.join(root, "lib")
        try:
            names = sorted(n for n in os.listdir(lib) if re.fullmatch(r"libcufft\.so\.\d+", n))
        except OSError:
            continue
        for name in names:
            try:
                ctypes.CDLL(os.path.join(lib, name))
                return
            except OSError:
                continue


@functools.lru_cache(maxsize=1)
def cuda_status() -> tuple[bool, str]:
    """Whether CUDA plans can run here, and if not, why (cached for the process).

    The reason is one of "built without CUDA", "CUDA plugin could not be loaded: ...",
    "no CUDA device visible ..." or "native extension not importable". Only this call (and
    anything asking for the 'cuda' backend) loads the CUDA plugin and initialises the driver.
    """
    if _core is None:
        return False, "native extension not importable"
    _preload_cufft()
    reason = _core.cuda_unavailable_reason()
    return reason == "", reason


def _probe(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` can run here, and if not, why; as cheap as that question allows.

    The reference backend always runs (numpy.fft when pyfftw is missing), so asking about it
    imports nothing; asking about 'cuda' loads the CUDA plugin (see :func:`cuda_status`).
    """
    if name == "native":
        if _core is None:
            return False, f"native extension not importable: {_CORE_ERROR}"
        return True, ""
    if name == "cuda":
        return cuda_status()
    return True, ""


_DESCRIPTIONS = {
    "native": ("cpu", "C++ engine on FFTW, multithreaded"),
    "cuda": ("cuda", "C++ engine on cuFFT"),
}


def _info(name: str) -> BackendInfo:
    ok, reason = _probe(name)
    if name in _DESCRIPTIONS:
        device, description = _DESCRIPTIONS[name]
        return BackendInfo(name, ok, reason, device, description)
    # The listing names the FFT library the reference really uses, which means importing it
    # (and pyfftw with it): only the listing pays that, never resolve().
    from . import reference

    fft = reference.FFT_LIBRARY
    if fft != "pyfftw":
        fft += " (pyfftw not installed)"
    return BackendInfo(
        "reference", ok, reason, "cpu", f"pure Python implementation of the SPEC on {fft}"
    )


def backends() -> list[BackendInfo]:
    """List every backend this installation knows, usable or not, with the reason if not."""
    return [_info(n) for n in _NAMES]


def backend_names() -> list[str]:
    """Names accepted by ``backend=``, including 'auto'."""
    return ["auto", *_NAMES]


def resolve(name: str, device: str = "cpu") -> str:
    """Turn a user's ``backend=`` value into a concrete available backend name.

    ``"auto"`` probes the candidates for ``device`` lazily, in preference order, and stops at
    the first usable one, so CPU work never initialises CUDA and the native engine never
    imports the reference's optional modules (pyfftw).
    """
    if not isinstance(name, str):
        raise TypeError(f"backend must be a string, one of {backend_names()}, got {name!r}.")
    if name == "auto":
        order = ("cuda",) if device == "cuda" else ("native", "reference")
        reasons = []
        for candidate in order:
            ok, reason = _probe(candidate)
            if ok:
                return candidate
            reasons.append(f"{candidate}: {reason}")
        raise RuntimeError(f"no backend can run on device {device!r}: " + "; ".join(reasons))
    if name not in _NAMES:
        raise ValueError(f"unknown backend {name!r}; valid backends are {backend_names()}.")
    ok, reason = _probe(name)
    if not ok:
        raise RuntimeError(f"backend {name!r} is not available: {reason}.")
    return name


# -- CUDA arrays (DLPack) ----------------------------------------------------------------------
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


def cuda_plan(
    shape: tuple[int, int],
    J: int,
    L: int = 8,
    max_order: int = 2,
    precision: str = "float32",
    device_id: int = 0,
    max_batch: int = 0,
) -> Any:
    """Build a CUDA plan (``scatkit._core.Plan``) on ``cuda:device_id``.

    ``max_batch`` images are processed per launch (0 chooses from the free device memory); the
    workspace for them is allocated here, once. Raises ``scatkit.CudaError`` (a RuntimeError)
    saying why when CUDA cannot be used.
    """
    ok, reason = cuda_status()
    if not ok:
        raise RuntimeError(f"backend 'cuda' is not available: {reason}.")
    return _core.Plan(
        shape[0],
        shape[1],
        J,
        L,
        max_order,
        precision=precision,
        device="cuda",
        device_id=device_id,
        max_batch=max_batch,
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


Runner = Callable[[np.ndarray], np.ndarray]


def make_runner(
    name: str,
    shape: tuple[int, int],
    J: int,
    L: int,
    max_order: int,
    dtype: np.dtype,
    threads: int,
) -> tuple[Runner, np.ndarray]:
    """Build the compute function for a concrete backend and dtype.

    Returns ``(run, meta)`` where ``run`` maps a C-contiguous (B, M, N) array of ``dtype`` to a
    (B, K, M', N') array of the same dtype.
    """
    precision = "float32" if dtype == np.float32 else "float64"
    if name == "cuda":
        run = _cuda_runner(shape, J, L, max_order, dtype, precision)
        return run, run.plan.meta()  # type: ignore[attr-defined]
    if name == "native":
        plan = _core.Plan(
            shape[0], shape[1], J, L, max_order, precision=precision, threads=threads, device="cpu"
        )

        def run(x: np.ndarray) -> np.ndarray:
            out = np.empty((x.shape[0], plan.num_channels, plan.out_rows, plan.out_cols), dtype)
            plan.execute(x, out)
            return out

        run.plan = plan  # type: ignore[attr-defined]
        return run, plan.meta()
    if name == "reference":
        from . import reference

        ref = reference.ReferenceScattering2D(J, shape, L=L, max_order=max_order, threads=threads)

        def run_ref(x: np.ndarray) -> np.ndarray:
            return ref(x).astype(dtype, copy=False)

        return run_ref, ref.meta
    raise ValueError(f"unknown backend {name!r}; valid backends are {backend_names()}.")


def _cuda_runner(
    shape: tuple[int, int], J: int, L: int, max_order: int, dtype: np.dtype, precision: str
) -> Runner:
    """Runner of the 'cuda' backend: CUDA arrays stay on their device (one plan per device,
    made on first use); NumPy arrays are copied to cuda:0 and back (the user asked for
    backend='cuda' explicitly)."""
    plans: dict[int, Any] = {}
    lock = threading.Lock()

    def plan_for(device_id: int) -> Any:
        with lock:
            plan = plans.get(device_id)
            if plan is None:
                plan = cuda_plan(shape, J, L, max_order, precision, device_id)
                plans[device_id] = plan
            return plan

    first = plan_for(0)  # built now, so an unusable configuration fails at construction

    def run(x: Any) -> Any:
        if is_cuda_array(x):
            plan = plan_for(_device_id(x))
            out = empty_like_cuda(
                x, (int(x.shape[0]), plan.num_channels, plan.out_rows, plan.out_cols)
            )
            cuda_execute(plan, x, out, current_stream(x))
            return out
        out = np.empty((x.shape[0], first.num_channels, first.out_rows, first.out_cols), dtype)
        first.execute(x, out)
        return out

    run.plan = first  # type: ignore[attr-defined]
    run.plan_for = plan_for  # type: ignore[attr-defined]
    return run
