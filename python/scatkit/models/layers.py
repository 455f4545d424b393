"""Building blocks shared by the hybrid heads and the end-to-end baselines."""

from __future__ import annotations

import torch
from torch import nn


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with 'same' padding and no bias (a batch norm always follows)."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def conv_bn_relu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """conv3x3 -> BatchNorm -> ReLU."""
    return nn.Sequential(
        conv3x3(in_channels, out_channels, stride),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class WideBasicBlock(nn.Module):
    """Pre-activation residual block of a Wide ResNet (BN-ReLU-conv, twice, plus shortcut).

    A 1x1 convolution carries the shortcut when the width or the stride changes.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.conv2 = conv3x3(out_channels, out_channels)
        self.shortcut: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Residual update of ``x``."""
        pre = torch.relu(self.bn1(x))
        # With a projection shortcut the pre-activated input feeds both branches, as in
        # the WRN reference design; otherwise the identity keeps the raw input.
        skip = x if self.shortcut is None else self.shortcut(pre)
        out = self.conv1(pre)
        out = self.conv2(self.dropout(torch.relu(self.bn2(out))))
        return out + skip


def wide_stage(
    in_channels: int, out_channels: int, blocks: int, stride: int, dropout: float = 0.0
) -> nn.Sequential:
    """``blocks`` WideBasicBlocks; only the first one changes width and stride."""
    layers = [WideBasicBlock(in_channels, out_channels, stride, dropout)]
    layers += [WideBasicBlock(out_channels, out_channels, 1, dropout) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """Post-activation ResNet basic block (conv-BN-ReLU-conv-BN, add, ReLU)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Residual update of ``x``."""
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


def res_stage(in_channels: int, out_channels: int, blocks: int, stride: int) -> nn.Sequential:
    """``blocks`` BasicBlocks; only the first one changes width and stride."""
    layers = [BasicBlock(in_channels, out_channels, stride)]
    layers += [BasicBlock(out_channels, out_channels, 1) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class Classifier(nn.Module):
    """Global average pooling, optional dropout, then a linear layer to class scores.

    With ``spatial=(h, w)`` the maps are flattened instead of averaged, so the linear
    layer sees where each feature is (``in_channels * h * w`` inputs).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        dropout: float = 0.0,
        spatial: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.pool: nn.Module = nn.AdaptiveAvgPool2d(1) if spatial is None else nn.Identity()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        area = 1 if spatial is None else spatial[0] * spatial[1]
        self.fc = nn.Linear(in_channels * area, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (B, num_classes) from feature maps (B, C, H, W)."""
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


def init_weights(module: nn.Module) -> None:
    """He-normal convolutions, unit batch norms, small linear layers (applied recursively)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)
