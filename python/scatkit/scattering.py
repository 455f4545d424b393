"""NumPy front end: ``scatkit.Scattering2D``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._invariance import META_FIELDS_INVARIANT, InvarianceStage, check_invariance
from ._validation import as_float_array, check_geometry, check_int
from .backends import cuda_call, is_cuda_array, make_runner, resolve

META_FIELDS = ("order", "j1", "theta1", "j2", "theta2")


class Scattering2D:
    """2D scattering transform of images of a fixed size, identical to Kymatio 0.3's.

    Parameters
    ----------
    J : int
        Number of scales; the output is subsampled by ``2**J``. Needs ``2**J <= min(M, N)``.
    shape : tuple of int
        Image size ``(M, N)``.
    L : int, default 8
        Number of wavelet angles.
    max_order : {1, 2}, default 2
        Highest scattering order computed.
    backend : str, default "auto"
        One of :func:`scatkit.backends` names, or ``"auto"`` (the fastest available on the CPU).
    threads : int or None
        CPU threads for the native engine; ``None`` uses every core.
    invariance : str, default "translation"
        ``"translation"`` (Kymatio's transform), ``"rotation"`` (orbit average over the
        angles), ``"roto-translation"`` (joint rigid-motion scattering) or
        ``"roto-translation-separable"``; docs/transform.md section 7 defines them. The
        roto-translation variants run on the CPU reference in float64 for now.
    angular_scales : int, default 0
        Angular wavelets K of the roto-translation variants; 0 takes the default (3 and 2).

    Calling the object on an array of shape ``(..., M, N)`` returns ``(..., K, M', N')`` in the
    input's precision (float32 or float64; integer input is computed in float32).
    """

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int = 8,
        max_order: int = 2,
        backend: str = "auto",
        threads: int | None = None,
        invariance: str = "translation",
        angular_scales: int = 0,
    ) -> None:
        # Sizes and validity come from the engine, whichever backend computes the transform.
        self._geometry = check_geometry(J, shape, L, max_order)
        g = self._geometry
        self.J, self.shape, self.L, self.max_order = g.J, g.shape, g.L, g.max_order
        if threads is None:
            threads = 0
        else:
            threads = check_int("threads", threads, 1)
        self.threads = threads
        self.backend = resolve(backend, "cpu")
        # Rotation and roto-translation variants (docs/transform.md section 7); None = plain.
        invariance, angular_scales = check_invariance(invariance, angular_scales)
        self._stage = None
        if invariance != "translation":
            self._stage = InvarianceStage(
                self.J, self.shape, self.L, self.max_order, invariance, angular_scales
            )
        self.invariance, self.angular_scales = invariance, angular_scales
        self._runners: dict[np.dtype, Any] = {}
        self._meta: np.ndarray | None = None
        # Build the float32 plan now, as Kymatio builds its filters at construction: errors
        # surface here and the first call is not slower than the rest. float64 plans are lazy.
        self._runner(np.dtype(np.float32))

    # -- description -------------------------------------------------------------------------
    @property
    def K(self) -> int:
        """Number of output channels."""
        return self._geometry.K if self._stage is None else self._stage.K

    def __len__(self) -> int:
        return self.K

    @property
    def padded_shape(self) -> tuple[int, int]:
        """Size of the reflect-padded grid the transform works on."""
        return self._geometry.padded_shape

    @property
    def out_spatial_shape(self) -> tuple[int, int]:
        """Spatial size (M', N') of each output channel."""
        return self._geometry.out_spatial_shape

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of ``self(x)`` for ``x`` of shape ``input_shape`` (..., M, N)."""
        input_shape = tuple(int(s) for s in input_shape)
        self._check_shape(input_shape)
        return input_shape[:-2] + (self.K,) + self.out_spatial_shape

    @property
    def meta(self) -> dict[str, np.ndarray]:
        """Per-channel description: arrays 'order', 'j1', 'theta1', 'j2', 'theta2' (-1 = n/a)."""
        table = self.meta_table()
        fields = META_FIELDS if self._stage is None else META_FIELDS_INVARIANT
        return {name: table[:, i].copy() for i, name in enumerate(fields)}

    def meta_table(self) -> np.ndarray:
        """Per-channel description as a (K, 5) int array: order, j1, theta1, j2, theta2."""
        # The backend's own table (the engine's schedule), kept when the first plan was built.
        if self._stage is not None:
            return self._stage.meta_table()
        return self._meta.copy()

    def __repr__(self) -> str:
        return (
            f"Scattering2D(J={self.J}, shape={self.shape}, L={self.L}, "
            f"max_order={self.max_order}, backend={self.backend!r}"
            + ("" if self._stage is None else f", invariance={self.invariance!r}")
            + ")"
        )

    # -- computation -------------------------------------------------------------------------
    def _check_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) < 2:
            raise ValueError(
                f"input must have at least 2 dimensions (..., {self.shape[0]}, {self.shape[1]}), "
                f"got shape {shape}."
            )
        if tuple(shape[-2:]) != self.shape:
            raise ValueError(
                f"input images must be {self.shape[0]}x{self.shape[1]} (the shape given to "
                f"Scattering2D), got {shape[-2]}x{shape[-1]} (input shape {shape})."
            )

    def _runner(self, dtype: np.dtype):
        run = self._runners.get(dtype)
        if run is None:
            run, meta = make_runner(
                self.backend, self.shape, self.J, self.L, self.max_order, dtype, self.threads
            )
            self._runners[dtype] = run
            if self._meta is None:
                self._meta = np.asarray(meta, dtype=np.int32)
        return run

    def __call__(self, x: Any) -> np.ndarray:
        """Scattering coefficients of ``x`` (..., M, N) as (..., K, M', N').

        NumPy (or array-like) input gives a NumPy result. With ``backend="cuda"``, CUDA arrays
        (PyTorch, CuPy or any DLPack producer) stay on the device and the result is an array of
        the same framework there.
        """
        if is_cuda_array(x):
            if self.backend != "cuda":
                raise TypeError(
                    f"got an array in CUDA memory but this Scattering2D uses backend "
                    f"{self.backend!r}; create it with backend='cuda' (or use "
                    f"scatkit.torch.Scattering2D for tensors)."
                )
            if self._stage is not None:
                raise ValueError(
                    f"invariance={self.invariance!r} is computed on the CPU only for now; pass "
                    f"a NumPy array (or use invariance='translation' on the GPU)."
                )
            return cuda_call(self._runner, x, self.shape, self.K, self.out_spatial_shape)
        arr = as_float_array(x)
        self._check_shape(arr.shape)
        lead = arr.shape[:-2]
        batch = int(np.prod(lead, dtype=np.int64)) if lead else 1
        out_shape = lead + (self.K,) + self.out_spatial_shape
        if batch == 0:
            return np.empty(out_shape, dtype=arr.dtype)
        # Build (and so validate) the plan before copying the input: a plan that cannot exist
        # should be reported as such, not as a failure to copy a huge input.
        run = self._runner(arr.dtype)
        x3 = np.ascontiguousarray(arr.reshape((batch,) + self.shape))
        out = run(x3) if self._stage is None else self._stage(x3, run)
        return out.reshape(out_shape)

    # Pickling keeps the parameters and rebuilds plans lazily.
    def __getstate__(self) -> dict[str, Any]:
        return {
            "J": self.J,
            "shape": self.shape,
            "L": self.L,
            "max_order": self.max_order,
            "backend": self.backend,
            "threads": self.threads,
            "invariance": self.invariance,
            "angular_scales": self.angular_scales,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(
            state["J"],
            state["shape"],
            state["L"],
            state["max_order"],
            state["backend"],
            state["threads"] or None,
            state.get("invariance", "translation"),
            state.get("angular_scales", 0),
        )
