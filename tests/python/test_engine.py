"""Acceptance tests of the native engine: agreement with Kymatio 0.3 and the transform's properties.

``scatkit.Scattering2D(backend="native")`` must reproduce ``kymatio.numpy.Scattering2D`` to a
relative error (max |difference| / max |Kymatio|) of 1e-5 for float32 input, over the whole
output and within each scattering order; float64 input must do at least as well.
"""

from __future__ import annotations

import numpy as np
import pytest
import scatkit
from _helpers import (
    TOL_FLOAT32,
    TOL_FLOAT64_VS_KYMATIO,
    TOL_FLOAT64_VS_REFERENCE,
    assert_close_per_order,
    run_in_threads,
)
from scatkit import reference

_core = pytest.importorskip("scatkit._core", reason="the native extension is not built")

# (M, N, J, L, max_order, batch shape): a subset of the cross product in which every J in 1..4,
# every L in {1, 4, 6, 8}, both orders, every size and every batch shape appears, including
# tiny images whose padding is wider than the image itself (8x8 with J=3, 16x16 with J=4).
KYMATIO_CONFIGS = [
    (28, 28, 1, 8, 2, ()),
    (28, 28, 3, 4, 2, (5,)),
    (28, 28, 2, 1, 1, (2, 3)),
    (45, 45, 2, 6, 1, (2, 3)),
    (45, 45, 4, 1, 2, ()),
    (64, 48, 3, 8, 2, (5,)),
    (64, 48, 2, 6, 2, (2, 3)),
    (37, 53, 2, 8, 1, ()),
    (37, 53, 4, 4, 2, (5,)),
    (37, 53, 1, 6, 1, (5,)),
    (8, 8, 3, 8, 2, (2, 3)),
    (16, 16, 4, 6, 1, ()),
    (32, 32, 4, 8, 2, (5,)),
    # Padded sides with a prime factor of 17 or more (34 = 2*17, 38 = 2*19, 68 = 4*17,
    # 136 = 8*17), which the engine transforms with its split-prime FFTs; 30x40 splits one side.
    (30, 30, 1, 8, 2, (2,)),
    (30, 40, 1, 4, 2, ()),
    (34, 35, 1, 6, 2, ()),
    (60, 62, 2, 8, 2, ()),
    (120, 100, 3, 8, 2, ()),
]

# Native scatkit objects, one per configuration, shared by the tests of this module.
_NATIVE_CACHE: dict[tuple, scatkit.Scattering2D] = {}


def native(J: int, shape: tuple[int, int], L: int = 8, max_order: int = 2, **kw):
    """A cached ``scatkit.Scattering2D(..., backend="native")``."""
    key = (J, tuple(shape), L, max_order, tuple(sorted(kw.items())))
    if key not in _NATIVE_CACHE:
        _NATIVE_CACHE[key] = scatkit.Scattering2D(
            J, shape, L=L, max_order=max_order, backend="native", **kw
        )
    return _NATIVE_CACHE[key]


def _ids(cfg: tuple) -> str:
    M, N, J, L, order, batch = cfg
    lead = "x".join(map(str, batch)) or "single"
    return f"{M}x{N}-J{J}-L{L}-o{order}-{lead}"


def _orders(S: scatkit.Scattering2D) -> np.ndarray:
    return S.meta["order"]


# -- agreement with Kymatio --------------------------------------------------------------------
@pytest.mark.parametrize("cfg", KYMATIO_CONFIGS, ids=_ids)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_native_matches_kymatio(cfg, dtype, kymatio_scattering, rel_err, rng):
    M, N, J, L, max_order, batch = cfg
    S = native(J, (M, N), L, max_order)
    x = rng.random(batch + (M, N)).astype(dtype)
    ours = S(x)
    theirs = kymatio_scattering(J, (M, N), L, max_order)(x)
    assert ours.dtype == dtype
    assert ours.shape == theirs.shape == S.output_shape(x.shape)
    tol = TOL_FLOAT32 if dtype == np.float32 else TOL_FLOAT64_VS_KYMATIO
    assert_close_per_order(ours, theirs, _orders(S), tol, rel_err, f"{dtype.__name__}")


@pytest.mark.parametrize(
    "M, N, J, L, max_order",
    [
        (28, 28, 3, 8, 2),
        (37, 53, 2, 6, 2),
        (8, 8, 3, 4, 2),
        (45, 45, 1, 1, 1),
        (30, 40, 1, 8, 2),
        (60, 62, 2, 4, 2),
    ],
)
def test_native_matches_reference(M, N, J, L, max_order, rel_err, rng):
    S = native(J, (M, N), L, max_order)
    ref = reference.ReferenceScattering2D(J, (M, N), L=L, max_order=max_order)
    x = rng.standard_normal((3, M, N))
    expected = ref(x)
    assert_close_per_order(S(x), expected, _orders(S), TOL_FLOAT64_VS_REFERENCE, rel_err, "f64")
    x32 = x.astype(np.float32)
    assert_close_per_order(S(x32), ref(x32), _orders(S), TOL_FLOAT32, rel_err, "f32")


# -- real images -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    datasets = pytest.importorskip("sklearn.datasets")
    return datasets.load_digits().images[:24]  # (24, 8, 8), values 0..16


@pytest.mark.parametrize("J", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sklearn_digits_match_kymatio(digits, J, dtype, kymatio_scattering, rel_err):
    x = digits.astype(dtype)
    S = native(J, (8, 8))
    expected = kymatio_scattering(J, (8, 8), 8, 2)(x)
    tol = TOL_FLOAT32 if dtype == np.float32 else TOL_FLOAT64_VS_KYMATIO
    assert_close_per_order(S(x), expected, _orders(S), tol, rel_err, f"digits J={J}")


@pytest.mark.parametrize("J", [2, 3])
def test_upsampled_digits_28x28_match_kymatio(digits, J, kymatio_scattering, rel_err):
    ndimage = pytest.importorskip("scipy.ndimage")
    # MNIST-like: 8x8 digits resized to 28x28 with bilinear interpolation.
    x = np.stack([ndimage.zoom(img, 3.5, order=1) for img in digits[:6]]).astype(np.float32)
    assert x.shape == (6, 28, 28)
    S = native(J, (28, 28))
    expected = kymatio_scattering(J, (28, 28), 8, 2)(x)
    assert_close_per_order(S(x), expected, _orders(S), TOL_FLOAT32, rel_err, f"28x28 J={J}")


# -- properties of the transform ---------------------------------------------------------------
def test_order0_is_linear(rel_err, rng):
    S = native(2, (24, 20), L=4)
    x, y = rng.standard_normal((2, 3, 24, 20))
    s0 = _orders(S) == 0
    combined = S(2.5 * x - 1.25 * y)[:, s0]
    separate = 2.5 * S(x)[:, s0] - 1.25 * S(y)[:, s0]
    assert rel_err(combined, separate) < 1e-12
    # Orders 1 and 2 are not linear (modulus): make sure the check above could fail.
    assert rel_err(S(-x)[:, ~s0], -S(x)[:, ~s0]) > 0.5


@pytest.mark.parametrize(
    "M, N, J, L", [(28, 28, 1, 8), (37, 53, 2, 6), (32, 32, 3, 4), (16, 16, 4, 8)]
)
def test_orders_1_2_nonnegative_up_to_lowpass_ringing(M, N, J, L, kymatio_scattering, rng):
    """|.| makes U1, U2 >= 0; only the truncated Gaussian low-pass can dip below zero.

    The low-pass is cut at the Nyquist frequency of each level, where the Gaussian still has
    a few percent of its peak, so the dip reaches a few percent of the maximum, identically
    in Kymatio.
    """
    S = native(J, (M, N), L)
    x = rng.random((4, M, N))
    ours = S(x)
    theirs = kymatio_scattering(J, (M, N), L, 2)(x)
    for order in (1, 2) if J > 1 else (1,):
        sel = _orders(S) == order
        ratio = ours[:, sel].min() / ours[:, sel].max()
        kymatio_ratio = theirs[:, sel].min() / theirs[:, sel].max()
        assert ratio >= -0.1, f"order {order}: min/max = {ratio:.3g}"
        assert ratio == pytest.approx(kymatio_ratio, abs=1e-6)
        # Most coefficients carry mass well above the ringing.
        assert np.median(ours[:, sel]) > 0


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_constant_image_has_no_order_1_2_energy(dtype, tol):
    S = native(3, (28, 36), L=6)
    value = 3.7
    out = S(np.full((2, 28, 36), value, dtype=dtype))
    s0 = out[:, _orders(S) == 0]
    # Order 0 of a constant is the constant times the low-pass's mass, pi / 3.1415.
    np.testing.assert_allclose(s0, value * np.pi / 3.1415, rtol=max(tol, 1e-9))
    assert np.abs(out[:, _orders(S) > 0]).max() <= tol * value


def test_float32_and_float64_agree(rel_err, rng):
    S = native(3, (40, 40), L=8)
    x = rng.random((3, 40, 40))
    out32, out64 = S(x.astype(np.float32)), S(x)
    assert out32.dtype == np.float32 and out64.dtype == np.float64
    assert_close_per_order(out32, out64, _orders(S), TOL_FLOAT32, rel_err, "f32 vs f64")


# (37, 29) pads to FFTW-only grids; (60, 62) with J=2 to 68x68, which the split-prime FFTs do.
SHAPES_FFTW_AND_SPLIT = [((37, 29), 3), ((60, 62), 2)]


@pytest.mark.parametrize("shape, J", SHAPES_FFTW_AND_SPLIT)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-13)])
def test_batch_or_alone_gives_same_output(shape, J, dtype, tol, rel_err, rng):
    S = native(J, shape, L=4)
    x = rng.random((2, 3) + shape).astype(dtype)
    together = S(x)
    for i in range(2):
        for k in range(3):
            assert rel_err(S(x[i, k]), together[i, k]) <= tol
            assert rel_err(S(x[i, k : k + 1])[0], together[i, k]) <= tol


@pytest.mark.parametrize("shape", [(32, 40), (60, 62)])
@pytest.mark.parametrize("batch", [5, 1])
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-13)])
def test_threads_do_not_change_results(shape, batch, dtype, tol, rel_err, rng):
    # batch 1 < threads: the workers share one image's paths (per-thread FFT scratch).
    x = rng.random((batch,) + shape).astype(dtype)
    outs = [native(2, shape, L=6, threads=t)(x) for t in (1, 2, None)]
    assert rel_err(outs[1], outs[0]) <= tol
    assert rel_err(outs[2], outs[0]) <= tol


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int16, np.float32),
        (np.uint8, np.float32),
        # Half precision is computed in float32 and returned as it came, as in every front end.
        (np.float16, np.float16),
        (np.dtype(">f8"), np.float64),
        (np.dtype(">f4"), np.float32),
    ],
)
def test_output_dtype(dtype, expected):
    S = native(2, (16, 16), L=4)
    assert S(np.ones((2, 16, 16), dtype=dtype)).dtype == expected


@pytest.mark.parametrize("J, L, max_order", [(3, 4, 2), (4, 2, 2), (2, 3, 1), (1, 8, 2)])
def test_meta_table_follows_spec_order(J, L, max_order):
    S = native(J, (16, 16), L, max_order)
    table = S.meta_table()
    assert table.shape == (len(S), 5)
    assert list(S.meta) == list(scatkit.META_FIELDS)
    for i, name in enumerate(scatkit.META_FIELDS):
        np.testing.assert_array_equal(S.meta[name], table[:, i])
    order = table[:, 0]
    # Order 0 first, then order 1, then order 2 (blocks in that order).
    np.testing.assert_array_equal(order, np.sort(order))
    assert list(table[0]) == [0, -1, -1, -1, -1]
    first = table[order == 1]
    assert len(first) == J * L
    np.testing.assert_array_equal(first[:, 1], np.arange(J * L) // L)  # j1 = n1 // L
    np.testing.assert_array_equal(first[:, 2], np.arange(J * L) % L)  # theta1 = n1 % L
    assert (first[:, 3:] == -1).all()
    second = table[order == 2]
    assert len(second) == (L * L * J * (J - 1) // 2 if max_order == 2 else 0)
    if len(second):
        assert (second[:, 3] > second[:, 1]).all()  # j2 > j1
        assert (second[:, 1:] >= 0).all()
        assert (second[:, [1, 3]] < J).all() and (second[:, [2, 4]] < L).all()
        # Every valid path once, in lexicographic (j1, theta1, j2, theta2) order.
        keys = [tuple(row) for row in second[:, 1:]]
        assert keys == sorted(set(keys))
    # The native plan reports the same table.
    np.testing.assert_array_equal(_core.Plan(16, 16, J, L, max_order).meta(), table)


def test_meta_matches_kymatio_list_output(kymatio_scattering, rng):
    S = native(3, (16, 16), L=4)
    kym = kymatio_scattering(3, (16, 16), 4, 2)
    x = rng.random((1, 16, 16))
    kym.out_type = "list"
    try:
        paths = kym(x)
    finally:
        kym.out_type = "array"
    out = S(x)
    assert len(paths) == len(S)
    for c, (row, path) in enumerate(zip(S.meta_table(), paths)):
        order = row[0]
        assert tuple(path["j"]) == tuple(row[[1, 3]][:order])
        assert tuple(path["theta"]) == tuple(row[[2, 4]][:order])
        np.testing.assert_allclose(out[:, c], path["coef"], rtol=0, atol=1e-6 * np.abs(out).max())


@pytest.mark.parametrize("max_order", [1, 2])
@pytest.mark.parametrize("lead", [(), (5,), (2, 3)])
def test_output_shape_and_len(max_order, lead):
    S = native(2, (20, 27), L=6, max_order=max_order)
    K = 1 + 2 * 6 + (36 if max_order == 2 else 0)
    assert len(S) == K
    # Side = padded / 2**J - 2 (SPEC): 20 pads to 28 and gives 5, 27 pads to 32 and gives 6.
    shape = lead + (20, 27)
    out = S(np.zeros(shape, np.float32))
    assert out.shape == S.output_shape(shape) == lead + (K, 5, 6)


@pytest.mark.parametrize("shape", [(0, 16, 16), (2, 0, 16, 16), (0, 0, 16, 16)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_length_batch(shape, dtype):
    S = native(2, (16, 16), L=4)
    out = S(np.zeros(shape, dtype))
    assert out.shape == shape[:-2] + (len(S), 4, 4)
    assert out.dtype == dtype


@pytest.mark.parametrize(
    "make_view",
    [
        pytest.param(lambda a: a.transpose(0, 2, 1), id="transposed"),
        pytest.param(lambda a: a[::2, ::2, ::2], id="step2"),
        pytest.param(lambda a: a[::-1, ::-1, ::-1], id="reversed"),
        pytest.param(lambda a: np.asfortranarray(a), id="fortran"),
        pytest.param(lambda a: a[1:, 3:-2, ::-3], id="offset-negative-step3"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_contiguous_input(make_view, dtype, rng):
    base = rng.random((6, 90, 90)).astype(dtype)
    view = make_view(base)
    M, N = view.shape[-2:]
    S = native(2, (M, N), L=4)
    copy = np.ascontiguousarray(view)
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(S(view), S(copy))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_inf_propagate_without_crash(dtype, bad, rng):
    S = native(2, (16, 16), L=4)
    x = rng.random((3, 16, 16)).astype(dtype)
    x[1, 7, 5] = bad
    out = S(x)
    assert out.shape == (3, len(S), 4, 4)
    assert not np.isfinite(out[1]).all()
    # The other images of the batch are untouched by the bad one.
    assert np.isfinite(out[[0, 2]]).all()
    alone = S(x[[0, 2]])
    np.testing.assert_allclose(out[[0, 2]], alone, rtol=0, atol=1e-6 * np.abs(alone).max())


def test_auto_backend_is_native_when_built():
    assert scatkit.Scattering2D(1, (8, 8)).backend == "native"


def test_one_plan_shared_by_several_python_threads():
    # Concurrent calls on one Scattering2D take turns inside the engine: no hang, same results.
    S = scatkit.Scattering2D(2, (32, 32), L=4, threads=2)
    xs = [
        np.random.default_rng(i).standard_normal((3, 32, 32)).astype(np.float32) for i in range(4)
    ]
    expected = [S(x) for x in xs]

    def work(i: int) -> np.ndarray:
        for _ in range(5):
            out = S(xs[i])
        return out

    results = run_in_threads(work, 4, timeout=60, what="concurrent calls on one plan")
    for i in range(4):
        np.testing.assert_array_equal(results[i], expected[i])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads, batch", [(1, 3), (2, 1), (2, 3)])
def test_large_grids_match_reference(dtype, threads, batch, rel_err):
    # 128x120 pads to 136x136: big enough that the engine band-passes one angle at a time
    # (and, with fewer images than threads, shares one image between threads).
    x = np.random.default_rng(7).standard_normal((batch, 128, 120)).astype(dtype)
    expected = scatkit.Scattering2D(3, (128, 120), L=4, backend="reference")(x.astype(np.float64))
    got = scatkit.Scattering2D(3, (128, 120), L=4, threads=threads)(x)
    assert got.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert rel_err(got, expected) <= tol
    second = got[..., 1 + 3 * 4 :, :, :]
    assert rel_err(second, expected[..., 1 + 3 * 4 :, :, :]) <= tol
