"""Scattering features of a folder of images or a named dataset, resumably, into one ``.npz``.

:func:`extract` is what ``scatkit extract`` runs. The images are cut into chunks of
``batch_size``; each finished chunk is written atomically to a sidecar folder
``<output>.parts/`` beside a ``manifest.json`` that records the inputs and settings. A
later call with the same inputs and settings skips the finished chunks, so an
interrupted extraction resumes where it stopped and gives the same file an
uninterrupted one gives. At the end the chunks are assembled into ``output`` and the
sidecar folder is removed. The sources (folders, datasets) are in ``_sources``; their
API is re-exported here.

Error messages name the settings as the ``scatkit extract`` options of the same name
(``--overwrite`` for ``overwrite=True``, ``--size`` for ``size=``...), the way most
users meet them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from ._atomic import atomic_path
from ._invariance import meta_fields
from ._progress import Progress, progress_bar
from ._sources import (
    IMAGE_EXTENSIONS,
    Source,
    dataset_source,
    folder_source,
    prepare_source,
    read_item,
    resolve_source,
)
from .reference_invariance import check_invariance
from .scattering import Scattering2D

#: Layout version of the sidecar folder of a resumable extraction.
PARTS_FORMAT = 1

__all__ = [
    "IMAGE_EXTENSIONS",
    "PARTS_FORMAT",
    "ExtractResult",
    "Source",
    "dataset_source",
    "extract",
    "folder_source",
    "read_item",
    "resolve_source",
]


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


# -- the chunk store --------------------------------------------------------------------------
def _scatter_chunk(S: Scattering2D, images: np.ndarray) -> np.ndarray:
    """Scattering of a chunk (n, [C,] H, W) -> (n, C*K, H', W'); a seam for tests."""
    out = S(images)
    return out.reshape(images.shape[0], -1, *out.shape[-2:])


def _chunk_path(parts: Path, c: int) -> Path:
    return parts / f"chunk_{c:06d}.npz"


def _load_chunk(path: Path) -> dict[str, np.ndarray] | None:
    """A finished chunk's arrays, or None when it is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None


def _save_arrays(path: Path, arrays: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        np.savez(tmp, **arrays)


def check_option_invariance(invariance: Any, angular_scales: Any) -> tuple[str, int]:
    """:func:`check_invariance`, its errors as ValueError naming the ``scatkit extract`` options."""
    try:
        return check_invariance(invariance, angular_scales)
    except (TypeError, ValueError) as exc:
        # check_invariance's messages start with the keyword's name.
        name, _, rest = str(exc).partition(" ")
        raise ValueError(f"--{name.replace('_', '-')} {rest}") from None


def invariance_params(S: Scattering2D) -> dict[str, Any]:
    """The manifest entries of ``S``'s invariance: none for the translation scattering.

    Leaving them out for "translation" keeps manifests, and so the stores and files
    written before extraction took ``invariance=``, exactly as they were.
    """
    if S.invariance == "translation":
        return {}
    return {"invariance": S.invariance, "angular_scales": S.angular_scales}


def _open_parts(parts: Path, manifest: dict[str, Any], restart: bool) -> bool:
    """Prepare the sidecar folder for ``manifest``; True when it resumes a partial run."""
    from .features import differences

    path = parts / "manifest.json"
    if parts.is_dir() and restart:
        shutil.rmtree(parts)
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError):
            old = None
        if old != manifest:
            named = ""
            if isinstance(old, dict):
                named = f" ({differences(old, manifest, 'partial run')})"
            raise ValueError(
                f"{parts} holds a partial extraction with different inputs or settings"
                f"{named}; pass --restart to discard it, or rerun with the original settings."
            )
        return True
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1))
    return False


def _compute_chunk(
    S: Scattering2D,
    src: Source,
    items: range,
    channels: int,
    color: bool,
    size: tuple[int, int],
    resize: str,
    note: Callable[[str], None],
) -> tuple[dict[str, np.ndarray], float]:
    """The arrays of one chunk file, and the seconds spent scattering (reading excluded)."""
    images, index, bad, reasons = [], [], [], []
    for i in items:
        try:
            img = read_item(src, i, color, size, resize)
            if tuple(img.shape[-2:]) != size:
                raise ValueError(
                    f"is {img.shape[-2]}x{img.shape[-1]}, expected {size[0]}x{size[1]} "
                    "(pass --size to resize every image)"
                )
        except ValueError as exc:
            reason = _one_line(str(exc))
            note(f"skipping {src.names[i]}: {reason}")
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
    seconds = time.perf_counter() - t0
    chunk = {
        "features": feats,
        "index": np.asarray(index, np.int64),
        "skipped_index": np.asarray(bad, np.int64),
        "skipped_reason": np.asarray(reasons, dtype=str),
    }
    return chunk, seconds


def _assemble(
    out: Path,
    parts: Path,
    n_chunks: int,
    src: Source,
    S: Scattering2D,
    channels: int,
    size: tuple[int, int],
    skipped: list[tuple[str, str]],
) -> tuple[tuple[int, ...], int]:
    """Write ``out`` from the finished chunks; return the features' shape and image count."""
    chunks = [_load_chunk(_chunk_path(parts, c)) for c in range(n_chunks)]
    if any(ch is None for ch in chunks):
        raise ValueError(f"a chunk in {parts} became unreadable; rerun to recompute it.")
    index = np.concatenate([ch["index"] for ch in chunks])
    if len(index) == 0:
        raise ValueError(f"no image of {src.description} could be read; nothing to write.")
    features = np.concatenate([ch["features"] for ch in chunks if len(ch["index"])])
    result: dict[str, Any] = {
        "features": features,
        "labels": src.labels[index],
        "classes": np.asarray(src.classes, dtype=str),
        "names": np.asarray([src.names[i] for i in index], dtype=str),
        "meta": S.meta_table(),
        "meta_fields": np.asarray(meta_fields(S.invariance), dtype=str),
        "channels": np.int64(channels),
        "J": np.int64(S.J),
        "L": np.int64(S.L),
        "max_order": np.int64(S.max_order),
        **{k: np.asarray(v) for k, v in invariance_params(S).items()},
        "image_size": np.asarray(size, np.int64),
        "scatkit_version": np.asarray(__version__),
        "skipped_files": np.asarray([s for s, _ in skipped], dtype=str),
        "skipped_reasons": np.asarray([r for _, r in skipped], dtype=str),
    }
    if src.split is not None:
        result["split"] = np.asarray([src.split[i] for i in index], dtype=str)
    _save_arrays(out, result)
    return features.shape, len(index)


# -- extraction -------------------------------------------------------------------------------
@dataclass
class ExtractResult:
    """What :func:`extract` wrote."""

    output: Path  #: the .npz file
    features_shape: tuple[int, ...]  #: (n, C*K, H', W'), float32
    n_images: int  #: images in the output
    skipped: list[tuple[str, str]]  #: (name, reason) of every unreadable item
    resumed: bool  #: True when finished chunks of an earlier run were reused
    computed_images: int  #: images scattered by this call (not taken from chunks)
    compute_seconds: float  #: time spent scattering them

    @property
    def images_per_second(self) -> float:
        """Throughput of this call's scattering (nan when every chunk was reused)."""
        if self.compute_seconds <= 0:
            return float("nan")
        return self.computed_images / self.compute_seconds


def extract(
    source: str | os.PathLike,
    output: str | os.PathLike,
    J: int = 2,
    L: int = 8,
    max_order: int = 2,
    *,
    size: tuple[int, int] | None = None,
    resize: str = "crop",
    color: bool = False,
    backend: str = "auto",
    threads: int | None = None,
    batch_size: int = 128,
    root: str | os.PathLike | None = None,
    restart: bool = False,
    overwrite: bool = False,
    keep_parts: bool = False,
    progress: Progress = False,
    log: Callable[[str], None] | None = None,
    max_pixels: int | None = None,
    invariance: str = "translation",
    angular_scales: int = 0,
) -> ExtractResult:
    """Scattering features of every image of ``source``, written to ``output`` (.npz).

    Parameters
    ----------
    source : str or path
        A folder of images (searched recursively; the first sub-folder names the class,
        ImageFolder style) or a dataset name of :func:`scatkit.datasets.available` other
        than ``"folder"`` (train images, then test images).
    output : str or path
        The ``.npz`` file to write; its chunks live in ``<output>.parts/`` meanwhile.
    J, L, max_order : int
        Scattering parameters (see :class:`scatkit.Scattering2D`).
    size : (int, int), optional
        Resize folder images to ``(H, W)``; default: the first readable image's size.
        Datasets keep their own size.
    resize : {"crop", "stretch"}
        How ``size`` resizes: keep the aspect ratio and crop, or stretch.
    color : bool
        Scatter the R, G and B channels of folder images separately (default grayscale).
    backend : str
        Scattering backend (default ``"auto"``).
    threads : int, optional
        Engine threads (default: all cores).
    batch_size : int
        Images per chunk; a finished chunk survives an interruption.
    root : path, optional
        Data folder of the cifar10 and stl10 datasets.
    restart : bool
        Discard the chunks of an earlier, unfinished call instead of resuming it.
    overwrite : bool
        Replace an existing ``output`` (otherwise that is an error).
    keep_parts : bool
        Keep ``<output>.parts/`` after writing ``output``.
    progress : {"auto", "always", "never"} or bool
        Progress on stderr: ``"auto"`` draws a bar on a terminal and prints a line every
        10% of the images (or 30 s) elsewhere; ``"always"`` or True a bar, ``"never"`` or
        False (the default) nothing.
    log : callable, optional
        Receives one line per notice: ignored files, a resume, each unreadable image.
    max_pixels : int, optional
        Folder images whose header declares more pixels are skipped before decoding
        (default :data:`scatkit.datasets.DEFAULT_MAX_PIXELS`).
    invariance : {"translation", "rotation", "roto-translation", "roto-translation-separable"}
        The variant computed (see :class:`scatkit.Scattering2D` and docs/transform.md,
        section 7); default the translation scattering.
    angular_scales : int
        Angular wavelets K of the roto-translation variants; 0 picks the variant's default.

    Returns
    -------
    ExtractResult
        The output path, the features' shape, the skipped images and timings.

    Raises
    ------
    ValueError
        For a bad setting or source, when no image can be read, or when
        ``<output>.parts/`` holds an unfinished call with other inputs or settings.
    KeyboardInterrupt
        Passed on as is; calling again with the same arguments resumes.

    Notes
    -----
    The output holds ``features`` (n, C*K, H', W') float32 in item order, ``labels``,
    ``classes``, ``names``, ``meta`` and ``meta_fields`` (one row per scattering channel),
    ``channels``, ``J``, ``L``, ``max_order``, ``image_size``, ``scatkit_version``,
    ``skipped_files`` and ``skipped_reasons``, and for datasets ``split``. With an
    ``invariance`` other than "translation" it also holds ``invariance`` and
    ``angular_scales`` (K resolved), and ``meta`` has the variant's seven columns.
    """
    from tqdm.auto import tqdm

    def note(message: str) -> None:
        if log is not None:
            with tqdm.external_write_mode(file=sys.stderr):
                log(message)

    out = Path(output).expanduser()
    if out.suffix != ".npz":
        raise ValueError(f"the output must be an .npz file, got {str(output)!r}.")
    if out.exists() and not overwrite:
        raise ValueError(f"{out} already exists; pass --overwrite to replace it.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"--batch-size must be a positive integer, got {batch_size}.")
    invariance, angular_scales = check_option_invariance(invariance, angular_scales)
    src, size, channels = prepare_source(source, root, size, color, resize, note, max_pixels)
    kw = {"invariance": invariance, "angular_scales": angular_scales}
    S = Scattering2D(J, size, L=L, max_order=max_order, backend=backend, threads=threads, **kw)
    manifest = {
        "format": PARTS_FORMAT,
        "scatkit": __version__,
        "source": src.description,
        "kind": src.kind,
        "n": len(src.names),
        "fingerprint": src.fingerprint,
        "params": {
            "J": S.J,
            "L": S.L,
            "max_order": S.max_order,
            "size": list(size),
            "color": color,
            "resize": resize,
            "batch_size": batch_size,
            **invariance_params(S),
        },
    }
    parts = out.with_name(out.name + ".parts")
    resumed = _open_parts(parts, manifest, restart)
    if resumed:
        note(f"resuming from {parts}")

    n = len(src.names)
    n_chunks = (n + batch_size - 1) // batch_size
    computed, seconds, skipped = 0, 0.0, []
    bar = progress_bar(progress, total=n, desc="extract", unit="img")
    for c in range(n_chunks):
        lo, hi = c * batch_size, min(n, (c + 1) * batch_size)
        path = _chunk_path(parts, c)
        chunk = _load_chunk(path) if path.is_file() else None
        if chunk is None:
            chunk, t = _compute_chunk(S, src, range(lo, hi), channels, color, size, resize, note)
            seconds += t
            computed += len(chunk["index"])
            _save_arrays(path, chunk)
        else:
            for i, reason in zip(chunk["skipped_index"], chunk["skipped_reason"]):
                note(f"skipped {src.names[int(i)]}: {reason}")
        skipped += [
            (src.names[int(i)], str(r))
            for i, r in zip(chunk["skipped_index"], chunk["skipped_reason"])
        ]
        bar.update(hi - lo)
        if seconds > 0:
            bar.set_postfix_str(f"{computed / seconds:.0f} img/s")
    bar.close()

    features, n_images = _assemble(out, parts, n_chunks, src, S, channels, size, skipped)
    if not keep_parts:
        shutil.rmtree(parts, ignore_errors=True)
    return ExtractResult(out, features, n_images, skipped, resumed, computed, seconds)
