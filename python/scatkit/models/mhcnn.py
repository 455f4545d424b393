"""Multiscale hierarchical CNN (Jacobsen, Oyallon, Mallat, Smeulders, arXiv 1703.04140).

In an ordinary CNN a layer's channels are an unordered set and every convolution mixes all of
them. Here the channels of a layer sit on a grid of ordered *attribute* axes, and layers
convolve along space and along those axes with small shared kernels, so neighbouring channels
come to respond alike (an "organised" layer, see :func:`scatkit.analysis.organisation`) and
the parameter count no longer grows with the square of the width.

The state between layers is ``(B, P, Q, H, W)``: two attribute axes, the older ``P`` and the
newer ``Q``. One :class:`HierarchicalConv` layer, as factorised in the authors' code:

1. a 3x3 spatial convolution applied to every attribute slice alone, one input channel to
   ``features`` outputs (shared by all slices), then batch norm and ReLU;
2. a ``kernel = (kp, kq)`` convolution along the two attribute axes, ``features`` to
   ``axis_length`` channels, stride 2 along ``Q`` (shared by all positions), batch norm, ReLU;
3. the mean along ``P``, the oldest axis: the halved ``Q`` becomes the new ``P`` and the
   ``axis_length`` output channels become a new ordered axis ``Q``.

The network: a 3x3 convolution stem whose ``axis_length`` channels form the first attribute
axis (``P = 1``), ``depth`` hierarchical layers (the first ``J`` with spatial stride 2, as the
``J`` pooling stages of :class:`~.baselines.CNN`), a mean over space and ``P``, and a linear
layer. Differences from the paper's CIFAR network (kept small for 28-64 px inputs): ReLU
instead of ELU, ``features = 8`` spatial filters instead of 32, 4 layers instead of 9, and no
dropout. The defaults reach the depth of ``cnn`` (5 convolution stages) with about a fifth of
its parameters.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .hybrid import as_image_batch, check_input_shape, check_positive_int
from .layers import conv_bn_relu, init_weights


def _odd_kernel(k: int, length: int) -> int:
    """``k`` clipped so that it never reaches past an axis of ``length`` from its centre."""
    k = min(k, 2 * length - 1)
    return k if k % 2 else k - 1


class HierarchicalConv(nn.Module):
    """One layer: ``(B, P, Q, H, W) -> (B, ceil(Q/2), axis_length, H', W')``.

    Parameters
    ----------
    P, Q : int
        Lengths of the incoming attribute axes.
    features : int
        Spatial filters per attribute slice.
    axis_length : int
        Length of the new attribute axis (channels of the attribute convolution).
    kernel : tuple of int
        Kernel of the attribute convolution along ``(P, Q)`` (clipped to the axes).
    stride : int
        Spatial stride of the 3x3 convolution.
    """

    def __init__(
        self,
        P: int,
        Q: int,
        features: int,
        axis_length: int,
        kernel: tuple[int, int] = (7, 11),
        stride: int = 1,
    ) -> None:
        super().__init__()
        self.P, self.Q = P, Q
        kp, kq = _odd_kernel(kernel[0], P), _odd_kernel(kernel[1], Q)
        self.spatial = conv_bn_relu(1, features, stride)
        self.attribute = nn.Sequential(
            nn.Conv2d(
                features,
                axis_length,
                (kp, kq),
                stride=(1, 2),
                padding=(kp // 2, kq // 2),
                bias=False,
            ),
            nn.BatchNorm2d(axis_length),
            nn.ReLU(inplace=True),
        )
        self.out_axes = ((Q - 1) // 2 + 1, axis_length)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Next state from ``x`` of shape (B, P, Q, H, W)."""
        B, P, Q, H, W = x.shape
        s = self.spatial(x.reshape(B * P * Q, 1, H, W))  # (B P Q, F, H', W')
        F, H2, W2 = s.shape[1:]
        s = s.reshape(B, P, Q, F, H2, W2).permute(0, 4, 5, 3, 1, 2)  # (B, H', W', F, P, Q)
        a = self.attribute(s.reshape(B * H2 * W2, F, P, Q))  # (B H' W', G, P, Q')
        a = a.mean(dim=2)  # pool away the oldest axis P
        G, Q2 = a.shape[1:]
        return a.reshape(B, H2, W2, G, Q2).permute(0, 4, 3, 1, 2).contiguous()


class AttributePool(nn.Module):
    """Mean over space and the older attribute axis: (B, P, Q, H, W) -> (B, Q)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features."""
        return x.mean(dim=(1, 3, 4))


class MHCNN(nn.Module):
    """Multiscale hierarchical CNN for small images (see the module docstring).

    Parameters
    ----------
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)``.
    num_classes : int
        Number of classes.
    depth : int
        Hierarchical layers after the stem.
    J : int
        How many of them (the first ones) halve the spatial size.
    axis_length : int
        Length of every new attribute axis (and the stem's channels).
    features : int
        Spatial filters per attribute slice.
    kernel : tuple of int
        Attribute-convolution kernel along (older, newer) axes.
    """

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        num_classes: int = 10,
        depth: int = 4,
        J: int = 2,
        axis_length: int = 16,
        features: int = 8,
        kernel: tuple[int, int] = (7, 11),
    ) -> None:
        super().__init__()
        self.input_shape = check_input_shape(input_shape)
        C, H, W = self.input_shape
        depth = check_positive_int("depth", depth)
        J = check_positive_int("J", J, 0)
        axis_length = check_positive_int("axis_length", axis_length, 2)
        features = check_positive_int("features", features)
        if J > depth:
            raise ValueError(f"J={J} downsampling layers do not fit in depth={depth}.")
        if H >> J < 1 or W >> J < 1:
            raise ValueError(f"J={J} halvings do not fit {H}x{W} images (need 2**J <= side).")
        kernel = tuple(check_positive_int("kernel", k) for k in kernel)  # type: ignore[assignment]
        if len(kernel) != 2:
            raise ValueError(f"kernel must be two sizes (older axis, newer axis), got {kernel}.")
        self.stem = conv_bn_relu(C, axis_length)
        blocks = []
        P, Q = 1, axis_length
        for i in range(depth):
            block = HierarchicalConv(P, Q, features, axis_length, kernel, 2 if i < J else 1)
            blocks.append(block)
            P, Q = block.out_axes
        self.blocks = nn.Sequential(*blocks)
        self.pool = AttributePool()
        self.fc = nn.Linear(axis_length, check_positive_int("num_classes", num_classes, 2))
        init_weights(self)

    def analysis_layers(self) -> list[str]:
        """The natural blocks for :func:`scatkit.analysis.collect`: stem, each layer, pool."""
        return ["stem", *(f"blocks.{i}" for i in range(len(self.blocks))), "pool"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of images (B, C, H, W)."""
        s = self.stem(as_image_batch(x, self.input_shape))  # (B, Q0, H, W)
        s = self.blocks(s.unsqueeze(1))  # the stem's channels are the first axis, P = 1
        return self.fc(self.pool(s))


__all__ = ["MHCNN", "HierarchicalConv", "AttributePool"]
