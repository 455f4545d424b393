"""PyTorch front end: ``scatkit.torch.Scattering2D``, an ``nn.Module``.

This file is ``scatkit/torch.py``; ``import torch`` below is an absolute import, so it loads
PyTorch, not this module.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch
from torch import nn

from . import _kymatio_compat as kc
from . import _torch_fft, _torch_invariance, _torch_native
from ._invariance import _averaging_matrix, check_invariance, meta_fields
from ._torch_autograd import ScatteringFunction as _ScatteringFunction
from ._torch_invariance import joint_index as _joint_index
from ._torch_native import _cuda_engine_available
from ._validation import channel_table, check_geometry, check_int
from .backends import resolve
from .reference_invariance import channel_table as _invariant_table

try:
    from . import _core
except ImportError:  # pragma: no cover - the extension is part of every supported install
    _core = None

__all__ = ["Scattering2D"]

_BACKENDS = ("auto", "native", "cuda", "torch")


# -- the module ----------------------------------------------------------------------------------
class Scattering2D(kc.KymatioAttributes, nn.Module):
    """2D scattering transform as a PyTorch module, identical to Kymatio 0.3's.

    Maps a real tensor ``(..., M, N)`` of float32 or float64 to ``(..., K, M', N')`` of the same
    dtype and device, with ``K = len(self)`` channels described by :attr:`meta` and
    ``M' = Mp / 2**J - 2`` (``Mp`` the padded height; likewise ``N'``). float16 and bfloat16
    inputs are computed in float32 and returned in their dtype, integer and boolean ones give
    float32; autocast never lowers the transform's precision. Takes Kymatio's arguments in
    Kymatio's order, with their meaning.

    Parameters
    ----------
    J : int
        Number of scales; the output is subsampled by ``2**J``. Needs ``2**J <= min(M, N)``.
    shape : tuple of int
        Image size ``(M, N)``.
    L : int, default 8
        Number of wavelet angles.
    max_order : {1, 2}, default 2
        Highest scattering order computed.
    pre_pad : bool, default False
        True: inputs are already padded to the (P, Q) grid (Kymatio's ``pre_pad``); computed by
        the ``torch.fft`` implementation (the engine always pads).
    backend : {"auto", "native", "cuda", "torch"}, default "auto"
        Engine of the forward pass, see below. Kymatio's "torch_skcuda" means "auto".
    out_type : {"array", "list"}, default "array"
        ``"list"``: Kymatio's list of one dict per channel (``coef``, ``j``, ``theta``, ``n``).
    threads : int or None
        CPU threads of the native engine; ``None`` uses every core.
    invariance : str, default "translation"
        As :class:`scatkit.Scattering2D` (docs/transform.md section 7). "rotation" averages the
        translation output with a fixed matrix; the roto-translation variants run in
        differentiable ``torch.fft`` operations (autograd) on every device.
    angular_scales : int, default 0
        Angular wavelets of the roto-translation variants; 0 takes the variant's default.
    frontend : "torch" or None
        Kymatio's ``frontend=``, accepted when it names this front end.

    Notes
    -----
    Which code runs when:

    - **Forward, CPU tensor**: the native C++/FFTW engine (``backend="auto"`` or ``"native"``),
      zero-copy on the tensor's memory; with ``backend="torch"`` the pure ``torch.fft``
      implementation of the SPEC instead.
    - **Forward, CUDA tensor**: the native cuFFT engine, zero-copy on the tensor's device and
      current stream, when this build has a usable CUDA backend (``backend="auto"`` or
      ``"cuda"``, see :func:`scatkit.backends`); otherwise (``"auto"`` without it, or
      ``backend="torch"``) the pure ``torch.fft`` implementation on the tensor's device.
    - **Forward, other devices**: the pure ``torch.fft`` implementation.
    - ``backend="native"`` accepts CPU tensors only, ``backend="cuda"`` CUDA tensors only.
    - **Backward** (whenever the input requires grad and grad mode is on), on every device and
      backend: a hand-written adjoint of the SPEC in ``torch.fft`` operations. Only the input is
      kept from the forward pass; the backward recomputes each first-order path and its
      second-order children one at a time, so forward+backward needs a few batch-sized spectra
      of memory instead of every intermediate (the batch is processed in chunks there). The
      modulus has gradient ``z / |z|`` and 0 where ``z == 0``, so inputs whose wavelet
      response vanishes (e.g. a zero image) get finite gradients. The backward is itself
      written in differentiable tensor operations, so double backward works too.

    Filters are float64 buffers (not saved in ``state_dict``; a Kymatio module's state dict,
    whose buffers are these same filters, loads and is checked) that follow ``.to(device)``;
    dtype casts such as ``.float()`` or ``.double()`` never lower their precision, and a
    float32 input uses a cached float32 copy. Input and module must be on the same device.
    Under ``torch.compile`` the native engine is a registered custom operator
    (``torch.ops.scatkit.scattering2d_native``), so compiled graphs call it as one opaque node.
    """

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int = 8,
        max_order: int = 2,
        pre_pad: bool = False,
        backend: str = "auto",
        out_type: str = "array",
        threads: int | None = None,
        invariance: str = "translation",
        angular_scales: int = 0,
        frontend: str | None = None,
    ) -> None:
        super().__init__()
        kc.check_frontend(frontend, "torch")
        self._geometry = check_geometry(J, shape, L, max_order)
        g = self._geometry
        self.J, self.shape, self.L, self.max_order = g.J, g.shape, g.L, g.max_order
        backend = kc.map_backend(backend, "torch")
        if not isinstance(backend, str) or backend not in _BACKENDS:
            raise ValueError(f"backend must be one of {list(_BACKENDS)}, got {backend!r}.")
        if backend in ("native", "cuda"):
            # Fails now, with the reason, if the engine cannot run in this installation.
            resolve(backend, "cuda" if backend == "cuda" else "cpu")
        self.backend = backend
        self.threads = 0 if threads is None else check_int("threads", threads, 1)
        self.invariance, self.angular_scales = check_invariance(invariance, angular_scales)
        self.pre_pad = kc.check_pre_pad(pre_pad, self.invariance)
        self.out_type = kc.check_out_type(out_type, self.invariance)
        # The channel table is the engine's (or the invariance rule's): no plan is built here.
        if self.invariance == "translation":
            self._table = channel_table(g)
        else:
            self._table = _invariant_table(
                g.J, g.L, g.max_order, self.invariance, self.angular_scales
            )
        arrays = _torch_fft.filter_arrays(self._geometry)
        self._filter_names: list[str] = []
        for r in range(self.J):
            self._add_filter(f"phi_{r}", arrays[r])
        for r, a in enumerate(arrays[self.J :]):
            self._add_filter(f"psi_{r}", a)
        rows, cols = _torch_fft.pad_index(self._geometry)
        self.register_buffer("pad_rows", torch.from_numpy(rows), persistent=False)
        self.register_buffer("pad_cols", torch.from_numpy(cols), persistent=False)
        self._cast_cache: dict[tuple[torch.dtype, torch.device], list[torch.Tensor]] = {}
        self._add_invariance_buffers()

    def _add_invariance_buffers(self) -> None:
        # Angular filters and the averaging matrix are float64 filters like the others; the
        # joint-sequence indices are integer buffers that only follow the device.
        g, inv, k = self._geometry, self.invariance, self.angular_scales
        if inv == "rotation":
            self._add_filter("rotation_average", _averaging_matrix(g.J, g.L, g.max_order))
        elif inv != "translation":
            self._add_filter("angular", _torch_invariance.angular_filter_bank(g, inv, k))
            for name, a in zip(("joint_s", "joint_r", "joint_flip"), _joint_index(g.L)):
                self.register_buffer(name, torch.from_numpy(a), persistent=False)

    def _add_filter(self, name: str, array: np.ndarray) -> None:
        self.register_buffer(name, torch.from_numpy(array), persistent=False)
        self._filter_names.append(name)

    # -- description -----------------------------------------------------------------------------
    @property
    def K(self) -> int:
        """Number of output channels."""
        return len(self._table)

    def __len__(self) -> int:
        return self.K

    @property
    def out_spatial_shape(self) -> tuple[int, int]:
        """Spatial size (M', N') of each output channel."""
        return (self._geometry.out_rows, self._geometry.out_cols)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of ``self(x)`` for ``x`` of shape ``input_shape`` (..., M, N)."""
        input_shape = tuple(int(s) for s in input_shape)
        side = self._input_side()
        if len(input_shape) < 2 or input_shape[-2:] != side:
            raise ValueError(
                f"input images must be {side[0]}x{side[1]}, got input shape {input_shape}."
            )
        return input_shape[:-2] + (self.K,) + self.out_spatial_shape

    def _input_side(self) -> tuple[int, int]:
        return self._geometry.padded_shape if self.pre_pad else self.shape

    @property
    def meta(self) -> kc.ChannelMeta:
        """Per-channel arrays 'order', 'j1', 'theta1', 'j2', 'theta2' (-1 = n/a).

        Calling it, ``S.meta()``, gives Kymatio's form (``'j'``, ``'theta'``, ``'n'`` tuples).
        """
        return self._meta_dict(meta_fields(self.invariance))

    def meta_table(self) -> np.ndarray:
        """Per-channel description as a (K, 5) int array: order, j1, theta1, j2, theta2."""
        return self._table.copy()

    def _load_from_state_dict(self, state_dict: Any, prefix: str, *args: Any) -> None:
        # A Kymatio module saves its filters ('tensor0', ...); scatkit rebuilds the same ones,
        # so they are checked against ours and dropped instead of reported as unexpected.
        error_msgs = args[-1]
        kc.take_kymatio_state(state_dict, prefix, self._geometry, self._kymatio_filters, error_msgs)
        super()._load_from_state_dict(state_dict, prefix, *args)

    def extra_repr(self) -> str:
        return (
            f"J={self.J}, shape={self.shape}, L={self.L}, max_order={self.max_order}, "
            f"backend={self.backend!r}"
            + ("" if self.invariance == "translation" else f", invariance={self.invariance!r}")
        )

    # -- device and dtype moves ------------------------------------------------------------------
    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> Scattering2D:
        # nn.Module casts every floating buffer on .float()/.half()/.to(dtype). Filters must stay
        # float64 (they are cast per input dtype at forward time), so keep only the device move.
        before = {name: self._buffers[name] for name in self._filter_names}
        super()._apply(fn, *args, **kwargs)
        for name, old in before.items():
            new = self._buffers[name]
            if new is not None and new.dtype != old.dtype:
                self._buffers[name] = old.to(new.device)
        self._cast_cache = {}
        return self

    def _filters_for(self, dtype: torch.dtype, device: torch.device) -> list[torch.Tensor]:
        key = (dtype, device)
        cached = self._cast_cache.get(key)
        if cached is None:
            cached = [self._buffers[n].to(dtype=dtype) for n in self._filter_names]
            self._cast_cache[key] = cached
        return cached

    # -- pickling --------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cast_cache"] = {}
        return state

    # -- computation -----------------------------------------------------------------------------
    def _check_input(self, x: Any) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"input must be a torch.Tensor of shape (..., {self.shape[0]}, {self.shape[1]}), "
                f"got {type(x).__name__}; use scatkit.Scattering2D for NumPy arrays."
            )
        if x.is_complex():
            raise TypeError(f"input must be real-valued, got {x.dtype}. Pass x.real or x.abs().")
        side = self._input_side()
        if x.dim() < 2 or tuple(x.shape[-2:]) != side:
            what = "the padded size, as pre_pad=True" if self.pre_pad else "the shape given"
            raise ValueError(
                f"input must have shape (..., {side[0]}, {side[1]}) ({what} to Scattering2D), "
                f"got {tuple(x.shape)}."
            )
        if x.device != self.pad_rows.device:
            raise ValueError(
                f"input is on {x.device} but the module's filters are on {self.pad_rows.device}; "
                f"move the module with .to({str(x.device)!r})."
            )
        if self.backend == "native" and x.device.type != "cpu":
            raise ValueError(
                f"backend 'native' computes on CPU tensors only, got a tensor on {x.device}; "
                "use backend='auto' or 'torch'."
            )
        if self.backend == "cuda" and x.device.type != "cuda":
            raise ValueError(
                f"backend 'cuda' computes on CUDA tensors only, got a tensor on {x.device}; "
                "use backend='auto' or 'torch'."
            )

    def _engine_invariant(self, x: torch.Tensor) -> bool:
        """Whether the engine's plan computes the variant: CPU input, no gradient asked for,
        not under torch.compile (whose graphs take the differentiable torch.fft path)."""
        return (
            x.device.type == "cpu"
            and not (torch.is_grad_enabled() and x.requires_grad)
            and not self.pre_pad
            and self._uses_engine(x.device)
            and not torch.compiler.is_compiling()
        )

    def _uses_engine(self, device: torch.device) -> bool:
        """Whether the forward pass on ``device`` runs the native engine (else torch.fft)."""
        if self.backend == "torch" or _core is None:
            return False
        if device.type == "cpu":
            return True
        if device.type == "cuda":
            # Probed only for CUDA tensors, so CPU work never loads the CUDA plugin.
            return _cuda_engine_available()
        return False

    def forward(self, x: torch.Tensor) -> Any:
        """Scattering coefficients of ``x`` (..., M, N) as (..., K, M', N').

        With ``out_type="list"``, Kymatio's list of per-channel dicts instead.
        """
        self._check_input(x)
        # One dtype rule for every front end: float32/float64 stay, half precision is computed
        # in float32 and cast back, integers and booleans give float32.
        dtype = x.dtype if x.dtype.is_floating_point else torch.float32
        if x.dtype not in (torch.float32, torch.float64):
            x = x.float()
        # Autocast would run the FFTs and products in half precision; the transform keeps the
        # precision of its (float32 or float64) input instead.
        autocast = x.device.type in ("cpu", "cuda") and torch.is_autocast_enabled(x.device.type)
        with torch.autocast(x.device.type, enabled=False) if autocast else contextlib.nullcontext():
            out = self._transform(x).to(dtype)
        if self.out_type == "list":
            return kc.as_list(out, self._table, self.L)
        return out

    def scattering(self, x: torch.Tensor) -> Any:
        """Kymatio's name for the forward pass: ``S.scattering(x)`` is ``S(x)``."""
        return self(x)

    def _transform(self, x: torch.Tensor) -> torch.Tensor:
        lead = tuple(x.shape[:-2])
        x3 = x.reshape((-1,) + tuple(x.shape[-2:])).contiguous()
        if self.invariance != "translation" and self._engine_invariant(x3):
            out = _torch_native.invariant_forward(
                x3, self.J, self.L, self.max_order, self.threads, self.invariance,
                self.angular_scales,
            )  # fmt: skip
            return out.reshape(lead + (self.K,) + self.out_spatial_shape)
        filters = self._filters_for(x.dtype, x.device)
        if self.invariance.startswith("roto-translation"):
            out = _torch_invariance.roto_translation(
                x3,
                filters[:-1],
                (self.pad_rows, self.pad_cols),
                self._geometry,
                self.invariance,
                self.angular_scales,
                filters[-1],
                (self.joint_s, self.joint_r, self.joint_flip),
            )
            return out.reshape(lead + (self.K,) + self.out_spatial_shape)
        if self.invariance == "rotation":
            filters = filters[:-1]
        g, index = self._geometry, (self.pad_rows, self.pad_cols)
        native = self._uses_engine(x.device) and not self.pre_pad
        if self.pre_pad:
            # Pre-padded input: the same transform with the identity as its padding.
            g = kc.pre_padded_geometry(g)
            index = tuple(torch.arange(n, device=x.device) for n in g.padded_shape)
        out = _ScatteringFunction.apply(x3, g, self.threads, native, *index, tuple(filters))
        if self.invariance == "rotation":
            A = self._filters_for(x.dtype, x.device)[-1]
            out = torch.matmul(A, out.reshape(out.shape[0], out.shape[1], -1))
        return out.reshape(lead + (self.K,) + self.out_spatial_shape)
