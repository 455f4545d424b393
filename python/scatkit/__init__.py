"""scatkit: fast, exact 2D wavelet scattering (Kymatio 0.3 compatible) on FFTW and CUDA."""

from __future__ import annotations

from .backends import BackendInfo, backends
from .scattering import META_FIELDS, Scattering2D

try:
    from ._core import CudaError
except ImportError:  # pragma: no cover - the extension is part of every supported install

    class CudaError(RuntimeError):
        """Raised when a CUDA or cuFFT call fails."""


__version__ = "0.1.0"

__all__ = ["Scattering2D", "backends", "BackendInfo", "CudaError", "META_FIELDS", "__version__"]
