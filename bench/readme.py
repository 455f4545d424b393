"""The performance figures of README.md and bench/RESULTS.md, generated from the results JSON.

Usage::

    python -m bench.readme --check   # exit 1, listing every figure that differs from the JSON
    python -m bench.readme --write   # rewrite the marked blocks from the JSON
    python -m bench.readme --add-run bench/results/cpu-<stamp>.json [--new-engine]
                                     # log a full bench.cpu run in cpu-runs.json (bench.runlog)

A figure lives between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` (a whole block of
lines, or a few words inside a sentence); ``BLOCKS`` says how each one is made from
``bench/results/*.json``: the tables of a run are rendered by the benchmark's own report
(``bench.report_cpu``, ``bench.headtohead``, ``bench.lowpass``), the medians over full runs come
from ``bench/results/cpu-runs.json``. The check also proves that run log consistent: its last
run against ``cpu-latest.json``, and each median against the median of the runs' values.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path
from typing import Callable

from . import headtohead, lowpass, runlog
from .report import fmt_ratio, fmt_time, markdown_table
from .report_cpu import report as cpu_report
from .runlog import shown
from .store import RESULTS_DIR, load_results
from .workloads import Workload

REPO = Path(__file__).resolve().parent.parent
DOCS = {"README.md": REPO / "README.md", "bench/RESULTS.md": REPO / "bench" / "RESULTS.md"}
_MARK = re.compile(r"<!-- bench:([\w-]+) -->(.*?)<!-- /bench:\1 -->", re.S)


def _secs(s: float) -> str:
    """Seconds with three significant digits (the README's style: '70.9 s')."""
    return f"{s:.3g} s" if s >= 1.0 else fmt_time(s)


def _pair(a: str, b: str) -> str:
    """'36.8 ms', '36.3 ms' -> '36.8 / 36.3 ms' (the unit once when both share it)."""
    ua, ub = a.rsplit(" ", 1)[-1], b.rsplit(" ", 1)[-1]
    return f"{a.rsplit(' ', 1)[0]} / {b}" if ua == ub else f"{a} / {b}"


def _readme_table(results_dir: Path) -> str:
    data, runs = load_results("cpu-latest", results_dir), load_results("cpu-runs", results_dir)
    rows = [f"| workload | scatkit | kymatio.numpy | ratio (median of {len(runs['runs'])} runs) |"]
    rows.append("|---|---|---|---|")
    for key, median in zip(runs["workloads"], runs["medians"]["kymatio_over_scatkit"]):
        r = data["workloads"][key]
        w = Workload.from_dict(r["workload"])
        label = "x".join(map(str, w.shape)) + f", J={w.J}"
        s, k = r["scatkit"]["time"]["median_s"], r["kymatio-numpy"]["time"]["median_s"]
        rows.append(f"| {label} | {_secs(s)} | {_secs(k)} | {fmt_ratio(median)} |")
    for key in runs["plan_workloads"]:
        w = Workload.from_dict(data["workloads"][key]["workload"])
        p, k = data["plan_construction"][key], data["workloads"][key]["kymatio-numpy"]["build_s"]
        cold, warm = p["cold_median_s"], p["warm_median_s"]
        rows.append(
            f"| plan / object construction {w.M}x{w.N} J={w.J} (cold / warm FFTW wisdom) | "
            f"{_pair(fmt_time(cold), fmt_time(warm))} | {_secs(k)} | "
            f"{fmt_ratio(k / cold)} / {fmt_ratio(k / warm)} |"
        )
    return "\n".join(rows)


def _runs_table(results_dir: Path) -> str:
    runs = load_results("cpu-runs", results_dir)
    heads = [
        "run (UTC), engine",
        *(w.replace("_J", " J=") for w in runs["workloads"]),
        "plan warm 256 / 512",
        "1-thread total / FFT-only [over the SPEC's FFTs]",
    ]
    named = [(f"{r['utc']}, `{r['checkout']}`", r) for r in runs["runs"]]
    rows = []
    for name, r in [*named, (f"median at `{runs['engine']}`", runs["medians"])]:
        own, spec = (shown(k, r[k]) for k in ("total_over_fft_1t", "total_over_spec_fft_1t"))
        one = f"{own} [{spec}]"
        ky = [fmt_ratio(x) for x in r["kymatio_over_scatkit"]]
        rows.append([name, *ky, " / ".join(fmt_ratio(x) for x in r["plan_warm"]), one])
    return markdown_table(heads, rows)


def _h2h(name: str, notes: bool) -> Callable[[Path], str]:
    def make(results_dir: Path) -> str:
        data = load_results(name, results_dir)
        text = headtohead.report(data, ["table"])
        return text + "\n" + headtohead.report(data, ["notes"]).lstrip("\n") if notes else text

    return make


def _cpu_tables(results_dir: Path) -> str:
    sections = ["kymatio", "floor", "ptwav", "memory", "scaling"]
    return cpu_report(load_results("cpu-latest", results_dir), sections)


def _median_of(key: str) -> Callable[[Path], str]:
    return lambda d: shown(key, load_results("cpu-runs", d)["medians"][key])


def _lowpass_gain(results_dir: Path) -> str:
    rows = load_results("lowpass-latest", results_dir)["rows"]
    return f"{statistics.median(r['fourier_over_spatial'] for r in rows):.2g}x"


# name -> (document, how the text between its markers is made)
BLOCKS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "readme-cpu": ("README.md", _readme_table),
    "readme-spec-fft-1t": ("README.md", _median_of("total_over_spec_fft_1t")),
    "readme-fft-1t": ("README.md", _median_of("total_over_fft_1t")),
    "readme-lowpass-gain": ("README.md", _lowpass_gain),
    "cpu-runs": ("bench/RESULTS.md", _runs_table),
    "cpu-report": ("bench/RESULTS.md", _cpu_tables),
    "lowpass": ("bench/RESULTS.md", lambda d: lowpass.report(load_results("lowpass-latest", d))),
    "headtohead": ("bench/RESULTS.md", _h2h("headtohead-latest", True)),
    "headtohead-t1": ("bench/RESULTS.md", _h2h("headtohead-t1-latest", False)),
}


def expected(name: str, results_dir: Path = RESULTS_DIR) -> str:
    """The text between the markers of block ``name``: lines get a blank line before the end."""
    text = BLOCKS[name][1](results_dir)
    return "\n" + text.strip("\n") + "\n\n" if "\n" in text.strip("\n") else text


def check(results_dir: Path = RESULTS_DIR, docs: dict[str, Path] = DOCS) -> list[str]:
    """Every figure of the documents that differs from the JSON (empty when all agree)."""
    import difflib

    problems = runlog.problems(results_dir)
    for doc, path in docs.items():
        found = {m.group(1): m.group(2) for m in _MARK.finditer(path.read_text())}
        for name in sorted(set(found) - {n for n, (d, _) in BLOCKS.items() if d == doc}):
            problems.append(f"{doc}: unknown block <!-- bench:{name} -->")
        for name in (n for n, (d, _) in BLOCKS.items() if d == doc):
            want = expected(name, results_dir)
            if name not in found:
                problems.append(f"{doc}: no <!-- bench:{name} --> block")
            elif found[name] != want:
                diff = difflib.unified_diff(
                    found[name].split("\n"),
                    want.split("\n"),
                    "in the document",
                    "from the JSON",
                    n=0,
                    lineterm="",
                )
                lines = [d for d in diff if not d.startswith(("---", "+++", "@@"))]
                problems.append(f"{doc}: block {name} differs:\n" + "\n".join(lines))
    return problems


def write(results_dir: Path = RESULTS_DIR, docs: dict[str, Path] = DOCS) -> list[str]:
    """Rewrite every marked block from the JSON; returns the documents that changed."""
    changed = []
    for doc, path in docs.items():
        old = path.read_text()

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in BLOCKS:
                return m.group(0)
            return f"<!-- bench:{name} -->{expected(name, results_dir)}<!-- /bench:{name} -->"

        new = _MARK.sub(fill, old)
        if new != old:
            path.write_text(new)
            changed.append(doc)
    return changed


def main(argv: list[str] | None = None) -> int:
    """``--check``, ``--write`` or ``--add-run PATH``; returns the process exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m bench.readme", description=__doc__.split("\n\n")[0]
    )
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="list figures that differ; exit 1")
    mode.add_argument("--write", action="store_true", help="regenerate the marked blocks")
    mode.add_argument(
        "--add-run",
        type=Path,
        metavar="JSON",
        help="log a full bench.cpu run in cpu-runs.json (then --write)",
    )
    ap.add_argument(
        "--new-engine", action="store_true", help="with --add-run: start the log at this run"
    )
    ap.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON is")
    args = ap.parse_args(argv)
    if args.add_run is not None:
        try:
            row = runlog.add_run(args.add_run, args.new_engine, args.results_dir)
        except (OSError, ValueError, KeyError) as exc:
            print(f"bench.readme: cannot log {args.add_run}: {exc}", file=sys.stderr)
            return 2
        print(f"logged run {row} in {runlog.LOG}.json; python -m bench.readme --write updates")
        return 0
    if args.write:
        changed = write(args.results_dir)
        print("rewrote " + ", ".join(changed) if changed else "nothing to change")
        problems = runlog.problems(args.results_dir)
    else:
        problems = check(args.results_dir)
    for p in problems:
        print(p, file=sys.stderr)
    if not problems and args.check:
        print(f"{len(BLOCKS)} blocks in {len(DOCS)} documents agree with {args.results_dir.name}/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
