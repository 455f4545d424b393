"""``scatkit train``: train a model on a named dataset; save its checkpoint and metrics.

The run itself is :func:`scatkit.training.fit`; this module builds the model and the
:class:`~scatkit.training.TrainConfig` from the options and prints the epochs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..training.config import AUGMENTATIONS
from ._common import CLIError, eprint, fmt_pct, hybrid_features, load_dataset
from ._options import (
    add_cache_options,
    add_data_options,
    add_progress_option,
    parse_size,
    parse_threads,
    progress_bars,
    progress_choice,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``train`` command and its options."""
    p = sub.add_parser("train", help="train a hybrid or baseline model on a dataset")
    p.add_argument("--dataset", default="mnist5k", help="dataset name (default mnist5k)")
    add_data_options(p)
    p.add_argument("--model", default="scat-cnn", help="model name (default scat-cnn)")
    p.add_argument("--subset", type=int, help="class-balanced training subset of N images")
    p.add_argument("--epochs", type=int, help="epochs (default: as many as the data size needs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, help="peak learning rate (default 0.05 sgd, 1e-3 adam)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--schedule", choices=("cosine", "step", "constant"), default="cosine")
    p.add_argument(
        "--label-smoothing",
        type=float,
        default=None,
        help="mix this much of a uniform distribution into the training targets (default "
        "TrainConfig's, 0.1; 0 for plain cross-entropy)",
    )
    p.add_argument(
        "--augment",
        choices=AUGMENTATIONS,
        default="auto",
        help="augmentation of raw images (default auto: affine warps for small or grayscale "
        "images, crop+flip for colour images of 32 px or more; none on cached features)",
    )
    p.add_argument("--J", type=int, help="scattering scales of hybrids / pooling stages of cnn")
    p.add_argument("--width", type=int, help="head width (scat-cnn, cnn, scat-resnet, resnet)")
    p.add_argument("--k", type=int, help="WRN widening factor (scat-wrn, wrn)")
    p.add_argument("--depth", type=int, help="WRN depth (scat-wrn, wrn)")
    p.add_argument("--out-dir", help="folder for checkpoint and metrics (default runs/<tag>)")
    p.add_argument("--checkpoint", help="checkpoint path (default <out-dir>/checkpoint.pt)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--overwrite", action="store_true", help="start over an existing checkpoint")
    p.add_argument("--max-seconds", type=float, help="time budget (lowers the epoch count)")
    p.add_argument(
        "--no-features",
        action="store_true",
        help="run hybrids on raw images instead of cached features",
    )
    add_cache_options(p, "feature cache folder")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:n]")
    p.add_argument("--threads", default="auto", help="CPU threads ('auto': idle cores)")
    add_progress_option(p)
    r = p.add_argument_group("ImageNet-style class folders (streamed from disk)")
    r.add_argument("--train-root", help="training class folders (enables the folder recipe)")
    r.add_argument("--test-root", help="evaluation class folders (same classes)")
    r.add_argument("--crop", type=int, default=224, help="crop size of the recipe (default 224)")
    r.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.set_defaults(func=cmd_train)


def _model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs = {}
    for name in ("J", "width", "k", "depth"):
        value = getattr(args, name, None)
        if value is not None:
            kwargs[name] = value
    return kwargs


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model on a named dataset; save checkpoint and metrics (torchrun: on N ranks)."""
    from ..distributed import ddp

    group = ddp.init(args.device)  # under torchrun: join the process group
    try:
        if args.train_root or args.test_root:
            return _train_folders(args)
        return _train(args, group)
    finally:
        ddp.finish()


def _train(args: argparse.Namespace, group: Any) -> int:
    from ..models import build_model, count_parameters, is_hybrid
    from ..training import TrainConfig, fit, seed_everything

    ds = load_dataset(args.dataset, args.root, parse_size(args.size), args.color, args.max_pixels)
    if args.subset is not None:
        ds = ds.balanced_train(args.subset, seed=args.seed)
    lr = args.lr if args.lr is not None else (0.05 if args.optimizer == "sgd" else 1e-3)
    cfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=lr,
        optimizer=args.optimizer,
        schedule=args.schedule,
        label_smoothing=(
            TrainConfig.label_smoothing if args.label_smoothing is None else args.label_smoothing
        ),
        seed=args.seed,
        augment=args.augment,
        device=args.device,
        threads=parse_threads(args.threads),
        progress=progress_bars(args),  # the epochs are printed by report() below
    )
    seed_everything(args.seed)
    model = build_model(args.model, ds.image_shape, ds.n_classes, **_model_kwargs(args))
    tag = f"{ds.name}-{args.model}-n{len(ds.y_train)}-s{args.seed}"
    out_dir = Path(args.out_dir).expanduser() if args.out_dir else Path("runs") / tag
    ckpt = Path(args.checkpoint).expanduser() if args.checkpoint else out_dir / "checkpoint.pt"
    if ckpt.exists() and not args.resume and not args.overwrite:
        raise CLIError(f"{ckpt} exists; pass --resume to continue it or --overwrite to start over.")
    if args.resume and not ckpt.exists():
        eprint(f"scatkit train: no checkpoint at {ckpt} yet; starting from scratch")
    # Under torchrun each process runs the scattering front on its own shard instead.
    # An augmented hybrid scatters every augmented batch, so it trains on raw images.
    use_features = args.augment == "none" and not args.no_features and group is None
    if group is not None:
        print(f"torchrun: {group.world_size} processes ({group.backend}), rank 0 reports")
    print(
        f"{args.model}: {count_parameters(model):,} trainable parameters; "
        f"{ds.name}: {len(ds.y_train)} train / {len(ds.y_test)} test images "
        f"{ds.image_shape}, {ds.n_classes} classes"
    )
    Xtr, Xte, inputs = ds.X_train, ds.X_test, "images"
    if use_features and is_hybrid(model):
        cache = (args.cache_dir, not args.no_cache, progress_choice(args))
        Xtr = hybrid_features(model, ds.X_train, "train", *cache)
        Xte = hybrid_features(model, ds.X_test, "test", *cache)
        inputs = "features"
    if is_hybrid(model) and inputs == "images":
        print(
            f"training through the scattering front on raw images (augment={args.augment}: "
            "each augmented batch is scattered on the fly)"
        )

    def report(row: dict[str, float]) -> None:
        test = "-" if row.get("val_accuracy") is None else fmt_pct(row["val_accuracy"])
        print(
            f"epoch {int(row['epoch']):>3}  loss {row['train_loss']:.4f}  train "
            f"{fmt_pct(row['train_accuracy'])}  test {test}  "
            f"lr {row['lr']:.2g}  ({row['seconds']:.1f} s)",
            flush=True,
        )

    extra = {
        "dataset": args.dataset,
        "root": args.root,
        "subset": args.subset,
        "size": args.size,
        "color": args.color,
    }
    history = fit(
        model,
        Xtr,
        ds.y_train,
        Xte,
        ds.y_test,
        cfg,
        inputs=inputs,
        checkpoint=ckpt,
        resume=args.resume,
        log_dir=out_dir,
        max_seconds=args.max_seconds,
        on_epoch=report,
        extra=extra,
    )
    for note in history.notes:
        print(f"note: {note}")
    final = history.final
    if final:
        print(
            f"test accuracy {fmt_pct(final['val_accuracy'])} "
            f"(loss {final['val_loss']:.4f}, n={len(ds.y_test)})"
        )
    print(f"checkpoint: {ckpt}\nmetrics: {out_dir / 'metrics.csv'}, {out_dir / 'metrics.json'}")
    return 0


def _train_folders(args: argparse.Namespace) -> int:
    from ..distributed.imagenet import train_folders

    if not (args.train_root and args.test_root):
        raise CLIError("the folder recipe needs both --train-root and --test-root.")
    out_dir = Path(args.out_dir).expanduser() if args.out_dir else Path("runs") / args.model
    ckpt = Path(args.checkpoint).expanduser() if args.checkpoint else out_dir / "checkpoint.pt"
    if ckpt.exists() and not args.resume and not args.overwrite:
        raise CLIError(f"{ckpt} exists; pass --resume to continue it or --overwrite to start over.")

    def report(row: dict[str, float]) -> None:
        print(
            f"epoch {int(row['epoch']):>3}  loss {row['train_loss']:.4f}  test top-1 "
            f"{fmt_pct(row['top1'])}  top-5 {fmt_pct(row['top5'])}  ({row['seconds']:.1f} s)",
            flush=True,
        )

    rows = train_folders(
        args.model,
        args.train_root,
        args.test_root,
        crop=args.crop,
        epochs=args.epochs if args.epochs is not None else 10,
        batch_size=args.batch_size,
        lr=args.lr if args.lr is not None else 0.1,
        seed=args.seed,
        workers=args.workers,
        device=args.device,
        checkpoint=ckpt,
        resume=args.resume,
        model_kwargs=_model_kwargs(args),
        on_epoch=report,
    )
    if rows:
        print(f"top-1 {fmt_pct(rows[-1]['top1'])}, top-5 {fmt_pct(rows[-1]['top5'])}")
    print(f"checkpoint: {ckpt}")
    return 0
