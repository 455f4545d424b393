"""The ``scatkit`` command line: ``info``, ``demo``, ``extract``, ``train`` and ``evaluate``.

Every failure a user can cause (missing file, unreadable image, unknown dataset or
model, bad option) ends as one line ``scatkit <command>: error: ...`` on stderr and a
non-zero exit code, never a traceback. Heavy modules (torch, scikit-learn, OpenCV) are
imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .scattering import META_FIELDS, Scattering2D

#: File extensions ``scatkit extract`` treats as images.
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}
)
#: Layout version of the sidecar folder of a resumable ``extract``.
PARTS_FORMAT = 1
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A user-facing error: its message is printed as one line, without a traceback."""


def _eprint(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


# -- shared helpers ---------------------------------------------------------------------------
def _threads(value: str) -> int:
    if value == "auto":
        from .training import auto_threads

        return auto_threads()
    try:
        n = int(value)
    except ValueError:
        raise CLIError(f"--threads must be 'auto' or a positive integer, got {value!r}.") from None
    if n < 1:
        raise CLIError(f"--threads must be 'auto' or a positive integer, got {value!r}.")
    return n


def _size(values: list[int] | None) -> tuple[int, int] | None:
    if values is None:
        return None
    if len(values) not in (1, 2) or min(values) < 1:
        raise CLIError(f"--size takes one or two positive integers (H [W]), got {values}.")
    return (values[0], values[-1])


def _dataset_names() -> tuple[str, ...]:
    from .datasets import available

    return available()


def _load_dataset(name: str, root: str | None, size: tuple[int, int] | None, color: bool) -> Any:
    """Load a named dataset; ``folder`` needs ``root``."""
    from . import datasets

    key = name.strip().lower()
    if key not in datasets.available():
        raise CLIError(
            f"unknown dataset {name!r}; valid names are: {', '.join(datasets.available())}."
        )
    kwargs: dict[str, Any] = {}
    if key in ("cifar10", "stl10") and root is not None:
        kwargs["root"] = root
    if key == "folder":
        if root is None:
            raise CLIError("dataset 'folder' needs --root PATH (a folder of class sub-folders).")
        kwargs.update(root=root, size=size, grayscale=not color)
    ds = datasets.load(key, **kwargs)
    for skipped in ds.skipped:
        _eprint(f"scatkit: skipped unreadable image {skipped}")
    return ds


def _hybrid_scattering_params(model: Any) -> tuple[int, int, int]:
    front = model.front
    return front.J, front.L, front.max_order


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# -- info -------------------------------------------------------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    """Print version, build options, backends, devices and defaults."""
    from .backends import backends

    print(f"scatkit {__version__}")
    try:
        from . import _core

        print(f"build: {_core.build_info()}")
    except ImportError as exc:
        print(f"build: native extension not importable ({_one_line(str(exc))})")
    print(
        f"python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPU cores"
    )
    print("backends:")
    for b in backends():
        state = "available" if b.available else f"unavailable: {b.reason}"
        print(f"  {b.name:<10} {b.device:<5} {state}  ({b.description})")
    try:
        import torch
    except ImportError:
        print("torch: not installed (pip install scatkit[torch] for scatkit.torch and models)")
    else:
        cuda = torch.cuda.is_available()
        print(f"torch {torch.__version__}, CUDA {'available' if cuda else 'not available'}")
        if cuda:
            for i in range(torch.cuda.device_count()):
                print(f"  cuda:{i} {torch.cuda.get_device_name(i)}")
    try:
        import sklearn
    except ImportError:
        print("scikit-learn: not installed (pip install scatkit[sklearn])")
    else:
        print(f"scikit-learn {sklearn.__version__}")
    from .training import auto_threads, default_cache_dir

    cache = default_cache_dir()
    entries = sorted(cache.glob("*.npy")) if cache.is_dir() else []
    size = sum(p.stat().st_size for p in entries) / 2**20
    print(f"feature cache: {cache} ({len(entries)} entries, {size:.1f} MiB)")
    print(f"training threads now (auto): {auto_threads()}")
    print(f"datasets: {', '.join(_dataset_names())}")
    try:
        from .models import MODELS
    except ImportError:
        pass
    else:
        print(f"models: {', '.join(MODELS)}")
    return 0


# -- extract ----------------------------------------------------------------------------------
class _Source:
    """Items to extract: image files of a folder, or the images of a named dataset."""

    def __init__(self) -> None:
        self.kind = ""
        self.description = ""
        self.names: list[str] = []
        self.labels: np.ndarray = np.zeros(0, np.int64)
        self.classes: list[str] = []
        self.split: list[str] | None = None
        self.files: list[Path] = []
        self.images: np.ndarray | None = None
        self.fingerprint = ""


def _folder_source(folder: Path) -> _Source:
    src = _Source()
    src.kind, src.description = "folder", str(folder)
    files, ignored = [], []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            path = Path(dirpath) / fn
            (files if path.suffix.lower() in IMAGE_EXTENSIONS else ignored).append(path)
    if ignored:
        shown = ", ".join(str(p.relative_to(folder)) for p in ignored[:5])
        more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
        _eprint(
            f"scatkit extract: ignoring {len(ignored)} file(s) without an image "
            f"extension: {shown}{more}"
        )
    if not files:
        raise CLIError(f"no image files ({', '.join(sorted(IMAGE_EXTENSIONS))}) found in {folder}.")
    rel = [p.relative_to(folder) for p in files]
    # ImageFolder convention: the first sub-folder names the class; files directly in the
    # folder get label -1.
    src.classes = sorted({r.parts[0] for r in rel if len(r.parts) > 1})
    index = {c: i for i, c in enumerate(src.classes)}
    src.labels = np.array(
        [index[r.parts[0]] if len(r.parts) > 1 else -1 for r in rel], dtype=np.int64
    )
    src.files = files
    src.names = [r.as_posix() for r in rel]
    h = hashlib.sha256()
    for p, name in zip(files, src.names):
        st = p.stat()
        h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    src.fingerprint = h.hexdigest()
    return src


def _dataset_source(name: str, root: str | None) -> _Source:
    ds = _load_dataset(name, root, None, False)
    src = _Source()
    src.kind, src.description = "dataset", ds.name
    src.images = np.concatenate([ds.X_train, ds.X_test])
    src.labels = np.concatenate([ds.y_train, ds.y_test])
    src.classes = list(ds.classes)
    src.split = ["train"] * len(ds.X_train) + ["test"] * len(ds.X_test)
    src.names = [f"{s}/{i}" for s, i in zip(src.split, range(len(src.split)))]
    h = hashlib.sha256(np.ascontiguousarray(src.images).tobytes())
    h.update(src.labels.tobytes())
    src.fingerprint = h.hexdigest()
    return src


def _resolve_source(path: str, root: str | None) -> _Source:
    p = Path(path).expanduser()
    if p.is_dir():
        return _folder_source(p)
    if p.is_file():
        raise CLIError(
            f"{path} is a file; extract takes a folder of images or a dataset name "
            f"({', '.join(n for n in _dataset_names() if n != 'folder')})."
        )
    names = [n for n in _dataset_names() if n != "folder"]
    if path.strip().lower() in names:
        return _dataset_source(path, root)
    raise CLIError(f"{path}: no such folder, and not a dataset name ({', '.join(names)}).")


def _read_item(
    src: _Source, i: int, color: bool, size: tuple[int, int] | None, resize: str
) -> np.ndarray:
    if src.images is not None:
        return src.images[i]
    from .datasets import read_image

    return read_image(src.files[i], grayscale=not color, size=size, resize=resize)


def _first_image_size(src: _Source, color: bool, resize: str) -> tuple[int, int]:
    for i in range(len(src.names)):
        try:
            img = _read_item(src, i, color, None, resize)
        except ValueError:
            continue  # reported when its chunk is processed
        return tuple(img.shape[-2:])  # type: ignore[return-value]
    raise CLIError(f"none of the {len(src.names)} image files in {src.description} can be read.")


def _atomic_savez(path: Path, **arrays: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _scatter_chunk(S: Scattering2D, images: np.ndarray) -> np.ndarray:
    """Scattering of a chunk (n, [C,] H, W) -> (n, C*K, H', W'); a seam for tests."""
    out = S(images)
    return out.reshape(images.shape[0], -1, *out.shape[-2:])


def _load_chunk(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None


def cmd_extract(args: argparse.Namespace) -> int:
    """Scattering features of a folder of images or a named dataset, resumably, into an npz."""
    from tqdm.auto import tqdm

    out = Path(args.output).expanduser()
    if out.suffix != ".npz":
        raise CLIError(f"the output must be an .npz file, got {args.output!r}.")
    if out.exists() and not args.overwrite:
        raise CLIError(f"{out} already exists; pass --overwrite to replace it.")
    size = _size(args.size)
    if args.batch_size < 1:
        raise CLIError(f"--batch-size must be a positive integer, got {args.batch_size}.")
    src = _resolve_source(args.path, args.root)
    n = len(src.names)
    if src.images is not None:
        data_size = tuple(src.images.shape[-2:])
        if size is not None and size != data_size:
            raise CLIError(
                f"--size resizes image folders only; {src.description} images are "
                f"{data_size[0]}x{data_size[1]}."
            )
        size = data_size
        channels = 1 if src.images.ndim == 3 else src.images.shape[1]
    else:
        channels = 3 if args.color else 1
    if size is None:
        size = _first_image_size(src, args.color, args.resize)
    threads = None if args.threads is None else _threads(args.threads)
    S = Scattering2D(
        args.J, size, L=args.L, max_order=args.order, backend=args.backend, threads=threads
    )
    params = {
        "J": S.J,
        "L": S.L,
        "max_order": S.max_order,
        "size": list(size),
        "color": args.color,
        "resize": args.resize,
        "batch_size": args.batch_size,
    }
    manifest = {
        "format": PARTS_FORMAT,
        "scatkit": __version__,
        "source": src.description,
        "kind": src.kind,
        "n": n,
        "fingerprint": src.fingerprint,
        "params": params,
    }
    parts = out.with_name(out.name + ".parts")
    manifest_path = parts / "manifest.json"
    if parts.is_dir() and args.restart:
        shutil.rmtree(parts)
    if manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            old = None
        if old != manifest:
            raise CLIError(
                f"{parts} holds a partial extraction with different inputs or settings; "
                "pass --restart to discard it, or rerun with the original settings."
            )
        _eprint(f"scatkit extract: resuming from {parts}")
    else:
        parts.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps(manifest, indent=1))

    n_chunks = (n + args.batch_size - 1) // args.batch_size
    computed_images, compute_seconds, skipped = 0, 0.0, []
    bar = tqdm(total=n, desc="extract", unit="img", disable=args.no_progress, file=sys.stderr)
    for c in range(n_chunks):
        lo, hi = c * args.batch_size, min(n, (c + 1) * args.batch_size)
        chunk_path = parts / f"chunk_{c:06d}.npz"
        chunk = _load_chunk(chunk_path) if chunk_path.is_file() else None
        if chunk is None:
            images, index, bad, reasons = [], [], [], []
            for i in range(lo, hi):
                try:
                    img = _read_item(src, i, args.color, size, args.resize)
                    if tuple(img.shape[-2:]) != size:
                        raise ValueError(
                            f"is {img.shape[-2]}x{img.shape[-1]}, expected {size[0]}x{size[1]} "
                            "(pass --size to resize every image)"
                        )
                except ValueError as exc:
                    reason = _one_line(str(exc))
                    bar.write(
                        f"scatkit extract: skipping {src.names[i]}: {reason}", file=sys.stderr
                    )
                    bad.append(i)
                    reasons.append(reason)
                    continue
                images.append(img)
                index.append(i)
            t0 = time.perf_counter()
            if images:
                feats = _scatter_chunk(S, np.stack(images).astype(np.float32, copy=False))
            else:
                feats = np.zeros((0, len(S) * channels) + S.out_spatial_shape, np.float32)
            compute_seconds += time.perf_counter() - t0
            computed_images += len(images)
            chunk = {
                "features": feats,
                "index": np.asarray(index, np.int64),
                "skipped_index": np.asarray(bad, np.int64),
                "skipped_reason": np.asarray(reasons, dtype=str),
            }
            _atomic_savez(chunk_path, **chunk)
        else:
            for i, reason in zip(chunk["skipped_index"], chunk["skipped_reason"]):
                bar.write(
                    f"scatkit extract: skipped {src.names[int(i)]}: {reason}", file=sys.stderr
                )
        skipped += [
            (src.names[int(i)], str(r))
            for i, r in zip(chunk["skipped_index"], chunk["skipped_reason"])
        ]
        bar.update(hi - lo)
        if compute_seconds > 0:
            bar.set_postfix_str(f"{computed_images / compute_seconds:.0f} img/s")
    bar.close()

    chunks = [_load_chunk(parts / f"chunk_{c:06d}.npz") for c in range(n_chunks)]
    if any(ch is None for ch in chunks):
        raise CLIError(f"a chunk in {parts} became unreadable; rerun to recompute it.")
    index = np.concatenate([ch["index"] for ch in chunks])
    if len(index) == 0:
        raise CLIError(f"no image of {src.description} could be read; nothing to write.")
    features = np.concatenate([ch["features"] for ch in chunks if len(ch["index"])])
    result: dict[str, Any] = {
        "features": features,
        "labels": src.labels[index],
        "classes": np.asarray(src.classes, dtype=str),
        "names": np.asarray([src.names[i] for i in index], dtype=str),
        "meta": S.meta_table(),
        "meta_fields": np.asarray(META_FIELDS, dtype=str),
        "channels": np.int64(channels),
        "J": np.int64(S.J),
        "L": np.int64(S.L),
        "max_order": np.int64(S.max_order),
        "image_size": np.asarray(size, np.int64),
        "scatkit_version": np.asarray(__version__),
        "skipped_files": np.asarray([s for s, _ in skipped], dtype=str),
        "skipped_reasons": np.asarray([r for _, r in skipped], dtype=str),
    }
    if src.split is not None:
        result["split"] = np.asarray([src.split[i] for i in index], dtype=str)
    _atomic_savez(out, **result)
    if not args.keep_parts:
        shutil.rmtree(parts, ignore_errors=True)
    rate = f", {computed_images / compute_seconds:.0f} images/s" if compute_seconds > 0 else ""
    print(
        f"wrote {out}: features {features.shape} (float32) from {len(index)} images"
        f"{rate}; {len(skipped)} skipped"
    )
    if skipped:
        _eprint(
            f"scatkit extract: {len(skipped)} image(s) skipped: "
            + "; ".join(f"{s} ({r})" for s, r in skipped[:5])
            + (" ..." if len(skipped) > 5 else "")
        )
    return 0


# -- train / evaluate -------------------------------------------------------------------------
def _model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs = {}
    for name in ("J", "width", "k", "depth"):
        value = getattr(args, name, None)
        if value is not None:
            kwargs[name] = value
    return kwargs


def _features(
    model: Any,
    X: np.ndarray,
    what: str,
    cache_dir: str | None,
    use_cache: bool,
    progress: bool,
    log: Any = print,
) -> np.ndarray:
    """Cached scattering features of ``X`` for a hybrid model's front."""
    from .training import cached_scattering

    J, L, order = _hybrid_scattering_params(model)
    res = cached_scattering(
        X,
        J,
        L,
        order,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
        desc=f"scattering {what}",
    )
    how = "cache hit" if res.hit else f"{res.images_per_second:.0f} images/s"
    log(f"scattering features ({what}): {res.features.shape} [{how}]")
    return res.features


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model on a named dataset; save checkpoint and metrics."""
    from .models import build_model, count_parameters, is_hybrid
    from .training import TrainConfig, fit, seed_everything

    ds = _load_dataset(args.dataset, args.root, _size(args.size), args.color)
    if args.subset is not None:
        ds = ds.balanced_train(args.subset, seed=args.seed)
    lr = args.lr if args.lr is not None else (0.05 if args.optimizer == "sgd" else 1e-3)
    cfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=lr,
        optimizer=args.optimizer,
        schedule=args.schedule,
        seed=args.seed,
        augment=args.augment,
        device=args.device,
        threads=_threads(args.threads),
        progress=not args.no_progress,
    )
    seed_everything(args.seed)
    model = build_model(args.model, ds.image_shape, ds.n_classes, **_model_kwargs(args))
    tag = f"{ds.name}-{args.model}-n{len(ds.y_train)}-s{args.seed}"
    out_dir = Path(args.out_dir).expanduser() if args.out_dir else Path("runs") / tag
    ckpt = Path(args.checkpoint).expanduser() if args.checkpoint else out_dir / "checkpoint.pt"
    if ckpt.exists() and not args.resume and not args.overwrite:
        raise CLIError(f"{ckpt} exists; pass --resume to continue it or --overwrite to start over.")
    if args.resume and not ckpt.exists():
        _eprint(f"scatkit train: no checkpoint at {ckpt} yet; starting from scratch")
    use_features = args.augment == "none" and not args.no_features
    print(
        f"{args.model}: {count_parameters(model):,} trainable parameters; "
        f"{ds.name}: {len(ds.y_train)} train / {len(ds.y_test)} test images "
        f"{ds.image_shape}, {ds.n_classes} classes"
    )
    Xtr, Xte, inputs = ds.X_train, ds.X_test, "images"
    if use_features and is_hybrid(model):
        cache = (args.cache_dir, not args.no_cache, cfg.progress)
        Xtr = _features(model, ds.X_train, "train", *cache)
        Xte = _features(model, ds.X_test, "test", *cache)
        inputs = "features"
    if is_hybrid(model) and inputs == "images":
        print("training through the scattering front on raw images (augmentation needs them)")

    def report(row: dict[str, float]) -> None:
        print(
            f"epoch {int(row['epoch']):>3}  loss {row['train_loss']:.4f}  train "
            f"{_fmt_pct(row['train_accuracy'])}  test {_fmt_pct(row['val_accuracy'])}  "
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
            f"test accuracy {_fmt_pct(final['val_accuracy'])} "
            f"(loss {final['val_loss']:.4f}, n={len(ds.y_test)})"
        )
    print(f"checkpoint: {ckpt}\nmetrics: {out_dir / 'metrics.csv'}, {out_dir / 'metrics.json'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Accuracy of a checkpoint on a dataset split."""
    from .models import is_hybrid, model_from_spec
    from .training import evaluate, load_checkpoint, predict_logits

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
    size = _size(args.size) if args.size else _size(extra.get("size"))
    color = args.color or bool(extra.get("color"))
    ds = _load_dataset(name, root, size, color)
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
        log = _eprint if args.json else print
        X = _features(
            model, X, args.split, args.cache_dir, not args.no_cache, not args.no_progress, log
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
            f"{_fmt_pct(metrics['accuracy'])}, loss {metrics['loss']:.4f}, n={metrics['n']}"
        )
        print("per class: " + ", ".join(f"{c} {_fmt_pct(a)}" for c, a in per_class.items()))
    return 0


# -- demo -------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    """Scattering features + linear baseline vs raw pixels + a small hybrid, on offline data."""
    t_start = time.perf_counter()
    threads = _threads(args.threads)
    name = args.dataset or ("digits" if args.quick else "mnist5k")
    try:
        ds = _load_dataset(name, None, None, False)
    except ImportError as exc:
        if name != "mnist5k" or args.dataset:
            raise
        _eprint(f"scatkit demo: {_one_line(str(exc))}; using scikit-learn's digits instead")
        ds = _load_dataset("digits", None, None, False)
    if args.quick:
        ds = ds.balanced_train(min(len(ds.y_train), 300), seed=0)
    H, W = ds.image_shape[-2:]
    J = 2 if min(H, W) >= 16 else 1
    print(
        f"scatkit {__version__} demo: {ds.name}, {len(ds.y_train)} train / {len(ds.y_test)} "
        f"test images of {H}x{W}, {ds.n_classes} classes; {threads} thread(s)"
    )

    # 1. Scattering features, measured on a fresh computation even when cached.
    from .training import cached_scattering, compute_scattering

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
        progress=not args.no_progress,
    )
    F_train, F_test = feats.features[: len(ds.y_train)], feats.features[len(ds.y_train) :]
    how = "from cache" if feats.hit else f"computed in {feats.seconds:.1f} s"
    print(f"      features for all {len(X_all)} images: {feats.features.shape} ({how})")

    # 2. The same linear classifier on scattering features and on raw pixels.
    from .sklearn import linear_baseline

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
        f"      on scattering features: {_fmt_pct(acc_scat)} test accuracy ({t_scat:.1f} s)\n"
        f"      on raw pixels:          {_fmt_pct(acc_raw)} test accuracy ({t_raw:.1f} s)"
    )

    # 3. A small hybrid network trained on the cached features.
    from .models import build_model, count_parameters
    from .training import TrainConfig, fit, seed_everything

    seed_everything(0)
    width = 16 if args.quick else 64
    model = build_model("scat-cnn", (H, W), ds.n_classes, J=J, width=width)
    epochs = 10 if args.quick else args.epochs
    cfg = TrainConfig(
        epochs=epochs,
        batch_size=64,
        lr=0.05,
        threads=threads,
        seed=0,
        progress=not args.no_progress,
    )
    budget = 1e9 if args.quick else args.seconds
    print(
        f"[3/3] Scat+CNN hybrid ({count_parameters(model):,} parameters), head trained on "
        f"cached features, up to {epochs} epochs / {budget if not args.quick else '-'} s:"
    )

    def report(row: dict[str, float]) -> None:
        print(
            f"      epoch {int(row['epoch']):>2}: loss {row['train_loss']:.3f}, test "
            f"{_fmt_pct(row['val_accuracy'])} ({row['seconds']:.1f} s)",
            flush=True,
        )

    t0 = time.perf_counter()
    history = fit(
        model,
        F_train,
        ds.y_train,
        F_test,
        ds.y_test,
        cfg,
        inputs="features",
        max_seconds=None if args.quick else budget,
        on_epoch=report,
    )
    t_hybrid = time.perf_counter() - t0
    for note in history.notes:
        print(f"      note: {note}")
    acc_hybrid = history.final["val_accuracy"]
    total = time.perf_counter() - t_start
    print(
        f"summary on {ds.name} ({n_te} test images):\n"
        f"  linear on raw pixels         {_fmt_pct(acc_raw):>6}\n"
        f"  linear on scattering         {_fmt_pct(acc_scat):>6}\n"
        f"  Scat+CNN hybrid              {_fmt_pct(acc_hybrid):>6}  ({t_hybrid:.0f} s training)\n"
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


# -- parser -----------------------------------------------------------------------------------
def _add_scattering_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--J", type=int, default=2, help="number of scales (default 2)")
    p.add_argument("--L", type=int, default=8, help="number of angles (default 8)")
    p.add_argument("--order", type=int, default=2, choices=(1, 2), help="max order (default 2)")


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", help="data folder (cifar10, stl10; required for 'folder')")
    p.add_argument("--size", type=int, nargs="+", metavar="N", help="resize folder images to H [W]")
    p.add_argument(
        "--color", action="store_true", help="keep RGB for folder images (default: grayscale)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``scatkit`` command."""
    parser = argparse.ArgumentParser(
        prog="scatkit",
        description="Fast, exact 2D wavelet scattering: features, baselines and hybrid nets.",
    )
    parser.add_argument("--version", action="version", version=f"scatkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("info", help="version, build options, backends and devices")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("demo", help="features, linear baseline and a hybrid net on offline data")
    p.add_argument("--quick", action="store_true", help="tiny run (seconds), for tests")
    p.add_argument(
        "--dataset", choices=("mnist5k", "digits"), help="default mnist5k (digits with --quick)"
    )
    p.add_argument("--epochs", type=int, default=20, help="hybrid epochs at most (default 20)")
    p.add_argument(
        "--seconds",
        type=float,
        default=90.0,
        help="time budget of the hybrid training (default 90)",
    )
    p.add_argument("--threads", default="auto", help="CPU threads for training ('auto')")
    p.add_argument("--backend", default="auto", help="scattering backend (default auto)")
    p.add_argument("--throughput-images", type=int, default=1000, help=argparse.SUPPRESS)
    p.add_argument("--cache-dir", help="feature cache folder (default ~/.cache/scatkit/features)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("extract", help="scattering features of a folder or dataset into .npz")
    p.add_argument("path", help="folder of images (class sub-folders give labels) or dataset name")
    p.add_argument("-o", "--output", required=True, help="output .npz file")
    _add_scattering_options(p)
    p.add_argument(
        "--size",
        type=int,
        nargs="+",
        metavar="N",
        help="resize images to H [W] (default: the first image's size)",
    )
    p.add_argument(
        "--resize",
        choices=("crop", "stretch"),
        default="crop",
        help="how --size resizes: keep aspect and crop (default) or stretch",
    )
    p.add_argument(
        "--color", action="store_true", help="scatter R, G, B separately (default: grayscale)"
    )
    p.add_argument("--backend", default="auto", help="scattering backend (default auto)")
    p.add_argument("--threads", default=None, help="engine threads (default: all cores)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=128,
        help="images per chunk; finished chunks survive interruptions (default 128)",
    )
    p.add_argument("--root", help="data folder for cifar10/stl10")
    p.add_argument("--restart", action="store_true", help="discard a previous partial run")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--keep-parts", action="store_true", help="keep the chunk folder afterwards")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("train", help="train a hybrid or baseline model on a dataset")
    p.add_argument("--dataset", default="mnist5k", help="dataset name (default mnist5k)")
    _add_data_options(p)
    p.add_argument("--model", default="scat-cnn", help="model name (default scat-cnn)")
    p.add_argument("--subset", type=int, help="class-balanced training subset of N images")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, help="peak learning rate (default 0.05 sgd, 1e-3 adam)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--schedule", choices=("cosine", "step", "constant"), default="cosine")
    p.add_argument("--augment", choices=("none", "shift", "shift-flip"), default="none")
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
    p.add_argument("--cache-dir", help="feature cache folder")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:n]")
    p.add_argument("--threads", default="auto", help="CPU threads ('auto': idle cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="accuracy of a checkpoint on a dataset")
    p.add_argument("--checkpoint", required=True, help="checkpoint written by `scatkit train`")
    p.add_argument("--dataset", help="dataset name (default: the one it was trained on)")
    _add_data_options(p)
    p.add_argument("--split", choices=("test", "train"), default="test")
    p.add_argument("--cache-dir", help="feature cache folder")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:n]")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``scatkit`` command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    prog = f"scatkit {args.command}"
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (e.g. `scatkit info | head`): stop quietly, and point stdout
        # at devnull so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except KeyboardInterrupt:
        hints = {
            "extract": "; rerun the same command to resume",
            "train": "; add --resume to continue from the last finished epoch",
        }
        hint = hints.get(args.command, "")
        _eprint(f"{prog}: interrupted{hint}")
        return EXIT_INTERRUPTED
    except (
        CLIError,
        ValueError,
        TypeError,
        OSError,
        ImportError,
        RuntimeError,
        FloatingPointError,
    ) as exc:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, FileNotFoundError) and exc.filename and str(exc.filename) not in message:
            message = f"{exc.filename}: {message}"
        _eprint(f"{prog}: error: {_one_line(message)}")
        return EXIT_ERROR
