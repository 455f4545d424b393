"""The engine is the one home of the transform's geometry; the reference keeps its own on purpose.

Every front end takes sizes and validity from ``scatkit._core.geometry``. The pure-Python
reference computes them independently from the SPEC (``scatkit.reference.geometry``); these tests
check that the two agree on many configurations, odd, non-square and tiny ones included, and that
they refuse the same invalid ones.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import scatkit
from scatkit import _validation, reference

_core = pytest.importorskip("scatkit._core", reason="the native extension is not built")

SIDES = (2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 100, 127, 128, 129, 257, 1000)


def _configs():
    for M, N in itertools.product(SIDES, SIDES):
        for J in range(1, min(M, N).bit_length()):
            for max_order in (1, 2):
                yield J, (M, N), 1 + (M + 3 * N + J) % 9, max_order


CONFIGS = list(_configs())


def test_many_configurations_are_covered():
    assert len(CONFIGS) > 1000
    assert any(M != N for _, (M, N), _, _ in CONFIGS)
    assert any(M % 2 and N % 2 for _, (M, N), _, _ in CONFIGS)
    assert any(min(M, N) == 2**J for J, (M, N), _, _ in CONFIGS)


def test_engine_and_reference_geometry_agree():
    for J, shape, L, max_order in CONFIGS:
        engine = _validation.check_geometry(J, shape, L, max_order)
        assert engine == reference.geometry(J, shape, L, max_order), (J, shape, L, max_order)


def test_engine_and_reference_geometry_agree_on_random_configurations():
    rng = np.random.default_rng(24)
    for _ in range(2000):
        M, N = (int(s) for s in rng.integers(2, 5000, size=2))
        J = int(rng.integers(1, min(M, N).bit_length()))
        L, max_order = int(rng.integers(1, 17)), int(rng.integers(1, 3))
        engine = _validation.check_geometry(J, (M, N), L, max_order)
        assert engine == reference.geometry(J, (M, N), L, max_order), (J, (M, N), L, max_order)


@pytest.mark.parametrize("J, L, max_order", [(1, 1, 1), (1, 3, 2), (2, 8, 2), (3, 5, 1), (4, 2, 2)])
def test_engine_and_reference_channel_tables_agree(J, L, max_order):
    g = _validation.check_geometry(J, (16, 21), L, max_order)
    table = _validation.channel_table(g)
    assert table.shape == (g.K, 5) and table.dtype == np.int32
    np.testing.assert_array_equal(table, reference.channel_table(J, L, max_order))


@pytest.mark.parametrize("J, shape, L, max_order", [(1, (2, 2), 1, 1), (2, (7, 33), 3, 2)])
def test_geometry_is_what_a_plan_builds(J, shape, L, max_order):
    g = _validation.check_geometry(J, shape, L, max_order)
    plan = _core.Plan(*shape, J, L, max_order)
    assert (plan.padded_rows, plan.padded_cols) == g.padded_shape
    assert (plan.num_channels, plan.out_rows, plan.out_cols) == (g.K, *g.out_spatial_shape)
    np.testing.assert_array_equal(plan.meta(), _validation.channel_table(g))


# Invalid by the SPEC: the engine and the reference must both refuse them, naming the fault.
SPEC_INVALID = [
    (0, (16, 16), 8, 2, "J"),
    (-1, (16, 16), 8, 2, "J"),
    (5, (16, 16), 8, 2, "J=5 needs images of at least"),
    (3, (64, 7), 8, 2, "use J <= 2."),
    (3, (7, 64), 8, 2, "use J <= 2."),
    (1, (1, 16), 8, 2, "at least 2x2 pixels"),
    (1, (16, 1), 8, 2, "at least 2x2 pixels"),
    (1, (1, 1), 1, 1, "at least 2x2 pixels"),
    (2, (16, 16), 0, 2, "L"),
    (2, (16, 16), -4, 2, "L"),
    (2, (16, 16), 8, 0, "max_order must be 1 or 2"),
    (2, (16, 16), 8, 3, "max_order must be 1 or 2"),
    (2**40, (16, 16), 8, 2, "J=1099511627776"),
]


@pytest.mark.parametrize("J, shape, L, max_order, word", SPEC_INVALID)
def test_engine_and_reference_refuse_the_same_configurations(J, shape, L, max_order, word):
    with pytest.raises(ValueError, match=re.escape(word)):
        _validation.check_geometry(J, shape, L, max_order)
    with pytest.raises(ValueError, match=re.escape(word)):
        reference.geometry(J, shape, L, max_order)


@pytest.mark.parametrize(
    "J, shape, L, max_order, error",
    [
        (1.0, (16, 16), 8, 2, TypeError),
        (True, (16, 16), 8, 2, TypeError),
        (2, (16, 16), "8", 2, TypeError),
        (2, 16, 8, 2, TypeError),
        (2, (16,), 8, 2, ValueError),
        (2, (16, 16, 3), 8, 2, ValueError),
        (2, (16, 0), 8, 2, ValueError),
        (2, (16.0, 16), 8, 2, TypeError),
    ],
)
def test_engine_and_reference_refuse_the_same_types(J, shape, L, max_order, error):
    with pytest.raises(error):
        _validation.check_geometry(J, shape, L, max_order)
    with pytest.raises(error):
        reference.geometry(J, shape, L, max_order)


def test_engine_limits_beyond_the_spec():
    # Limits of the implementation, not of the SPEC: the reference has no reason to share them.
    lim = _core.limits()
    assert lim == {"max_J": 30, "max_L": 1024, "min_side": 2, "max_padded_pixels": 2**29 - 1}
    assert reference.geometry(1, (8, 8), lim["max_L"] + 1, 1).K == 1 + lim["max_L"] + 1
    with pytest.raises(ValueError, match=r"L \(number of angles\) must be between 1 and 1024"):
        _validation.check_geometry(1, (8, 8), lim["max_L"] + 1, 1)
    with pytest.raises(ValueError, match=r"too large"):
        _validation.check_geometry(2, (200000, 200000), 8, 2)
    assert _validation.check_geometry(1, (8, 8), lim["max_L"], 1).K == 1 + lim["max_L"]


def test_front_ends_take_sizes_from_the_engine():
    g = _validation.check_geometry(2, (12, 10), 3, 2)
    S = scatkit.Scattering2D(2, (12, 10), L=3)
    assert (S.K, S.padded_shape, S.out_spatial_shape) == (g.K, g.padded_shape, g.out_spatial_shape)
    R = scatkit.Scattering2D(2, (12, 10), L=3, backend="reference")
    assert (R.K, R.padded_shape, R.out_spatial_shape) == (g.K, g.padded_shape, g.out_spatial_shape)


@pytest.mark.parametrize("J, shape, L, max_order", [(5, (16, 16), 8, 2), (2, (16, 16), 0, 2)])
def test_front_ends_report_the_engines_sentence(J, shape, L, max_order):
    with pytest.raises(ValueError) as engine:
        _core.geometry(*shape, J, L, max_order)
    with pytest.raises(ValueError) as numpy_front:
        scatkit.Scattering2D(J, shape, L, max_order)
    assert str(numpy_front.value) == str(engine.value)
    torch = pytest.importorskip("scatkit.torch")
    with pytest.raises(ValueError) as torch_front:
        torch.Scattering2D(J, shape, L, max_order)
    assert str(torch_front.value) == str(engine.value)
    sk = pytest.importorskip("scatkit.sklearn")
    X = np.zeros((2, *shape), np.float32)
    with pytest.raises(ValueError) as sklearn_front:
        sk.ScatteringTransformer(J=J, L=L, max_order=max_order).fit(X)
    assert str(sklearn_front.value) == str(engine.value)


def test_without_the_engine_the_reference_rules_apply(monkeypatch):
    # Only an installation whose extension failed to build gets here.
    _validation.engine_geometry.cache_clear()
    monkeypatch.setattr(_validation, "_core", None)
    try:
        assert _validation.check_geometry(2, (12, 10), 3, 2) == reference.geometry(2, (12, 10), 3)
        np.testing.assert_array_equal(
            _validation.channel_table(reference.geometry(2, (12, 10), 3)),
            reference.channel_table(2, 3, 2),
        )
        with pytest.raises(ValueError, match=r"2\*\*J=32"):
            _validation.check_geometry(5, (16, 16), 8, 2)
    finally:
        _validation.engine_geometry.cache_clear()
