"""Tests of the scikit-learn front end: estimator checks, conventions, input layouts, threads."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip(
    "sklearn", reason="scikit-learn is not installed (pip install scatkit[sklearn])"
)

import scatkit  # noqa: E402
from _helpers import run_in_threads  # noqa: E402
from scatkit.sklearn import LogCompression, ScatteringTransformer  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

# Multithreaded OpenBLAS spin-waits on busy CI cores (see conftest.single_threaded_blas).
pytestmark = pytest.mark.usefixtures("single_threaded_blas")


# --------------------------------------------------------------------------------------------
# scikit-learn's own estimator checks
# --------------------------------------------------------------------------------------------
# These checks build their own X with 2, 3, 5 or 10 feature columns. With shape=None such a
# feature count is laid out in the smallest square image (zeros after the features, with a
# warning), so every check runs on the transformer itself and must pass.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}
# Needs SCIPY_ARRAY_API and an array-API namespace; the transformer is NumPy-only.
ALLOWED_SKIPS = {"check_array_api_input"}


def _run_checks(estimator, expected_failed):
    results = check_estimator(
        estimator, expected_failed_checks=expected_failed, on_fail=None, on_skip=None
    )
    assert len(results) > 30  # the whole suite ran
    seen_xfail = set()
    for r in results:
        name, status, exc = r["check_name"], r["status"], r["exception"]
        assert status != "failed", f"{name} failed: {exc!r}"
        if status == "skipped":
            assert name in ALLOWED_SKIPS, f"{name} skipped: {exc}"
        if status == "xfail":
            seen_xfail.add(name)
    stale = set(expected_failed) - seen_xfail
    assert not stale, f"listed as expected to fail but passed (update the list): {stale}"
    return results


def test_check_estimator_scattering_transformer():
    results = _run_checks(ScatteringTransformer(), EXPECTED_FAILED_CHECKS)
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    # The checks that can run on arbitrary features pass, e.g.:
    for name in (
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_fit2d_1feature",
        "check_estimators_empty_data_messages",
        "check_transformer_n_iter",
        "check_estimator_repr",
        "check_mixin_order",
    ):
        assert name in passed, name


def test_check_estimator_log_compression():
    results = _run_checks(LogCompression(), {})
    assert all(r["status"] in ("passed", "skipped") for r in results)


# --------------------------------------------------------------------------------------------
# The same conventions on image-shaped data
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(0.0, 1.0, size=(12, 8, 8))


def _expected(images, J=1, L=8, max_order=2):
    S = scatkit.Scattering2D(J, images.shape[-2:], L=L, max_order=max_order)
    return S(images)


def test_transform_matches_numpy_front_end(images):
    maps = _expected(images, J=2, L=4)
    flat = ScatteringTransformer(J=2, L=4).fit_transform(images.reshape(12, -1))
    assert flat.shape == (12, maps[0].size)
    np.testing.assert_array_equal(flat, maps.reshape(12, -1))
    est = ScatteringTransformer(J=2, L=4, flatten=False).fit(images)
    out = est.transform(images)
    np.testing.assert_array_equal(out, maps)
    assert est.output_shape_ == maps.shape[1:]
    assert est.input_shape_ == (8, 8)


def test_conventions_on_images(images):
    X = images.reshape(12, -1)
    est = ScatteringTransformer(J=2, L=4)
    assert not hasattr(est, "n_features_in_")
    params = est.get_params()
    assert est.fit(X, np.arange(12)) is est  # fit returns self and takes (ignores) y
    assert est.get_params() == params  # fit does not change parameters
    assert est.n_features_in_ == 64
    public = {k for k in vars(est) if not k.startswith("_")}
    assert public == set(params) | {"n_features_in_", "input_shape_", "output_shape_"}
    # transform does not change the estimator
    before = dict(vars(est))
    Y = est.transform(X)
    assert vars(est) == before
    # idempotent fit, fit_transform == fit().transform()
    np.testing.assert_array_equal(est.fit(X).transform(X), Y)
    np.testing.assert_array_equal(clone(est).fit_transform(X), Y)
    # each sample is transformed on its own: order and subsets do not matter
    perm = np.random.default_rng(1).permutation(12)
    np.testing.assert_array_equal(est.transform(X[perm]), Y[perm])
    np.testing.assert_array_equal(est.transform(X[3:5]), Y[3:5])
    # one sample
    np.testing.assert_array_equal(clone(est).fit(X[:1]).transform(X[:1]), Y[:1])
    # a fitted estimator checks the number of features
    with pytest.raises(ValueError, match="X has 49 features, but ScatteringTransformer"):
        est.transform(np.zeros((2, 49)))
    with pytest.raises(ValueError, match="X has 49 features, but ScatteringTransformer"):
        est.transform(np.zeros((2, 7, 7)))


def test_dtypes(images):
    est = ScatteringTransformer(J=1).fit(images)
    assert est.transform(images.astype(np.float32)).dtype == np.float32
    assert est.transform(images).dtype == np.float64
    # The dtype rule of every front end: integers are computed and returned in float32.
    as_int = (images * 10).astype(np.int64)
    out = est.transform(as_int)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, est.transform(as_int.astype(np.float32)))
    assert est.transform(images.astype(">f8")).dtype == np.float64
    np.testing.assert_array_equal(est.transform(images.astype(">f8")), est.transform(images))
    assert est.transform(images.astype(np.float16)).dtype == np.float16
    with pytest.raises(ValueError, match="strings"):
        ScatteringTransformer().fit(np.full((2, 64), "a"))
    obj = images.astype(object)
    np.testing.assert_array_equal(est.transform(obj), est.transform(images))
    np.testing.assert_allclose(
        est.transform(images.astype(np.float32)), est.transform(images), rtol=1e-4, atol=1e-6
    )


def test_input_containers(images, tmp_path):
    est = ScatteringTransformer(J=1).fit(images)
    ref = est.transform(images)
    X = images.reshape(12, -1)
    np.testing.assert_array_equal(est.transform(X.tolist()), ref)  # lists
    np.testing.assert_array_equal(est.transform(images.tolist()), ref)  # nested lists, 3D
    np.testing.assert_array_equal(est.transform(np.asfortranarray(X)), ref)
    np.testing.assert_array_equal(est.transform(np.asfortranarray(images)), ref)
    np.testing.assert_array_equal(est.transform(images[:, ::-1, :][:, ::-1, :]), ref)  # strided
    mm = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float64, shape=X.shape)
    mm[:] = X
    mm.flush()
    ro = np.load(tmp_path / "x.npy", mmap_mode="r")
    np.testing.assert_array_equal(clone(est).fit(ro).transform(ro), ref)


def test_multichannel_and_layouts(images):
    rgb = np.stack([images, 2 * images, images**2], axis=1)  # (12, 3, 8, 8)
    single = _expected(images)
    est = ScatteringTransformer(J=1, flatten=False).fit(rgb)
    assert est.input_shape_ == (3, 8, 8)
    assert est.n_features_in_ == 3 * 64
    out = est.transform(rgb)
    assert out.shape == (12, 3) + single.shape[1:]
    np.testing.assert_array_equal(out[:, 0], single)
    np.testing.assert_allclose(out[:, 1], 2 * single, rtol=1e-12, atol=1e-12)
    # flattened C-channel input needs shape=(C, M, N) and gives the same numbers
    flat = ScatteringTransformer(J=1, shape=(3, 8, 8)).fit_transform(rgb.reshape(12, -1))
    np.testing.assert_array_equal(flat, out.reshape(12, -1))
    # non-square images
    rect = np.random.default_rng(2).uniform(size=(4, 8, 12))
    st = ScatteringTransformer(J=2, shape=(8, 12))
    np.testing.assert_array_equal(
        st.fit_transform(rect.reshape(4, -1)), _expected(rect, J=2).reshape(4, -1)
    )
    np.testing.assert_array_equal(
        ScatteringTransformer(J=2).fit_transform(rect), st.transform(rect)
    )


def test_stateless(images):
    X = images.reshape(12, -1)
    fitted = ScatteringTransformer(J=1).fit(X)
    # transform works unfitted: shape given, or read from square/image input
    np.testing.assert_array_equal(
        ScatteringTransformer(J=1, shape=(8, 8)).transform(X), fitted.transform(X)
    )
    np.testing.assert_array_equal(ScatteringTransformer(J=1).transform(X), fitted.transform(X))
    np.testing.assert_array_equal(ScatteringTransformer(J=1).transform(images), fitted.transform(X))
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(fitted)
    check_is_fitted(ScatteringTransformer())  # stateless: always usable
    # set_params after fit takes effect at the next transform
    fitted.set_params(L=4, max_order=1)
    assert fitted.transform(X).shape == (12, (1 + 4) * 16)
    np.testing.assert_array_equal(
        fitted.transform(X), _expected(images, L=4, max_order=1).reshape(12, -1)
    )


def test_rejects_bad_input(images):
    X = images.reshape(12, -1)
    # A feature count that is not a square image: the smallest square, zeros after the features.
    with pytest.warns(UserWarning, match="63 features.*8x8 image.*1 zero pixels"):
        est63 = ScatteringTransformer().fit(X[:, :63])
    filled = np.concatenate([X[:, :63], np.zeros((12, 1))], axis=1)
    full = ScatteringTransformer(shape=(8, 8)).fit(filled)
    np.testing.assert_array_equal(est63.transform(X[:, :63]), full.transform(filled))
    with pytest.warns(UserWarning, match="2x2 image"):
        assert ScatteringTransformer().fit(X[:, :2]).input_shape_ == (2, 2)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        ScatteringTransformer().fit(X[0])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        ScatteringTransformer().fit(X).transform(X[0])
    # The NaN rule of every front end: non-finite values propagate to their own sample only.
    bad = X.copy()
    bad[0, 0] = np.nan
    out = ScatteringTransformer().fit(bad).transform(bad)
    assert np.isnan(out[0]).any() and np.isfinite(out[1:]).all()
    bad[0, 0] = np.inf
    out = ScatteringTransformer().fit(X).transform(bad)
    assert not np.isfinite(out[0]).all() and np.isfinite(out[1:]).all()
    with pytest.raises(ValueError, match="need 64"):
        ScatteringTransformer(shape=(8, 8)).transform(X[:, :60])
    with pytest.raises(ValueError, match="shape"):
        ScatteringTransformer(shape=(8, 8)).fit(images[:, :, :6])
    with pytest.raises(ValueError, match="multi-channel"):
        ScatteringTransformer(shape=(8, 8)).fit(images[:, None])
    with pytest.raises(ValueError, match="3-channel"):
        ScatteringTransformer(shape=(3, 8, 8)).fit(images)
    with pytest.raises(ValueError, match="5-dimensional|dim"):
        ScatteringTransformer().fit(images[:, None, None])
    with pytest.raises(ValueError, match="Complex data not supported"):
        ScatteringTransformer().fit(X + 1j)
    with pytest.raises(TypeError, match="[Ss]parse"):
        import scipy.sparse

        ScatteringTransformer().fit(scipy.sparse.csr_matrix(X))


@pytest.mark.parametrize(
    "params, exc, match",
    [
        ({"J": 4}, ValueError, "J=4 needs images of at least"),
        ({"J": 0}, ValueError, "J must be an integer between 1 and"),
        ({"J": 1.5}, TypeError, "J must be an integer"),
        ({"L": 0}, ValueError, r"L \(number of angles\) must be between 1 and"),
        ({"max_order": 3}, ValueError, "max_order must be 1 or 2"),
        ({"shape": (8,)}, ValueError, "pair"),
        ({"shape": "8x8"}, TypeError, "shape must be"),
        ({"shape": (8, -8)}, ValueError, "image width"),
        ({"backend": "nope"}, ValueError, "unknown backend"),
        ({"threads": 0}, ValueError, "threads must be >= 1"),
        ({"flatten": "yes"}, TypeError, "flatten must be True or False"),
    ],
)
def test_bad_parameters_fail_in_fit(images, params, exc, match):
    est = ScatteringTransformer(**params)  # __init__ stores, never validates
    assert est.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(exc, match=match):
        est.fit(images)
    with pytest.raises(exc, match=match):
        est.transform(images)


def test_feature_names(images):
    est = ScatteringTransformer(J=2, L=4).fit(images)
    names = est.get_feature_names_out()
    out = est.transform(images)
    assert names.shape == (out.shape[1],) and names.dtype == object
    assert len(set(names)) == len(names)
    K, rows, cols = est.output_shape_
    assert (rows, cols) == (2, 2)
    assert names[0] == "s0_y0_x0" and names[3] == "s0_y1_x1"
    assert names[4] == "s1_j0_t0_y0_x0"
    # every name agrees with the channel metadata at its position
    meta = scatkit.Scattering2D(2, (8, 8), L=4).meta_table()
    for index in (0, 5, 37, 4 * 20 + 2, len(names) - 1):
        k, pix = divmod(index, rows * cols)
        order, j1, t1, j2, t2 = meta[k]
        expected = {0: "s0", 1: f"s1_j{j1}_t{t1}", 2: f"s2_j{j1}_t{t1}_j{j2}_t{t2}"}[order]
        assert names[index] == f"{expected}_y{pix // cols}_x{pix % cols}"
    assert names[-1] == "s2_j0_t3_j1_t3_y1_x1"
    # unfitted with a given shape works; shape=None needs fit
    np.testing.assert_array_equal(
        ScatteringTransformer(J=2, L=4, shape=(8, 8)).get_feature_names_out(), names
    )
    with pytest.raises(NotFittedError):
        ScatteringTransformer().get_feature_names_out()
    with pytest.raises(ValueError, match="length 64"):
        est.get_feature_names_out([f"p{i}" for i in range(10)])
    assert est.get_feature_names_out([f"p{i}" for i in range(64)]).shape == names.shape
    rgb = ScatteringTransformer(J=2, L=4, shape=(2, 8, 8)).get_feature_names_out()
    assert len(rgb) == 2 * len(names)
    assert rgb[0] == "c0_s0_y0_x0" and rgb[-1] == "c1_s2_j0_t3_j1_t3_y1_x1"
    np.testing.assert_array_equal(rgb[len(names) :], ["c1_" + n for n in names])


def test_set_output_pandas(images):
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    est = ScatteringTransformer(J=2, L=4).set_output(transform="pandas").fit(images.reshape(12, -1))
    df = est.transform(images.reshape(12, -1))
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(est.get_feature_names_out())


def test_pickle_and_clone(images):
    X = images.reshape(12, -1)
    est = ScatteringTransformer(J=2, L=6, max_order=1, threads=1).fit(X)
    ref = est.transform(X)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), ref)
    assert again.get_params() == est.get_params()
    assert again.input_shape_ == est.input_shape_
    unfitted = pickle.loads(pickle.dumps(ScatteringTransformer(J=2)))
    assert not hasattr(unfitted, "n_features_in_")
    c = clone(est)
    assert c.get_params() == est.get_params() and not hasattr(c, "n_features_in_")
    np.testing.assert_array_equal(c.fit_transform(X), ref)


def test_concurrent_transform_on_one_estimator(images):
    # A fitted estimator shares one native plan, which must never run two batches at once
    # (unguarded, that corrupts results or hangs). Daemon threads with a join timeout turn a
    # hang into a failure instead of a stuck test run.
    rng = np.random.default_rng(3)
    batches = [rng.uniform(size=(16, 8, 8)) for _ in range(6)]
    est = ScatteringTransformer(J=2, L=4).fit(images)
    serial = [est.transform(b) for b in batches]
    results = run_in_threads(
        lambda i: est.transform(batches[i]), 6, timeout=120, what="concurrent transform calls"
    )
    for i, expected in enumerate(serial):
        np.testing.assert_array_equal(results[i], expected)
