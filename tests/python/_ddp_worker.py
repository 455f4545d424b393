"""Two-process DistributedDataParallel run (gloo) used by test_torch.py.

Usage: python _ddp_worker.py OUT_DIR. Each rank scatters its half of a fixed batch, runs
forward and backward through DDP, and saves its features and gradients to OUT_DIR/rank{r}.pt.
"""

from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

WORLD = 2


def batch() -> torch.Tensor:
    """The whole batch, split between the ranks by rows."""
    g = torch.Generator().manual_seed(13)
    return torch.randn((4, 1, 16, 16), generator=g)


def model():
    """The scattering + linear model every rank (and the checking test) builds."""
    from scatkit.torch import Scattering2D

    S = Scattering2D(2, (16, 16), L=2)
    torch.manual_seed(0)
    return torch.nn.Sequential(S, torch.nn.Flatten(1), torch.nn.Linear(S.K * 16, 2))


def run(rank: int, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"file://{os.path.join(out_dir, 'store')}", rank=rank, world_size=WORLD
    )
    try:
        net = model()
        ddp = torch.nn.parallel.DistributedDataParallel(net)
        x = batch()[rank * 2 : rank * 2 + 2].clone().requires_grad_(True)
        ddp(x).square().sum().backward()
        torch.save(
            {
                "features": net[0](x).detach(),
                "weight_grad": net[2].weight.grad,
                "bias_grad": net[2].bias.grad,
                "x_grad": x.grad,
            },
            os.path.join(out_dir, f"rank{rank}.pt"),
        )
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(run, args=(sys.argv[1],), nprocs=WORLD, join=True)
