"""NumPy front end: ``scatkit.Scattering2D``."""

from __future__ import annotations

from typing import Any

import numpy as np

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
        self._runners: dict[np.dtype, Any] = {}
        self._meta: np.ndarray | None = None
        # Build the float32 plan now, as Kymatio builds its filters at construction: errors
        # surface here and the first call is not slower than the rest. float64 plans are lazy.
        self._runner(np.dtype(np.float32))

    # -- description -------------------------------------------------------------------------
    @property
    def K(self) -> int:
        """Number of output channels."""
        return self._geometry.K

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
        return {name: table[:, i].copy() for i, name in enumerate(META_FIELDS)}

    def meta_table(self) -> np.ndarray:
        """Per-channel description as a (K, 5) int array: order, j1, theta1, j2, theta2."""
        # The backend's own table (the engine's schedule), kept when the first plan was built.
        return self._meta.copy()

    def __repr__(self) -> str:
        return (
            f"Scattering2D(J={self.J}, shape={self.shape}, L={self.L}, "
            f"max_order={self.max_order}, backend={self.backend!r})"
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
        out = run(x3)
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
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(
            state["J"],
            state["shape"],
            state["L"],
            state["max_order"],
            state["backend"],
            state["threads"] or None,
        )
