"""Small-sample study: scattering hybrid vs end-to-end CNN of the same size.

For each dataset (MNIST-5k, scikit-image textures) and training-set size (100, 500,
1000 class-balanced images), over several seeds, this trains

* ``scat-cnn``: scattering (J=2, L=8, order 2) + small CNN head, the head trained on
  scattering features computed once and cached;
* ``cnn``: the end-to-end CNN with the same head and a learned front sized to the same
  parameter count (:func:`scatkit.models.matched_cnn`);
* ``linear``: scatkit.sklearn.linear_baseline (log-scattering + logistic regression), for
  reference;

with the same optimiser, schedule, number of SGD steps and (no) augmentation, and
reports test accuracy on held-out data (mean and std over seeds), a JSON file of every
run and a PNG plot of accuracy against training-set size. The test set is only used
once, after training (no early stopping, no tuning on it).

Run from the repository root::

    python bench/hybrid_study.py                 # full study (about 10-20 min on 2 cores)
    python bench/hybrid_study.py --quick         # smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scatkit
import torch
from scatkit.datasets import Dataset, balanced_subset, load
from scatkit.models import build_model, count_parameters
from scatkit.training import (
    TrainConfig,
    auto_threads,
    cached_scattering,
    evaluate,
    fit,
    seed_everything,
)

HERE = Path(__file__).resolve().parent


def load_dataset(name: str) -> Dataset:
    """The study's datasets: MNIST-5k (80/20 split) and 32x32 texture tiles (stride 16)."""
    if name == "textures":
        return load("textures", tile=32, stride=16)
    return load(name)


def run_torch(
    model_name: str,
    ds: Dataset,
    X_train: np.ndarray,
    X_test: np.ndarray,
    idx: np.ndarray,
    seed: int,
    args: argparse.Namespace,
    inputs: str,
) -> dict[str, Any]:
    """Train one network on ``X_train[idx]`` with the study's budget; test accuracy."""
    seed_everything(seed)
    model = build_model(model_name, ds.image_shape, ds.n_classes, J=2, width=args.width)
    n = len(idx)
    epochs = max(1, math.ceil(args.steps / math.ceil(n / args.batch_size)))
    cfg = TrainConfig(
        epochs=epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=seed,
        threads=args.threads,
        progress=False,
    )
    t0 = time.perf_counter()
    fit(model, X_train[idx], ds.y_train[idx], config=cfg, inputs=inputs)
    seconds = time.perf_counter() - t0
    res = evaluate(model, X_test, ds.y_test, inputs=inputs)
    return {
        "accuracy": res["accuracy"],
        "test_loss": res["loss"],
        "seconds": seconds,
        "epochs": epochs,
        "parameters": count_parameters(model),
    }


def run_linear(
    ds: Dataset, F_train: np.ndarray, F_test: np.ndarray, idx: np.ndarray
) -> dict[str, Any]:
    """The scattering + logistic regression baseline on the same subset."""
    from scatkit.sklearn import linear_baseline

    H, W = ds.image_shape[-2:]
    pipe = linear_baseline(J=2, shape=(H, W)).set_params(scattering="passthrough")
    t0 = time.perf_counter()
    pipe.fit(F_train[idx].reshape(len(idx), -1), ds.y_train[idx])
    acc = pipe.score(F_test.reshape(len(F_test), -1), ds.y_test)
    return {"accuracy": float(acc), "seconds": time.perf_counter() - t0}


def summarise(runs: list[dict[str, Any]]) -> dict[tuple, tuple[float, float, int]]:
    """(dataset, model, n) -> (mean accuracy, std, number of seeds)."""
    table = {}
    for r in runs:
        table.setdefault((r["dataset"], r["model"], r["n"]), []).append(r["accuracy"])
    return {k: (float(np.mean(v)), float(np.std(v)), len(v)) for k, v in table.items()}


def markdown(summary: dict, datasets: list[str], sizes: list[int], models: list[str]) -> str:
    """The results as Markdown tables, one per dataset."""
    lines = []
    for ds in datasets:
        lines.append(f"\n**{ds}** (test accuracy %, mean ± std over seeds)\n")
        lines.append("| model | " + " | ".join(f"n={n}" for n in sizes) + " |")
        lines.append("|---|" + "---:|" * len(sizes))
        for m in models:
            cells = []
            for n in sizes:
                mean, std, k = summary.get((ds, m, n), (float("nan"), float("nan"), 0))
                cells.append(f"{100 * mean:.1f} ± {100 * std:.1f}")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(
    summary: dict, datasets: list[str], sizes: list[int], models: list[str], path: str
) -> None:
    """Accuracy against training-set size, one panel per dataset, std as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        for m in models:
            mean = [100 * summary[(ds, m, n)][0] for n in sizes]
            std = [100 * summary[(ds, m, n)][1] for n in sizes]
            ax.errorbar(sizes, mean, yerr=std, marker="o", capsize=3, label=m)
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(n) for n in sizes])
        ax.set_xlabel("training images")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(ds)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    """Run the study; see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", nargs="+", default=["mnist5k", "textures"])
    p.add_argument("--sizes", nargs="+", type=int, default=[100, 500, 1000])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=600, help="SGD steps per run (same for all)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--width", type=int, default=32, help="head width of both CNNs")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default auto)")
    p.add_argument("--out", default=str(HERE / "results" / "hybrid_study.json"))
    p.add_argument("--plot", default=str(HERE / "hybrid_study.png"))
    p.add_argument("--quick", action="store_true", help="one size, one seed, few steps")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.seeds, args.steps = [100], [0], 50
    if args.threads is None:
        args.threads = auto_threads()
    models = ["scat-cnn", "cnn", "linear"]
    runs = []
    t_start = time.perf_counter()
    for name in args.datasets:
        ds = load_dataset(name)
        t0 = time.perf_counter()
        F_train = cached_scattering(ds.X_train, 2).features
        F_test = cached_scattering(ds.X_test, 2).features
        print(
            f"{name}: {len(ds.y_train)} train pool / {len(ds.y_test)} test, "
            f"{ds.image_shape}, {ds.n_classes} classes; features {F_train.shape[1:]} "
            f"in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        for n in args.sizes:
            for seed in args.seeds:
                _, _, idx = balanced_subset(
                    ds.X_train, ds.y_train, n, seed=seed, return_indices=True
                )
                results = {
                    "scat-cnn": run_torch(
                        "scat-cnn", ds, F_train, F_test, idx, seed, args, "features"
                    ),
                    "cnn": run_torch("cnn", ds, ds.X_train, ds.X_test, idx, seed, args, "images"),
                    "linear": run_linear(ds, F_train, F_test, idx),
                }
                for model, r in results.items():
                    runs.append(dict(r, dataset=name, model=model, n=n, seed=seed))
                print(
                    f"  n={n:<5} seed={seed}  "
                    + "  ".join(
                        f"{m} {100 * r['accuracy']:.1f}% ({r['seconds']:.0f} s)"
                        for m, r in results.items()
                    ),
                    flush=True,
                )
    total = time.perf_counter() - t_start
    summary = summarise(runs)
    table = markdown(summary, args.datasets, args.sizes, models)
    print(table)
    print(f"\ntotal {total / 60:.1f} min on {args.threads} thread(s)")
    doc = {
        "scatkit": scatkit.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "plot")},
        "total_seconds": total,
        "runs": runs,
        "summary": [
            {"dataset": d, "model": m, "n": n, "mean": mu, "std": sd, "seeds": k}
            for (d, m, n), (mu, sd, k) in sorted(summary.items())
        ],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=1))
    plot(summary, args.datasets, args.sizes, models, args.plot)
    print(f"wrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
