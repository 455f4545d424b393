"""bench/scaling.png: the scaling sweeps of ``python -m bench.cpu`` drawn with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .workloads import J_SIDE, MAIN, SIDE_J, Workload


def plot_scaling(scaling: dict[str, Any], threads: int, path: Path) -> None:
    """bench/scaling.png: images/s by threads, time per image vs side and vs J."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    labels = [w.label for w, _ in MAIN]
    tl = sorted({r["threads"] for r in scaling["threads"]})
    width = 0.8 / len(tl)
    for i, t in enumerate(tl):
        ips = [
            next(
                r["images_per_s"]
                for r in scaling["threads"]
                if r["threads"] == t and Workload.from_dict(r["workload"]).label == lab
            )
            for lab in labels
        ]
        ax.bar(np.arange(len(labels)) + i * width, ips, width, label=f"{t} thread(s)")
    ax.set_xticks(np.arange(len(labels)) + width * (len(tl) - 1) / 2, labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("images / s")
    ax.set_title("Throughput by thread count")
    ax.legend()

    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    def tidy(ax: Any, xs: list[int], rows: list[dict[str, Any]]) -> None:
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.margins(y=0.12)
        # The padded grid's factors explain the bumps (FFTW is slower on large prime factors).
        for x, r in zip(xs, rows):
            ax.annotate(
                f"{r['padded'][0]}",
                (x, r["per_image_s"] * 1e3),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=7,
                color="tab:blue",
            )
        ax.legend(title="labels: padded side", title_fontsize=7, fontsize=8)

    ax = axes[1]
    rows = scaling["side"]
    xs = [r["workload"]["shape"][-1] for r in rows]
    ax.loglog(xs, [r["per_image_s"] * 1e3 for r in rows], "o-", label="scatkit")
    ax.loglog(xs, [r["fft_per_image_s"] * 1e3 for r in rows], "s--", label="FFT only")
    ref = rows[-1]["per_image_s"] * 1e3
    ax.loglog(xs, [ref * (x / xs[-1]) ** 2 for x in xs], ":", color="gray", label="~ side^2")
    ax.set_xlabel(f"image side (N x N), J={SIDE_J}")
    ax.set_ylabel("ms per image")
    ax.set_title(f"Time per image vs side ({threads} threads)")
    tidy(ax, xs, rows)

    ax = axes[2]
    rows = scaling["J"]
    js = [r["workload"]["J"] for r in rows]
    ax.semilogy(js, [r["per_image_s"] * 1e3 for r in rows], "o-", label="scatkit")
    ax.semilogy(js, [r["fft_per_image_s"] * 1e3 for r in rows], "s--", label="FFT only")
    ax.set_xlabel(f"J ({J_SIDE}x{J_SIDE})")
    ax.set_ylabel("ms per image")
    ax.set_title(f"Time per image vs J ({threads} threads)")
    tidy(ax, js, rows)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
