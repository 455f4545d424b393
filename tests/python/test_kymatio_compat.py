"""Kymatio 0.3's 2D test scenarios run against scatkit, as a user switching imports would.

The expected outputs are Kymatio's own, stored in tests/data/kymatio_reference.npz by
tests/data/make_kymatio_reference.py (several J, L and sizes, pre_pad both ways, out_type both
ways, batch shapes, and the argument errors Kymatio refuses). Where kymatio itself is installed,
the filters, the torch state dict and the scikit-learn front end are compared live as well.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import scatkit

DATA = Path(__file__).resolve().parents[1] / "data" / "kymatio_reference.npz"
REF = np.load(DATA)
SCENARIOS = sorted({k.split("/")[0] for k in REF.files if "/" in k})


def scenario(name: str):
    J, shape, L, order, pre_pad, out_type = json.loads(str(REF[f"{name}/params"]))
    return dict(J=J, shape=tuple(shape), L=L, max_order=order, pre_pad=pre_pad, out_type=out_type)


def close(got: np.ndarray, want: np.ndarray) -> None:
    # Kymatio's filters are float32 (ours float64) and the reference is stored in float32.
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


def stacked(out):
    """An out_type='list' result as the (..., K, M', N') array it describes."""
    return np.stack([np.asarray(p["coef"]) for p in out], axis=-3)


def paths(out) -> list:
    return [[list(p["j"]), list(p["theta"]), list(p["n"])] for p in out]


# -- the NumPy front end -----------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENARIOS)
def test_numpy_matches_kymatio(name):
    kw = scenario(name)
    x = REF[f"{name}/x"].astype(np.float64)
    S = scatkit.Scattering2D(**kw)
    out = S(x)
    if kw["out_type"] == "list":
        assert paths(out) == json.loads(str(REF[f"{name}/paths"]))
        assert all(p["coef"].shape == x.shape[:-2] + S.out_spatial_shape for p in out)
        out = stacked(out)
    close(out, REF[f"{name}/Sx"])
    # Kymatio's alias and positional argument order (J, shape, L, max_order, pre_pad).
    again = scatkit.Scattering2D(kw["J"], kw["shape"], kw["L"], kw["max_order"], kw["pre_pad"])
    close(again.scattering(x), stacked(S(x)) if kw["out_type"] == "list" else out)


@pytest.mark.parametrize("name", ["j3_prepad", "j2_list"])
def test_float32_and_out(name):
    kw = {**scenario(name), "out_type": "array"}
    x = REF[f"{name}/x"]
    S = scatkit.Scattering2D(**kw)
    got = S(x)
    assert got.dtype == np.float32
    close(got, REF[f"{name}/Sx"])
    out = np.empty(S.output_shape(x.shape), np.float32)
    assert S(x, out=out) is out
    np.testing.assert_array_equal(out, got)
    with pytest.raises(TypeError, match="dtype float64.*float32"):
        S(x, out=np.empty(out.shape))
    with pytest.raises(ValueError, match="has shape"):
        S(x, out=out[:1])
    with pytest.raises(ValueError, match="C-contiguous"):
        S(x, out=np.empty(out.shape[::-1], np.float32).T)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        S(x, out=out)


def test_errors_where_kymatio_refuses():
    # scatkit refuses every case Kymatio refuses, at construction or at the call (Kymatio's
    # RuntimeError is a ValueError or TypeError here, each with a sentence).
    for name, kwargs, shape, where in json.loads(str(REF["errors"])):
        assert where != "ok", name
        with pytest.raises((ValueError, TypeError)):
            S = scatkit.Scattering2D(**kwargs)
            S(np.zeros(shape))


def test_meta_and_filters():
    S = scatkit.Scattering2D(2, (16, 24), L=4)
    meta = S.meta()
    want = json.loads(str(REF["j2_list/paths"]))
    got = [[list(j), list(t), list(n)] for j, t, n in zip(meta["j"], meta["theta"], meta["n"])]
    assert got == want
    np.testing.assert_array_equal(meta["order"], S.meta["order"])
    assert meta["key"] == meta["n"]
    # scatkit's own form is unchanged
    assert set(S.meta) == set(scatkit.META_FIELDS)
    # psi/phi: Kymatio's layout, built on first access only
    assert "_kymatio_filter_cache" not in S.__dict__
    assert S.phi["j"] == 2 and len(S.psi) == 2 * 4
    assert [(p["j"], p["theta"]) for p in S.psi] == [(j, t) for j in range(2) for t in range(4)]
    phi = np.concatenate([a.ravel() for a in S.phi["levels"]])
    psi = np.concatenate([a.ravel() for p in S.psi for a in p["levels"]])
    np.testing.assert_allclose(phi, REF["j2_list/phi"], atol=1e-6)
    np.testing.assert_allclose(psi, REF["j2_list/psi"], atol=1e-6)


def test_frontend_and_backend_names():
    assert isinstance(scatkit.Scattering2D(2, (16, 16), frontend="numpy"), scatkit.Scattering2D)
    assert scatkit.Scattering2D(2, (16, 16), backend="numpy").backend in ("native", "reference")
    for bad in ("torch", "torch_skcuda", "tensorflow", "jax"):
        with pytest.raises(ValueError, match="Kymatio backend"):
            scatkit.Scattering2D(2, (16, 16), backend=bad)
    with pytest.raises(ValueError, match="frontend must be one of"):
        scatkit.Scattering2D(2, (16, 16), frontend="keras")
    with pytest.raises(ValueError, match="pre_pad=True is not available"):
        scatkit.Scattering2D(2, (16, 16), pre_pad=True, invariance="rotation")
    with pytest.raises(ValueError, match="out_type='list'"):
        scatkit.Scattering2D(2, (16, 16), out_type="list", invariance="rotation")
    S = scatkit.Scattering2D(2, (16, 16), pre_pad=True, out_type="list")
    T = pickle.loads(pickle.dumps(S))
    assert (T.pre_pad, T.out_type) == (True, "list")


def test_dtype_and_nan_rule():
    S = scatkit.Scattering2D(2, (16, 16), L=4)
    x = np.random.default_rng(0).standard_normal((3, 16, 16))
    assert S(x.astype(">f8")).dtype == np.float64
    np.testing.assert_array_equal(S(x.astype(">f8")), S(x))
    assert S(x.astype(np.float16)).dtype == np.float16
    assert S((x * 10).astype(np.int16)).dtype == np.float32
    x[1, 3, 3] = np.nan
    out = S(x)
    assert np.isnan(out[1]).any() and np.isfinite(out[[0, 2]]).all()


# -- the PyTorch front end ---------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENARIOS)
def test_torch_matches_kymatio(name):
    torch = pytest.importorskip("torch")
    from scatkit.torch import Scattering2D

    kw = scenario(name)
    S = Scattering2D(**kw)
    out = S(torch.from_numpy(REF[f"{name}/x"].astype(np.float64)))
    if kw["out_type"] == "list":
        assert paths(out) == json.loads(str(REF[f"{name}/paths"]))
        out = torch.stack([p["coef"] for p in out], dim=-3)
    close(out.numpy(), REF[f"{name}/Sx"])


def test_torch_kymatio_state_dict():
    torch = pytest.importorskip("torch")
    kymatio_torch = pytest.importorskip("kymatio.torch")
    from scatkit.torch import Scattering2D

    theirs = kymatio_torch.Scattering2D(3, (32, 24), L=4)
    ours = Scattering2D(3, (32, 24), L=4)
    result = ours.load_state_dict(theirs.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    # inside a model too (prefixed keys)
    model = torch.nn.Sequential(ours)
    model.load_state_dict(torch.nn.Sequential(theirs).state_dict())
    x = torch.rand(2, 32, 24)
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=2e-6)
    with pytest.raises(RuntimeError, match="other parameters"):
        ours.load_state_dict(kymatio_torch.Scattering2D(2, (32, 24), L=4).state_dict())
    changed = theirs.state_dict()
    changed["tensor3"] = changed["tensor3"] * 2
    with pytest.raises(RuntimeError, match="differs from the filter"):
        ours.load_state_dict(changed)


def test_torch_no_numpy_plan(monkeypatch):
    pytest.importorskip("torch")
    import importlib

    from scatkit.torch import Scattering2D

    def refuse(*args, **kwargs):
        raise AssertionError("the torch module built a NumPy front-end plan")

    for module in ("scatkit.backends", "scatkit.scattering"):
        monkeypatch.setattr(importlib.import_module(module), "make_runner", refuse)
    S = Scattering2D(2, (16, 16), L=4)
    assert len(S) == 1 + 2 * 4 + 4 * 4 and S.meta_table().shape == (len(S), 5)
    assert S.meta()["n"][-1] == (3, 7)


def test_torch_frontend_names():
    pytest.importorskip("torch")
    import scatkit.torch

    S = scatkit.Scattering2D(2, (16, 16), L=4, frontend="torch", backend="torch_skcuda")
    assert isinstance(S, scatkit.torch.Scattering2D) and S.backend == "auto"
    with pytest.raises(ValueError, match="Kymatio backend of its numpy front end"):
        scatkit.torch.Scattering2D(2, (16, 16), backend="numpy")
    with pytest.raises(ValueError, match="served by scatkit.Scattering2D"):
        scatkit.torch.Scattering2D(2, (16, 16), frontend="numpy")


# -- the scikit-learn front end ----------------------------------------------------------------
def test_sklearn_scattering2d():
    pytest.importorskip("sklearn")
    from scatkit.sklearn import Scattering2D

    name = "j3_rect_order1"
    kw = scenario(name)
    x = REF[f"{name}/x"].astype(np.float64)
    est = Scattering2D(kw["J"], kw["shape"], kw["L"], kw["max_order"])
    close(est.fit_transform(x.reshape(len(x), -1)), REF[f"{name}/Sx"].reshape(len(x), -1))
    assert isinstance(scatkit.Scattering2D(2, (16, 16), frontend="sklearn"), Scattering2D)
    with pytest.raises(ValueError, match="pre_pad=True is not available"):
        Scattering2D(2, (16, 16), pre_pad=True).fit(np.zeros((2, 256)))
    assert Scattering2D(2, (16, 16), backend="numpy").fit(np.zeros((2, 256))).transform(
        np.zeros((1, 256))
    ).shape == (1, 81 * 4 * 4)


def test_sklearn_check_estimator_kymatio_name():
    pytest.importorskip("sklearn")
    from scatkit.sklearn import Scattering2D
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(Scattering2D(), on_fail=None, on_skip=None)
    bad = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not bad
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= {"check_array_api_input"}  # needs SCIPY_ARRAY_API


def test_sklearn_matches_kymatio_live():
    pytest.importorskip("sklearn")
    kymatio_sklearn = pytest.importorskip("kymatio.sklearn")
    from scatkit.sklearn import Scattering2D

    X = np.random.default_rng(1).standard_normal((4, 16 * 24))
    want = kymatio_sklearn.Scattering2D(2, (16, 24), L=4).transform(X)
    close(Scattering2D(2, (16, 24), L=4).fit_transform(X), want)
