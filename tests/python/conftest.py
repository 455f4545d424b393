"""Shared fixtures: cached Kymatio objects (slow to build) and the relative-error measure.

In CI (``CI`` set and not ``false``/``0``) a test that ``pytest.importorskip`` would skip for a
missing or broken module FAILS instead: CI installs every test dependency (kymatio for the
comparison tests among them), so such a skip would hide a broken set-up behind a green run.
Skips for a missing GPU are ``skipif`` marks or plain ``pytest.skip`` calls and stay skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Callable

import numpy as np
import pytest


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def _skipped_by_importorskip(exc: BaseException | None) -> bool:
    """Whether ``exc`` is the skip that ``pytest.importorskip`` raises (from its own frame)."""
    if not isinstance(exc, pytest.skip.Exception) or exc.__traceback__ is None:
        return False
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name == "importorskip"


def _as_failure(report: pytest.CollectReport | pytest.TestReport, exc: BaseException) -> None:
    report.outcome = "failed"
    report.longrepr = (
        f"{exc} -- in CI a missing test dependency is a failure, not a skip "
        "(scripts/setup.sh test installs them all)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """In CI, turn a test's import-or-skip (in a fixture or the test body) into a failure."""
    outcome = yield
    report = outcome.get_result()
    exc = call.excinfo.value if call.excinfo is not None else None
    if report.skipped and _in_ci() and _skipped_by_importorskip(exc):
        _as_failure(report, exc)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """In CI, turn a module-level import-or-skip into a collection error."""
    outcome = yield
    report = outcome.get_result()
    call = getattr(report, "call", None)  # pytest keeps the CallInfo on the report
    exc = call.excinfo.value if call is not None and call.excinfo is not None else None
    if report.skipped and _in_ci() and _skipped_by_importorskip(exc):
        _as_failure(report, exc)


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


@pytest.fixture(scope="module")
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread for a module's tests (use with ``pytest.mark.usefixtures``).

    Multithreaded OpenBLAS spin-waits; on a few shared, busy CI cores that makes solver fits
    many times slower. One BLAS thread changes nothing but the time taken.
    """
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """One intra-op torch thread for a module's tests (use with ``pytest.mark.usefixtures``).

    Small tensors on a shared machine: extra intra-op threads only add contention.
    """
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator, so every test sees the same data on every run."""
    return np.random.default_rng(20240611)
