"""Hybrid networks: a fixed scattering front followed by a trainable CNN head.

Every hybrid is ``head(front(x))``. The front (:class:`ScatteringFront`) has no
parameters; it scatters each input channel separately and stacks the results, so an
image ``(B, C, H, W)`` becomes ``(B, C*K, H', W')``. Because the head is a submodule
that takes exactly those stacked coefficients, training can call ``model.head`` on
features computed once (and cached) by the NumPy engine instead of re-running the
scattering every epoch.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch
from torch import nn

from ..scattering import Scattering2D as NumpyScattering2D
from .layers import Classifier, conv3x3, conv_bn_relu, init_weights, res_stage, wide_stage


def check_input_shape(input_shape: Any) -> tuple[int, int, int]:
    """Normalise ``(H, W)`` or ``(C, H, W)`` to ``(C, H, W)`` with positive ints."""
    try:
        dims = tuple(input_shape)
    except TypeError:
        dims = ()
    if len(dims) not in (2, 3) or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0 for d in dims
    ):
        raise ValueError(
            f"input_shape must be (H, W) or (C, H, W) with positive integers, got {input_shape!r}."
        )
    dims = tuple(int(d) for d in dims)
    return (1,) + dims if len(dims) == 2 else dims  # type: ignore[return-value]


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise a ValueError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def as_image_batch(x: torch.Tensor, input_shape: tuple[int, int, int]) -> torch.Tensor:
    """Check ``x`` against ``(C, H, W)`` and return it as a (B, C, H, W) float tensor.

    A grayscale batch may also come as (B, H, W).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor of images, got {type(x).__name__}.")
    C, H, W = input_shape
    if x.dim() == 3 and C == 1:
        x = x.unsqueeze(1)
    if x.dim() != 4 or tuple(x.shape[1:]) != (C, H, W):
        want = f"(B, {C}, {H}, {W})" + (f" or (B, {H}, {W})" if C == 1 else "")
        raise ValueError(f"expected images of shape {want}, got {tuple(x.shape)}.")
    if not x.is_floating_point():
        x = x.float()
    return x


def auto_J(input_shape: Any) -> int:
    """Scattering scales for a small-image hybrid: 2 from 16 pixels up, 1 below (8x8 digits)."""
    return 2 if min(check_input_shape(input_shape)[1:]) >= 16 else 1


class ScatteringFront(nn.Module):
    """Fixed 2D scattering of every input channel: (B, C, H, W) -> (B, C*K, H', W').

    Parameters
    ----------
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)`` of one input image.
    J, L, max_order : int
        Scattering parameters (see :class:`scatkit.Scattering2D`).

    The output channel ``c*K + k`` holds scattering channel ``k`` (in ``meta`` order) of
    input channel ``c``; :meth:`numpy_features` produces the same layout.
    """

    def __init__(self, input_shape: Any, J: int = 2, L: int = 8, max_order: int = 2) -> None:
        super().__init__()
        self.input_shape = check_input_shape(input_shape)
        C, H, W = self.input_shape
        # The NumPy object validates J/L/max_order against the size and gives the layout.
        ref = NumpyScattering2D(J, (H, W), L=L, max_order=max_order)
        self.J, self.L, self.max_order = ref.J, ref.L, ref.max_order
        self.K = len(ref)
        self.out_channels = C * self.K
        self.out_spatial = tuple(ref.out_spatial_shape)
        from ..torch import Scattering2D as TorchScattering2D

        self.scattering = TorchScattering2D(J, (H, W), L=L, max_order=max_order)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        """Shape ``(C*K, H', W')`` of the features of one image."""
        return (self.out_channels,) + self.out_spatial  # type: ignore[return-value]

    @property
    def config(self) -> dict[str, Any]:
        """The parameters that define the transform (used as part of feature cache keys)."""
        return {
            "input_shape": list(self.input_shape),
            "J": self.J,
            "L": self.L,
            "max_order": self.max_order,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scattering features (B, C*K, H', W') of images (B, C, H, W)."""
        x = as_image_batch(x, self.input_shape)
        out = self.scattering(x)
        return out.reshape(x.shape[0], self.out_channels, *self.out_spatial)

    def numpy_features(self, images: np.ndarray, backend: str = "auto") -> np.ndarray:
        """Same features computed by the NumPy engine: (N, [C,] H, W) -> (N, C*K, H', W')."""
        C, H, W = self.input_shape
        S = NumpyScattering2D(self.J, (H, W), L=self.L, max_order=self.max_order, backend=backend)
        arr = np.asarray(images, dtype=np.float32)
        if arr.ndim == 3 and C == 1:
            arr = arr[:, None]
        if arr.ndim != 4 or arr.shape[1:] != (C, H, W):
            raise ValueError(f"expected images of shape (N, {C}, {H}, {W}), got {arr.shape}.")
        return S(arr).reshape(arr.shape[0], self.out_channels, *self.out_spatial)

    def extra_repr(self) -> str:
        return (
            f"input_shape={self.input_shape}, J={self.J}, L={self.L}, "
            f"max_order={self.max_order}, out_shape={self.out_shape}"
        )


class HybridNet(nn.Module):
    """``head(front(x))``: a fixed :class:`ScatteringFront` and a trainable head.

    ``model.head`` accepts precomputed features of shape ``(B, *model.front.out_shape)``.
    """

    def __init__(self, front: ScatteringFront, head: nn.Module) -> None:
        super().__init__()
        self.front = front
        self.head = head

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one input image."""
        return self.front.input_shape

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        """``(C*K, H', W')``: what :attr:`head` takes per sample."""
        return self.front.out_shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of images (B, C, H, W)."""
        return self.head(self.front(x))


class LogScale(nn.Module):
    """``log(1 + x / eps)``: compresses the heavy-tailed scattering coefficients."""

    def __init__(self, eps: float = 0.01) -> None:
        super().__init__()
        self.eps = float(eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-compressed ``x`` (same shape)."""
        return torch.log1p(torch.clamp(x, min=0) / self.eps)

    def extra_repr(self) -> str:
        return f"eps={self.eps}"


#: Input normalisations of :class:`ConvHead`.
HEAD_NORMS = ("bn", "log-bn", "none")
#: Poolings before the linear layer of :class:`ConvHead`: global average, or flatten.
HEAD_POOLS = ("avg", "flatten")


class ConvHead(nn.Module):
    """Small CNN head: [input BN] -> conv -> conv -> [2x2 max pool] -> conv(2w) -> GAP -> fc.

    The input batch norm (without affine parameters) puts scattering channels of very
    different magnitudes on one scale; a learned front ending in BN-ReLU skips it. Its
    running statistics are a plain cumulative average (``momentum=None``): the scattering
    distribution never changes during training, and an exponential average started at
    variance 1 would take hundreds of steps to reach the tiny variances of higher-order
    coefficients, making early evaluations meaningless.
    The max pool is used only when the feature maps are at least 12 pixels on each side.
    ``pool="flatten"`` feeds the whole last feature map to the linear layer instead of
    its global average, keeping where each feature is.
    """

    def __init__(
        self,
        in_channels: int,
        spatial: tuple[int, int],
        num_classes: int,
        width: int = 64,
        dropout: float = 0.0,
        input_bn: bool = True,
        norm: str = "bn",
        pool: str = "avg",
    ) -> None:
        super().__init__()
        if norm not in HEAD_NORMS:
            raise ValueError(f"norm must be one of {HEAD_NORMS}, got {norm!r}.")
        if pool not in HEAD_POOLS:
            raise ValueError(f"pool must be one of {HEAD_POOLS}, got {pool!r}.")
        layers: list[nn.Module] = []
        if input_bn and norm == "log-bn":
            layers.append(LogScale())
        if input_bn and norm != "none":
            layers.append(nn.BatchNorm2d(in_channels, affine=False, momentum=None))
        layers += [conv_bn_relu(in_channels, width), conv_bn_relu(width, width)]
        out_spatial = tuple(spatial)
        if min(spatial) >= 12:
            layers.append(nn.MaxPool2d(2))
            out_spatial = (spatial[0] // 2, spatial[1] // 2)
        layers.append(conv_bn_relu(width, 2 * width))
        self.features = nn.Sequential(*layers)
        self.classifier = Classifier(
            2 * width, num_classes, dropout, out_spatial if pool == "flatten" else None
        )
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores from feature maps (B, in_channels, H, W)."""
        return self.classifier(self.features(x))


class ScatCNN(HybridNet):
    """Scattering + small CNN for small images (e.g. 28x28, 32x32, 64x64).

    Parameters
    ----------
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)``.
    num_classes : int
        Number of output classes.
    J : int, optional
        Scattering scales; None picks :func:`auto_J` (2: 28x28 becomes 7x7 maps).
    L, max_order : int
        Scattering parameters.
    width : int
        Channels of the first head convolutions (the last one has ``2*width``); 32 did as
        well as 64 on validation splits of MNIST-5k at 100 images, at half the cost.
    dropout : float
        Dropout before the final linear layer.
    norm, pool : str
        Input normalisation and final pooling of the head (see :class:`ConvHead`).
    """

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        num_classes: int = 10,
        J: int | None = None,
        L: int = 8,
        max_order: int = 2,
        width: int = 32,
        dropout: float = 0.0,
        norm: str = "bn",
        pool: str = "avg",
    ) -> None:
        J = auto_J(input_shape) if J is None else J
        front = ScatteringFront(input_shape, J, L, max_order)
        head = ConvHead(
            front.out_channels,
            front.out_spatial,
            check_positive_int("num_classes", num_classes, 2),
            check_positive_int("width", width),
            dropout,
            norm=norm,
            pool=pool,
        )
        super().__init__(front, head)


class WRNHead(nn.Module):
    """Wide-ResNet body on scattering features: BN -> conv(16k) -> n blocks(32k) -> n blocks(64k).

    As in the hybrid of Oyallon, Belilovsky and Zagoruyko, the scattering replaces the
    first stage and the downsampling of a WRN-``depth``-``k``, so both remaining stages
    work at the scattering resolution (8x8 for J=2 on 32x32 images). With
    ``downsample=True`` (their STL-10 model, 24x24 maps from 96x96 images) the first
    convolution has 32k channels and the last stage has stride 2.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        depth: int = 16,
        k: int = 8,
        dropout: float = 0.0,
        downsample: bool = False,
    ) -> None:
        super().__init__()
        n = wrn_blocks_per_stage(depth)
        k = check_positive_int("k", k)
        first = 32 * k if downsample else 16 * k
        self.input_bn = nn.BatchNorm2d(in_channels, affine=False, momentum=None)
        self.conv = conv3x3(in_channels, first)
        self.stage1 = wide_stage(first, 32 * k, n, 1, dropout)
        self.stage2 = wide_stage(32 * k, 64 * k, n, 2 if downsample else 1, dropout)
        self.bn = nn.BatchNorm2d(64 * k)
        self.classifier = Classifier(64 * k, num_classes)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores from scattering features (B, in_channels, H', W')."""
        out = self.conv(self.input_bn(x))
        out = self.stage2(self.stage1(out))
        return self.classifier(torch.relu(self.bn(out)))


def wrn_blocks_per_stage(depth: int) -> int:
    """Residual blocks per stage of a WRN of the given depth: (depth - 4) / 6."""
    depth = check_positive_int("depth", depth, 10)
    if (depth - 4) % 6:
        raise ValueError(f"WRN depth must be 6n + 4 (10, 16, 22, 28, ...), got {depth}.")
    return (depth - 4) // 6


class ScatWRN(HybridNet):
    """Scattering + Wide ResNet (the CIFAR-10 hybrid of "Scaling the Scattering Transform").

    With the defaults, a 3x32x32 image gives 3*81 = 243 scattering channels at 8x8, then
    batch norm and the WRN-16-8 body of :class:`WRNHead`. ``downsample=None`` picks the
    paper's STL-10 head (:class:`WRNHead` with ``downsample=True``) when the scattering
    maps are 16 pixels or more (96x96 STL-10 images give 24x24).
    """

    def __init__(
        self,
        input_shape: Any = (3, 32, 32),
        num_classes: int = 10,
        J: int = 2,
        L: int = 8,
        max_order: int = 2,
        depth: int = 16,
        k: int = 8,
        dropout: float = 0.0,
        downsample: bool | None = None,
    ) -> None:
        front = ScatteringFront(input_shape, J, L, max_order)
        if downsample is None:
            downsample = min(front.out_spatial) >= 16
        head = WRNHead(
            front.out_channels,
            check_positive_int("num_classes", num_classes, 2),
            depth,
            k,
            dropout,
            bool(downsample),
        )
        super().__init__(front, head)


class ResNetHead(nn.Module):
    """ResNet-10 on scattering features: BN -> conv(w) -> stage(w) -> stage(2w, stride 2) -> fc.

    One input convolution, two stages of ``blocks`` basic blocks (2 convolutions each)
    and the linear layer make 10 layers with ``blocks=2``, the ImageNet hybrid of
    "Scaling the Scattering Transform" (scattering J=3: 28x28 maps from 224x224 images).
    """

    def __init__(
        self, in_channels: int, num_classes: int, width: int = 256, blocks: int = 2
    ) -> None:
        super().__init__()
        width = check_positive_int("width", width)
        blocks = check_positive_int("blocks", blocks)
        self.input_bn = nn.BatchNorm2d(in_channels, affine=False, momentum=None)
        self.stem = conv_bn_relu(in_channels, width)
        self.stage1 = res_stage(width, width, blocks, 1)
        self.stage2 = res_stage(width, 2 * width, blocks, 2)
        self.classifier = Classifier(2 * width, num_classes)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores from scattering features (B, in_channels, H', W')."""
        out = self.stem(self.input_bn(x))
        return self.classifier(self.stage2(self.stage1(out)))


class ScatResNet(HybridNet):
    """Scattering + ResNet-10 for large images (224x224 ImageNet-style by default)."""

    def __init__(
        self,
        input_shape: Any = (3, 224, 224),
        num_classes: int = 1000,
        J: int = 3,
        L: int = 8,
        max_order: int = 2,
        width: int = 256,
        blocks: int = 2,
    ) -> None:
        front = ScatteringFront(input_shape, J, L, max_order)
        head = ResNetHead(
            front.out_channels, check_positive_int("num_classes", num_classes, 2), width, blocks
        )
        super().__init__(front, head)
