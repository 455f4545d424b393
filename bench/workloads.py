"""The benchmarks' workloads: batch shapes with transform parameters, and their inputs.

``Workload`` describes one batch; ``make_input`` gives every worker the same images (standard
normal float32 from a fixed seed). The named sets below are what ``python -m bench.cpu``
measures, shared with ``bench.lowpass`` and the pytest-benchmark tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 0


@dataclass(frozen=True)
class Workload:
    """A batch of images of ``shape`` (..., M, N) and the transform parameters."""

    shape: tuple[int, ...]
    J: int
    L: int = 8
    max_order: int = 2

    def __post_init__(self) -> None:
        if len(self.shape) < 2 or any(int(s) < 1 for s in self.shape):
            raise ValueError(f"shape must be (..., M, N) of positive sizes, got {self.shape}.")
        if self.J < 1 or self.L < 1 or self.max_order not in (1, 2):
            raise ValueError(
                f"need J >= 1, L >= 1 and max_order 1 or 2, got J={self.J}, L={self.L}, "
                f"max_order={self.max_order}."
            )

    @property
    def batch(self) -> int:
        """Number of images (product of the leading dimensions)."""
        return int(np.prod(self.shape[:-2], dtype=np.int64)) if len(self.shape) > 2 else 1

    @property
    def M(self) -> int:
        """Image height."""
        return int(self.shape[-2])

    @property
    def N(self) -> int:
        """Image width."""
        return int(self.shape[-1])

    @property
    def label(self) -> str:
        """Human-readable name, e.g. '128x3x32x32 J=2'."""
        return "x".join(str(s) for s in self.shape) + f" J={self.J}"

    @property
    def key(self) -> str:
        """Name usable as a JSON key, e.g. '128x3x32x32_J2'."""
        return "x".join(str(s) for s in self.shape) + f"_J{self.J}"

    @property
    def channels(self) -> int:
        """Number of output channels K."""
        J, L = self.J, self.L
        return 1 + J * L + (L * L * J * (J - 1) // 2 if self.max_order == 2 else 0)

    @property
    def out_spatial(self) -> tuple[int, int]:
        """Spatial size of each output channel (padded size / 2**J - 2, as in the SPEC)."""
        s = 2**self.J
        return tuple(((n + s) // s + 1) - 2 for n in (self.M, self.N))  # type: ignore[return-value]

    def io_bytes(self, itemsize: int = 4) -> tuple[int, int]:
        """Bytes of the input batch and of its output."""
        m, n = self.out_spatial
        return (
            self.batch * self.M * self.N * itemsize,
            self.batch * self.channels * m * n * itemsize,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"shape": list(self.shape), "J": self.J, "L": self.L, "max_order": self.max_order}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Workload:
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(int(s) for s in d["shape"]), int(d["J"]), int(d["L"]), int(d["max_order"]))


def make_input(w: Workload) -> np.ndarray:
    """The benchmark input of a workload: standard normal float32 from a fixed seed."""
    return np.random.default_rng(SEED).standard_normal(w.shape, dtype=np.float32)


# -- the workloads of bench.cpu -------------------------------------------------------------
# Workload -> target speed-up over kymatio.numpy.
MAIN: list[tuple[Workload, float]] = [
    (Workload((128, 3, 32, 32), 2), 10.0),
    (Workload((8, 3, 256, 256), 3), 8.0),
    (Workload((1, 1, 512, 512), 4), 8.0),
]
# Kymatio takes ~11 s and ~69 s to construct these; --quick reuses their last numbers.
SLOW_FOR_KYMATIO = {"8x3x256x256_J3", "1x1x512x512_J4"}
# Plan construction compared with kymatio's construction on these (target >= 200x).
PLAN_WORKLOADS = ["8x3x256x256_J3", "1x1x512x512_J4"]
PLAN_TARGET = 200.0
FFT_TARGET = 1.5
PTWAV_WORKLOAD = "128x3x32x32_J2"
GROWTH_BATCHES = (8, 64, 512)
GROWTH_SIDE, GROWTH_J = 64, 3
SIDES = (32, 64, 128, 256, 512)
SIDE_J = 3
SIDE_PIXELS = 2**19  # images per side point: this many pixels in all (at least one image)
JS = (1, 2, 3, 4, 5)
J_SIDE, J_BATCH = 256, 4
FFT_SIDES = (256, 272, 288, 512, 544, 576)
