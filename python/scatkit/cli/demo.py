"""``scatkit demo``: scattering + a linear baseline vs raw pixels + a small hybrid, offline."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..scattering import Scattering2D
from ._common import eprint, fmt_pct, load_dataset, one_line
from ._options import (
    add_cache_options,
    add_progress_option,
    parse_threads,
    progress_bars,
    progress_choice,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``demo`` command and its options."""
    p = sub.add_parser("demo", help="features, linear baseline and a hybrid net on offline data")
    p.add_argument("--quick", action="store_true", help="tiny run (seconds), for tests")
    p.add_argument(
        "--dataset", choices=("mnist5k", "digits"), help="default mnist5k (digits with --quick)"
    )
    p.add_argument("--epochs", type=int, help="hybrid epochs (default: the recipe's budget)")
    p.add_argument(
        "--seconds",
        type=float,
        default=240.0,
        help="time budget of the hybrid training (default 240; lowers the epochs)",
    )
    p.add_argument("--threads", default="auto", help="CPU threads for training ('auto')")
    p.add_argument("--backend", default="auto", help="scattering backend (default auto)")
    p.add_argument("--throughput-images", type=int, default=1000, help=argparse.SUPPRESS)
    add_cache_options(p, "feature cache folder (default ~/.cache/scatkit/features)")
    add_progress_option(p)
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Scattering features + linear baseline vs raw pixels + a small hybrid, on offline data."""
    t_start = time.perf_counter()
    threads = parse_threads(args.threads)
    name = args.dataset or ("digits" if args.quick else "mnist5k")
    try:
        ds = load_dataset(name, None, None, False)
    except ImportError as exc:
        if name != "mnist5k" or args.dataset:
            raise
        eprint(f"scatkit demo: {one_line(str(exc))}; using scikit-learn's digits instead")
        ds = load_dataset("digits", None, None, False)
    if args.quick:
        ds = ds.balanced_train(min(len(ds.y_train), 300), seed=0)
    H, W = ds.image_shape[-2:]
    J = 2 if min(H, W) >= 16 else 1
    print(
        f"scatkit {__version__} demo: {ds.name}, {len(ds.y_train)} train / {len(ds.y_test)} "
        f"test images of {H}x{W}, {ds.n_classes} classes; {threads} thread(s)"
    )

    # 1. Scattering features, measured on a fresh computation even when cached.
    from ..training import cached_scattering, compute_scattering

    X_all = np.concatenate([ds.X_train, ds.X_test])
    t0 = time.perf_counter()
    fresh = compute_scattering(
        X_all[: args.throughput_images], J, backend=args.backend, progress=False
    )
    rate = len(fresh) / (time.perf_counter() - t0)
    S = Scattering2D(J, (H, W))
    print(
        f"[1/3] scattering J={J}, L=8, order 2: {len(S)} channels of "
        f"{S.out_spatial_shape[0]}x{S.out_spatial_shape[1]} per image; "
        f"{rate:,.0f} images/s ({S.backend} backend)"
    )
    feats = cached_scattering(
        X_all,
        J,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        backend=args.backend,
        progress=progress_choice(args),
    )
    F_train, F_test = feats.features[: len(ds.y_train)], feats.features[len(ds.y_train) :]
    how = "from cache" if feats.hit else f"computed in {feats.seconds:.1f} s"
    print(f"      features for all {len(X_all)} images: {feats.features.shape} ({how})")

    # 2. The same linear classifier on scattering features and on raw pixels.
    from ..sklearn import linear_baseline

    lin_scat = linear_baseline(J=J, shape=(H, W)).set_params(scattering="passthrough")
    lin_raw = linear_baseline(J=J, shape=(H, W)).set_params(
        scattering="passthrough", normalise="passthrough"
    )
    n_tr, n_te = len(ds.y_train), len(ds.y_test)
    t0 = time.perf_counter()
    lin_scat.fit(F_train.reshape(n_tr, -1), ds.y_train)
    acc_scat = lin_scat.score(F_test.reshape(n_te, -1), ds.y_test)
    t_scat = time.perf_counter() - t0
    t0 = time.perf_counter()
    lin_raw.fit(ds.X_train.reshape(n_tr, -1), ds.y_train)
    acc_raw = lin_raw.score(ds.X_test.reshape(n_te, -1), ds.y_test)
    t_raw = time.perf_counter() - t0
    print(
        f"[2/3] logistic regression (scatkit.sklearn.linear_baseline):\n"
        f"      on scattering features: {fmt_pct(acc_scat)} test accuracy ({t_scat:.1f} s)\n"
        f"      on raw pixels:          {fmt_pct(acc_raw)} test accuracy ({t_raw:.1f} s)"
    )

    # 3. The hybrid with the package's defaults: build_model's head, TrainConfig's recipe
    # (step budget from the data size, augment="auto": every augmented batch is scattered).
    from ..models import build_model, count_parameters
    from ..training import TrainConfig, fit, seed_everything

    seed_everything(0)
    model = build_model("scat-cnn", (H, W), ds.n_classes)
    cfg = TrainConfig(epochs=args.epochs, threads=threads, seed=0, progress=progress_bars(args))
    epochs = cfg.resolve_epochs(n_tr)
    budget = None if args.quick else args.seconds
    print(
        f"[3/3] Scat+CNN hybrid ({count_parameters(model):,} parameters), default recipe: "
        f"{epochs} epochs of batch {cfg.batch_size}, augmented images scattered on the fly"
        + (f", at most {budget:.0f} s:" if budget else ":")
    )

    def report(row: dict[str, float]) -> None:
        if row.get("val_accuracy") is not None:
            print(
                f"      epoch {int(row['epoch']):>3}: loss {row['train_loss']:.3f}, test "
                f"{fmt_pct(row['val_accuracy'])} ({row['seconds']:.1f} s)",
                flush=True,
            )

    t0 = time.perf_counter()
    history = fit(
        model,
        ds.X_train,
        ds.y_train,
        ds.X_test,
        ds.y_test,
        cfg,
        max_seconds=budget,
        on_epoch=report,
    )
    t_hybrid = time.perf_counter() - t0
    for note in history.notes:
        print(f"      note: {note}")
    acc_hybrid = history.final["val_accuracy"]
    total = time.perf_counter() - t_start
    print(
        f"summary on {ds.name} ({n_te} test images):\n"
        f"  linear on raw pixels         {fmt_pct(acc_raw):>6}\n"
        f"  linear on scattering         {fmt_pct(acc_scat):>6}\n"
        f"  Scat+CNN hybrid              {fmt_pct(acc_hybrid):>6}  ({t_hybrid:.0f} s training)\n"
        f"total {total:.0f} s"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "dataset": ds.name,
                    "n_train": n_tr,
                    "n_test": n_te,
                    "threads": threads,
                    "scattering_images_per_second": rate,
                    "linear_raw": acc_raw,
                    "linear_scattering": acc_scat,
                    "hybrid": acc_hybrid,
                    "hybrid_epochs": len(history.rows),
                    "hybrid_seconds": t_hybrid,
                    "total_seconds": total,
                },
                indent=1,
            )
        )
    return 0
