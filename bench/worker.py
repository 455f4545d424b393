"""The worker-process protocol: one library on one workload in a fresh process, over a pipe.

Every library runs in its own fresh worker process (``python -m bench.worker``) that the driver
commands over a pipe, one JSON object per line. This gives

* peak memory per library and workload: the worker's peak resident set size (VmHWM) covers
  exactly one library's import, construction and calls;
* isolation: one library's imports, caches and thread pools never disturb another's timings;
* interleaving: the driver asks the workers for their repeats round-robin (``bench.stats``), so
  a slow drift of the machine's load hits every library alike instead of whichever ran last.

Each call is timed inside its worker with ``time.perf_counter`` (wall clock) and
``time.process_time`` (CPU time of the whole process, all threads); the driver keeps both.
``python -m bench.worker loop ...`` is a steady load for ``perf record``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .machine import REPO_ROOT, current_rss, peak_rss
from .peers import LIBRARIES, Probe, Runner, build
from .workloads import Workload, make_input


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
    probe = Probe()
    runner: Runner | None = None
    for line in sys.stdin:
        msg = json.loads(line)
        op = msg.get("op")
        try:
            if op == "build":
                w = Workload.from_dict(msg["workload"])
                runner = build(msg["lib"], w, int(msg["threads"]), probe)
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
            [sys.executable, "-m", "bench.worker", "worker"],
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


# -- a steady load for profilers --------------------------------------------------------------
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
            "usage: python -m bench.worker loop M N J batch threads seconds [execute|fft] "
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


_USAGE = """usage: python -m bench.worker worker   (used by the benchmark drivers)
       python -m bench.worker loop M N J batch threads seconds [execute|fft]   (for perf)"""


def main(argv: list[str]) -> int:
    """``worker`` or ``loop ...``; returns the process exit status."""
    if argv == ["worker"]:
        return _worker_main()
    if argv[:1] == ["loop"]:
        return _loop_main(argv[1:])
    print(_USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
