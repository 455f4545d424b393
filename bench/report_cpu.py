"""The report of ``python -m bench.cpu``, rendered from its results JSON.

``report(data)`` computes the values (tables, ratios, caveats) of ``templates/cpu.md`` from the
results dict that ``bench.cpu`` writes; the prose lives in the template. The same function
renders a fresh run and ``--from-json`` re-prints, so both give the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .report import fmt_mib, fmt_ratio, fmt_time, markdown_table, render
from .workloads import (
    FFT_TARGET,
    J_SIDE,
    MAIN,
    PLAN_TARGET,
    PLAN_WORKLOADS,
    PTWAV_WORKLOAD,
    SIDE_J,
    Workload,
)

STAR = " (*)"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    # The template writes the blank line after each table itself.
    return markdown_table(headers, rows).rstrip("\n")


def factors(n: int) -> str:
    """Prime factorisation, e.g. 272 -> '2^4*17' (FFT speed depends on it)."""
    parts, p = [], 2
    while p * p <= n:
        k = 0
        while n % p == 0:
            n //= p
            k += 1
        if k:
            parts.append(f"{p}^{k}" if k > 1 else str(p))
        p += 1
    if n > 1:
        parts.append(str(n))
    return "*".join(parts)


def total_over_fft(r: dict[str, Any]) -> float:
    """A sweep row's engine / FFT-only ratio: the paired one, or for older results the ratio of
    the medians."""
    return r.get("total_over_fft") or r["time"]["median_s"] / r["fft_only"]["median_s"]


def target(value: float | None, goal: float, at_least: bool = True) -> str:
    """'>= 10x: met' / '<= 1.5x: MISSED'; 'n/a' without a value."""
    if value is None or value != value:
        return "n/a"
    ok = value >= goal if at_least else value <= goal
    return f"{'>=' if at_least else '<='} {goal:g}x: {'met' if ok else 'MISSED'}"


def _kymatio(entry: dict[str, Any] | None, field: str) -> tuple[float | None, str]:
    """kymatio's value of ``field`` ('time': median seconds) and its tag when reused."""
    if not entry:
        return None, ""
    val = entry["time"]["median_s"] if field == "time" else entry[field]
    return val, STAR if "reused_from" in entry else ""


def _versus_kymatio(data: dict[str, Any]) -> dict[str, Any]:
    rows, cpu = [], []
    for w, goal in MAIN:
        r = data["workloads"][w.key]
        s = r["scatkit"]["time"]["median_s"]
        k, tag = _kymatio(r.get("kymatio-numpy"), "time")
        ratio = k / s if k else None
        rows.append(
            [
                f"{w.label}, execute",
                fmt_time(s),
                fmt_time(k) + tag,
                f"{fmt_ratio(ratio)} ({target(ratio, goal)})",
            ]
        )
        if k:
            kc = r["kymatio-numpy"]["time"]["cpu_median_s"]
            cpu.append(f"{w.label + tag} {fmt_ratio(kc / r['scatkit']['time']['cpu_median_s'])}")
    for key in PLAN_WORKLOADS:
        w = Workload.from_dict(data["workloads"][key]["workload"])
        p = data["plan_construction"][key]
        k, tag = _kymatio(data["workloads"][key].get("kymatio-numpy"), "build_s")
        for kind in ("cold", "warm"):
            s = p[f"{kind}_median_s"]
            ratio = k / s if k else None
            rows.append(
                [
                    f"plan construction {w.M}x{w.N} J={w.J}, {kind} cache",
                    fmt_time(s),
                    fmt_time(k) + tag + " (construction)",
                    f"{fmt_ratio(ratio)} ({target(ratio, PLAN_TARGET)})",
                ]
            )
    workloads = data["workloads"].values()
    diffs = [
        f"{Workload.from_dict(r['workload']).label} {r['max_rel_diff_vs_kymatio']:.1e}"
        for r in workloads
        if "max_rel_diff_vs_kymatio" in r
    ]
    reused = {
        str(e["reused_from"].get("timestamp"))
        for r in workloads
        for e in [r.get("kymatio-numpy") or {}]
        if "reused_from" in e
    }
    return {
        "main_table": _table(["workload", "scatkit", "kymatio.numpy 0.3", "ratio (target)"], rows),
        "cpu_ratios": "; ".join(cpu),
        "diffs": "; ".join(diffs),
        "reused_from": ", ".join(sorted(reused)),
    }


def _versus_fft(data: dict[str, Any]) -> dict[str, Any]:
    rows, caveat = [], False
    floor_rows = data.get("fft_floor_1t", [])
    for w, _ in MAIN:
        e = data["workloads"][w.key]["engine"]
        ratio = e["total_over_fft"]
        one = [r for r in floor_rows if Workload.from_dict(r["workload"]).key == w.key] or [
            r  # older results: the scaling sweep's 1-thread row
            for r in data["scaling"]["threads"]
            if r["threads"] == 1 and Workload.from_dict(r["workload"]).key == w.key
        ]
        r1 = total_over_fft(one[0]) if one else None
        rs = one[0].get("total_over_spec_fft") if one else None
        mark = ""
        if w.batch < e["info"]["threads"]:
            mark, caveat = " (+)", True
        rows.append(
            [
                w.label,
                fmt_time(e["time"]["median_s"]),
                fmt_time(e["fft_only"]["median_s"]),
                f"{ratio:.2f}x ({target(ratio, FFT_TARGET, at_least=False)}){mark}",
                f"{r1:.2f}x ({target(r1, FFT_TARGET, at_least=False)})" if r1 else "n/a",
                f"{rs:.2f}x ({target(rs, FFT_TARGET, at_least=False)})" if rs else "n/a",
                fmt_time(data["workloads"][w.key]["frontend_overhead_s"]),
            ]
        )
    th = data["config"]["threads"]
    heads = [
        "workload",
        f"engine, {th} threads",
        "FFT-only",
        "total / FFT-only (target)",
        "same, 1 thread",
        "1 thread, over the SPEC's FFTs",
        "front-end overhead",
    ]
    if floor_rows:
        pairs = min(len(r["time"]["wall_s"]) for r in floor_rows)
        pairing = (
            "median over rounds of engine / FFT-only timed in the same round (the 1-thread "
            f"column: {pairs} or more pairs of its own)"
        )
    else:
        pairing = "ratio of the medians"
    return {"floor_table": _table(heads, rows), "pairing": pairing, "caveat": caveat}


def _versus_ptwav(data: dict[str, Any]) -> dict[str, Any]:
    r = data["workloads"][PTWAV_WORKLOAD]
    if "ptwav-scatlayer-x2" not in r:
        return {"ptwav_table": None}
    label = Workload.from_dict(r["workload"]).label
    rows = []
    for sk, pt in (("scatkit", "ptwav-scatlayer-x2"), ("scatkit-1t", "ptwav-1t")):
        if sk in r and pt in r:
            s, p = r[sk]["time"]["median_s"], r[pt]["time"]["median_s"]
            n = r[pt]["info"]["threads"]
            rows.append([label, str(n), fmt_time(s), fmt_time(p), fmt_ratio(p / s)])
    heads = ["workload", "threads", "scatkit", "ScatLayer x2", "ratio (ScatLayer / scatkit)"]
    return {"ptwav_table": _table(heads, rows)}


def _memory(data: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for w, _ in MAIN:
        r = data["workloads"][w.key]
        s = r["scatkit"]
        k, tag = _kymatio(r.get("kymatio-numpy"), "peak_rss")
        rows.append(
            [
                w.label,
                fmt_mib(s["peak_rss"]),
                fmt_mib(k) + tag,
                fmt_ratio(k / s["peak_rss"]) if k else "n/a",
                fmt_mib(s["peak_rss"] - s["rss_before_build"]),
                fmt_mib(k - r["kymatio-numpy"]["rss_before_build"]) + tag if k else "n/a",
                fmt_mib(r["engine"]["info"]["workspace_bytes"]),
                fmt_mib(sum(w.io_bytes())),
            ]
        )
    heads = [
        "workload",
        "scatkit peak",
        "kymatio peak",
        "kymatio / scatkit",
        "scatkit peak - base",
        "kymatio peak - base",
        "scatkit workspace",
        "input + output",
    ]
    g = data["memory_growth"]
    growth = [
        [
            r["lib"] + (STAR if r.get("reused") else ""),
            str(r["batch"]),
            fmt_mib(r["input_bytes"] + r["output_bytes"]),
            fmt_mib(r["peak_rss"]),
            fmt_mib(r["peak_minus_io"]),
        ]
        for r in g["rows"]
    ]
    growth_heads = ["library", "batch", "input + output", "peak RSS", "peak - (input + output)"]
    return {
        "memory_table": _table(heads, rows),
        "growth_side": g["side"],
        "growth_j": g["J"],
        "growth_table": _table(growth_heads, growth),
    }


def _sweep_row(first: str, r: dict[str, Any]) -> list[str]:
    p = r["padded"]
    return [
        first,
        str(r["images"]),
        f"{p[0]}x{p[1]} ({factors(p[0])})",
        fmt_time(r["per_image_s"]),
        fmt_time(r["fft_per_image_s"]),
        f"{total_over_fft(r):.2f}x",
        fmt_mib(r["workspace_bytes"]),
    ]


def _scaling(data: dict[str, Any]) -> dict[str, Any]:
    sc, m = data["scaling"], data["machine"]
    rows = []
    for w, _ in MAIN:
        rs = [r for r in sc["threads"] if Workload.from_dict(r["workload"]).key == w.key]
        base = next(r for r in rs if r["threads"] == 1)["images_per_s"]
        for r in rs:
            speedup = fmt_ratio(r["images_per_s"] / base)
            rows.append([w.label, str(r["threads"]), f"{r['images_per_s']:.1f}", speedup])
    heads = ["images", "padded grid", "per image", "FFT-only per image", "total / FFT", "workspace"]
    start, end = m.get("cpu_capacity_start"), m.get("cpu_capacity_end")
    capacity = start is not None and end is not None
    return {
        "capacity": capacity,
        "cpus": m.get("logical_cpus"),
        "capacity_start": f"{start:.2f}" if capacity else "",
        "capacity_end": f"{end:.2f}" if capacity else "",
        "threads_table": _table(["workload", "threads", "images/s", "speed-up"], rows),
        "side_j": SIDE_J,
        "side_table": _table(
            ["side", *heads],
            [_sweep_row("{0}x{0}".format(r["workload"]["shape"][-1]), r) for r in sc["side"]],
        ),
        "j_side": J_SIDE,
        "j_table": _table(["J", *heads], [_sweep_row(str(r["workload"]["J"]), r) for r in sc["J"]]),
    }


def _fft_sizes(data: dict[str, Any]) -> dict[str, Any]:
    fs = data.get("fft_sizes", {})
    if not fs.get("rows"):
        return {"fft_table": None, "fft_library": ""}
    rows = [
        [
            f"{r['side']}x{r['side']}",
            factors(r["side"]),
            fmt_time(r["fftw_s"]),
            fmt_time(r["pocketfft_s"]),
            fmt_ratio(r["fftw_s"] / r["pocketfft_s"]),
        ]
        for r in fs["rows"]
    ]
    heads = ["grid", "factors", "FFTW", "scipy.fft", "FFTW / scipy.fft"]
    return {"fft_table": _table(heads, rows), "fft_library": fs["library"]}


def report(data: dict[str, Any], only: Sequence[str] | None = None) -> str:
    """All tables of a ``bench.cpu`` results dict as Markdown (``only``: these sections)."""
    values: dict[str, Any] = {"threads": data["config"]["threads"]}
    for part in (_versus_kymatio, _versus_fft, _versus_ptwav, _memory, _scaling, _fft_sizes):
        values.update(part(data))
    return render("cpu.md", values, only)
