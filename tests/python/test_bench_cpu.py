"""pytest-benchmark versions of the CPU workloads of ``python -m bench.cpu``.

Run::

    python -m pytest tests/python/test_bench_cpu.py --benchmark-only
    SCATKIT_BENCH_SLOW=1 python -m pytest tests/python/test_bench_cpu.py --benchmark-only
                                                       # + kymatio on 256x256 and 512x512

In the unit-test run (without ``--benchmark-only``) each benchmark calls its target once,
untimed (pytest-benchmark's disabled mode), as a smoke test of the benchmark and of the shapes
it checks. Results are grouped per workload so
pytest-benchmark's table puts scatkit, its FFT-only floor and the peers side by side. Unlike
``bench.cpu`` everything runs in this one process (no interleaving, no per-library peak memory);
use ``bench.cpu`` for the reported numbers. kymatio.numpy is benchmarked on 128x3x32x32 only
unless SCATKIT_BENCH_SLOW=1, because constructing it for 256x256 J=3 and 512x512 J=4 takes
about 11 s and 69 s.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from bench.workloads import MAIN, PTWAV_WORKLOAD, SLOW_FOR_KYMATIO, Workload, make_input

pytest.importorskip(
    "pytest_benchmark", reason="pytest-benchmark (the bench extra) is not installed"
)
_core = pytest.importorskip("scatkit._core", reason="the scatkit native extension is not built")
import scatkit  # noqa: E402

WORKLOADS = [w for w, _ in MAIN]
SLOW = os.environ.get("SCATKIT_BENCH_SLOW", "") == "1"


@pytest.fixture(autouse=True)
def _smoke_unless_measuring(request: pytest.FixtureRequest) -> None:
    """Outside ``--benchmark-only`` (the unit-test run) call each target once, untimed."""
    if not request.config.getoption("benchmark_only", False):
        request.getfixturevalue("benchmark").disabled = True


def _rounds(w: Workload) -> int:
    # Enough samples for a median, few enough that the whole file stays around a minute.
    return 7 if w.M * w.N * w.batch <= 2**20 else 3


@pytest.fixture(scope="module", params=WORKLOADS, ids=[w.key for w in WORKLOADS])
def workload(request: pytest.FixtureRequest) -> Workload:
    return request.param


@pytest.fixture(scope="module")
def images(workload: Workload) -> np.ndarray:
    return make_input(workload)


@pytest.fixture(scope="module")
def plan(workload: Workload) -> Any:
    return _core.Plan(workload.M, workload.N, workload.J, workload.L, workload.max_order)


def _group(benchmark: Any, w: Workload) -> None:
    benchmark.group = w.label
    benchmark.extra_info["images"] = w.batch


def test_scatkit_frontend(benchmark: Any, workload: Workload, images: np.ndarray) -> None:
    w = workload
    S = scatkit.Scattering2D(w.J, (w.M, w.N), w.L, w.max_order, backend="native")
    _group(benchmark, w)
    y = benchmark.pedantic(S, args=(images,), rounds=_rounds(w), warmup_rounds=1)
    assert y.shape == w.shape[:-2] + (w.channels, *w.out_spatial)
    assert np.isfinite(y).all()


def test_scatkit_engine(benchmark: Any, workload: Workload, images: np.ndarray, plan: Any) -> None:
    w = workload
    x = images.reshape(w.batch, w.M, w.N)
    out = np.full((w.batch, plan.num_channels, plan.out_rows, plan.out_cols), np.nan, np.float32)
    _group(benchmark, w)
    benchmark.pedantic(plan.execute, args=(x, out), rounds=_rounds(w), warmup_rounds=1)
    assert np.isfinite(out).all()


def test_fft_only(benchmark: Any, workload: Workload, plan: Any) -> None:
    _group(benchmark, workload)
    benchmark.pedantic(
        _core._fft_only, args=(plan, workload.batch), rounds=_rounds(workload), warmup_rounds=1
    )


def test_plan_construction(benchmark: Any, workload: Workload) -> None:
    # In one process FFTW keeps its wisdom, so after the first plan this is the warm case;
    # bench.cpu measures cold and warm construction in fresh processes.
    w = workload
    _group(benchmark, w)
    p = benchmark.pedantic(
        _core.Plan, args=(w.M, w.N, w.J, w.L, w.max_order), rounds=3, warmup_rounds=1
    )
    assert p.num_channels == w.channels


def _need_kymatio(w: Workload) -> None:
    pytest.importorskip("kymatio", reason="kymatio 0.3 is not installed")
    if w.key in SLOW_FOR_KYMATIO and not SLOW:
        pytest.skip("kymatio's construction takes a minute here; set SCATKIT_BENCH_SLOW=1")


def test_kymatio_numpy(benchmark: Any, workload: Workload, images: np.ndarray) -> None:
    w = workload
    _need_kymatio(w)
    from kymatio.numpy import Scattering2D

    S = Scattering2D(J=w.J, shape=(w.M, w.N), L=w.L, max_order=w.max_order)
    _group(benchmark, w)
    y = benchmark.pedantic(S, args=(images,), rounds=_rounds(w), warmup_rounds=1)
    assert y.shape == w.shape[:-2] + (w.channels, *w.out_spatial)


def test_kymatio_numpy_construction(benchmark: Any, workload: Workload) -> None:
    w = workload
    _need_kymatio(w)
    from kymatio.numpy import Scattering2D

    _group(benchmark, w)
    benchmark.pedantic(
        Scattering2D,
        kwargs={"J": w.J, "shape": (w.M, w.N), "L": w.L, "max_order": w.max_order},
        rounds=1,
    )


def test_pytorch_wavelets_scatlayer_x2(benchmark: Any, workload: Workload) -> None:
    w = workload
    if w.key != PTWAV_WORKLOAD:
        pytest.skip("pytorch_wavelets is compared on 128x3x32x32 only")
    torch = pytest.importorskip("torch")
    pytest.importorskip("pywt", reason="pytorch_wavelets needs PyWavelets")
    ptw = pytest.importorskip("pytorch_wavelets")
    torch.set_num_threads(os.cpu_count() or 1)
    net = torch.nn.Sequential(ptw.ScatLayer(), ptw.ScatLayer())
    x = torch.from_numpy(make_input(w))

    def run() -> Any:
        with torch.no_grad():
            return net(x)

    _group(benchmark, w)
    y = benchmark.pedantic(run, rounds=_rounds(w), warmup_rounds=1)
    assert y.shape[0] == w.shape[0]
