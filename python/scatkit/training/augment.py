"""Random augmentation of raw image batches during training (see ``TrainConfig.augment``).

Every augmentation draws from torch's global generator (seeded by :func:`fit`), works on
batches ``(B, [C,] H, W)`` and returns a new tensor of the same shape. They are the
deformations a scattering transform is built to be stable to: translations, small
rotations, small affine and elastic warps; flips only where the data allow them (natural
images, textures), never for digits.

=============  =========================================================================
kind           what each sample gets
=============  =========================================================================
none           nothing (the batch itself is returned)
shift          a translation of up to ``shift`` pixels per axis, reflected borders
shift-flip     ``shift``, then a left-right flip with probability 1/2
crop-flip      the CIFAR/STL recipe: reflect-pad by ``shift``, random crop, flip
affine         rotation (up to ``rotate`` degrees), scale (1 +- ``scale``), shear and a
               translation of up to ``shift`` pixels, bilinear, reflected borders
elastic        ``affine`` plus a smooth random displacement field (``elastic`` pixels)
auto           chosen by :func:`auto_augment` from the image size and colour
=============  =========================================================================
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

#: Names accepted by :func:`augment` (``"auto"`` must be resolved by :func:`auto_augment`).
AUGMENT_KINDS = ("none", "shift", "shift-flip", "crop-flip", "affine", "elastic")


def auto_augment(input_shape: tuple[int, ...], n_train: int) -> str:
    """The augmentation that ``augment="auto"`` picks for images of ``input_shape``.

    Colour images of 32 pixels or more (CIFAR, STL style) get ``"crop-flip"``, the paper's
    recipe; smaller or grayscale images (digits, texture tiles) get ``"affine"``: small
    rotations, scalings and translations without flips, which are safe for digits.
    ``n_train`` is accepted so the rule can depend on it; augmentation helped at every
    size tried (100 to 4,000 images), so it does not today.
    """
    del n_train
    dims = tuple(input_shape)
    colour = len(dims) == 3 and dims[0] == 3
    if colour and min(dims[-2:]) >= 32:
        return "crop-flip"
    return "affine"


def auto_shift(kind: str, input_shape: tuple[int, ...]) -> int:
    """Largest translation for ``kind`` on images of ``input_shape`` when none is given.

    About 1/8 of the side for ``crop-flip`` (4 px at 32, as for CIFAR; capped at 8, the
    STL-10 value at 96) and 1/14 for the others (2 px at 28, 1 px on 8x8 digits).
    """
    side = min(tuple(input_shape)[-2:])
    if kind == "crop-flip":
        return max(1, min(8, side // 8))
    return max(1, side // 14)


def _as_4d(x: torch.Tensor) -> torch.Tensor:
    if x.dim() < 3:
        raise ValueError(f"expected a batch (B, [C,] H, W), got shape {tuple(x.shape)}.")
    return x.reshape(x.shape[0], -1, *x.shape[-2:])


def translate(x: torch.Tensor, shift: int) -> torch.Tensor:
    """Move each sample by a random integer offset in ``[-shift, shift]`` per axis.

    Pixels that enter from outside are the image's reflection across its border.
    """
    if shift <= 0:
        return x.clone()
    B = x.shape[0]
    H, W = x.shape[-2:]
    if shift >= min(H, W):
        raise ValueError(f"shift={shift} must be smaller than the image side {min(H, W)}.")
    padded = F.pad(_as_4d(x), (shift, shift, shift, shift), mode="reflect")
    dy = torch.randint(0, 2 * shift + 1, (B,)).tolist()
    dx = torch.randint(0, 2 * shift + 1, (B,)).tolist()
    out = torch.stack([padded[i, :, dy[i] : dy[i] + H, dx[i] : dx[i] + W] for i in range(B)])
    return out.reshape(x.shape)


def flip(x: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Flip each sample left-right with probability ``p`` (a new tensor)."""
    out = x.clone()
    mask = torch.rand(x.shape[0]) < p
    out[mask] = out[mask].flip(-1)
    return out


def _affine_grid(B: int, H: int, W: int, rotate: float, scale: float, shift: int) -> torch.Tensor:
    """Sampling grids of random small affine maps (normalised coordinates, (B, H, W, 2))."""
    angle = (torch.rand(B) * 2 - 1) * math.radians(rotate)
    s = 1 + (torch.rand(B) * 2 - 1) * scale
    shear = (torch.rand(B) * 2 - 1) * scale
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    # Pixel offsets become normalised ones (a side spans 2 units in align_corners=False).
    tx = (torch.rand(B) * 2 - 1) * shift * 2 / W
    ty = (torch.rand(B) * 2 - 1) * shift * 2 / H
    theta = torch.stack(
        [
            torch.stack([cos, -sin + shear, tx], 1),
            torch.stack([sin, cos, ty], 1),
        ],
        1,
    )
    return F.affine_grid(theta, [B, 1, H, W], align_corners=False)


def _smooth_field(B: int, H: int, W: int, alpha: float, sigma: float) -> torch.Tensor:
    """A random displacement field (B, H, W, 2) in normalised units, about ``alpha`` px."""
    noise = torch.rand(B, 2, H, W) * 2 - 1
    radius = max(1, int(round(2 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    kernel_y = g.view(1, 1, -1, 1).repeat(2, 1, 1, 1)
    kernel_x = g.view(1, 1, 1, -1).repeat(2, 1, 1, 1)
    noise = F.conv2d(F.pad(noise, (0, 0, radius, radius), mode="reflect"), kernel_y, groups=2)
    noise = F.conv2d(F.pad(noise, (radius, radius, 0, 0), mode="reflect"), kernel_x, groups=2)
    # Normalise so the largest displacement of each sample is about ``alpha`` pixels.
    peak = noise.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
    noise = noise / peak * alpha
    scale = torch.tensor([2.0 / W, 2.0 / H]).view(1, 2, 1, 1)
    return (noise * scale).permute(0, 2, 3, 1)


def deform(
    x: torch.Tensor,
    rotate: float = 10.0,
    scale: float = 0.1,
    shift: int = 2,
    elastic: float = 0.0,
    sigma: float = 3.0,
) -> torch.Tensor:
    """Random small affine (and, with ``elastic`` > 0, elastic) warps of each sample.

    Parameters
    ----------
    x : torch.Tensor
        A batch ``(B, [C,] H, W)`` of floats.
    rotate : float
        Largest rotation in degrees.
    scale : float
        Largest relative change of scale, and largest shear.
    shift : int
        Largest translation in pixels.
    elastic : float
        Largest elastic displacement in pixels (0: none).
    sigma : float
        Smoothness (Gaussian width in pixels) of the elastic field.

    Returns
    -------
    torch.Tensor
        Warped batch of ``x``'s shape, bilinear with reflected borders.
    """
    x4 = _as_4d(x)
    B, _, H, W = x4.shape
    grid = _affine_grid(B, H, W, rotate, scale, shift)
    if elastic > 0:
        grid = grid + _smooth_field(B, H, W, elastic, sigma)
    out = F.grid_sample(x4, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    return out.reshape(x.shape)


def augment(x: torch.Tensor, kind: str, shift: int) -> torch.Tensor:
    """Apply the augmentation ``kind`` (see the module table) to a batch.

    Parameters
    ----------
    x : torch.Tensor
        A batch ``(B, [C,] H, W)``.
    kind : str
        One of :data:`AUGMENT_KINDS`; ``"none"`` returns ``x`` itself.
    shift : int
        Largest translation in pixels (the padding of ``"crop-flip"``).

    Returns
    -------
    torch.Tensor
        A new tensor of ``x``'s shape (``x`` itself for ``"none"``), drawn from torch's
        global generator, so seeding makes it reproducible.
    """
    if kind == "none":
        return x
    if not x.is_floating_point():
        x = x.float()
    if kind == "shift":
        return translate(x, shift)
    if kind in ("shift-flip", "crop-flip"):
        # A random crop of the reflect-padded image is a translation with reflected borders.
        return flip(translate(x, shift))
    if kind == "affine":
        return deform(x, rotate=10.0, scale=0.1, shift=shift)
    if kind == "elastic":
        return deform(x, rotate=10.0, scale=0.1, shift=shift, elastic=1.5, sigma=3.0)
    raise ValueError(f"augment must be one of {AUGMENT_KINDS}, got {kind!r}.")
