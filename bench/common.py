"""Shared helpers of the CPU benchmarks: workloads, worker processes, timing, tables, JSON.

Every library runs in its own fresh worker process (``python -m bench.common worker``) that the
driver commands over a pipe, one JSON object per line. This gives

* peak memory per library and workload: the worker's peak resident set size (VmHWM) covers
  exactly one library's import, construction and calls;
* isolation: one library's imports, caches and thread pools never disturb another's timings;
* interleaving: the driver asks the workers for their repeats round-robin, so a slow drift of
  the machine's load (a shared machine) hits every library alike instead of whichever ran last.

Each call is timed inside its worker with ``time.perf_counter`` (wall clock) and
``time.process_time`` (CPU time of the whole process, all threads); the driver keeps both. The
inputs are standard normal float32 images from a fixed seed, identical in every worker.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
RESULTS_DIR = HERE / "results"
SEED = 0


# -- workloads ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """A batch of images of ``shape`` (..., M, N) and the transform parameters."""

    shape: tuple[int, ...]
    J: int
    L: int = 8
    max_order: int = 2

    def __post_init__(self) -> None:
        if len(self.shape) < 2 or any(int(s) < 1 for s in self.shape):
            raise ValueError(f"shape must be (..., M, N) of positive sizes, got {self.shape}.")
        if self.J < 1 or self.L < 1 or self.max_order not in (1, 2):
            raise ValueError(
                f"need J >= 1, L >= 1 and max_order 1 or 2, got J={self.J}, L={self.L}, "
                f"max_order={self.max_order}."
            )

    @property
    def batch(self) -> int:
        """Number of images (product of the leading dimensions)."""
        return int(np.prod(self.shape[:-2], dtype=np.int64)) if len(self.shape) > 2 else 1

    @property
    def M(self) -> int:
        """Image height."""
        return int(self.shape[-2])

    @property
    def N(self) -> int:
        """Image width."""
        return int(self.shape[-1])

    @property
    def label(self) -> str:
        """Human-readable name, e.g. '128x3x32x32 J=2'."""
        return "x".join(str(s) for s in self.shape) + f" J={self.J}"

    @property
    def key(self) -> str:
        """Name usable as a JSON key, e.g. '128x3x32x32_J2'."""
        return "x".join(str(s) for s in self.shape) + f"_J{self.J}"

    @property
    def channels(self) -> int:
        """Number of output channels K."""
        J, L = self.J, self.L
        return 1 + J * L + (L * L * J * (J - 1) // 2 if self.max_order == 2 else 0)

    @property
    def out_spatial(self) -> tuple[int, int]:
        """Spatial size of each output channel (padded size / 2**J - 2, as in the SPEC)."""
        s = 2**self.J
        return tuple(((n + s) // s + 1) - 2 for n in (self.M, self.N))  # type: ignore[return-value]

    def io_bytes(self, itemsize: int = 4) -> tuple[int, int]:
        """Bytes of the input batch and of its output."""
        m, n = self.out_spatial
        return (
            self.batch * self.M * self.N * itemsize,
            self.batch * self.channels * m * n * itemsize,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"shape": list(self.shape), "J": self.J, "L": self.L, "max_order": self.max_order}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Workload:
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(int(s) for s in d["shape"]), int(d["J"]), int(d["L"]), int(d["max_order"]))


def make_input(w: Workload) -> np.ndarray:
    """The benchmark input of a workload: standard normal float32 from a fixed seed."""
    return np.random.default_rng(SEED).standard_normal(w.shape, dtype=np.float32)


# -- libraries (worker side) -------------------------------------------------------------------
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


class _Probe:
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
class _Runner:
    call: Callable[[], Any]
    output: Callable[[], np.ndarray | None]
    fft: Callable[[], Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _torch_threads(threads: int) -> Any:
    import torch

    torch.set_num_threads(threads)
    return torch


def _build_scatkit(w: Workload, threads: int, probe: _Probe, backend: str) -> _Runner:
    import scatkit

    x = make_input(w)
    with probe.construction():
        S = scatkit.Scattering2D(
            w.J, (w.M, w.N), w.L, w.max_order, backend=backend, threads=threads
        )
    return _Runner(
        call=lambda: S(x),
        output=lambda: S(x).reshape(w.batch, len(S), *S.out_spatial_shape),
        info={"threads": threads if backend == "native" else 1, "channels": len(S)},
    )


def _build_engine(w: Workload, threads: int, probe: _Probe) -> _Runner:
    from scatkit import _core

    x = make_input(w).reshape(w.batch, w.M, w.N)
    with probe.construction():
        plan = _core.Plan(w.M, w.N, w.J, w.L, w.max_order, precision="float32", threads=threads)
    out = np.empty((w.batch, plan.num_channels, plan.out_rows, plan.out_cols), np.float32)

    def output() -> np.ndarray:
        plan.execute(x, out)
        return out

    return _Runner(
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


def _torch_runner(torch: Any, S: Any, x: Any, w: Workload, threads: int) -> _Runner:
    """Runner for a torch module S applied to the tensor x without autograd."""

    def call() -> Any:
        with torch.no_grad():
            return S(x)

    def output() -> np.ndarray:
        y = call().numpy()
        return y.reshape(w.batch, *y.shape[-3:])

    return _Runner(call=call, output=output, info={"threads": threads, "torch": torch.__version__})


def _build_scatkit_torch(w: Workload, threads: int, probe: _Probe, backend: str) -> _Runner:
    torch = _torch_threads(threads)
    from scatkit.torch import Scattering2D

    x = torch.from_numpy(make_input(w))
    with probe.construction():
        S = Scattering2D(w.J, (w.M, w.N), w.L, w.max_order, backend=backend, threads=threads)

    return _torch_runner(torch, S, x, w, threads)


def _build_kymatio_numpy(w: Workload, threads: int, probe: _Probe) -> _Runner:
    from kymatio.numpy import Scattering2D

    x = make_input(w)
    with probe.construction():
        S = Scattering2D(J=w.J, shape=(w.M, w.N), L=w.L, max_order=w.max_order)

    def output() -> np.ndarray:
        y = S(x)
        return y.reshape(w.batch, *y.shape[-3:])

    # kymatio.numpy runs scipy.fft with its default of one worker and single-threaded NumPy.
    return _Runner(call=lambda: S(x), output=output, info={"threads": 1})


def _build_kymatio_torch(w: Workload, threads: int, probe: _Probe) -> _Runner:
    torch = _torch_threads(threads)
    from kymatio.torch import Scattering2D

    x = torch.from_numpy(make_input(w))
    with probe.construction():
        S = Scattering2D(J=w.J, shape=(w.M, w.N), L=w.L, max_order=w.max_order)

    return _torch_runner(torch, S, x, w, threads)


def _build_ptwav(w: Workload, threads: int, probe: _Probe) -> _Runner:
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

    return _Runner(call=call, output=lambda: None, info={"threads": threads})


def _build(lib: str, w: Workload, threads: int, probe: _Probe) -> _Runner:
    if lib == "scatkit":
        return _build_scatkit(w, threads, probe, "native")
    if lib == "scatkit-reference":
        return _build_scatkit(w, threads, probe, "reference")
    if lib == "scatkit-engine":
        return _build_engine(w, threads, probe)
    if lib == "scatkit-torch-native":
        return _build_scatkit_torch(w, threads, probe, "native")
    if lib == "scatkit-torch-torch":
        return _build_scatkit_torch(w, threads, probe, "torch")
    if lib == "kymatio-numpy":
        return _build_kymatio_numpy(w, threads, probe)
    if lib == "kymatio-torch":
        return _build_kymatio_torch(w, threads, probe)
    if lib == "ptwav-scatlayer-x2":
        return _build_ptwav(w, threads, probe)
    raise ValueError(f"unknown library {lib!r}; known: {sorted(LIBRARIES)}.")


# -- memory ------------------------------------------------------------------------------------
def current_rss() -> int:
    """Resident set size of this process in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss() -> int:
    """Peak resident set size of this process's address space, in bytes.

    Linux: VmHWM from /proc/self/status, the high-water mark of the memory map created at
    exec. Not getrusage's ru_maxrss: on Linux that survives fork and exec, so a worker would
    report its parent's peak whenever the parent was larger. Elsewhere ru_maxrss.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return max(int(line.split()[1]) * 1024, current_rss())
    except (OSError, ValueError, IndexError):
        pass
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(ru) if sys.platform == "darwin" else int(ru) * 1024


# -- worker (runs in the subprocess) -----------------------------------------------------------
def _timed(fn: Callable[[], Any], n: int) -> dict[str, list[float]]:
    wall, cpu = [], []
    for _ in range(n):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        t1, c1 = time.perf_counter(), time.process_time()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)
    return {"wall": wall, "cpu": cpu}


def _worker_main() -> int:
    # The protocol owns the original stdout; anything a library prints goes to stderr.
    proto = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    warnings.filterwarnings("ignore")
    probe = _Probe()
    runner: _Runner | None = None
    for line in sys.stdin:
        msg = json.loads(line)
        op = msg.get("op")
        try:
            if op == "build":
                w = Workload.from_dict(msg["workload"])
                runner = _build(msg["lib"], w, int(msg["threads"]), probe)
                first = float("nan")
                if msg.get("warmup", True):
                    t0 = time.perf_counter()
                    runner.call()
                    first = time.perf_counter() - t0
                reply: dict[str, Any] = {
                    "build_s": probe.build_s,
                    "first_call_s": first,
                    "rss_before_build": probe.rss_before_build,
                    "rss_built": probe.rss_built,
                    "info": runner.info,
                }
            elif op == "time":
                if runner is None:
                    raise RuntimeError("'time' before 'build'")
                fn = runner.fft if msg["what"] == "fft" else runner.call
                if fn is None:
                    raise RuntimeError(f"this library has no {msg['what']!r} measurement")
                reply = _timed(fn, int(msg["n"]))
            elif op == "stats":
                reply = {
                    "peak_rss": peak_rss(),
                    "rss": current_rss(),
                    "rss_before_build": probe.rss_before_build,
                    "rss_built": probe.rss_built,
                }
            elif op == "dump":
                if runner is None:
                    raise RuntimeError("'dump' before 'build'")
                y = runner.output()
                if y is not None:
                    np.save(msg["path"], np.ascontiguousarray(y, dtype=np.float32))
                reply = {"saved": y is not None}
            elif op == "quit":
                return 0
            else:
                raise ValueError(f"unknown op {op!r}")
        except Exception as exc:  # noqa: BLE001 - reported to the driver, which decides
            reply = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        proto.write(json.dumps(reply) + "\n")
    return 0


# -- worker (driver side) ----------------------------------------------------------------------
class WorkerError(RuntimeError):
    """A worker process reported an error or died."""


class Worker:
    """One library on one workload in a fresh Python process, commanded over a pipe.

    Parameters
    ----------
    lib : str
        A key of :data:`LIBRARIES`.
    workload : Workload
        Images and transform parameters.
    threads : int
        Threads the library may use (ignored by single-threaded libraries, see ``info``).
    env : dict, optional
        Extra environment variables of the worker (e.g. ``SCATKIT_CACHE_DIR``).
    """

    def __init__(
        self, lib: str, workload: Workload, threads: int, env: dict[str, str] | None = None
    ) -> None:
        if lib not in LIBRARIES:
            raise ValueError(f"unknown library {lib!r}; known: {sorted(LIBRARIES)}.")
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}.")
        self.lib, self.workload, self.threads = lib, workload, threads
        self._log = tempfile.TemporaryFile(mode="w+")
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env["PYTHONWARNINGS"] = "ignore"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.common", "worker"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=full_env,
        )
        self.build_info: dict[str, Any] = {}

    def _request(self, **msg: Any) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        try:
            self._proc.stdin.write(json.dumps(msg) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        except (BrokenPipeError, OSError) as exc:
            line = ""
            err = str(exc)
        else:
            err = ""
        if not line:
            self._log.seek(0)
            tail = self._log.read()[-2000:]
            raise WorkerError(
                f"{self.lib} worker on {self.workload.label} died ({err or 'no reply'}); "
                f"its stderr ends with:\n{tail}"
            )
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"{self.lib} on {self.workload.label}: {reply['error']}")
        return reply

    def build(self, warmup: bool = True) -> dict[str, Any]:
        """Import and construct the library (construction timed), then one untimed warm-up call."""
        self.build_info = self._request(
            op="build",
            lib=self.lib,
            workload=self.workload.to_dict(),
            threads=self.threads,
            warmup=warmup,
        )
        return self.build_info

    def time(self, what: str = "call", n: int = 1) -> dict[str, list[float]]:
        """Time ``n`` consecutive calls ('call') or FFT-only runs ('fft'); wall and CPU seconds."""
        return self._request(op="time", what=what, n=n)

    def stats(self) -> dict[str, int]:
        """Peak and current RSS of the worker, and RSS before/after construction (bytes)."""
        return self._request(op="stats")

    def dump(self, path: Path) -> bool:
        """Save one output as (batch, K, M', N') float32 .npy; False for other transforms."""
        return bool(self._request(op="dump", path=str(path))["saved"])

    def close(self) -> None:
        """Stop the worker process (politely, then by force)."""
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self._proc.stdin.flush()
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._log.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- timing ------------------------------------------------------------------------------------
@dataclass
class Samples:
    """Per-call wall-clock and CPU times of one measurement."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, t: dict[str, list[float]]) -> None:
        """Append a worker's reply to ``time``."""
        self.wall += t["wall"]
        self.cpu += t["cpu"]

    @property
    def median(self) -> float:
        """Median wall-clock seconds per call."""
        return statistics.median(self.wall) if self.wall else float("nan")

    def summary(self) -> dict[str, Any]:
        """JSON form: medians, minimum, and every sample."""
        return {
            "median_s": self.median,
            "min_s": min(self.wall) if self.wall else float("nan"),
            "cpu_median_s": statistics.median(self.cpu) if self.cpu else float("nan"),
            "n": len(self.wall),
            "wall_s": self.wall,
            "cpu_s": self.cpu,
        }


@dataclass
class Task:
    """One measurement in an interleaved schedule: ``n`` calls of ``what`` per round."""

    key: str
    worker: Worker
    what: str = "call"
    n: int = 1


def paired_ratio(a: Samples, b: Samples) -> float:
    """Median over rounds of a's time / b's time in the same round (wall clock).

    ``interleave`` gives tasks with the same calls per round aligned samples, each pair taken
    seconds apart; the median of the per-pair ratios follows the machine's drifting speed far
    better than a ratio of two medians taken over the whole run.
    """
    n = min(len(a.wall), len(b.wall))
    if n == 0:
        return float("nan")
    return statistics.median(a.wall[i] / b.wall[i] for i in range(n))


def per_round(first_call_s: float, budget_s: float = 0.3, most: int = 5) -> int:
    """Calls per round for a library: about ``budget_s`` of calls, between 1 and ``most``.

    Fast calls are repeated within a round so their medians rest on more samples, while a slow
    library costs one call per round.
    """
    if not first_call_s or first_call_s != first_call_s:
        return 1
    return int(min(most, max(1, budget_s // first_call_s)))


def interleave(tasks: Sequence[Task], rounds: int) -> dict[str, Samples]:
    """Run ``rounds`` rounds; each round runs every task once, starting one task later each time.

    Rotating the starting task keeps a task from always following the same neighbour (whose
    cache footprint or thread wake-ups it would otherwise always inherit).
    """
    out = {t.key: Samples() for t in tasks}
    for r in range(rounds):
        for i in range(len(tasks)):
            t = tasks[(r + i) % len(tasks)]
            out[t.key].add(t.worker.time(t.what, t.n))
    return out


def max_rel_diff(a: np.ndarray, ref: np.ndarray) -> float:
    """max |a - ref| / max |ref| (the scale of the reference, not element-wise)."""
    a64, r64 = np.asarray(a, np.float64), np.asarray(ref, np.float64)
    if a64.shape != r64.shape:
        raise ValueError(f"outputs differ in shape: {a64.shape} vs {r64.shape}.")
    scale = float(np.abs(r64).max()) or 1.0
    return float(np.abs(a64 - r64).max()) / scale


# -- machine description -----------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


_SPIN = """
import sys, time
start, seconds = float(sys.argv[1]), float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
c0, t0 = time.process_time(), time.perf_counter()
while time.perf_counter() - t0 < seconds:
    pass
print(time.process_time() - c0)
"""


def cpu_capacity(n: int | None = None, seconds: float = 0.5) -> float:
    """How many CPUs' worth of time ``n`` busy processes get at once right now (<= n).

    On a quiet machine it is close to the number of cores; on a shared one it says how much of
    a multithreaded speed-up was even possible while the benchmark ran.
    """
    n = n or os.cpu_count() or 1
    start = time.time() + 0.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SPIN, str(start), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    got = 0.0
    for p in procs:
        out, _ = p.communicate()
        try:
            got += float(out.strip())
        except ValueError:
            pass
    return got / seconds


def _git_state() -> dict[str, Any]:
    """Commit of the checkout and whether the engine's sources differ from it (if git works)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "cpp", "python/bindings", "CMakeLists.txt"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"git_commit": head, "engine_sources_modified": bool(dirty)}


def machine_info() -> dict[str, Any]:
    """CPU, core count, load, library versions and the scatkit build (FFTW version, ISA)."""
    info: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cpu_capacity_start": cpu_capacity(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "kymatio": _version("kymatio"),
        "torch": _version("torch"),
        "pytorch_wavelets": _version("pytorch_wavelets"),
        "scipy": _version("scipy"),
    }
    info.update(_git_state())
    try:
        import scatkit
        from scatkit import _core

        info["scatkit_core_built"] = time.strftime(
            "%Y-%m-%dT%H:%M:%S%z", time.localtime(os.path.getmtime(_core.__file__))
        )
        build = _core.build_info()
        m = re.search(r"fftw-(\d+(?:\.\d+)*)", build)
        info.update(
            scatkit=scatkit.__version__,
            scatkit_build=build,
            cpu_isa=_core.cpu_isa(),
            fftw=m.group(1) if m else "unknown",
        )
    except ImportError as exc:
        info["scatkit_error"] = str(exc)
    return info


def machine_lines(info: dict[str, Any]) -> list[str]:
    """The machine description as a few printable lines."""
    load = info.get("loadavg_start")
    cap = info.get("cpu_capacity_start")
    return [
        f"CPU: {info['cpu_model']} ({info['logical_cpus']} logical CPUs, "
        f"{info.get('usable_cpus')} usable); load average at start: "
        + (", ".join(f"{x:.2f}" for x in load) if load else "n/a")
        + (f"; CPUs' worth of time free at start: {cap:.2f}" if cap is not None else ""),
        f"scatkit {info.get('scatkit')} (CPU engine ISA: {info.get('cpu_isa')}, "
        f"FFTW {info.get('fftw')}); checkout {info.get('git_commit', '?')}"
        + (" with modified engine sources" if info.get("engine_sources_modified") else "")
        + f"; extension built {info.get('scatkit_core_built', '?')}",
        f"Python {info['python']}, NumPy {info['numpy']}, SciPy {info['scipy']}, "
        f"kymatio {info['kymatio']}, torch {info['torch']}, "
        f"pytorch_wavelets {info['pytorch_wavelets']}; {info['platform']}",
    ]


# -- output ------------------------------------------------------------------------------------
def fmt_time(s: float | None) -> str:
    """Seconds as '12.3 ms', '1.23 s', '45.6 us'; 'n/a' for None or NaN."""
    if s is None or s != s:
        return "n/a"
    if s < 0:
        return "-" + fmt_time(-s)
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms" if s < 0.1 else f"{s * 1e3:.0f} ms"
    return f"{s * 1e6:.3g} us"


def fmt_mib(b: float | None) -> str:
    """Bytes as MiB with one decimal; 'n/a' for None."""
    return "n/a" if b is None else f"{b / 2**20:.1f} MiB"


def fmt_ratio(r: float | None) -> str:
    """A ratio as '12.3x'; 'n/a' for None or NaN."""
    if r is None or r != r:
        return "n/a"
    return f"{r:.3g}x" if r < 100 else f"{r:.0f}x"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns (readable as plain text too), ending in a newline."""
    cols = [list(map(str, c)) for c in zip(headers, *rows)]
    widths = [max(len(s) for s in c) for c in cols]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    # The trailing newline leaves a blank line after the table when joined with text: Markdown
    # would otherwise read the next sentence as one more row.
    return "\n".join(out) + "\n"


def record_end(data: dict[str, Any], t_start: float) -> None:
    """Store the end-of-run load, free CPU capacity and elapsed time in a results dict."""
    data["machine"]["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    data["machine"]["cpu_capacity_end"] = cpu_capacity()
    data["elapsed_s"] = time.perf_counter() - t_start


def write_results(
    data: dict[str, Any], prefix: str, results_dir: Path = RESULTS_DIR, stamp: str = ""
) -> Path:
    """Write ``<prefix>-<stamp>.json`` and ``<prefix>-latest.json``; returns the first.

    ``stamp`` defaults to the current local time (YYYYmmdd-HHMMSS); pass the same stamp to
    rewrite the same pair of files.
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S", time.localtime())
    text = json.dumps(data, indent=1, allow_nan=True) + "\n"
    path = results_dir / f"{prefix}-{stamp}.json"
    path.write_text(text)
    (results_dir / f"{prefix}-latest.json").write_text(text)
    return path


def _loop_main(argv: list[str]) -> int:
    """``loop M N J batch threads seconds [execute|fft]``: a steady load for ``perf record``.

    Builds the plan and runs one warm-up call first, so that a profile taken with a start
    delay (``perf record -D``) or over many seconds is dominated by the chosen calls alone.
    """
    try:
        M, N, J, batch, threads = (int(a) for a in argv[:5])
        seconds = float(argv[5])
        what = argv[6] if len(argv) > 6 else "execute"
        if what not in ("execute", "fft") or min(M, N, J, batch, threads) < 1 or seconds <= 0:
            raise ValueError
    except (ValueError, IndexError):
        print(
            "usage: python -m bench.common loop M N J batch threads seconds [execute|fft] "
            f"(positive integers, seconds > 0); got {argv}",
            file=sys.stderr,
        )
        return 2
    from scatkit import _core

    w = Workload((batch, M, N), J)
    plan = _core.Plan(M, N, J, 8, 2, precision="float32", threads=threads)
    x = make_input(w)
    out = np.empty((batch, plan.num_channels, plan.out_rows, plan.out_cols), np.float32)
    plan.execute(x, out)
    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        if what == "execute":
            plan.execute(x, out)
        else:
            _core._fft_only(plan, batch)
        calls += 1
    dt = time.perf_counter() - t0
    print(f"{w.label} {what} threads={threads}: {calls} calls, {dt / calls * 1e3:.2f} ms each")
    return 0


_USAGE = """usage: python -m bench.common worker   (used by the benchmark drivers)
       python -m bench.common loop M N J batch threads seconds [execute|fft]   (for perf)"""

if __name__ == "__main__":
    if sys.argv[1:] == ["worker"]:
        sys.exit(_worker_main())
    if sys.argv[1:2] == ["loop"]:
        sys.exit(_loop_main(sys.argv[2:]))
    print(_USAGE, file=sys.stderr)
    sys.exit(2)
