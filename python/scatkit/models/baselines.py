"""End-to-end CNN baselines, sized to match the hybrids they are compared with."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .hybrid import (
    ConvHead,
    as_image_batch,
    auto_J,
    check_input_shape,
    check_positive_int,
    wrn_blocks_per_stage,
)
from .layers import Classifier, conv3x3, init_weights, res_stage, wide_stage


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable, by default) scalar parameters of ``module``."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"count_parameters expects a torch.nn.Module, got {type(module).__name__}.")
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


class CNN(nn.Module):
    """End-to-end counterpart of :class:`ScatCNN`: a learned front, then the same head.

    The learned front is ``J`` stages of conv3x3-BN-ReLU-maxpool(2) with ``front_width``
    channels, so it downsamples by ``2**J`` like the scattering it replaces; the head is
    the hybrid's :class:`ConvHead` of the same ``width``. Use :func:`matched_cnn` to pick
    ``front_width`` so the parameter count matches a hybrid.
    """

    def __init__(
        self,
        input_shape: Any = (1, 28, 28),
        num_classes: int = 10,
        J: int = 2,
        width: int = 64,
        front_width: int = 64,
        dropout: float = 0.0,
        pool: str = "avg",
    ) -> None:
        super().__init__()
        self.input_shape = check_input_shape(input_shape)
        C, H, W = self.input_shape
        J = check_positive_int("J", J)
        front_width = check_positive_int("front_width", front_width)
        if H >> J < 1 or W >> J < 1:
            raise ValueError(f"J={J} pooling stages do not fit {H}x{W} images (need 2**J <= side).")
        layers: list[nn.Module] = []
        channels = C
        for _ in range(J):
            layers += [
                conv3x3(channels, front_width),
                nn.BatchNorm2d(front_width),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            channels = front_width
        self.front = nn.Sequential(*layers)
        self.head = ConvHead(
            front_width,
            (H >> J, W >> J),
            check_positive_int("num_classes", num_classes, 2),
            check_positive_int("width", width),
            dropout,
            input_bn=False,
            pool=pool,
        )
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of images (B, C, H, W)."""
        return self.head(self.front(as_image_batch(x, self.input_shape)))


def _head_params(
    input_shape: Any, num_classes: int, J: int, L: int, max_order: int, width: int, pool: str
) -> int:
    from ..scattering import Scattering2D as NumpyScattering2D

    C, H, W = check_input_shape(input_shape)
    ref = NumpyScattering2D(J, (H, W), L=L, max_order=max_order)
    head = ConvHead(C * len(ref), tuple(ref.out_spatial_shape), num_classes, width, pool=pool)
    return count_parameters(head)


def matched_cnn(
    input_shape: Any = (1, 28, 28),
    num_classes: int = 10,
    J: int | None = None,
    L: int = 8,
    max_order: int = 2,
    width: int = 32,
    dropout: float = 0.0,
    pool: str = "avg",
) -> CNN:
    """The :class:`CNN` whose parameter count is closest to ``ScatCNN`` with the same arguments.

    Only ``front_width`` is searched (1 .. 1024); the head keeps the hybrid's ``width``
    and ``pool``. ``J=None`` picks the hybrid's default
    (:func:`~scatkit.models.hybrid.auto_J`).
    """
    J = auto_J(input_shape) if J is None else J
    target = _head_params(input_shape, num_classes, J, L, max_order, width, pool)

    def params(front_width: int) -> int:
        return count_parameters(CNN(input_shape, num_classes, J, width, front_width, pool=pool))

    # The count grows monotonically with front_width, so bisect on it.
    lo, hi = 1, 1024
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if params(mid) < target:
            lo = mid
        else:
            hi = mid
    best = min((lo, hi), key=lambda fw: abs(params(fw) - target))
    return CNN(input_shape, num_classes, J, width, best, dropout, pool)


class WideResNet(nn.Module):
    """Standard end-to-end WRN-``depth``-``k`` (Zagoruyko & Komodakis) for 32x32-ish images.

    conv3x3(16) -> stages of widths 16k, 32k, 64k (strides 1, 2, 2) -> BN-ReLU -> fc: the
    end-to-end counterpart of :class:`ScatWRN` of the same depth and width.
    """

    def __init__(
        self,
        input_shape: Any = (3, 32, 32),
        num_classes: int = 10,
        depth: int = 16,
        k: int = 8,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.input_shape = check_input_shape(input_shape)
        n = wrn_blocks_per_stage(depth)
        k = check_positive_int("k", k)
        self.conv = conv3x3(self.input_shape[0], 16)
        self.stage1 = wide_stage(16, 16 * k, n, 1, dropout)
        self.stage2 = wide_stage(16 * k, 32 * k, n, 2, dropout)
        self.stage3 = wide_stage(32 * k, 64 * k, n, 2, dropout)
        self.bn = nn.BatchNorm2d(64 * k)
        self.classifier = Classifier(64 * k, check_positive_int("num_classes", num_classes, 2))
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of images (B, C, H, W)."""
        out = self.conv(as_image_batch(x, self.input_shape))
        out = self.stage3(self.stage2(self.stage1(out)))
        return self.classifier(torch.relu(self.bn(out)))


class ResNet(nn.Module):
    """End-to-end ResNet for large images; the defaults give ResNet-18.

    conv7x7/2 -> maxpool/2 -> four stages of ``blocks`` basic blocks with widths
    w, 2w, 4w, 8w -> fc: the counterpart of :class:`ScatResNet` (about the same size).
    """

    def __init__(
        self,
        input_shape: Any = (3, 224, 224),
        num_classes: int = 1000,
        width: int = 64,
        blocks: tuple[int, ...] = (2, 2, 2, 2),
    ) -> None:
        super().__init__()
        self.input_shape = check_input_shape(input_shape)
        width = check_positive_int("width", width)
        blocks = tuple(check_positive_int("blocks", b) for b in blocks)
        self.stem = nn.Sequential(
            nn.Conv2d(self.input_shape[0], width, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        stages = []
        channels = width
        for i, b in enumerate(blocks):
            out = width * 2**i
            stages.append(res_stage(channels, out, b, 1 if i == 0 else 2))
            channels = out
        self.stages = nn.Sequential(*stages)
        self.classifier = Classifier(channels, check_positive_int("num_classes", num_classes, 2))
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of images (B, C, H, W)."""
        return self.classifier(self.stages(self.stem(as_image_batch(x, self.input_shape))))


__all__ = ["CNN", "WideResNet", "ResNet", "matched_cnn", "count_parameters"]
