"""Registry of the engines that can compute the transform, with availability and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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


def _pyfftw_available() -> bool:
    try:
        import pyfftw  # noqa: F401
    except ImportError:
        return False
    return True


def backends() -> list[BackendInfo]:
    """List every backend this installation knows, usable or not, with the reason if not."""
    out = []
    out.append(
        BackendInfo(
            "native",
            _core is not None,
            "" if _core is not None else f"native extension not importable: {_CORE_ERROR}",
            "cpu",
            "C++ engine on FFTW, multithreaded",
        )
    )
    if _core is None:
        cuda_ok, cuda_reason = False, "native extension not importable"
    else:
        cuda_reason = _core.cuda_unavailable_reason()
        cuda_ok = cuda_reason == ""
    out.append(BackendInfo("cuda", cuda_ok, cuda_reason, "cuda", "C++ engine on cuFFT"))
    fft = "pyfftw" if _pyfftw_available() else "numpy.fft (pyfftw not installed)"
    out.append(
        BackendInfo(
            "reference", True, "", "cpu", f"pure Python implementation of the SPEC on {fft}"
        )
    )
    return out


def backend_names() -> list[str]:
    """Names accepted by ``backend=``, including 'auto'."""
    return ["auto"] + [b.name for b in backends()]


def resolve(name: str, device: str = "cpu") -> str:
    """Turn a user's ``backend=`` value into a concrete available backend name."""
    if not isinstance(name, str):
        raise TypeError(f"backend must be a string, one of {backend_names()}, got {name!r}.")
    infos = {b.name: b for b in backends()}
    if name == "auto":
        order = ["cuda"] if device == "cuda" else ["native", "reference"]
        for cand in order:
            if infos[cand].available:
                return cand
        raise RuntimeError(
            f"no backend can run on device {device!r}: "
            + "; ".join(f"{n}: {infos[n].reason}" for n in order)
        )
    if name not in infos:
        raise ValueError(f"unknown backend {name!r}; valid backends are {backend_names()}.")
    if not infos[name].available:
        raise RuntimeError(f"backend {name!r} is not available: {infos[name].reason}.")
    return name


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
    if name in ("native", "cuda"):
        plan = _core.Plan(
            shape[0],
            shape[1],
            J,
            L,
            max_order,
            precision=precision,
            threads=threads,
            device="cpu" if name == "native" else "cuda",
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
