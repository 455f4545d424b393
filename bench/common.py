"""The benchmarks' shared helpers under their former single name (kept for existing imports).

The helpers live in one module per job: ``bench.workloads`` (workloads and inputs),
``bench.peers`` (the libraries), ``bench.worker`` (the worker-process protocol),
``bench.stats`` (samples, interleaving, ratios), ``bench.machine`` (machine description and
memory probes), ``bench.report`` (formats, tables, templates) and ``bench.store`` (results JSON).
``python -m bench.common worker|loop ...`` still runs ``bench.worker``.
"""

from __future__ import annotations

import sys

from .machine import (
    REPO_ROOT,
    cpu_capacity,
    current_rss,
    machine_info,
    machine_lines,
    peak_rss,
    record_end,
)
from .peers import LIBRARIES, SAME_TRANSFORM, library_available
from .report import fmt_mib, fmt_ratio, fmt_time, markdown_table
from .stats import Samples, Task, interleave, max_rel_diff, paired_ratio, per_round
from .store import HERE, RESULTS_DIR, write_results
from .worker import Worker, WorkerError
from .worker import main as _worker_cli
from .workloads import SEED, Workload, make_input

__all__ = [
    "HERE",
    "LIBRARIES",
    "REPO_ROOT",
    "RESULTS_DIR",
    "SAME_TRANSFORM",
    "SEED",
    "Samples",
    "Task",
    "Worker",
    "WorkerError",
    "Workload",
    "cpu_capacity",
    "current_rss",
    "fmt_mib",
    "fmt_ratio",
    "fmt_time",
    "interleave",
    "library_available",
    "machine_info",
    "machine_lines",
    "make_input",
    "markdown_table",
    "max_rel_diff",
    "paired_ratio",
    "peak_rss",
    "per_round",
    "record_end",
    "write_results",
]

if __name__ == "__main__":
    sys.exit(_worker_cli(sys.argv[1:]))
