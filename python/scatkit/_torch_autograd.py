"""The autograd function of ``scatkit.torch.Scattering2D``, written for ``torch.func`` too.

Forward runs the native engine (the ``scatkit::scattering2d_native`` custom operator that
``scatkit.torch`` registers) or the pure ``torch.fft`` implementation; backward is the
hand-written adjoint in :mod:`scatkit._torch_fft`. The context is set up in ``setup_context``
and batching has its own ``vmap`` rule, so ``torch.func.grad``, ``vjp``, ``jacrev`` and ``vmap``
work on it: the engine is not a composite of PyTorch operations that vmap could batch itself.
"""

from __future__ import annotations

from typing import Any

import torch

from . import _torch_fft
from ._validation import Geometry


class ScatteringFunction(torch.autograd.Function):
    """Forward on the chosen engine; backward is the hand-written adjoint in ``_torch_fft``.

    Only the input is saved for backward: the intermediates are recomputed there one path at a
    time, which keeps training memory close to inference memory. Inputs:
    ``(x (B, M, N), geometry, threads, native, pad_rows, pad_cols, filters)`` with ``filters`` a
    tuple: a fixed parameter count, which Dynamo needs to call a ``setup_context`` function
    under ``no_grad`` (with ``*filters`` it passes a context as the first argument).
    """

    @staticmethod
    def forward(
        x: torch.Tensor,
        g: Geometry,
        threads: int,
        native: bool,
        rows: torch.Tensor,
        cols: torch.Tensor,
        filters: tuple[torch.Tensor, ...],
    ) -> torch.Tensor:
        # The module's geometry comes in as an argument: torch.compile cannot trace into the
        # engine, and a frozen dataclass is a constant to it.
        if native:
            return torch.ops.scatkit.scattering2d_native.default(x, g.J, g.L, g.max_order, threads)
        return _torch_fft.scatter(x, list(filters), (rows, cols), g)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
        x, g, _threads, _native, rows, cols, filters = inputs
        ctx.geometry = g
        ctx.save_for_backward(x, rows, cols, *filters)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, rows, cols, *filters = ctx.saved_tensors
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = _torch_fft.scatter_backward(x, grad_out, filters, (rows, cols), ctx.geometry)
        return (grad_x,) + (None,) * 6

    @staticmethod
    def vmap(
        info: Any,
        in_dims: tuple[int | None, ...],
        x: torch.Tensor,
        g: Geometry,
        threads: int,
        native: bool,
        rows: torch.Tensor,
        cols: torch.Tensor,
        filters: tuple[torch.Tensor, ...],
    ) -> tuple[torch.Tensor, int | None]:
        # Images are independent, so a vmapped batch is just more images: fold the vmap
        # dimension into the batch, transform once, and unfold it.
        if any(d is not None for d in torch.utils._pytree.tree_leaves(in_dims[1:])):
            raise ValueError(
                "vmap over scatkit's filters or padding indices is not supported; vmap over the "
                "input images only."
            )
        args = (g, threads, native, rows, cols, filters)
        if in_dims[0] is None:
            return ScatteringFunction.apply(x, *args), None
        xb = x.movedim(in_dims[0], 0)
        V, B = xb.shape[0], xb.shape[1]
        out = ScatteringFunction.apply(xb.reshape((V * B,) + tuple(xb.shape[2:])), *args)
        return out.reshape((V, B) + tuple(out.shape[1:])), 0
