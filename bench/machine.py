"""What ran the benchmark: CPU, free CPU capacity, library versions, the scatkit build, memory.

``machine_info`` goes into every results JSON; ``peak_rss`` and ``current_rss`` are the memory
probes the workers report.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent


# -- process memory ----------------------------------------------------------------------------
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


def _git(*args: str) -> str:
    """Output of ``git args...`` in the repository (raises when git fails)."""
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()


def _git_state() -> dict[str, Any]:
    """Commit of the checkout and whether the engine's sources differ from it (if git works)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--", "cpp", "python/bindings", "CMakeLists.txt")
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


def record_end(data: dict[str, Any], t_start: float) -> None:
    """Store the end-of-run load, free CPU capacity and elapsed time in a results dict."""
    data["machine"]["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    data["machine"]["cpu_capacity_end"] = cpu_capacity()
    data["elapsed_s"] = time.perf_counter() - t_start


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
