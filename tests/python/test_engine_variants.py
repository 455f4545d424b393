"""Engine variants and the spatial low-pass: every switch of ``scatkit._core.Plan`` gives the
default engine's results (to rounding, or bit for bit where the arithmetic is the same), and the
environment supplies the switches' defaults for benchmarks.
"""

from __future__ import annotations

import numpy as np
import pytest
import scatkit
from _helpers import TOL_FLOAT32, TOL_FLOAT64_VS_REFERENCE, assert_close_per_order

_core = pytest.importorskip("scatkit._core", reason="the native extension is not built")


# -- engine variants ---------------------------------------------------------------------------
# Engine switches are keyword arguments of scatkit._core.Plan (scatkit::EngineOptions); each left
# at "auto" takes its environment variable (SCATKIT_LOWPASS, ...), else the default.
def _engine_run(shape=(60, 62), J=2, **switches):
    """Native outputs for 2 images, float32 then float64 (as float64), with the given switches."""
    from scatkit import _core

    M, N = shape
    x = np.random.default_rng(3).random((2, M, N))
    outs = []
    for dtype in (np.float32, np.float64):
        precision = "float32" if dtype == np.float32 else "float64"
        plan = _core.Plan(M, N, J, 6, precision=precision, **switches)
        out = np.empty((2, plan.num_channels, plan.out_rows, plan.out_cols), dtype)
        plan.execute(x.astype(dtype), out)
        outs.append(out.astype(np.float64))
    return np.stack(outs)


def test_baseline_variant_and_fftw_only_path_agree(rel_err):
    """The portable engine variant and FFTW without the split-prime FFTs give the same results
    as the default engine on a 68x68 (4*17) grid, in float32 and float64."""
    from scatkit import _core

    default = _engine_run()
    baseline = _engine_run(cpu_isa="baseline")
    fftw = _engine_run(fft="fftw")
    assert _core.cpu_isa() in ("avx2", "baseline")
    for other in (baseline, fftw):
        assert rel_err(other[0], default[0]) <= 1e-6
        assert rel_err(other[1], default[1]) <= 1e-13


def test_unknown_switch_value_is_refused():
    from scatkit import _core

    with pytest.raises(ValueError, match="lowpass must be one of 'auto', 'spatial', 'fourier'"):
        _core.Plan(32, 32, 2, lowpass="space")


_ENV_SCRIPT = """
import sys, numpy as np, scatkit._core as c
x = np.random.default_rng(3).random((2, 60, 62))
plan = c.Plan(60, 62, 2, 6, precision="float64")
out = np.empty((2, plan.num_channels, plan.out_rows, plan.out_cols))
plan.execute(x, out)
np.save(sys.argv[1], out)
print(c.cpu_isa())
"""


def test_environment_supplies_the_switch_defaults(tmp_path):
    """Switches left at "auto" take the environment's choice (for benchmarks): a process with
    SCATKIT_LOWPASS=fourier, SCATKIT_FOLD=streamed, SCATKIT_CPU_ISA=baseline and
    SCATKIT_FFTW_PLANNER=estimate gives the bits of the same switches set in-process."""
    import os
    import subprocess
    import sys

    out = tmp_path / "env.npy"
    env = dict(
        os.environ,
        SCATKIT_FFTW_WISDOM="0",
        SCATKIT_LOWPASS="fourier",
        SCATKIT_FOLD="streamed",
        SCATKIT_CPU_ISA="baseline",
        SCATKIT_FFTW_PLANNER="estimate",
    )
    proc = subprocess.run(
        [sys.executable, "-c", _ENV_SCRIPT, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "baseline"
    switches = dict(lowpass="fourier", fold="streamed", cpu_isa="baseline", fftw_planner="estimate")
    assert np.array_equal(np.load(out), _engine_run(**switches)[1])


# -- the spatial low-pass ----------------------------------------------------------------------
# Maps whose spectrum serves only the low-pass (every second-order map, and first-order maps with
# no second order after them) are low-passed in space (cpu/spatial_lowpass.hpp) wherever that is
# cheaper than the FFTs, which covers every Kymatio configuration of test_engine.py. These
# larger shapes add compact kernels that wrap around the grid's edges (levels r <= J - 3),
# whole-grid kernels at the coarse levels, non-square grids and both orders.
SPATIAL_LOWPASS_CASES = [(128, 120, 4, 4, 2), (100, 90, 5, 4, 1), (200, 180, 5, 3, 2)]


@pytest.mark.parametrize("M, N, J, L, max_order", SPATIAL_LOWPASS_CASES)
@pytest.mark.parametrize("threads", [1, 2])
def test_spatial_lowpass_matches_reference(M, N, J, L, max_order, threads, rel_err):
    x = np.random.default_rng(11).standard_normal((2, M, N))
    ref = scatkit.Scattering2D(J, (M, N), L=L, max_order=max_order, backend="reference")
    expected = ref(x)
    S = scatkit.Scattering2D(J, (M, N), L=L, max_order=max_order, threads=threads)
    orders = S.meta["order"]
    assert_close_per_order(S(x), expected, orders, TOL_FLOAT64_VS_REFERENCE, rel_err, "f64")
    x32 = x.astype(np.float32)
    assert_close_per_order(S(x32), expected, orders, TOL_FLOAT32, rel_err, "f32")
    # One image shared between the threads takes the per-angle path.
    assert_close_per_order(S(x[:1]), expected[:1], orders, TOL_FLOAT64_VS_REFERENCE, rel_err, "1")


def test_spatial_and_fourier_lowpass_agree(rel_err):
    """lowpass="fourier" (every low-pass in Fourier, as the SPEC writes it) and the default give
    the same results where the default low-passes in space."""
    default = _engine_run((128, 120), 4)
    fourier = _engine_run((128, 120), 4, lowpass="fourier")
    assert rel_err(fourier[0], default[0]) <= 1e-6
    assert rel_err(fourier[1], default[1]) <= 1e-13


@pytest.mark.parametrize("shape, J", [((60, 62), 2), ((28, 28), 2), ((128, 120), 4), ((33, 17), 3)])
def test_gathered_and_streamed_folds_give_the_same_bits(shape, J):
    """Band-pass folds of small sources run destination row by destination row, up to four
    aliases per pass and over whole rows (FoldPlan's gathered order); fold="streamed" runs them
    all in source order. Both add each element's aliases in the same order, so float32 and
    float64 outputs must be identical bit for bit (grids from all gathered to mixed). FFTW plans
    by estimate in both, so that both run the same FFT algorithms."""
    default = _engine_run(shape, J, fold="gathered", fftw_planner="estimate")
    streamed = _engine_run(shape, J, fold="streamed", fftw_planner="estimate")
    assert default.shape == streamed.shape
    assert np.array_equal(default, streamed)
