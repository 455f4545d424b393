"""Representations of a data set at chosen layers of a network, or orders of a scattering.

:func:`collect` runs a ``torch.nn.Module`` over ``X`` batch by batch with forward hooks and
keeps each chosen layer's output flattened to one row per sample. A layer wider than
``max_dim`` is randomly projected (see :mod:`scatkit.analysis.projection`) as each batch
arrives, so memory stays at ``n * max_dim`` floats per layer whatever the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .projection import RandomProjection, jl_epsilon, pairwise_distortion

#: How many samples' raw (unprojected) rows are kept to measure a projection's distortion.
DISTORTION_SAMPLES = 256


class Representations(dict):
    """``{layer name: (n, d) float32 array}``, in network order, with what was done to each.

    Attributes
    ----------
    shapes : dict
        Per-sample shape of each layer's output before flattening.
    projections : dict
        For each projected layer: ``kind`` ("gaussian" or "sparse"), ``from_dim``, ``to_dim``,
        ``seed``, the measured ``distortion_median`` and ``distortion_max`` of pairwise
        distances over the first :data:`DISTORTION_SAMPLES` samples, and ``jl_eps``, the
        Johnson-Lindenstrauss bound for all ``n`` points (see :func:`~.projection.jl_epsilon`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.projections: dict[str, dict[str, Any]] = {}


class _Sink:
    """Receives one layer's batches (NumPy or torch): flattens, projects, stores rows."""

    def __init__(self, n: int, shape: tuple[int, ...], max_dim: int | None, seed: int) -> None:
        self.shape = shape
        d = int(np.prod(shape))
        self.d = d
        self.k = d if max_dim is None or d <= max_dim else int(max_dim)
        self.out = np.empty((n, self.k), np.float32)
        self.raw: list[np.ndarray] = []
        self.kept_raw = 0
        self.keep_raw = 0
        self.projection: RandomProjection | None = None
        if self.k < d:
            self.projection = RandomProjection(d, self.k, seed)
            # Enough raw rows for a distortion estimate, but never more than 64 MB of them.
            self.keep_raw = min(n, DISTORTION_SAMPLES, max(16, (1 << 24) // d))

    def put(self, start: int, batch: Any) -> None:
        is_numpy = isinstance(batch, np.ndarray)
        if is_numpy:
            flat = np.asarray(batch, dtype=np.float32).reshape(len(batch), -1)
        else:
            flat = batch.detach().reshape(batch.shape[0], -1).float()
        if self.projection is not None:
            if self.kept_raw < self.keep_raw:
                take = min(self.keep_raw - self.kept_raw, flat.shape[0])
                rows = flat[:take] if is_numpy else flat[:take].cpu().numpy()
                self.raw.append(np.array(rows, dtype=np.float32))
                self.kept_raw += take
            flat = self.projection(flat) if is_numpy else self.projection.torch(flat)
        self.out[start : start + flat.shape[0]] = flat if is_numpy else flat.cpu().numpy()

    def info(self, n: int) -> dict[str, Any] | None:
        if self.projection is None:
            return None
        info: dict[str, Any] = {
            "kind": self.projection.kind,
            "from_dim": self.d,
            "to_dim": self.k,
            "seed": self.projection.seed,
            "jl_eps": jl_epsilon(n, self.k),
        }
        raw = np.concatenate(self.raw)
        info.update(pairwise_distortion(raw, self.out[: len(raw)]))
        return info


def _representations(sinks: dict[str, _Sink], n: int) -> Representations:
    """The sinks' rows, in the order they were created (the order the layers ran)."""
    reps = Representations()
    for name, sink in sinks.items():
        reps[name] = sink.out
        reps.shapes[name] = sink.shape
        info = sink.info(n)
        if info is not None:
            reps.projections[name] = info
    return reps


def default_layers(model: Any) -> list[str]:
    """Names (as in ``model.named_modules()``) of the natural blocks of ``model``.

    A model may list its own through an ``analysis_layers()`` method. Otherwise the blocks are:
    a scattering front; a residual block; a ``Sequential`` holding one convolution (or linear
    layer) with its batch norm and nonlinearity (in a ``Sequential`` holding several, the
    module that ends each such group); a lone convolution directly in a non-``Sequential``
    module; a global average pool (what the classifier sees). Modules inside a block are not
    listed. With none of those, the model's top-level children are used.
    """
    from torch import nn

    from ..models.hybrid import ScatteringFront
    from ..models.layers import BasicBlock, WideBasicBlock

    if hasattr(model, "analysis_layers"):
        return list(model.analysis_layers())
    learned = (nn.Conv2d, nn.Conv3d, nn.Linear)
    plain = learned + (
        nn.BatchNorm1d,
        nn.BatchNorm2d,
        nn.BatchNorm3d,
        nn.ReLU,
        nn.ELU,
        nn.GELU,
        nn.Tanh,
        nn.MaxPool2d,
        nn.AvgPool2d,
        nn.Dropout,
        nn.Identity,
        nn.Flatten,
    )
    names: list[str] = []
    inside: list[str] = []
    for name, module in model.named_modules():
        if not name or any(name.startswith(p + ".") for p in inside):
            continue
        parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
        children = list(module.children())
        if isinstance(module, (ScatteringFront, BasicBlock, WideBasicBlock)):
            names.append(name)
        elif (
            isinstance(module, nn.Sequential)
            and children
            and all(isinstance(c, plain) for c in children)
            and any(isinstance(c, learned) for c in children)
        ):
            convs = [i for i, c in enumerate(children) if isinstance(c, learned)]
            if len(convs) == 1:
                names.append(name)
            else:
                ends = [c - 1 for c in convs[1:]] + [len(children) - 1]
                names += [f"{name}.{e}" for e in ends]
        elif isinstance(module, learned[:2]) and not isinstance(parent, nn.Sequential):
            names.append(name)
        elif isinstance(module, nn.AdaptiveAvgPool2d):
            names.append(name)
        else:
            continue
        inside.append(name)
    if not names:
        names = [name for name, _ in model.named_children()]
    return names


def _batches(X: Any, batch_size: int):
    import torch

    for start in range(0, len(X), batch_size):
        batch = X[start : start + batch_size]
        if not isinstance(batch, torch.Tensor):
            batch = torch.from_numpy(np.ascontiguousarray(batch))
        yield start, batch


def collect(
    model: Any,
    X: Any,
    layers: Sequence[str] | None = None,
    batch_size: int = 256,
    max_dim: int | None = 4096,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Representations:
    """Representations of ``X`` at chosen layers of a network, one flattened row per sample.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; it runs in eval mode under ``torch.no_grad()`` (its mode is restored).
    X : array-like or torch.Tensor
        Inputs ``(n, ...)`` as the model takes them; sliced into batches.
    layers : sequence of str, optional
        Names from ``model.named_modules()``, plus ``"input"`` (``X`` itself, flattened) and
        ``"logits"`` (the model's output). Default: ``"input"``, :func:`default_layers`,
        ``"logits"``.
    batch_size : int
        Samples per forward pass.
    max_dim : int or None
        Layers with more values per sample are randomly projected to ``max_dim`` dimensions,
        batch by batch, with a matrix seeded by ``(seed, d, max_dim)``: the same layer width
        always gets the same projection. ``None`` keeps every layer whole.
    seed : int
        Seed of the projections.
    progress : callable, optional
        Called with the number of samples of each batch once it is done (e.g. a progress
        bar's ``update``).

    Returns
    -------
    Representations
        ``{name: (n, d) float32}`` in the order the layers run, with ``.shapes`` and
        ``.projections`` (kind, measured distortion, Johnson-Lindenstrauss bound) attached.
        Projections scale distances by 1 in expectation, so measures that compare layers
        (contraction) stay meaningful; the typical relative error of one distance is about
        ``sqrt(2 / max_dim)`` (2% at 4096).
    """
    import torch

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size!r}.")
    if max_dim is not None and max_dim < 1:
        raise ValueError(f"max_dim must be >= 1 or None, got {max_dim!r}.")
    wanted = list(layers) if layers is not None else ["input", *default_layers(model), "logits"]
    modules = dict(model.named_modules())
    missing = [w for w in wanted if w not in ("input", "logits") and (w not in modules or not w)]
    if missing:
        raise ValueError(
            f"no layer named {missing[0]!r} in the model; names come from "
            f"model.named_modules(), e.g. {', '.join(default_layers(model)[:6])}."
        )
    n = len(X)
    if n == 0:
        raise ValueError("X holds no samples.")
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    sinks: dict[str, _Sink] = {}  # insertion order: the order the layers first ran
    current = {"start": 0}

    def store(name: str, out: Any) -> None:
        if isinstance(out, (tuple, list)):
            out = out[0]
        if name not in sinks:
            sinks[name] = _Sink(n, tuple(out.shape[1:]), max_dim, seed)
        sinks[name].put(current["start"], out)

    handles = [
        modules[w].register_forward_hook(lambda _m, _i, out, w=w: store(w, out))
        for w in wanted
        if w not in ("input", "logits")
    ]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start, batch in _batches(X, batch_size):
                current["start"] = start
                batch = batch.to(device)
                if "input" in wanted:
                    store("input", batch)
                logits = model(batch)
                if "logits" in wanted:
                    store("logits", logits)
                if progress is not None:
                    progress(len(batch))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    never = [w for w in wanted if w not in sinks]
    if never:
        raise ValueError(f"layer {never[0]!r} did not run in the model's forward pass.")
    return _representations(sinks, n)


def scattering_layers(
    S: Any,
    X: Any,
    batch_size: int = 256,
    max_dim: int | None = 4096,
    seed: int = 0,
    include_input: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Representations:
    """Orders 0, 1, 2 of a :class:`scatkit.Scattering2D` as layers ``order0``, ``order1``, ...

    Parameters
    ----------
    S : scatkit.Scattering2D
        The NumPy front end; its ``meta["order"]`` splits the channels.
    X : array-like
        Images ``(n, M, N)`` (or ``(n, C, M, N)``: channels of one order of all input channels
        go together).
    batch_size, max_dim, seed : see :func:`collect`.
    include_input : bool
        Also return ``"input"``, the images flattened (the reference for contraction).
    progress : callable, optional
        Called with the number of images of each batch once it is done.

    Returns
    -------
    Representations
        ``{"input", "order0", "order1", "order2"}`` (orders up to ``S.max_order``).
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if n == 0:
        raise ValueError("X holds no samples.")
    order = np.asarray(S.meta["order"])
    orders = sorted(int(o) for o in np.unique(order))
    sinks: dict[str, _Sink] = {}
    for start in range(0, n, batch_size):
        batch = X[start : start + batch_size]
        coeffs = S(batch)  # (..., K, h, w): the channel axis is third from the end
        parts = {"input": batch} if include_input else {}
        for o in orders:
            parts[f"order{o}"] = np.take(coeffs, np.flatnonzero(order == o), axis=-3)
        for name, part in parts.items():
            if name not in sinks:
                sinks[name] = _Sink(n, part.shape[1:], max_dim, seed)
            sinks[name].put(start, part)
        if progress is not None:
            progress(len(batch))
    return _representations(sinks, n)
