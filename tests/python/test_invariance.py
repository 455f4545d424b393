"""Front ends with ``invariance=`` against the float64 reference (docs/transform.md section 7)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scatkit
from scatkit.reference_invariance import (
    INVARIANCES,
    ReferenceInvariantScattering2D,
    channel_count,
)
from test_c_api import Config, lib  # noqa: F401 - lib is a fixture used below

CASES = [(2, (32, 32), 8, 2), (3, (40, 37), 5, 2), (1, (9, 12), 3, 1), (2, (20, 28), 6, 1)]


def _images(shape, count=2, seed=0):
    return np.random.default_rng(seed).random((count,) + shape)


@pytest.mark.parametrize("invariance", INVARIANCES)
@pytest.mark.parametrize("J,shape,L,order", CASES)
def test_front_end_matches_reference(invariance, J, shape, L, order):
    x = _images(shape)
    ref = ReferenceInvariantScattering2D(J, shape, L=L, max_order=order, invariance=invariance)
    expected = ref(x)
    s = scatkit.Scattering2D(J, shape, L=L, max_order=order, invariance=invariance)
    assert s.K == len(ref) == channel_count(J, L, order, invariance)
    table = s.meta_table()
    np.testing.assert_array_equal(table, ref.meta[:, : table.shape[1]])
    for dtype, rtol in ((np.float64, 1e-10), (np.float32, 1e-5)):
        out = s(x.astype(dtype))
        assert out.dtype == dtype and out.shape == expected.shape
        scale = np.abs(expected).max(axis=(-2, -1), keepdims=True)
        assert np.abs(out - expected).max() <= rtol * scale.max()
        # Relative to each channel's own size, too: small second-order channels count.
        assert (np.abs(out - expected) <= rtol * 10 * scale + 1e-12).all()


def test_meta_fields_and_pickling():
    s = scatkit.Scattering2D(3, (32, 32), invariance="roto-translation")
    assert list(s.meta) == ["order", "j1", "theta1", "j2", "theta2", "delta", "k"]
    assert s.K == 1 + 3 + 9 + 4 * 8 * 3
    t = pickle.loads(pickle.dumps(s))
    assert (t.invariance, t.angular_scales, t.K) == ("roto-translation", 3, s.K)
    assert "invariance='roto-translation'" in repr(s)
    assert list(scatkit.Scattering2D(2, (16, 16)).meta) == ["order", "j1", "theta1", "j2", "theta2"]
    assert scatkit.Scattering2D(4, (64, 64), invariance="roto-translation").K == 209


def test_bad_invariance_is_a_clear_error():
    with pytest.raises(ValueError, match="invariance must be one of"):
        scatkit.Scattering2D(2, (16, 16), invariance="rotate")
    with pytest.raises(ValueError, match="angular_scales must be >= 0"):
        scatkit.Scattering2D(2, (16, 16), invariance="roto-translation", angular_scales=-1)


def test_sklearn_transformer_and_linear_baseline():
    pytest.importorskip("sklearn")
    from scatkit.sklearn import ScatteringTransformer, linear_baseline
    from sklearn.base import clone

    x = _images((16, 16), 6)
    t = ScatteringTransformer(J=2, invariance="rotation", spatial="mean").fit(x)
    out = t.transform(x)
    assert out.shape == (6, 1 + 2 + 8) == (6, len(t.get_feature_names_out()))
    expected = scatkit.Scattering2D(2, (16, 16), invariance="rotation")(x).mean(axis=(-2, -1))
    np.testing.assert_allclose(out, expected)
    maps = clone(t).set_params(spatial="map").fit(x)
    assert maps.transform(x).shape == (6, 11 * 4 * 4)
    with pytest.raises(ValueError, match="spatial must be"):
        clone(t).set_params(spatial="max").fit(x)
    assert linear_baseline(invariance="rotation")[0].spatial == "mean"
    assert linear_baseline(invariance="roto-translation")[0].spatial == "mean"
    assert linear_baseline(invariance="roto-translation-separable")[0].spatial == "map"
    assert linear_baseline(invariance="rotation", spatial="map")[0].spatial == "map"
    assert linear_baseline()[0].spatial == "map"


@pytest.mark.parametrize("invariance", INVARIANCES[1:])
@pytest.mark.parametrize("J,shape,L,order", CASES[:3])
def test_torch_module_matches_reference(invariance, J, shape, L, order):
    torch = pytest.importorskip("torch")
    import scatkit.torch as st

    x = _images(shape)
    expected = ReferenceInvariantScattering2D(
        J, shape, L=L, max_order=order, invariance=invariance
    )(x)
    m = st.Scattering2D(J, shape, L=L, max_order=order, invariance=invariance)
    assert m.K == expected.shape[1]
    for dtype, rtol in ((torch.float64, 1e-10), (torch.float32, 1e-5)):
        out = m(torch.from_numpy(x).to(dtype)).double().numpy()
        scale = np.abs(expected).max(axis=(-2, -1), keepdims=True)
        assert (np.abs(out - expected) <= rtol * 10 * scale + 1e-12).all()


@pytest.mark.parametrize("invariance", INVARIANCES[1:])
def test_torch_gradcheck_float64(invariance):
    torch = pytest.importorskip("torch")
    import scatkit.torch as st

    m = st.Scattering2D(2, (8, 8), L=3, invariance=invariance)
    x = torch.rand(1, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.autograd.gradcheck(m, (x.requires_grad_(),))


@pytest.mark.parametrize("J,shape,L,order", CASES + [(4, (64, 64), 8, 2)])
@pytest.mark.parametrize("precision,rtol", [("float64", 1e-12), ("float32", 1e-5)])
def test_engine_rotation_stage_matches_reference(J, shape, L, order, precision, rtol):
    from scatkit import _core

    plan = _core.Plan(*shape, J, L, order, precision=precision, invariance="rotation")
    # 70 images run as more than one of the stage's chunks.
    x = _images(shape, 70)
    out = np.empty((70, plan.num_channels, plan.out_rows, plan.out_cols), dtype=precision)
    plan.execute(np.ascontiguousarray(x.astype(precision)), out)
    ref = ReferenceInvariantScattering2D(J, shape, L=L, max_order=order, invariance="rotation")
    expected = ref(x)
    scale = np.abs(expected).max(axis=(-2, -1), keepdims=True)
    assert (np.abs(out - expected) <= rtol * scale).all()
    np.testing.assert_array_equal(plan.meta(), ref.meta)


def test_engine_geometry_and_tables_of_every_variant():
    from scatkit import _core

    for invariance in INVARIANCES:
        for J, L, order in [(4, 8, 2), (3, 5, 2), (2, 3, 1)]:
            g = _core.geometry(64, 64, J, L, order, invariance=invariance)
            assert g.num_channels == channel_count(J, L, order, invariance)
            table = _core.channel_table(64, 64, J, L, order, invariance=invariance)
            ref = ReferenceInvariantScattering2D(J, (64, 64), L, order, invariance).meta
            np.testing.assert_array_equal(table, ref[:, : table.shape[1]])
    assert _core.geometry(64, 64, 4, 8, 2, invariance="roto-translation").num_channels == 209
    with pytest.raises(ValueError, match="angular_scales must be between"):
        _core.geometry(32, 32, 2, invariance="roto-translation", angular_scales=-2)


def test_c_api_creates_a_rotation_plan(lib):  # noqa: F811 - the fixture of test_c_api
    import ctypes

    p = ctypes.c_void_p
    lib.scatkit_plan_create_invariant.argtypes = [
        ctypes.POINTER(Config), ctypes.c_int, ctypes.c_int, ctypes.POINTER(p)
    ]  # fmt: skip
    lib.scatkit_plan_create_invariant.restype = ctypes.c_int
    lib.scatkit_plan_channel_angles.argtypes = [p, ctypes.c_size_t] + [ctypes.c_void_p] * 2
    lib.scatkit_plan_channel_angles.restype = ctypes.c_int
    cfg = Config()
    lib.scatkit_config_init(ctypes.byref(cfg))
    cfg.rows, cfg.cols, cfg.J, cfg.L, cfg.precision = 32, 32, 3, 6, 1
    plan = p()
    assert lib.scatkit_plan_create_invariant(ctypes.byref(cfg), 1, 0, ctypes.byref(plan)) == 0
    try:
        K, rows, cols = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t()
        lib.scatkit_plan_shape(plan, ctypes.byref(K), ctypes.byref(rows), ctypes.byref(cols))
        assert K.value == channel_count(3, 6, 2, "rotation")
        x = _images((32, 32), 3)
        out = np.empty((3, K.value, rows.value, cols.value))
        assert lib.scatkit_execute_f64(plan, x.ctypes.data, out.ctypes.data, 3) == 0
        expected = ReferenceInvariantScattering2D(3, (32, 32), L=6, invariance="rotation")(x)
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-14)
        delta, k = ctypes.c_int(), ctypes.c_int()
        last = K.value - 1
        assert (
            lib.scatkit_plan_channel_angles(plan, last, ctypes.byref(delta), ctypes.byref(k)) == 0
        )
        assert (delta.value, k.value) == (5, -1)
    finally:
        lib.scatkit_plan_destroy(plan)
    bad = p()
    assert lib.scatkit_plan_create_invariant(ctypes.byref(cfg), 7, 0, ctypes.byref(bad)) == 1
    assert "invariance must be" in lib.scatkit_last_error().decode()
    # The roto-translation variants (2, 3) run in the engine too, here with K = 2.
    x = _images((32, 32), 2)
    for code, invariance in ((2, "roto-translation"), (3, "roto-translation-separable")):
        plan = p()
        assert (
            lib.scatkit_plan_create_invariant(ctypes.byref(cfg), code, 2, ctypes.byref(plan)) == 0
        )
        try:
            lib.scatkit_plan_shape(plan, ctypes.byref(K), ctypes.byref(rows), ctypes.byref(cols))
            assert K.value == channel_count(3, 6, 2, invariance, 2)
            out = np.empty((2, K.value, rows.value, cols.value))
            assert lib.scatkit_execute_f64(plan, x.ctypes.data, out.ctypes.data, 2) == 0
            expected = ReferenceInvariantScattering2D(
                3, (32, 32), L=6, invariance=invariance, angular_scales=2
            )(x)
            np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-14)
        finally:
            lib.scatkit_plan_destroy(plan)
