"""Registry of the engines that can compute the transform, with availability and reasons."""

from __future__ import annotations

import functools
import os
import re
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

# The CUDA-array helpers live in their own module; these names stay importable from here.
from ._cuda_arrays import (
    _device_id,
    cuda_call,
    cuda_execute,
    current_stream,
    empty_like_cuda,
    is_cuda_array,
)

__all__ = [
    "BackendInfo",
    "Runner",
    "backend_names",
    "backends",
    "cuda_call",
    "cuda_execute",
    "cuda_plan",
    "cuda_status",
    "current_stream",
    "empty_like_cuda",
    "is_cuda_array",
    "make_runner",
    "resolve",
]


@dataclass(frozen=True)
class BackendInfo:
    """One backend: its name, whether it can run here, why not, and where it runs."""

    name: str
    available: bool
    reason: str
    device: str
    description: str


_NAMES = ("native", "cuda", "reference")


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


def cuda_plan(
    shape: tuple[int, int],
    J: int,
    L: int = 8,
    max_order: int = 2,
    precision: str = "float32",
    device_id: int = 0,
    max_batch: int = 0,
    invariance: str = "translation",
    angular_scales: int = 0,
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
        invariance=invariance,
        angular_scales=angular_scales,
    )


Runner = Callable[[np.ndarray], np.ndarray]


def native_plan(
    shape: tuple[int, int],
    J: int,
    L: int,
    max_order: int,
    precision: str,
    threads: int,
    invariance: str = "translation",
    angular_scales: int = 0,
) -> Any:
    """A CPU plan of the native engine (``scatkit._core.Plan``), any invariance variant."""
    return _core.Plan(
        shape[0],
        shape[1],
        J,
        L,
        max_order,
        precision=precision,
        threads=threads,
        device="cpu",
        invariance=invariance,
        angular_scales=angular_scales,
    )


def make_runner(
    name: str,
    shape: tuple[int, int],
    J: int,
    L: int,
    max_order: int,
    dtype: np.dtype,
    threads: int,
    invariance: str = "translation",
    angular_scales: int = 0,
) -> tuple[Runner, np.ndarray]:
    """Build the compute function for a concrete backend and dtype.

    Returns ``(run, meta)`` where ``run`` maps a C-contiguous (B, M, N) array of ``dtype`` to a
    (B, K, M', N') array of the same dtype. ``invariance`` (docs/transform.md section 7) is
    computed by the engine's plan: every variant on "native" and "cuda"; the "reference"
    backend takes only "translation" (the front ends run the variants of the float64 reference
    themselves).
    """
    precision = "float32" if dtype == np.float32 else "float64"
    if invariance != "translation" and name not in ("native", "cuda"):
        raise ValueError(
            f"backend {name!r} does not compute invariance={invariance!r} in its plan; use "
            f"backend 'native'."
        )
    if name == "cuda":
        run = _cuda_runner(shape, J, L, max_order, dtype, precision, invariance, angular_scales)
        return run, run.plan.meta()  # type: ignore[attr-defined]
    if name == "native":
        plan = native_plan(shape, J, L, max_order, precision, threads, invariance, angular_scales)

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
    shape: tuple[int, int],
    J: int,
    L: int,
    max_order: int,
    dtype: np.dtype,
    precision: str,
    invariance: str = "translation",
    angular_scales: int = 0,
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
                plan = cuda_plan(
                    shape,
                    J,
                    L,
                    max_order,
                    precision,
                    device_id,
                    invariance=invariance,
                    angular_scales=angular_scales,
                )
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
