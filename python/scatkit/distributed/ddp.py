"""Training on several processes under ``torchrun``: DistributedDataParallel helpers.

``torchrun --nproc_per_node=N -m scatkit train ...`` starts N copies of the command; each
calls :func:`init` (which reads torchrun's RANK/WORLD_SIZE/LOCAL_RANK), and
:func:`scatkit.training.fit` then notices the process group (:func:`current`): every process
trains a DistributedDataParallel copy of the model on its own shard of each epoch
(:func:`epoch_order`, a DistributedSampler), sums its metrics with the others
(:func:`all_sum`), and only rank 0 writes checkpoints, logs and prints. The scattering front
runs inside each process on its shard. gloo on the CPU, NCCL on GPUs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["DDP", "all_max", "all_sum", "current", "epoch_order", "finish", "init", "wrap"]


@dataclass(frozen=True)
class DDP:
    """This process's place in the process group."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints and logs."""
        return self.rank == 0


def init(device: str = "auto") -> DDP | None:
    """Join the process group torchrun describes; None when not started by torchrun.

    Picks NCCL and ``cuda:LOCAL_RANK`` when CUDA is available and ``device`` allows it,
    else gloo on the CPU. Ranks other than 0 get a silent stdout.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and not str(device).startswith("cpu")
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    ctx = current(device)
    assert ctx is not None
    if cuda:
        torch.cuda.set_device(local_rank)
    if not ctx.is_main:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the process's lifetime
    return ctx


def current(device: str | torch.device = "auto") -> DDP | None:
    """The running process group (None when there is none or it has one process)."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() <= 1:
        return None
    backend = dist.get_backend()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = torch.device(f"cuda:{local_rank}") if backend == "nccl" else torch.device("cpu")
    return DDP(dist.get_rank(), dist.get_world_size(), local_rank, dev, backend)


def finish() -> None:
    """Leave the process group (after the last collective)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: torch.nn.Module, ctx: DDP) -> torch.nn.Module:
    """``module`` as DistributedDataParallel (parameters broadcast from rank 0)."""
    from torch.nn.parallel import DistributedDataParallel

    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids)


def epoch_order(n: int, seed: int, epoch: int, ctx: DDP) -> torch.Tensor:
    """This rank's sample indices for ``epoch``: a DistributedSampler's shuffled shard.

    Every rank gets the same number (the sampler pads by repeating), so all ranks run the
    same number of steps; the order depends only on (seed, epoch), so a resume repeats it.
    """
    from torch.utils.data import DistributedSampler

    sampler = DistributedSampler(
        range(n), num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=seed
    )
    sampler.set_epoch(epoch)
    return torch.tensor(list(sampler), dtype=torch.long)


def _reduce(values: list[float], op: Any, ctx: DDP) -> list[float]:
    t = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(t, op=op)
    return t.tolist()


def all_sum(values: list[float], ctx: DDP) -> list[float]:
    """Element-wise sums of ``values`` over all ranks."""
    return _reduce(values, dist.ReduceOp.SUM, ctx)


def all_max(value: float, ctx: DDP) -> float:
    """The largest ``value`` over all ranks (e.g. an epoch's time, so all ranks agree)."""
    return _reduce([value], dist.ReduceOp.MAX, ctx)[0]
