"""Shared fixtures: cached Kymatio objects (slow to build) and the relative-error measure."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

# Kymatio builds its filters with Python loops; one object per configuration for the session.
_KYMATIO_CACHE: dict[tuple, object] = {}


@pytest.fixture(scope="session")
def kymatio_scattering() -> Callable[..., object]:
    """Factory ``(J, shape, L=8, max_order=2) -> kymatio.numpy.Scattering2D``, cached."""
    kymatio_numpy = pytest.importorskip("kymatio.numpy", reason="kymatio==0.3.0 is not installed")

    def make(J: int, shape: tuple[int, int], L: int = 8, max_order: int = 2) -> object:
        key = (J, tuple(shape), L, max_order)
        if key not in _KYMATIO_CACHE:
            _KYMATIO_CACHE[key] = kymatio_numpy.Scattering2D(
                J=J, shape=tuple(shape), L=L, max_order=max_order
            )
        return _KYMATIO_CACHE[key]

    return make


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |actual - expected| / max |expected| (0 when both are all zero)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shapes differ: {actual.shape} vs {expected.shape}"
    scale = np.abs(expected).max(initial=0.0)
    diff = np.abs(actual - expected).max(initial=0.0)
    return float(diff / scale) if scale > 0 else float(diff)


@pytest.fixture(scope="session")
def rel_err() -> Callable[[np.ndarray, np.ndarray], float]:
    """The :func:`relative_error` measure used by every comparison test."""
    return relative_error


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator, so every test sees the same data on every run."""
    return np.random.default_rng(20240611)
