"""Validation-only tuning of the hybrid recipe (and of its matched CNN, on the same grid).

Each run trains on a class-balanced subset of the *training pool* and scores on 1,000
other images of the same pool; the test set is never read. A run is one
comma-separated spec of key=value pairs::

    python bench/hybrid_tune.py ds=mnist5k,n=100,model=scat-cnn,augment=affine,epochs=250

Keys: ds, n, seed, model; model options width, dropout, J, norm; TrainConfig options
epochs, batch_size, lr, weight_decay, augment. Results are appended as JSON lines to
``--out`` (default bench/results/hybrid_tune.jsonl); RESULTS-hybrid.md lists the grid run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODEL_KEYS = {"width": int, "dropout": float, "J": int, "norm": str}
CONFIG_KEYS = {
    "epochs": int,
    "batch_size": int,
    "lr": float,
    "weight_decay": float,
    "augment": str,
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


def main(argv: list[str] | None = None) -> int:
    """Run every spec given on the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("specs", nargs="+")
    p.add_argument("--out", default=str(HERE / "results" / "hybrid_tune.jsonl"))
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    for spec in args.specs:
        rec = run(spec)
        print(json.dumps(rec), flush=True)
        with open(args.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
