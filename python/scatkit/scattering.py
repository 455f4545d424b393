"""NumPy front end: ``scatkit.Scattering2D``."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _kymatio_compat as kc
from ._invariance import InvarianceStage, check_invariance, meta_fields
from ._validation import as_float_array, check_geometry, check_int, output_dtype
from .backends import cuda_call, is_cuda_array, make_runner, resolve

META_FIELDS = meta_fields("translation")


class Scattering2D(kc.KymatioAttributes):
    """2D scattering transform of images of a fixed size, identical to Kymatio 0.3's.

    Takes Kymatio's arguments in Kymatio's order (``J, shape, L, max_order, pre_pad, backend,
    out_type``) with their meaning; docs/migrating-from-kymatio.md lists the correspondences.

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
    pre_pad : bool, default False
        True: the input is already padded to :attr:`padded_shape` (Kymatio's ``pre_pad``), so
        calls take (..., P, Q) arrays and skip the reflect padding. Computed on the float64
        reference (the engine always pads).
    backend : str, default "auto"
        One of :func:`scatkit.backends` names, or ``"auto"`` (the fastest available on the CPU).
        Kymatio's ``"numpy"`` (or its backend object) means ``"auto"``.
    out_type : {"array", "list"}, default "array"
        ``"list"``: Kymatio's list of one dict per channel (``coef``, ``j``, ``theta``, ``n``).
    threads : int or None
        CPU threads for the native engine; ``None`` uses every core.
    invariance : str, default "translation"
        ``"translation"`` (Kymatio's transform), ``"rotation"`` (orbit average over the
        angles), ``"roto-translation"`` (joint rigid-motion scattering) or
        ``"roto-translation-separable"``; docs/transform.md section 7 defines them. The
        roto-translation variants run on the CPU reference in float64 for now.
    angular_scales : int, default 0
        Angular wavelets K of the roto-translation variants; 0 takes the default (3 and 2).
    frontend : {"numpy", "torch", "sklearn"} or None
        Kymatio's ``frontend=``: "torch" and "sklearn" construct ``scatkit.torch.Scattering2D``
        and ``scatkit.sklearn.Scattering2D`` with the same arguments.

    Calling the object on an array of shape ``(..., M, N)`` returns ``(..., K, M', N')`` in the
    input's precision (float32 or float64; float16 is computed in float32 and returned as
    float16; integer and boolean input gives float32), or writes it into ``out=``.
    """

    def __new__(cls, *args: Any, frontend: str | None = None, **kwargs: Any) -> Any:
        # Kymatio's entry point picks the front end by name; a factory, not a class swap.
        name = kc.check_frontend(frontend, None)
        if name in ("torch", "sklearn"):
            if name == "torch":
                from .torch import Scattering2D as other
            else:
                from .sklearn import Scattering2D as other
            return other(*args, **kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int = 8,
        max_order: int = 2,
        pre_pad: bool = False,
        backend: Any = "auto",
        out_type: str = "array",
        threads: int | None = None,
        invariance: str = "translation",
        angular_scales: int = 0,
        frontend: str | None = None,
    ) -> None:
        kc.check_frontend(frontend, "numpy")
        # Sizes and validity come from the engine, whichever backend computes the transform.
        self._geometry = check_geometry(J, shape, L, max_order)
        g = self._geometry
        self.J, self.shape, self.L, self.max_order = g.J, g.shape, g.L, g.max_order
        if threads is None:
            threads = 0
        else:
            threads = check_int("threads", threads, 1)
        self.threads = threads
        self.backend = resolve(kc.map_backend(backend, "numpy"), "cpu")
        # Rotation and roto-translation variants (docs/transform.md section 7); None = plain.
        invariance, angular_scales = check_invariance(invariance, angular_scales)
        self.pre_pad = kc.check_pre_pad(pre_pad, invariance)
        self.out_type = kc.check_out_type(out_type, invariance)
        self._prepadded: Any = None
        self._stage = None
        if invariance != "translation":
            self._stage = InvarianceStage(
                self.J, self.shape, self.L, self.max_order, invariance, angular_scales
            )
        self.invariance, self.angular_scales = invariance, angular_scales
        # The engine's plan computes every variant itself, on the CPU and on CUDA; the
        # "reference" backend's output goes through the Python stage.
        self._engine_stage = self._stage is not None and self.backend in ("native", "cuda")
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
    def meta(self) -> kc.ChannelMeta:
        """Per-channel arrays 'order', 'j1', 'theta1', 'j2', 'theta2' (-1 = n/a).

        Calling it, ``S.meta()``, gives Kymatio's form instead (``'order'``, and ``'j'``,
        ``'theta'``, ``'n'`` tuples per channel): see :class:`scatkit._kymatio_compat.ChannelMeta`.
        """
        return self._meta_dict(meta_fields(self.invariance))

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
            + (", pre_pad=True" if self.pre_pad else "")
            + ("" if self.out_type == "array" else ", out_type='list'")
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
        if self.pre_pad and tuple(shape[-2:]) != self.padded_shape:
            P, Q = self.padded_shape
            raise ValueError(
                f"input images must be {P}x{Q}, the padded size of {self.shape[0]}x"
                f"{self.shape[1]} (pre_pad=True: the input is already padded), got "
                f"{shape[-2]}x{shape[-1]} (input shape {shape})."
            )
        if not self.pre_pad and tuple(shape[-2:]) != self.shape:
            raise ValueError(
                f"input images must be {self.shape[0]}x{self.shape[1]} (the shape given to "
                f"Scattering2D), got {shape[-2]}x{shape[-1]} (input shape {shape})."
            )

    def _runner(self, dtype: np.dtype):
        run = self._runners.get(dtype)
        if run is None:
            run, meta = make_runner(
                self.backend,
                self.shape,
                self.J,
                self.L,
                self.max_order,
                dtype,
                self.threads,
                *((self.invariance, self.angular_scales) if self._engine_stage else ()),
            )
            self._runners[dtype] = run
            if self._meta is None:
                self._meta = np.asarray(meta, dtype=np.int32)
        return run

    def __call__(self, x: Any, out: np.ndarray | None = None) -> Any:
        """Scattering coefficients of ``x`` (..., M, N) as (..., K, M', N').

        NumPy (or array-like) input gives a NumPy result. With ``backend="cuda"``, CUDA arrays
        (PyTorch, CuPy or any DLPack producer) stay on the device and the result is an array of
        the same framework there. ``out``: a C-contiguous, writable NumPy array of the result's
        shape and dtype to write into (and return). With ``out_type="list"`` the result is
        Kymatio's list of per-channel dicts (their ``coef`` views of the array).
        """
        result = self._compute(x, out)
        if self.out_type == "list":
            return kc.as_list(result, self.meta_table(), self.L)
        return result

    def scattering(self, x: Any, out: np.ndarray | None = None) -> Any:
        """Kymatio's name for calling the transform: ``S.scattering(x)`` is ``S(x)``."""
        return self(x, out=out)

    def _compute(self, x: Any, out: np.ndarray | None) -> Any:
        if is_cuda_array(x):
            if out is not None or self.pre_pad:
                raise ValueError("out= and pre_pad=True take NumPy arrays, not CUDA arrays.")
            if self.backend != "cuda":
                raise TypeError(
                    f"got an array in CUDA memory but this Scattering2D uses backend "
                    f"{self.backend!r}; create it with backend='cuda' (or use "
                    f"scatkit.torch.Scattering2D for tensors)."
                )
            return cuda_call(self._runner, x, self.shape, self.K, self.out_spatial_shape)
        if hasattr(x, "__array__") or isinstance(x, (list, tuple)):
            x = np.asarray(x)
        arr = as_float_array(x)
        want = output_dtype(x.dtype)  # one dtype rule for every front end
        self._check_shape(arr.shape)
        lead = arr.shape[:-2]
        batch = int(np.prod(lead, dtype=np.int64)) if lead else 1
        out_shape = lead + (self.K,) + self.out_spatial_shape
        if out is not None:
            kc.check_out(out, out_shape, want)
        if batch == 0:
            return np.empty(out_shape, dtype=want) if out is None else out
        # Build (and so validate) the plan before copying the input: a plan that cannot exist
        # should be reported as such, not as a failure to copy a huge input.
        run = None if self.pre_pad else self._runner(arr.dtype)
        x3 = np.ascontiguousarray(arr.reshape((batch,) + arr.shape[-2:]))
        plan = getattr(run, "plan", None)
        plain = self._stage is None or self._engine_stage
        if out is not None and want == arr.dtype and plain and not self.pre_pad:
            if plan is not None:  # the engine writes straight into the caller's array
                plan.execute(x3, out.reshape((batch, self.K) + self.out_spatial_shape))
                return out
        if self.pre_pad:
            res = self._prepadded_reference()(x3)
        else:
            res = run(x3) if plain else self._stage(x3, run)
        res = res.reshape(out_shape)
        if out is None:
            return res.astype(want, copy=False)
        np.copyto(out, res, casting="unsafe")
        return out

    def _prepadded_reference(self) -> Any:
        # The engine always pads its input, so pre-padded input runs on the float64 reference.
        if self._prepadded is None:
            from .reference import ReferenceScattering2D

            self._prepadded = ReferenceScattering2D(
                self.J, self.shape, self.L, self.max_order, self.threads, pre_pad=True
            )
        return self._prepadded

    # Pickling keeps the parameters and rebuilds plans lazily.
    def __getstate__(self) -> dict[str, Any]:
        return {
            "J": self.J,
            "shape": self.shape,
            "L": self.L,
            "max_order": self.max_order,
            "pre_pad": self.pre_pad,
            "backend": self.backend,
            "out_type": self.out_type,
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
            pre_pad=state.get("pre_pad", False),
            backend=state["backend"],
            out_type=state.get("out_type", "array"),
            threads=state["threads"] or None,
            invariance=state.get("invariance", "translation"),
            angular_scales=state.get("angular_scales", 0),
        )
