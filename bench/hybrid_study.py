"""Small-sample study: scattering hybrid vs end-to-end CNN of the same size, with defaults.

For each dataset (MNIST-5k, scikit-image textures, scikit-learn digits, and CIFAR-10 when
its official files are on disk) and training-set size (100, 500, 1000 class-balanced
images, and "all"), over several seeds, this trains

* ``scat-cnn``: ``build_model("scat-cnn", shape, classes)`` with nothing else set;
* ``cnn``: ``build_model("cnn", ...)``, the end-to-end CNN with the same head and a learned
  front sized to the same parameter count;
* ``linear``: ``scatkit.sklearn.linear_baseline`` (log-scattering + logistic regression) on
  the same scattering features;

both networks with ``TrainConfig(seed=seed)`` and nothing else: the package's default
recipe, the same for both (step budget from the data size, ``augment="auto"``: the hybrid
scatters every augmented batch on the fly). Test accuracy on the held-out test set is
measured once, after training (no early stopping; the recipe was tuned on validation
splits of the training pool, see RESULTS-hybrid.md).

Every finished run is appended to a JSON-lines file at once, so an interrupted study
resumes where it stopped (``--runs``). Seeds run in the outer loop, so a partial study
covers every dataset and size with the seeds that finished.

Run from the repository root::

    python bench/hybrid_study.py --jobs 2          # the study (long: see RESULTS-hybrid.md)
    python bench/hybrid_study.py --quick           # smoke run (digits, n=100, one seed)
    python bench/hybrid_study.py --report-only     # tables and plot from the runs file
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = ("scat-cnn", "cnn", "linear")
_DATA: dict[str, Any] = {}


def load_dataset(name: str) -> Any:
    """The study's datasets (textures: 32x32 tiles, stride 16, region-disjoint split)."""
    from scatkit.datasets import load

    if name not in _DATA:
        _DATA[name] = load("textures", tile=32, stride=16) if name == "textures" else load(name)
    return _DATA[name]


def _features(name: str, J: int) -> tuple[np.ndarray, np.ndarray]:
    from scatkit.training import cached_scattering

    key = f"{name}-features"
    if key not in _DATA:
        ds = load_dataset(name)
        _DATA[key] = (
            cached_scattering(ds.X_train, J, progress=False).features,
            cached_scattering(ds.X_test, J, progress=False).features,
        )
    return _DATA[key]


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def run_one(name: str, n: int, seed: int, model_name: str, threads: int) -> dict[str, Any]:
    """Train and test one model on the class-balanced subset (n, seed) of ``name``."""
    import torch
    from scatkit.datasets import balanced_subset
    from scatkit.models import build_model, count_parameters
    from scatkit.models.hybrid import auto_J
    from scatkit.training import TrainConfig, evaluate, fit, seed_everything

    torch.set_num_threads(threads)
    ds = load_dataset(name)
    n_eff = len(ds.y_train) if n == 0 else n
    _, _, idx = balanced_subset(ds.X_train, ds.y_train, n_eff, seed=seed, return_indices=True)
    out: dict[str, Any] = {"dataset": name, "n": n_eff, "seed": seed, "model": model_name}
    t0 = time.perf_counter()
    if model_name == "linear":
        from scatkit.sklearn import linear_baseline

        H, W = ds.image_shape[-2:]
        J = auto_J(ds.image_shape)
        F_train, F_test = _features(name, J)
        pipe = linear_baseline(J=J, shape=(H, W)).set_params(scattering="passthrough")
        pipe.fit(F_train[idx].reshape(len(idx), -1), ds.y_train[idx])
        out["accuracy"] = float(pipe.score(F_test.reshape(len(F_test), -1), ds.y_test))
        out["settings"] = {"J": J, "pipeline": str(pipe.named_steps)}
    else:
        seed_everything(seed)
        model = build_model(model_name, ds.image_shape, ds.n_classes)
        cfg = TrainConfig(seed=seed, threads=threads, progress=False)
        fit(model, ds.X_train[idx], ds.y_train[idx], config=cfg)
        res = evaluate(model, ds.X_test, ds.y_test)
        out["accuracy"] = res["accuracy"]
        out["parameters"] = count_parameters(model)
        out["settings"] = {
            "model": model.spec,
            "config": dict(asdict(cfg), epochs=cfg.resolve_epochs(len(idx))),
            "head": str(model.head if hasattr(model, "head") else model),
        }
    out["seconds"] = time.perf_counter() - t0
    return out


def describe(run: dict[str, Any]) -> str:
    """One line with the settings a run used (augment and shift as ``auto`` resolved them)."""
    from scatkit.training.augment import auto_augment, auto_shift

    st = run.get("settings", {})
    if "config" not in st:
        return json.dumps(st)
    shape = tuple(st["model"]["input_shape"])
    cfg = dict(st["config"])
    if cfg["augment"] == "auto":
        cfg["augment"] = auto_augment(shape, run["n"])
    if cfg["shift"] is None:
        cfg["shift"] = auto_shift(cfg["augment"], shape)
    cfg.setdefault("label_smoothing", 0.0)  # runs from before the option trained without it
    keep = (
        "epochs",
        "batch_size",
        "lr",
        "optimizer",
        "weight_decay",
        "schedule",
        "augment",
        "label_smoothing",
    )
    conf = ", ".join(f"{k}={cfg[k]}" for k in (*keep, "shift"))
    layers = [ln.strip() for ln in st.get("head", "").splitlines() if "Conv2d" in ln]
    body = "; ".join(ln.split(": ", 1)[-1].split(", kernel")[0] + ")" for ln in layers)
    return (
        f"build_model({st['model']['name']!r}, {shape}, {st['model']['num_classes']}"
        f"{', ' if st['model']['kwargs'] else ''}{st['model']['kwargs'] or ''}) "
        f"[n={run['n']}], {run.get('parameters', 0):,} parameters, head convs {body}; "
        f"TrainConfig: {conf}"
    )


def summarise(runs: list[dict[str, Any]]) -> dict[tuple, dict[str, float]]:
    """(dataset, model, n) -> mean, std, seeds, mean seconds, parameters."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["model"], r["n"]), []).append(r)
    return {
        k: {
            "mean": float(np.mean([r["accuracy"] for r in v])),
            "std": float(np.std([r["accuracy"] for r in v])),
            "seeds": len(v),
            "seconds": float(np.mean([r["seconds"] for r in v])),
            "parameters": v[0].get("parameters", 0),
        }
        for k, v in groups.items()
    }


def markdown(summary: dict, datasets: list[str]) -> str:
    """The results as Markdown tables, one per dataset."""
    lines = []
    for ds in datasets:
        sizes = sorted({n for (d, _, n) in summary if d == ds})
        if not sizes:
            continue
        lines.append(f"\n**{ds}** (test accuracy %, mean ± std over seeds; [seeds])\n")
        lines.append("| model | params | " + " | ".join(f"n={n}" for n in sizes) + " | s/run |")
        lines.append("|---|---:|" + "---:|" * (len(sizes) + 1))
        for m in MODELS:
            cells, secs, params = [], [], 0
            for n in sizes:
                s = summary.get((ds, m, n))
                if s is None:
                    cells.append("-")
                    continue
                cells.append(f"{100 * s['mean']:.1f} ± {100 * s['std']:.1f} [{s['seeds']}]")
                secs.append(s["seconds"])
                params = s["parameters"] or params
            p = f"{params:,}" if params else "-"
            sec = f"{np.mean(secs):.0f}" if secs else "-"
            lines.append(f"| {m} | {p} | " + " | ".join(cells) + f" | {sec} |")
    return "\n".join(lines)


def plot(summary: dict, datasets: list[str], path: str) -> None:
    """Accuracy against training-set size, one panel per dataset, std as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = [d for d in datasets if any(k[0] == d for k in summary)]
    if not datasets:
        return
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.5 * len(datasets), 4), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        for m in MODELS:
            sizes = sorted(n for (d, mm, n) in summary if d == ds and mm == m)
            if not sizes:
                continue
            mean = [100 * summary[(ds, m, n)]["mean"] for n in sizes]
            std = [100 * summary[(ds, m, n)]["std"] for n in sizes]
            ax.errorbar(sizes, mean, yerr=std, marker="o", capsize=3, label=m)
            ax.set_xticks(sizes)
            ax.set_xticklabels([str(n) for n in sizes])
        ax.set_xscale("log")
        ax.set_xlabel("training images")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(ds)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _read_runs(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _available(names: list[str]) -> list[str]:
    keep = []
    for name in names:
        try:
            load_dataset(name)
        except (ImportError, OSError, ValueError) as exc:
            print(f"skipping {name}: {str(exc).splitlines()[0]}", flush=True)
            continue
        keep.append(name)
    return keep


def main(argv: list[str] | None = None) -> int:
    """Run the study; see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", nargs="+", default=["mnist5k", "textures", "digits", "cifar10"])
    p.add_argument("--sizes", nargs="+", default=["100", "500", "1000"], help="ints or 'all'")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (1 thread each)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per run")
    p.add_argument("--runs", default=str(HERE / "results" / "hybrid_study.jsonl"))
    p.add_argument("--out", default=str(HERE / "results" / "hybrid_study.json"))
    p.add_argument("--plot", default=str(HERE / "hybrid_study.png"))
    p.add_argument("--quick", action="store_true", help="digits, n=100, seed 0 (smoke run)")
    p.add_argument("--report-only", action="store_true", help="only summarise the runs file")
    args = p.parse_args(argv)
    if args.quick:
        args.datasets, args.sizes, args.seeds = ["digits"], ["100"], [0]
    sizes = [0 if s == "all" else int(s) for s in args.sizes]
    runs_path = Path(args.runs)
    runs_path.parent.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    if not args.report_only:
        datasets = _available(args.datasets)
        for name in datasets:
            ds = load_dataset(name)
            print(
                f"{name}: {len(ds.y_train)} train pool / {len(ds.y_test)} test, "
                f"{ds.image_shape}, {ds.n_classes} classes",
                flush=True,
            )
        done = {
            (r["dataset"], r.get("size_arg", r["n"]), r["seed"], r["model"])
            for r in _read_runs(runs_path)
        }
        tasks = [
            (name, n, seed, m)
            for seed in args.seeds
            for name in datasets
            for n in sizes
            for m in MODELS
            if (name, n, seed, m) not in done
        ]
        print(f"{len(tasks)} runs to do ({len(done)} already in {runs_path})", flush=True)
        with ProcessPoolExecutor(
            args.jobs, initializer=_init_worker, initargs=(args.threads,)
        ) as ex:
            futures = {ex.submit(run_one, *t, args.threads): t for t in tasks}
            for fut in as_completed(futures):
                r = dict(fut.result(), size_arg=futures[fut][1])
                with open(runs_path, "a") as f:
                    f.write(json.dumps(r) + "\n")
                print(
                    f"  {r['dataset']:<9} n={r['n']:<5} seed={r['seed']} {r['model']:<9}"
                    f" {100 * r['accuracy']:.1f}%  ({r['seconds']:.0f} s)",
                    flush=True,
                )
    runs = _read_runs(runs_path)
    summary = summarise(runs)
    print(markdown(summary, args.datasets))
    print("\nsettings of every model (first run of each dataset and model):")
    shown = set()
    for r in runs:
        if (r["dataset"], r["model"]) not in shown:
            shown.add((r["dataset"], r["model"]))
            print(f"- {r['dataset']} {r['model']}: {describe(r)}")
    import scatkit
    import torch

    doc = {
        "scatkit": scatkit.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("runs", "out", "plot")},
        "study_seconds": time.perf_counter() - t_start,
        "summary": [dict(s, dataset=d, model=m, n=n) for (d, m, n), s in sorted(summary.items())],
    }
    Path(args.out).write_text(json.dumps(doc, indent=1))
    plot(summary, args.datasets, args.plot)
    print(f"wrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
