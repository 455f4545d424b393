"""The contestants: scatkit's front ends and its peers, each built the same way (worker side).

Every library is a key of ``LIBRARIES``; ``build`` imports it, constructs its transform for a
workload (the construction timed by a ``Probe``) and returns a ``Runner``: the call to time, its
output for comparison, and (scatkit's engine only) the FFT-only floor. Imports happen inside the
builders, so a worker process loads only the library it measures.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .machine import current_rss
from .workloads import Workload, make_input

# Name -> what the tables print. The transform of every library but the last is the SPEC's
# (Kymatio 0.3's); pytorch_wavelets' ScatLayer is a different transform (DTCWT scattering), so
# only its speed is compared.
LIBRARIES: dict[str, str] = {
    "scatkit": "scatkit (NumPy front end, native)",
    "scatkit-engine": "scatkit engine (Plan.execute)",
    "scatkit-reference": "scatkit (reference backend)",
    "scatkit-torch-native": "scatkit.torch (native)",
    "scatkit-torch-torch": "scatkit.torch (torch.fft)",
    "kymatio-numpy": "kymatio.numpy 0.3",
    "kymatio-torch": "kymatio.torch 0.3",
    "ptwav-scatlayer-x2": "pytorch_wavelets ScatLayer x2",
}

# Modules each library needs; checked by the driver before it spawns a worker.
_REQUIRES: dict[str, tuple[str, ...]] = {
    "scatkit": ("scatkit._core",),
    "scatkit-engine": ("scatkit._core",),
    "scatkit-reference": ("scatkit",),
    "scatkit-torch-native": ("scatkit._core", "torch", "scatkit.torch"),
    "scatkit-torch-torch": ("torch", "scatkit.torch"),
    "kymatio-numpy": ("kymatio",),
    "kymatio-torch": ("kymatio", "torch"),
    "ptwav-scatlayer-x2": ("pytorch_wavelets", "pywt", "torch"),
}

# Libraries whose output is the SPEC's transform, comparable element by element.
SAME_TRANSFORM = frozenset(LIBRARIES) - {"ptwav-scatlayer-x2"}


def library_available(lib: str) -> tuple[bool, str]:
    """Whether ``lib`` can run here, without importing it; the reason when it cannot."""
    if lib not in LIBRARIES:
        raise ValueError(f"unknown library {lib!r}; known: {sorted(LIBRARIES)}.")
    import importlib.util

    for mod in _REQUIRES[lib]:
        try:
            found = importlib.util.find_spec(mod) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return False, f"module {mod!r} is not installed"
    return True, ""


class Probe:
    """Records construction time and the resident set size around it (worker side).

    ``rss_before_build`` is taken after the library's imports and the input's allocation.
    """

    def __init__(self) -> None:
        self.rss_before_build = 0
        self.rss_built = 0
        self.build_s = float("nan")

    @contextlib.contextmanager
    def construction(self) -> Iterator[None]:
        self.rss_before_build = current_rss()
        t0 = time.perf_counter()
        yield
        self.build_s = time.perf_counter() - t0
        self.rss_built = current_rss()


@dataclass
class Runner:
    """A built library: the call to time, its output (None for other transforms), the FFTs."""

    call: Callable[[], Any]
    output: Callable[[], np.ndarray | None]
    fft: Callable[[], Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _torch_threads(threads: int) -> Any:
    import torch

    torch.set_num_threads(threads)
    return torch


def _build_scatkit(w: Workload, threads: int, probe: Probe, backend: str) -> Runner:
    import scatkit

    x = make_input(w)
    with probe.construction():
        S = scatkit.Scattering2D(
            w.J, (w.M, w.N), w.L, w.max_order, backend=backend, threads=threads
        )
    return Runner(
        call=lambda: S(x),
        output=lambda: S(x).reshape(w.batch, len(S), *S.out_spatial_shape),
        info={"threads": threads if backend == "native" else 1, "channels": len(S)},
    )


def _build_engine(w: Workload, threads: int, probe: Probe) -> Runner:
    from scatkit import _core

    x = make_input(w).reshape(w.batch, w.M, w.N)
    with probe.construction():
        plan = _core.Plan(w.M, w.N, w.J, w.L, w.max_order, precision="float32", threads=threads)
    out = np.empty((w.batch, plan.num_channels, plan.out_rows, plan.out_cols), np.float32)

    def output() -> np.ndarray:
        plan.execute(x, out)
        return out

    return Runner(
        call=lambda: plan.execute(x, out),
        output=output,
        fft=lambda: _core._fft_only(plan, w.batch),
        info={
            "threads": plan.threads,
            "channels": plan.num_channels,
            "workspace_bytes": plan.workspace_bytes,
            "padded": [plan.padded_rows, plan.padded_cols],
        },
    )


def _torch_runner(torch: Any, S: Any, x: Any, w: Workload, threads: int) -> Runner:
    """Runner for a torch module S applied to the tensor x without autograd."""

    def call() -> Any:
        with torch.no_grad():
            return S(x)

    def output() -> np.ndarray:
        y = call().numpy()
        return y.reshape(w.batch, *y.shape[-3:])

    return Runner(call=call, output=output, info={"threads": threads, "torch": torch.__version__})


def _build_scatkit_torch(w: Workload, threads: int, probe: Probe, backend: str) -> Runner:
    torch = _torch_threads(threads)
    from scatkit.torch import Scattering2D

    x = torch.from_numpy(make_input(w))
    with probe.construction():
        S = Scattering2D(w.J, (w.M, w.N), w.L, w.max_order, backend=backend, threads=threads)

    return _torch_runner(torch, S, x, w, threads)


def _build_kymatio_numpy(w: Workload, threads: int, probe: Probe) -> Runner:
    from kymatio.numpy import Scattering2D

    x = make_input(w)
    with probe.construction():
        S = Scattering2D(J=w.J, shape=(w.M, w.N), L=w.L, max_order=w.max_order)

    def output() -> np.ndarray:
        y = S(x)
        return y.reshape(w.batch, *y.shape[-3:])

    # kymatio.numpy runs scipy.fft with its default of one worker and single-threaded NumPy.
    return Runner(call=lambda: S(x), output=output, info={"threads": 1})


def _build_kymatio_torch(w: Workload, threads: int, probe: Probe) -> Runner:
    torch = _torch_threads(threads)
    from kymatio.torch import Scattering2D

    x = torch.from_numpy(make_input(w))
    with probe.construction():
        S = Scattering2D(J=w.J, shape=(w.M, w.N), L=w.L, max_order=w.max_order)

    return _torch_runner(torch, S, x, w, threads)


def _build_ptwav(w: Workload, threads: int, probe: Probe) -> Runner:
    torch = _torch_threads(threads)
    from pytorch_wavelets import ScatLayer

    # ScatLayer takes (N, C, H, W); one layer is first order, two stacked are second order.
    shape4 = w.shape if len(w.shape) == 4 else (w.batch, 1, w.M, w.N)
    x = torch.from_numpy(make_input(w).reshape(shape4))
    with probe.construction():
        net = torch.nn.Sequential(ScatLayer(), ScatLayer())

    def call() -> Any:
        with torch.no_grad():
            return net(x)

    return Runner(call=call, output=lambda: None, info={"threads": threads})


# Library -> builder; the scatkit front ends take the backend as a last argument.
_BUILDERS: dict[str, tuple[Callable[..., Runner], tuple[str, ...]]] = {
    "scatkit": (_build_scatkit, ("native",)),
    "scatkit-reference": (_build_scatkit, ("reference",)),
    "scatkit-engine": (_build_engine, ()),
    "scatkit-torch-native": (_build_scatkit_torch, ("native",)),
    "scatkit-torch-torch": (_build_scatkit_torch, ("torch",)),
    "kymatio-numpy": (_build_kymatio_numpy, ()),
    "kymatio-torch": (_build_kymatio_torch, ()),
    "ptwav-scatlayer-x2": (_build_ptwav, ()),
}


def build(lib: str, w: Workload, threads: int, probe: Probe) -> Runner:
    """Import ``lib`` and construct its transform for ``w`` (construction timed by ``probe``)."""
    if lib not in _BUILDERS:
        raise ValueError(f"unknown library {lib!r}; known: {sorted(LIBRARIES)}.")
    fn, extra = _BUILDERS[lib]
    return fn(w, threads, probe, *extra)
