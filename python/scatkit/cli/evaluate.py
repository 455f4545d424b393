"""``scatkit evaluate``: accuracy of a ``scatkit train`` checkpoint on a dataset split."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ._common import CLIError, eprint, fmt_pct, hybrid_features, load_dataset
from ._options import (
    add_cache_options,
    add_data_options,
    add_progress_option,
    parse_size,
    progress_choice,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``evaluate`` command and its options."""
    p = sub.add_parser("evaluate", help="accuracy of a checkpoint on a dataset")
    p.add_argument("--checkpoint", required=True, help="checkpoint written by `scatkit train`")
    p.add_argument("--dataset", help="dataset name (default: the one it was trained on)")
    add_data_options(p)
    p.add_argument("--split", choices=("test", "train"), default="test")
    add_cache_options(p, "feature cache folder")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:n]")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_progress_option(p)
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Accuracy of a checkpoint on a dataset split."""
    from ..models import is_hybrid, model_from_spec
    from ..training import evaluate, load_checkpoint, predict_logits

    ckpt = load_checkpoint(Path(args.checkpoint).expanduser())
    spec = ckpt.get("model_spec")
    if not spec:
        raise CLIError(
            f"{args.checkpoint} holds no model description; it was not written by "
            "`scatkit train` or scatkit.models.build_model."
        )
    extra = ckpt.get("extra") or {}
    name = args.dataset or extra.get("dataset")
    if not name:
        raise CLIError("the checkpoint does not record its dataset; pass --dataset NAME.")
    root = args.root or extra.get("root")
    size = parse_size(args.size) if args.size else parse_size(extra.get("size"))
    color = args.color or bool(extra.get("color"))
    ds = load_dataset(name, root, size, color, args.max_pixels)
    model = model_from_spec(spec)
    model.load_state_dict(ckpt["model"])
    if tuple(ds.image_shape) not in (tuple(spec["input_shape"]), tuple(spec["input_shape"][1:])):
        raise CLIError(
            f"the model takes images {tuple(spec['input_shape'])} but {ds.name} has "
            f"{ds.image_shape}."
        )
    X, y = (ds.X_test, ds.y_test) if args.split == "test" else (ds.X_train, ds.y_train)
    inputs = "images"
    if is_hybrid(model):
        log = eprint if args.json else print
        X = hybrid_features(
            model, X, args.split, args.cache_dir, not args.no_cache, progress_choice(args), log
        )
        inputs = "features"
    metrics = evaluate(model, X, y, inputs, device=args.device)
    pred = predict_logits(model, X, inputs, device=args.device).argmax(1).numpy()
    per_class = {
        c: float(np.mean(pred[y == k] == k)) for k, c in enumerate(ds.classes) if np.any(y == k)
    }
    result = {
        "checkpoint": str(args.checkpoint),
        "dataset": ds.name,
        "split": args.split,
        "epoch": int(ckpt["epoch"]),
        **metrics,
        "per_class_accuracy": per_class,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"{spec['name']} (epoch {ckpt['epoch']}) on {ds.name} {args.split}: accuracy "
            f"{fmt_pct(metrics['accuracy'])}, loss {metrics['loss']:.4f}, n={metrics['n']}"
        )
        print("per class: " + ", ".join(f"{c} {fmt_pct(a)}" for c, a in per_class.items()))
    return 0
