"""``scatkit analyze``: per-layer measures of trained networks or of a plain scattering.

For each run (a ``scatkit train`` checkpoint, more with ``--compare``, and/or a plain
scattering with ``--scattering J L``) it collects the representation of a seeded subset of a
dataset split at every natural layer (:func:`scatkit.analysis.collect` or
:func:`~scatkit.analysis.scattering_layers`), measures it with
:func:`~scatkit.analysis.layer_metrics` (and :func:`~scatkit.analysis.organisation` for
networks), prints a table and writes ``metrics.csv``, ``metrics.json`` and PNG figures.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._common import CLIError, load_dataset
from ._options import (
    add_data_options,
    add_progress_option,
    parse_size,
    parse_threads,
    progress_choice,
)

#: Columns of the printed table, with their headers.
_TABLE = {
    "layer": "layer",
    "dim": "dim",
    "nn1_accuracy": "1-NN",
    "knn_accuracy": "k-NN",
    "linear_accuracy": "linear",
    "boundary_points": "boundary",
    "contraction_same": "contr.same",
    "contraction_diff": "contr.diff",
    "separation": "separation",
    "intrinsic_dim": "ID",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``analyze`` command and its options."""
    p = sub.add_parser(
        "analyze",
        help="per-layer accuracy, boundary points, contraction and separation of a network",
        description="Measure what each layer of a trained network (or each order of a plain "
        "scattering) does to a dataset: 1-NN, k-NN and linear-probe accuracy, boundary points, "
        "contraction, separation, intrinsic dimension and channel organisation. Writes "
        "metrics.csv, metrics.json and PNG figures to the output folder.",
    )
    p.add_argument("--checkpoint", help="checkpoint written by `scatkit train`")
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="CKPT",
        help="another checkpoint, measured on the same images and drawn on the same depth "
        "figure (repeatable)",
    )
    p.add_argument(
        "--scattering",
        type=int,
        nargs=2,
        metavar=("J", "L"),
        help="also (or only) a plain scattering with J scales and L angles, orders as layers",
    )
    p.add_argument(
        "--dataset",
        help="dataset name (default: the checkpoint's; mnist5k for --scattering alone)",
    )
    add_data_options(p)
    p.add_argument("--split", choices=("test", "train"), default="test")
    p.add_argument(
        "--samples",
        type=int,
        default=2000,
        metavar="N",
        help="seeded random subset of N images of the split (default 2000; all if fewer)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the subset, projections, folds")
    p.add_argument(
        "--max-dim",
        type=int,
        default=4096,
        metavar="D",
        help="randomly project layers wider than D values per image (default 4096; 0: never)",
    )
    p.add_argument(
        "--layers",
        help="comma-separated module names to measure in the networks, plus 'input' and "
        "'logits' (default: input, each natural block, logits); contraction is measured "
        "against 'input' when listed, else against the first layer",
    )
    p.add_argument(
        "--organisation",
        type=int,
        default=200,
        metavar="N",
        help="images for the channel-organisation measure of networks (default 200; 0: skip)",
    )
    p.add_argument("-o", "--out", required=True, help="output folder (created)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:n] for the networks")
    p.add_argument("--threads", default="auto", help="CPU threads of PyTorch ('auto': idle cores)")
    add_progress_option(p)
    p.set_defaults(func=cmd_analyze)


@dataclass
class _Run:
    """One thing measured: a network from a checkpoint, or a plain scattering."""

    label: str
    source: str
    kind: str
    model: Any = None
    checkpoint: dict[str, Any] = field(default_factory=dict)
    scattering: tuple[int, int] | None = None


def _run_name(path: Path) -> str:
    """``runs/mnist5k-cnn/checkpoint.pt`` -> ``mnist5k-cnn``; ``run2.pt`` -> ``run2``."""
    return path.parent.name if path.stem == "checkpoint" and path.parent.name else path.stem


def _load_runs(args: argparse.Namespace) -> list[_Run]:
    from ..training import load_checkpoint

    paths = ([args.checkpoint] if args.checkpoint else []) + list(args.compare)
    runs = []
    for given in paths:
        path = Path(given).expanduser()
        ckpt = load_checkpoint(path)
        spec = ckpt.get("model_spec")
        if not spec:
            raise CLIError(
                f"{given} holds no model description; it was not written by `scatkit train` "
                "or scatkit.models.build_model."
            )
        runs.append(_Run(spec["name"], str(given), spec["name"], checkpoint=ckpt))
    if args.scattering:
        J, L = args.scattering
        runs.append(_Run(f"scattering J={J} L={L}", "scattering", "scattering", scattering=(J, L)))
    if not runs:
        raise CLIError("nothing to analyze: pass --checkpoint CKPT and/or --scattering J L.")
    labels = [r.label for r in runs]
    for run in runs:
        if run.checkpoint and labels.count(run.label) > 1:
            run.label = f"{run.label} ({_run_name(Path(run.source))})"
    labels = [r.label for r in runs]
    for i, run in enumerate(runs):
        if labels.count(run.label) > 1:
            run.label = f"{run.label} #{i + 1}"
    return runs


def _dataset(args: argparse.Namespace, runs: list[_Run]) -> Any:
    """The dataset named by the options, else by the first checkpoint (as ``evaluate`` does)."""
    extra = next((r.checkpoint.get("extra") or {} for r in runs if r.checkpoint), {})
    name = args.dataset or extra.get("dataset") or ("mnist5k" if runs[0].scattering else None)
    if not name:
        raise CLIError("the checkpoint does not record its dataset; pass --dataset NAME.")
    root = args.root or extra.get("root")
    size = parse_size(args.size) if args.size else parse_size(extra.get("size"))
    color = args.color or bool(extra.get("color"))
    return load_dataset(name, root, size, color, args.max_pixels)


def _build_models(runs: list[_Run], image_shape: tuple[int, ...], name: str, device: Any) -> None:
    from ..models import model_from_spec

    for run in runs:
        if not run.checkpoint:
            continue
        spec = run.checkpoint["model_spec"]
        want = tuple(spec["input_shape"])
        if tuple(image_shape) not in (want, want[1:]):
            raise CLIError(
                f"{run.source} is a model for images {want} but {name} has images "
                f"{tuple(image_shape)}; pass the --dataset (and --size) it was trained on."
            )
        model = model_from_spec(spec)
        model.load_state_dict(run.checkpoint["model"])
        run.model = model.to(device).eval()


def _subset(n: int, samples: int, seed: int) -> np.ndarray:
    if samples < 1:
        raise CLIError(f"--samples must be a positive integer, got {samples}.")
    if samples >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, samples, replace=False))


def _layers(args: argparse.Namespace) -> list[str] | None:
    """``--layers a,b`` as a list (None: the default layers)."""
    names = [s.strip() for s in (args.layers or "").split(",") if s.strip()]
    return names or None


def _representations(run: _Run, X: np.ndarray, args: argparse.Namespace) -> Any:
    from .. import Scattering2D
    from .._progress import progress_bar
    from ..analysis import collect, scattering_layers

    max_dim = args.max_dim if args.max_dim > 0 else None
    with progress_bar(
        progress_choice(args), total=len(X), desc=f"{run.label}: layers", unit="img"
    ) as bar:
        if run.scattering is not None:
            J, L = run.scattering
            S = Scattering2D(J, tuple(X.shape[-2:]), L=L)
            return scattering_layers(S, X, max_dim=max_dim, seed=args.seed, progress=bar.update)
        return collect(
            run.model, X, layers=_layers(args), max_dim=max_dim, seed=args.seed, progress=bar.update
        )


def _metrics(run: _Run, reps: Any, y: np.ndarray, args: argparse.Namespace) -> Any:
    from .._progress import progress_bar
    from ..analysis import layer_metrics

    with progress_bar(
        progress_choice(args), total=len(reps), desc=f"{run.label}: metrics", unit="layer"
    ) as bar:

        def done(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        return layer_metrics(reps, y, seed=args.seed, progress=done)


def _organisation(run: _Run, X: np.ndarray, args: argparse.Namespace) -> Any:
    """Channel organisation of a network's layers on the first ``--organisation`` images."""
    from ..analysis import collect, default_layers, organisation

    if run.model is None or args.organisation <= 0:
        return None
    layers = [
        w for w in (_layers(args) or default_layers(run.model)) if w not in ("input", "logits")
    ]
    if not layers:
        return None
    maps = collect(run.model, X[: args.organisation], layers=layers, max_dim=None)
    return organisation(maps, channel_axes="auto")


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "-", label).strip("-") or "run"


def _print_table(label: str, df: Any) -> None:
    table = df[list(_TABLE)].rename(columns=_TABLE)
    print(f"\n{label}:")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def cmd_analyze(args: argparse.Namespace) -> int:
    """Measure every layer of the runs on a dataset; write metrics and figures."""
    runs = _load_runs(args)
    if args.max_dim < 0:
        raise CLIError(f"--max-dim must be 0 (never project) or positive, got {args.max_dim}.")
    ds = _dataset(args, runs)
    X, y = (ds.X_test, ds.y_test) if args.split == "test" else (ds.X_train, ds.y_train)
    pick = _subset(len(y), args.samples, args.seed)
    X, y = np.ascontiguousarray(X[pick]), np.asarray(y)[pick]
    if len(y) < 32:
        raise CLIError(f"{ds.name} {args.split} has {len(y)} images; at least 32 are needed.")
    if any(r.checkpoint for r in runs):
        import torch

        from ..training import resolve_device

        torch.set_num_threads(parse_threads(args.threads))
        _build_models(runs, ds.image_shape, ds.name, resolve_device(args.device))
    out = Path(args.out).expanduser()
    print(f"{ds.name} {args.split}: {len(y)} images {ds.image_shape}, {ds.n_classes} classes")

    import pandas as pd

    from ..analysis import jsonable, plot_boundary_curves, plot_depth, plot_pca
    from ..models import count_parameters

    frames, docs, orgs, written = {}, [], [], []
    for run in runs:
        reps = _representations(run, X, args)
        df = _metrics(run, reps, y, args)
        org = _organisation(run, X, args)
        _print_table(run.label, df)
        frames[run.label] = df
        doc = {
            "label": run.label,
            "source": run.source,
            "model": run.kind,
            "parameters": count_parameters(run.model) if run.model is not None else 0,
            "epoch": run.checkpoint.get("epoch"),
            "layers": df.to_dict("records"),
            **df.attrs,
            "shapes": {k: list(v) for k, v in reps.shapes.items()},
            "projections": reps.projections,
            "organisation": [] if org is None else org.to_dict("records"),
        }
        docs.append(doc)
        if org is not None and len(org):
            orgs.append(org.assign(model=run.label))
            print("organisation (adjacent / random-order channel difference; < 1: organised):")
            print(org.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        slug = _slug(run.label)
        out.mkdir(parents=True, exist_ok=True)  # only once a run has measured without error
        for name, fig in (
            (f"boundary-{slug}.png", plot_boundary_curves(df)),
            (f"pca-{slug}.png", plot_pca(reps, y, seed=args.seed)),
        ):
            fig.savefig(out / name, dpi=120)
            written.append(name)

    table = pd.concat([df.assign(model=label) for label, df in frames.items()], ignore_index=True)
    table = table[["model"] + [c for c in table.columns if c != "model"]]
    table.to_csv(out / "metrics.csv", index=False)
    written.insert(0, "metrics.csv")
    if orgs:
        org_table = pd.concat(orgs, ignore_index=True)
        org_table = org_table[["model"] + [c for c in org_table.columns if c != "model"]]
        org_table.to_csv(out / "organisation.csv", index=False)
        written.insert(1, "organisation.csv")
    doc = {
        "dataset": ds.name,
        "split": args.split,
        "samples": len(y),
        "seed": args.seed,
        "max_dim": args.max_dim or None,
        "runs": docs,
    }
    (out / "metrics.json").write_text(json.dumps(jsonable(doc), indent=1) + "\n")
    written.insert(1, "metrics.json")
    depth = plot_depth(frames if len(frames) > 1 else next(iter(frames.values())))
    depth.savefig(out / "depth.png", dpi=120)
    written.insert(2, "depth.png")
    print(f"\nwrote {out}/: {', '.join(written)}")
    return 0
