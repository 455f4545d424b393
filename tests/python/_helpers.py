"""Helpers shared by several test modules: tolerances, per-order comparison, threaded calls.

Fixtures live in ``conftest.py``; plain functions and constants that test modules import by
name live here (pytest puts this folder on ``sys.path``), so each is written once.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np

TOL_FLOAT32 = 1e-5
# Kymatio builds its filters in float32, so even float64 runs agree with it only near 1e-7.
TOL_FLOAT64_VS_KYMATIO = 1e-6
# scatkit's float64 engine and the float64 reference share the SPEC's double-precision filters.
TOL_FLOAT64_VS_REFERENCE = 1e-12


def assert_close_per_order(
    actual: np.ndarray,
    expected: np.ndarray,
    orders: np.ndarray,
    tol: float,
    rel_err: Callable[[np.ndarray, np.ndarray], float],
    what: str = "",
) -> None:
    """Relative error <= tol over the whole output and within each order separately."""
    err = rel_err(actual, expected)
    assert err <= tol, f"{what} whole output: relative error {err:.2e} > {tol:.0e}"
    for order in np.unique(orders):
        sel = orders == order
        err = rel_err(actual[..., sel, :, :], expected[..., sel, :, :])
        assert err <= tol, f"{what} order {order}: relative error {err:.2e} > {tol:.0e}"


def run_in_threads(
    work: Callable[[int], Any], n: int, timeout: float, what: str = "concurrent calls"
) -> dict[int, Any]:
    """Run ``work(i)`` for i in 0..n-1, each in its own daemon thread; return {i: result}.

    Fails the test, naming ``what``, if a thread is still running after ``timeout`` seconds.
    """
    results: dict[int, Any] = {}

    def target(i: int) -> None:
        results[i] = work(i)

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), f"{what} hung"
    return results


def torch_randn(shape, dtype=None, seed: int = 0, requires_grad: bool = False) -> Any:
    """Seeded standard-normal torch tensor (float32 unless ``dtype``); imports torch lazily."""
    import torch

    g = torch.Generator().manual_seed(seed)
    dtype = torch.float32 if dtype is None else dtype
    return torch.randn(shape, generator=g, dtype=dtype).requires_grad_(requires_grad)
