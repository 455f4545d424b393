"""The invariance stage of the front ends (docs/transform.md section 7).

The native engine computes every variant in its plan (``scatkit.Scattering2D`` hands it
``invariance=`` on the "native" and "cuda" backends). This stage serves the other
backends: ``invariance="rotation"`` is an exact average of the translation channels, so it runs
on any backend's output; the roto-translation variants need the complex second-layer maps before
the modulus, so they run on the float64 NumPy reference (:mod:`scatkit.reference_invariance`).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .reference_invariance import (
    ReferenceInvariantScattering2D,
    channel_count,
    channel_table,
    check_invariance,
    rotation_average,
)

#: Meta columns of the invariance variants (the translation scattering keeps its first five).
META_FIELDS_INVARIANT = ("order", "j1", "theta1", "j2", "theta2", "delta", "k")


def meta_fields(invariance: str) -> tuple[str, ...]:
    """The meta columns of a variant: five for "translation", seven for the others."""
    return META_FIELDS_INVARIANT[:5] if invariance == "translation" else META_FIELDS_INVARIANT


def _averaging_matrix(J: int, L: int, max_order: int) -> np.ndarray:
    """(K_rotation, K_translation) matrix whose product with S is ``rotation_average(S)``."""
    K = channel_count(J, L, max_order, "translation")
    return rotation_average(np.eye(K)[:, :, None, None], J, L, max_order)[..., 0, 0].T


class InvarianceStage:
    """What ``invariance=`` adds after (or instead of) the translation transform.

    Parameters
    ----------
    J, shape, L, max_order
        The transform's parameters (already validated).
    invariance : str
        One of ``scatkit.reference_invariance.INVARIANCES`` other than "translation".
    angular_scales : int
        K; 0 takes the variant's default.
    """

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int,
        max_order: int,
        invariance: str,
        angular_scales: int = 0,
    ) -> None:
        self.invariance, self.angular_scales = check_invariance(invariance, angular_scales)
        self.J, self.shape, self.L, self.max_order = J, tuple(shape), L, max_order
        self.K = channel_count(J, L, max_order, self.invariance, self.angular_scales)
        self._reference: ReferenceInvariantScattering2D | None = None
        self._average: np.ndarray | None = None

    @property
    def needs_maps(self) -> bool:
        """Whether the stage needs more than the translation output (complex maps)."""
        return self.invariance.startswith("roto-translation")

    def meta_table(self) -> np.ndarray:
        """(K, 7) int32 table (order, j1, theta1, j2, theta2, delta, k), -1 where n/a."""
        return channel_table(self.J, self.L, self.max_order, self.invariance, self.angular_scales)

    def __call__(self, x: np.ndarray, plain: Callable[[np.ndarray], Any]) -> np.ndarray:
        """The variant's coefficients of the (B, M, N) batch ``x``; ``plain`` runs the engine."""
        if not self.needs_maps:
            S = np.asarray(plain(x))
            if self._average is None:
                self._average = _averaging_matrix(self.J, self.L, self.max_order)
            A = self._average.astype(S.dtype, copy=False)
            # One small matrix product over the channel axis: the orbit average is linear.
            flat = S.reshape(S.shape[0], S.shape[1], -1)
            return np.matmul(A, flat).reshape((S.shape[0], self.K) + S.shape[2:])
        if self._reference is None:
            self._reference = ReferenceInvariantScattering2D(
                self.J,
                self.shape,
                L=self.L,
                max_order=self.max_order,
                invariance=self.invariance,
                angular_scales=self.angular_scales,
            )
        return self._reference(x).astype(x.dtype, copy=False)
