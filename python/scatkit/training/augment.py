"""Random augmentation of raw image batches during training (see ``TrainConfig.augment``)."""

from __future__ import annotations

import torch


def augment(x: torch.Tensor, kind: str, shift: int) -> torch.Tensor:
    """Random translations (reflected borders) and optional horizontal flips, per sample.

    Parameters
    ----------
    x : torch.Tensor
        A batch ``(B, [C,] H, W)``.
    kind : {"none", "shift", "shift-flip"}
        ``"none"`` returns ``x`` itself; ``"shift"`` moves each sample by up to ``shift``
        pixels along each axis; ``"shift-flip"`` also flips half of them left-right.
    shift : int
        Largest translation in pixels.

    Returns
    -------
    torch.Tensor
        A new tensor of ``x``'s shape (``x`` itself for ``"none"``), drawn from torch's
        global generator, so seeding makes it reproducible.
    """
    if kind == "none":
        return x
    B = x.shape[0]
    if shift > 0:
        padded = torch.nn.functional.pad(
            x.reshape(B, -1, *x.shape[-2:]), (shift, shift, shift, shift), mode="reflect"
        )
        dy = torch.randint(0, 2 * shift + 1, (B,))
        dx = torch.randint(0, 2 * shift + 1, (B,))
        H, W = x.shape[-2:]
        out = torch.stack(
            [padded[i, :, dy[i] : dy[i] + H, dx[i] : dx[i] + W] for i in range(B)]
        ).reshape(x.shape)
    else:
        out = x.clone()
    if kind == "shift-flip":
        flip = torch.rand(B) < 0.5
        out[flip] = out[flip].flip(-1)
    return out
