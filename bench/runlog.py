"""bench/results/cpu-runs.json: the summary ratios of the full ``bench.cpu`` runs at one engine.

The README quotes medians over several full runs, because the shared machine's speed drifts
between runs; each run's full JSON is not kept in git, only ``cpu-latest.json``. This log keeps
each run's summary (``summary``) and the medians over them, so that ``bench.readme`` can write
and check the documents' figures. ``add_run`` appends a new run's summary and recomputes the
medians; ``problems`` checks the log against ``cpu-latest.json`` and against itself.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from .report import fmt_ratio
from .store import RESULTS_DIR, load_results
from .workloads import Workload

LOG = "cpu-runs"
KEYS = ("kymatio_over_scatkit", "plan_warm", "total_over_fft_1t", "total_over_spec_fft_1t")


def shown(key: str, values: list[float]) -> str:
    """The values as the documents print them ('16.9x | 10.3x' or '1.51x / 1.66x')."""
    if key.endswith("_1t"):
        return " / ".join(f"{x:.2f}x" for x in values)
    return " / ".join(fmt_ratio(x) for x in values)


def summary(data: dict[str, Any], log: dict[str, Any]) -> dict[str, list[float]]:
    """A full run's summary ratios (the workloads of ``log``) from its results dict."""
    w = data["workloads"]
    floor = {Workload.from_dict(r["workload"]).key: r for r in data.get("fft_floor_1t", [])}
    return {
        "kymatio_over_scatkit": [
            w[k]["kymatio-numpy"]["time"]["median_s"] / w[k]["scatkit"]["time"]["median_s"]
            for k in log["workloads"]
        ],
        "plan_warm": [
            w[k]["kymatio-numpy"]["build_s"] / data["plan_construction"][k]["warm_median_s"]
            for k in log["plan_workloads"]
        ],
        "total_over_fft_1t": [floor[k]["total_over_fft"] for k in log["workloads"]],
        "total_over_spec_fft_1t": [floor[k]["total_over_spec_fft"] for k in log["workloads"]],
    }


def medians(runs: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Median over the runs of each summary ratio."""
    return {
        k: [statistics.median(r[k][i] for r in runs) for i in range(len(runs[0][k]))] for k in KEYS
    }


def problems(results_dir: Path = RESULTS_DIR) -> list[str]:
    """Where the log disagrees with cpu-latest.json or with the medians of its own runs."""
    log, found = load_results(LOG, results_dir), []
    latest = summary(load_results("cpu-latest", results_dir), log)
    for run in (r for r in log["runs"] if r.get("results") == "cpu-latest.json"):
        for key in KEYS:
            if shown(key, run[key]) != shown(key, latest[key]):
                found.append(
                    f"{LOG}.json: run {run['utc']} {key} {shown(key, run[key])} but "
                    f"cpu-latest.json gives {shown(key, latest[key])}"
                )
    for key, values in medians(log["runs"]).items():
        for i, (m, med) in enumerate(zip(log["medians"][key], values)):
            # Runs logged from their printed tables are rounded to 3 digits, and so the median
            # recorded from their full JSON can differ from the median of those by a digit.
            if abs(m - med) > 0.01 * abs(med):
                found.append(f"{LOG}.json: median {key}[{i}] is {m}, the runs give {med:g}")
    return found


def add_run(path: Path, new_engine: bool = False, results_dir: Path = RESULTS_DIR) -> str:
    """Append the full run ``path`` (a bench.cpu results JSON) to the log; returns its row name.

    ``new_engine`` starts the log afresh at this run's checkout (the earlier runs measured an
    engine that no longer exists). The run that is ``cpu-latest.json`` keeps that name.
    """
    import json

    data = json.loads(path.read_text())
    if data["config"].get("quick"):
        raise ValueError(f"{path} is a --quick run: its kymatio numbers are reused, not measured")
    log = load_results(LOG, results_dir)
    checkout = data["machine"].get("git_commit", "?")
    if new_engine:
        log["runs"], log["engine"] = [], checkout
    latest = results_dir / "cpu-latest.json"
    is_latest = latest.exists() and latest.read_text() == path.read_text()
    if is_latest:
        for r in log["runs"]:
            r.pop("results", None)
    stamp = time.strptime(data["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")
    row: dict[str, Any] = {"utc": time.strftime("%H:%M", stamp), "checkout": checkout}
    row["results"] = "cpu-latest.json" if is_latest else path.name
    row.update(summary(data, log))
    log["runs"].append(row)
    log["date"] = time.strftime("%Y-%m-%d", stamp)
    log["medians"] = medians(log["runs"])
    text = json.dumps(log, indent=1) + "\n"
    (results_dir / f"{LOG}.json").write_text(text)
    return f"{row['utc']}, `{checkout}`"
