"""Validation-only tuning of the hybrid recipe (and of its matched CNN, on the same grid).

Each run trains on a class-balanced subset of the *training pool* and scores on 1,000
other images of the same pool; the test set is never read. A run is one
comma-separated spec of key=value pairs::

    python bench/hybrid_tune.py ds=mnist5k,n=100,model=scat-cnn,augment=affine,epochs=250

Keys: ds, n, seed, model; model options width, dropout, J, L, max_order, norm, pool;
TrainConfig options epochs, batch_size, lr, weight_decay, augment, label_smoothing.
``--seeds 0 1 2`` runs every spec once per seed (single-seed differences at n=100 are
noise of about 2 points). Results are appended as JSON lines to ``--out`` (default
bench/results/hybrid_tune.jsonl); ``--report`` prints mean, std and the per-seed
figures of every spec in that file; RESULTS-hybrid.md lists the grid run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODEL_KEYS = {
    "width": int,
    "dropout": float,
    "J": int,
    "L": int,
    "max_order": int,
    "norm": str,
    "pool": str,
}
CONFIG_KEYS = {
    "epochs": int,
    "batch_size": int,
    "lr": float,
    "weight_decay": float,
    "augment": str,
    "label_smoothing": float,
}


def run(spec: str) -> dict:
    """Train the spec's model on its subset and score it on the held-out pool images."""
    import torch
    from scatkit.datasets import balanced_subset, load
    from scatkit.models import build_model
    from scatkit.training import TrainConfig, evaluate, fit

    d = dict(kv.split("=", 1) for kv in spec.split(","))
    name, n, seed = d["ds"], int(d["n"]), int(d.get("seed", 0))
    ds = load("textures", tile=32, stride=16) if name == "textures" else load(name)
    _, _, idx = balanced_subset(ds.X_train, ds.y_train, n, seed=seed, return_indices=True)
    rest = np.setdiff1d(np.arange(len(ds.y_train)), idx)
    val = np.random.default_rng(100 + seed).choice(rest, min(1000, len(rest)), replace=False)
    mk = {k: t(d[k]) for k, t in MODEL_KEYS.items() if k in d}
    ck = {k: t(d[k]) for k, t in CONFIG_KEYS.items() if k in d}
    torch.manual_seed(seed)
    model = build_model(d["model"], ds.image_shape, ds.n_classes, **mk)
    cfg = TrainConfig(seed=seed, progress=False, threads=1, **ck)
    t0 = time.perf_counter()
    fit(model, ds.X_train[idx], ds.y_train[idx], config=cfg)
    seconds = time.perf_counter() - t0
    acc = evaluate(model, ds.X_train[val], ds.y_train[val])["accuracy"]
    return {"spec": spec, "val": acc, "seconds": seconds}


def _key(spec: str) -> tuple[str, int]:
    """(the spec without its seed, in a canonical key order; the seed)."""
    d = dict(kv.split("=", 1) for kv in spec.split(","))
    seed = int(d.pop("seed", 0))
    return ",".join(f"{k}={d[k]}" for k in sorted(d)), seed


def report(path: Path) -> str:
    """Mean ± std over seeds of every spec in the results file, with the per-seed figures.

    A spec run twice with the same seed keeps its last result.
    """
    groups: dict[str, dict[int, float]] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            rec = json.loads(line)
            spec, seed = _key(rec["spec"])
            groups.setdefault(spec, {})[seed] = 100 * rec["val"]
    rows = ["| spec | mean ± std | seeds (val % per seed) |", "|---|---:|---|"]
    for spec in sorted(groups):
        v = groups[spec]
        vals = np.array([v[s] for s in sorted(v)])
        per = " / ".join(f"{s}: {v[s]:.1f}" for s in sorted(v))
        rows.append(f"| {spec} | {vals.mean():.1f} ± {vals.std():.1f} [{len(vals)}] | {per} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run every spec given on the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("specs", nargs="*")
    p.add_argument("--seeds", nargs="+", type=int, help="run every spec with each seed")
    p.add_argument("--out", default=str(HERE / "results" / "hybrid_tune.jsonl"))
    p.add_argument("--report", action="store_true", help="summarise --out by spec and exit")
    args = p.parse_args(argv)
    if args.report:
        print(report(Path(args.out)))
        return 0
    import torch

    torch.set_num_threads(1)
    specs = args.specs
    if args.seeds:
        specs = [f"{s},seed={seed}" for s in specs for seed in args.seeds]
    for spec in specs:
        rec = run(spec)
        print(json.dumps(rec), flush=True)
        with open(args.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
