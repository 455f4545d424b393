"""Training and evaluation of hybrid and end-to-end models, with a scattering feature cache.

The loop runs on the CPU or on CUDA when present, seeds everything it uses, follows a
per-step learning-rate schedule, shows tqdm progress bars, logs per-epoch metrics to
CSV and JSON, and saves checkpoints (model, optimizer, scheduler, epoch, RNG states)
that :func:`fit` resumes from exactly.

A hybrid network's scattering front has no parameters, so when no augmentation needs
the raw images the scattering features are computed once by the NumPy engine, cached
on disk (:func:`cached_scattering`) and only ``model.head`` is trained on them.

The package's modules, each with one job: ``config`` (:class:`TrainConfig`), ``runtime``
(seeds, devices, threads, RNG snapshots), ``cache`` (the feature cache), ``loop``
(:func:`fit`, :func:`evaluate`, :func:`predict_logits`), ``checkpoints`` and ``augment``.
Import from ``scatkit.training`` itself; the module layout may change.
"""

from __future__ import annotations

from .augment import augment
from .cache import (
    CACHE_FORMAT,
    CachedFeatures,
    cached_scattering,
    compute_scattering,
    default_cache_dir,
    feature_cache_key,
)
from .checkpoints import CHECKPOINT_FORMAT, load_checkpoint, save_checkpoint
from .config import AUGMENTATIONS, OPTIMIZERS, SCHEDULES, TrainConfig
from .loop import History, evaluate, fit, predict_logits
from .runtime import auto_threads, resolve_device, rng_state, seed_everything, set_rng_state

__all__ = [
    "AUGMENTATIONS",
    "CACHE_FORMAT",
    "CHECKPOINT_FORMAT",
    "OPTIMIZERS",
    "SCHEDULES",
    "CachedFeatures",
    "History",
    "TrainConfig",
    "augment",
    "auto_threads",
    "cached_scattering",
    "compute_scattering",
    "default_cache_dir",
    "evaluate",
    "feature_cache_key",
    "fit",
    "load_checkpoint",
    "predict_logits",
    "resolve_device",
    "rng_state",
    "save_checkpoint",
    "seed_everything",
    "set_rng_state",
]
