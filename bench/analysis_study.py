"""Layer-by-layer study: what each layer of scat-cnn, cnn and mhcnn does to the data.

For each dataset (MNIST-5k, scikit-image textures as in ``hybrid_study.py``, and CIFAR-10
when its official files are on disk; skipped with a message otherwise) this trains the three
models of matched depth (five stages each: scattering J=2 + 3 convolutions; 2 learned
pooling stages + 3 convolutions; a stem + 4 hierarchical layers) with
``build_model(name, shape, classes)`` and ``TrainConfig(seed=0, threads=...)``: the
package's defaults, under a per-run time budget (``fit``'s ``max_seconds``, which lowers
the epoch count after the first epoch; the epochs actually run are recorded). Then, on
the held-out test images (at most ``--samples``), it measures every natural layer with
:func:`scatkit.analysis.layer_metrics` and the channel organisation of every layer with
:func:`scatkit.analysis.organisation` (first 500 images, full maps), and a plain
scattering J=2 L=8 as layers ``order0..2``.

Each finished (dataset, model) run is written to ``bench/results/analysis_study/`` at once,
so an interrupted study resumes; ``--report-only`` redraws the figure from those files.

Run from the repository root::

    python bench/analysis_study.py --jobs 2           # the study (see RESULTS-analysis.md)
    python bench/analysis_study.py --report-only      # figure and tables from saved runs
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = ("scat-cnn", "cnn", "mhcnn")
DATASETS = ("mnist5k", "textures", "cifar10")
RUNS = HERE / "results" / "analysis_study"
FIGURE = HERE / "analysis_depth.png"
ORGANISATION_SAMPLES = 500


def load_dataset(name: str) -> Any:
    """The study's datasets (textures: 32x32 tiles, stride 16, region-disjoint split)."""
    from scatkit.datasets import load

    if name == "textures":
        return load("textures", tile=32, stride=16)
    return load(name)


def _test_subset(ds: Any, samples: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(ds.y_test)
    pick = np.arange(n)
    if samples < n:
        pick = np.sort(np.random.default_rng(0).choice(n, samples, replace=False))
    return np.ascontiguousarray(ds.X_test[pick]), ds.y_test[pick]


def run_one(dataset: str, model_name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Train one model (or take a plain scattering) and measure its layers."""
    import torch
    from scatkit import Scattering2D
    from scatkit.analysis import (
        collect,
        jsonable,
        layer_metrics,
        organisation,
        scattering_layers,
    )
    from scatkit.models import build_model, count_parameters
    from scatkit.training import History, TrainConfig, evaluate, fit, seed_everything

    torch.set_num_threads(args.threads)
    ds = load_dataset(dataset)
    X, y = _test_subset(ds, args.samples)
    out: dict[str, Any] = {"dataset": ds.name, "model": model_name, "n_test": len(y)}
    t0 = time.perf_counter()
    if model_name == "scattering":
        reps = scattering_layers(Scattering2D(2, tuple(X.shape[-2:]), L=8), X)
        out.update(parameters=0, accuracy=None)
    else:
        seed_everything(0)
        name, untrained, _ = model_name.partition("@init")
        model = build_model(name, ds.image_shape, ds.n_classes)
        cfg = TrainConfig(seed=0, threads=args.threads, progress=False)
        if untrained:  # a control: the same network at its seeded initialisation
            hist = History()
        else:
            hist = fit(model, ds.X_train, ds.y_train, config=cfg, max_seconds=args.max_seconds)
        model.eval()
        out.update(
            parameters=count_parameters(model),
            accuracy=evaluate(model, ds.X_test, ds.y_test)["accuracy"],
            train_accuracy=hist.final.get("train_accuracy"),
            epochs_run=len(hist.rows),
            epochs_default=cfg.resolve_epochs(len(ds.y_train)),
            steps_run=len(hist.rows) * math.ceil(len(ds.y_train) / cfg.batch_size),
            notes=hist.notes,
            config=asdict(cfg),
            train_seconds=time.perf_counter() - t0,
        )
        reps = collect(model, X)
        maps = collect(
            model,
            X[:ORGANISATION_SAMPLES],
            layers=[w for w in reps if w not in ("input", "logits")],
            max_dim=None,
        )
        out["organisation"] = organisation(maps, channel_axes="auto").to_dict("records")
    t1 = time.perf_counter()
    df = layer_metrics(reps, y)
    out.update(
        layers=df.to_dict("records"),
        boundary_curve=df.attrs["boundary_curve"],
        params=df.attrs["params"],
        projections=reps.projections,
        shapes={k: list(v) for k, v in reps.shapes.items()},
        metrics_seconds=time.perf_counter() - t1,
    )
    return jsonable(out)


def _run_path(runs: Path, dataset: str, model: str) -> Path:
    return runs / f"{dataset}-{model}.json"


def _worker(dataset: str, model: str, args: argparse.Namespace) -> tuple[str, str, float]:
    t0 = time.perf_counter()
    res = run_one(dataset, model, args)
    res["wall_seconds"] = time.perf_counter() - t0
    path = _run_path(args.runs, dataset, model)
    path.write_text(json.dumps(res, indent=1) + "\n")
    return dataset, model, res["wall_seconds"]


def _available(names: list[str]) -> list[str]:
    ok = []
    for name in names:
        try:
            load_dataset(name)
        except (FileNotFoundError, OSError) as exc:
            print(f"skipping {name}: {str(exc).splitlines()[0][:160]}")
            continue
        ok.append(name)
    return ok


def _frame(run: dict[str, Any]) -> Any:
    import pandas as pd

    df = pd.DataFrame(run["layers"])
    df.attrs["params"] = run["params"]
    return df


def _load_runs(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    runs = {}
    for path in sorted(folder.glob("*.json")):
        run = json.loads(path.read_text())
        runs[(run["dataset"], run["model"])] = run
    return runs


def draw(runs: dict[tuple[str, str], dict[str, Any]], figure: Path) -> None:
    """One row of ``plot_depth`` panels per dataset, stacked into one PNG."""
    import matplotlib.image
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from scatkit.analysis import plot_depth

    rows = []
    for dataset in dict.fromkeys(d for d, _ in runs):
        models = [m for m in (*MODELS, "scattering") if (dataset, m) in runs]
        frames = {m: _frame(runs[(dataset, m)]) for m in models}
        fig = plot_depth(frames, accuracies=("knn_accuracy", "linear_accuracy"))
        fig.suptitle(f"{dataset}: test images, x = layer index / last index")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rows.append(np.asarray(canvas.buffer_rgba()))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    matplotlib.image.imsave(figure, np.concatenate(rows))


def report(runs: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Tables (markdown) of accuracy, parameters and per-layer measures."""
    print("| dataset | model | parameters | test accuracy | epochs run / default | train s |")
    print("|---|---|---:|---:|---:|---:|")
    for (dataset, model), run in runs.items():
        if model == "scattering":
            continue
        print(
            f"| {dataset} | {model} | {run['parameters']:,} | {100 * run['accuracy']:.1f}% | "
            f"{run['epochs_run']} / {run['epochs_default']} | {run['train_seconds']:.0f} |"
        )
    cols = (
        "dim nn1_accuracy knn_accuracy linear_accuracy boundary_points contraction_same "
        "contraction_diff separation intrinsic_dim"
    ).split()
    for (dataset, model), run in runs.items():
        print(f"\n{dataset} / {model}\n")
        print("| layer | " + " | ".join(cols) + " |")
        print("|---" * (len(cols) + 1) + "|")
        for row in run["layers"]:
            vals = [f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in cols]
            print(f"| {row['layer']} | " + " | ".join(vals) + " |")
        if run.get("organisation"):
            org = ", ".join(f"{r['layer']} {r['organisation']:.2f}" for r in run["organisation"])
            print(f"\norganisation: {org}")


def main(argv: list[str] | None = None) -> int:
    """Run the study (resumable) and write the figure and tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS))
    p.add_argument(
        "--models",
        nargs="+",
        default=[*MODELS, "scattering"],
        help="models, 'scattering', or NAME@init (untrained control)",
    )
    p.add_argument("--samples", type=int, default=2000, help="test images measured (at most)")
    p.add_argument("--max-seconds", type=float, default=240.0, help="training budget per run")
    p.add_argument("--threads", type=int, default=1, help="torch threads per job")
    p.add_argument("--jobs", type=int, default=2, help="runs in parallel")
    p.add_argument("--runs", type=Path, default=RUNS, help="folder of the per-run JSON files")
    p.add_argument("--figure", type=Path, default=FIGURE)
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)
    args.runs.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        datasets = _available(args.datasets)
        todo = [
            (d, m)
            for d in datasets
            for m in args.models
            if not _run_path(args.runs, d, m).is_file()
        ]
        print(f"{len(todo)} runs to do ({args.jobs} jobs x {args.threads} thread)", flush=True)
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(_worker, d, m, args) for d, m in todo]
            for fut in as_completed(futures):
                d, m, secs = fut.result()
                print(f"done {d} / {m} in {secs:.0f} s", flush=True)
    runs = _load_runs(args.runs)
    if not runs:
        print("no runs yet", file=sys.stderr)
        return 1
    draw(runs, args.figure)
    report(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
