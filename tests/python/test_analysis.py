"""scatkit.analysis on synthetic data whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("pandas")

from scatkit import analysis  # noqa: E402
from scatkit.analysis import (  # noqa: E402
    boundary_curve,
    channel_smoothness,
    contraction,
    knn_correct,
    layer_metrics,
    twonn,
)


def _clouds(n: int = 200, d: int = 10, gap: float = 20.0, seed: int = 0):
    """Two Gaussian clouds separated along the first coordinate only."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    X = rng.standard_normal((n, d))
    X[:, 0] += np.where(y == 1, gap / 2, -gap / 2)
    return X.astype(np.float32), y


# -- layer_metrics: known answers -------------------------------------------------------------
def test_separated_clouds_identity_layer():
    X, y = _clouds()
    df = layer_metrics({"input": X}, y)
    row = df.iloc[0]
    assert row["nn1_accuracy"] == 1.0
    assert row["knn_accuracy"] == 1.0
    assert row["linear_accuracy"] == 1.0
    assert row["boundary_points"] == 0.0
    assert all(v == 0.0 for v in df.attrs["boundary_curve"]["input"])
    assert row["separation"] > 1 and row["separation_q10"] > 1
    assert row["contraction_same"] == pytest.approx(1.0)


def test_collapsing_layer_is_at_chance():
    X, y = _clouds(n=600)
    # Dropping the one coordinate that separates the clouds maps both classes onto the
    # same distribution.
    df = layer_metrics({"input": X, "collapsed": X[:, 1:]}, y)
    row = df.set_index("layer").loc["collapsed"]
    for col in ("nn1_accuracy", "knn_accuracy", "linear_accuracy"):
        assert abs(row[col] - 0.5) < 0.08, (col, row[col])
    assert row["separation"] == pytest.approx(1.0, abs=0.1)
    # The classes now lie on top of each other: their pairs shrink far more than same-class
    # pairs, whose distances hardly change.
    assert row["contraction_diff"] < 0.5 * row["contraction_same"]


@pytest.mark.parametrize("normalise", [True, False])
def test_isometry_keeps_contraction_at_one(normalise):
    X, y = _clouds()
    Q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((10, 10)))
    con = contraction(X @ Q, X, y, normalise=normalise)
    for key, value in con.items():
        assert value == pytest.approx(1.0, abs=1e-5), key


def test_scaling_gives_c_unnormalised_and_one_normalised():
    X, y = _clouds()
    raw = contraction(3.5 * X, X, y, normalise=False)
    assert raw["same"] == pytest.approx(3.5, rel=1e-5)
    assert raw["diff_q90"] == pytest.approx(3.5, rel=1e-5)
    df = layer_metrics({"input": X, "scaled": 3.5 * X}, y)
    assert df["contraction_same"].tolist() == pytest.approx([1.0, 1.0], abs=1e-5)
    assert df["nn1_accuracy"].tolist() == [1.0, 1.0]
    df = layer_metrics({"input": X, "scaled": 3.5 * X}, y, normalise=False)
    assert df["contraction_diff"].tolist() == pytest.approx([1.0, 3.5], rel=1e-5)


def test_metrics_frame_has_the_documented_columns():
    X, y = _clouds()
    seen = []
    df = layer_metrics({"a": X, "b": 2 * X}, y, progress=seen.append, reference="a")
    assert seen == ["a", "b"]
    for col in (
        "layer",
        "knn_accuracy",
        "nn1_accuracy",
        "linear_accuracy",
        "boundary_points",
        "contraction_same",
        "contraction_diff",
        "separation",
        "intrinsic_dim",
        "search_recall",
    ):
        assert col in df.columns
    assert df.attrs["boundary_k"] == list(range(2, 32))
    assert len(df.attrs["boundary_curve"]["a"]) == 30


def test_layer_metrics_rejects_bad_input():
    X, y = _clouds()
    with pytest.raises(ValueError, match="must be \\(n, d\\)"):
        layer_metrics({"a": X[:10]}, y)
    with pytest.raises(ValueError, match="reference"):
        layer_metrics({"a": X}, y, reference="nope")
    with pytest.raises(ValueError, match="boundary_k"):
        layer_metrics({"a": X}, y, boundary_k=40)
    with pytest.raises(ValueError, match="tie_break"):
        layer_metrics({"a": X}, y, tie_break="coin")


def test_projected_search_recovers_exact_neighbours():
    # Wide but low-rank data: the projected search with exact re-ranking must find every
    # exact neighbour and give the same measures as the exact search.
    rng = np.random.default_rng(2)
    y = np.arange(300) % 3
    Z = (rng.standard_normal((300, 8)) + 3 * y[:, None]) @ rng.standard_normal((8, 900))
    exact = layer_metrics({"z": Z}, y, search_dim=None, probe_dim=None)
    fast = layer_metrics({"z": Z}, y, search_dim=64, probe_dim=64)
    assert fast["search_recall"].iloc[0] == 1.0
    for col in ("nn1_accuracy", "knn_accuracy", "boundary_points", "separation", "intrinsic_dim"):
        assert fast[col].iloc[0] == pytest.approx(exact[col].iloc[0], rel=1e-4), col


# -- boundary points and votes ----------------------------------------------------------------
def _sklearn_boundary(X, y, ks):
    """Oyallon's procedure with sklearn: k-NN fitted on all points predicts the points kept."""
    from sklearn.neighbors import KNeighborsClassifier

    kept = np.arange(len(y))
    counts = []
    for k in ks:
        clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X, y)
        kept = kept[clf.predict(X[kept]) != y[kept]]
        counts.append(len(kept) / len(y))
    return np.array(counts)


def test_self_vote_and_lowest_tie_reproduce_the_original_procedure():
    X, y = _clouds(n=300, gap=2.0, seed=3)
    search = analysis.NeighbourSearch(X, search_dim=None)
    _, idx = search.graph(15)
    ks = range(2, 16)
    ours = boundary_curve(y[idx], y, ks, tie_break="lowest", self_vote=True)
    np.testing.assert_allclose(ours, _sklearn_boundary(X, y, ks))
    assert ours[0] > 0 and np.all(np.diff(ours) <= 0)


def test_tie_break_rules_on_a_two_neighbour_tie():
    # Each point's two neighbours disagree: classes (1, 0) for a class-0 point, nearest first.
    labels = np.array([[1, 0], [0, 1]])
    y = np.array([0, 1])
    assert knn_correct(labels, y, 2, "nearest").tolist() == [False, False]
    assert knn_correct(labels, y, 2, "lowest").tolist() == [True, False]
    assert knn_correct(labels, y, 2, "error").tolist() == [False, False]
    # With the self-vote, k = 2 is the point and its nearest other: a 1-1 tie again.
    assert knn_correct(labels, y, 2, "lowest", self_vote=True).tolist() == [True, False]


def test_leave_one_out_knn_matches_sklearn_for_odd_k():
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _clouds(n=120, gap=2.0, seed=4)
    _, idx = analysis.NeighbourSearch(X, search_dim=None).graph(5)
    ours = knn_correct(y[idx], y, 5).mean()
    ref = cross_val_score(KNeighborsClassifier(5), X, y, cv=LeaveOneOut()).mean()
    assert ours == pytest.approx(ref)


# -- intrinsic dimension ----------------------------------------------------------------------
@pytest.mark.parametrize("dim", [2, 5])
def test_twonn_on_a_linear_subspace(dim):
    rng = np.random.default_rng(dim)
    Z = rng.uniform(size=(2000, dim)) @ rng.standard_normal((dim, 30))
    df = layer_metrics({"z": Z}, np.arange(2000) % 2, search_dim=None)
    assert df["intrinsic_dim"].iloc[0] == pytest.approx(dim, rel=0.12)


def test_twonn_matches_scikit_dimension():
    skdim = pytest.importorskip("skdim", reason="scikit-dimension is not installed")
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((800, 4)) @ rng.standard_normal((4, 12))
    dist, _ = analysis.NeighbourSearch(Z, search_dim=None).graph(2)
    ours = twonn(dist[:, 0], dist[:, 1])
    theirs = skdim.id.TwoNN(dist=True).fit(dist.astype(np.float64)).dimension_
    assert ours == pytest.approx(theirs, rel=1e-6)


# -- organisation -----------------------------------------------------------------------------
def _smooth_maps(n: int = 300, channels: int = 24, seed: int = 0) -> np.ndarray:
    """Maps whose value varies slowly along the channel index (few low cosine modes)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, channels)
    modes = np.cos(np.pi * np.arange(4)[:, None] * t[None, :])  # (4, C)
    coef = rng.standard_normal((n, 4, 3, 3))
    A = np.einsum("nmhw,mc->nchw", coef, modes)
    return A + 0.05 * rng.standard_normal(A.shape)


def test_organisation_below_one_on_smooth_order_and_about_one_shuffled():
    A = _smooth_maps()
    assert channel_smoothness(A)["organisation"] < 0.2
    rng = np.random.default_rng(0)
    shuffled = [
        channel_smoothness(A[:, rng.permutation(A.shape[1])])["organisation"] for _ in range(50)
    ]
    assert np.mean(shuffled) == pytest.approx(1.0, abs=0.05)
    df = analysis.organisation({"smooth": A, "shuffled": A[:, rng.permutation(A.shape[1])]})
    assert df["organisation"].iloc[0] < 0.2 < df["organisation"].iloc[1]


def test_organisation_per_channel_axis():
    A = _smooth_maps(channels=24).reshape(300, 4, 6, 3, 3)  # smooth along the 6-long axis
    out = channel_smoothness(A, channel_axes=(1, 2))
    assert out["axis1"] < 0.2 < out["axis0"]


# -- collect ----------------------------------------------------------------------------------
@pytest.fixture
def small_model():
    torch = pytest.importorskip("torch")
    from scatkit.models import build_model

    torch.manual_seed(0)
    return build_model("scat-cnn", (1, 16, 16), 3, width=8)


def test_collect_returns_the_natural_blocks(small_model):
    X = np.random.default_rng(0).standard_normal((20, 16, 16)).astype(np.float32)
    done = []
    reps = analysis.collect(small_model, X, batch_size=7, max_dim=None, progress=done.append)
    assert done == [7, 7, 6]
    assert list(reps) == [
        "input",
        "front",
        "head.features.1",
        "head.features.2",
        "head.features.3",
        "head.classifier.pool",
        "logits",
    ]
    assert reps.shapes["front"] == (81, 4, 4)
    assert reps.shapes["head.features.3"] == (16, 4, 4)
    assert reps["logits"].shape == (20, 3)
    assert not reps.projections
    import torch

    expected = small_model.eval()(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(reps["logits"], expected, rtol=1e-5, atol=1e-6)
    assert small_model.training is False  # restored to the mode it was in


def test_collect_projects_above_max_dim(small_model, monkeypatch):
    X = np.random.default_rng(0).standard_normal((40, 16, 16)).astype(np.float32)
    reps = analysis.collect(small_model, X, layers=["input", "front", "logits"], max_dim=100)
    assert [reps[k].shape[1] for k in reps] == [100, 100, 3]
    info = reps.projections["front"]
    assert info["from_dim"] == 81 * 16 and info["to_dim"] == 100 and info["kind"] == "gaussian"
    assert 0 < info["distortion_median"] < 0.3 and info["distortion_max"] < 1
    assert info["jl_eps"] > 0
    # The very sparse projection, used when a dense matrix would be too large.
    import scatkit.analysis.projection as projection

    monkeypatch.setattr(projection, "DENSE_LIMIT", 10)
    sparse = analysis.collect(small_model, X, layers=["front"], max_dim=100)
    assert sparse.projections["front"]["kind"] == "sparse"
    assert sparse.projections["front"]["distortion_median"] < 0.3


@pytest.mark.parametrize("d", [300, 5000])
def test_random_projection_same_in_numpy_and_torch(d, monkeypatch):
    torch = pytest.importorskip("torch")
    import scatkit.analysis.projection as projection

    monkeypatch.setattr(projection, "DENSE_LIMIT", 300 * 64)  # d = 5000 goes sparse
    R = analysis.RandomProjection(d, 64, seed=3)
    assert R.kind == ("gaussian" if d == 300 else "sparse")
    a = np.random.default_rng(0).standard_normal((50, d)).astype(np.float32)
    np.testing.assert_allclose(R(a), R.torch(torch.from_numpy(a)).numpy(), rtol=1e-4, atol=1e-4)
    # Norms are kept in expectation: the mean squared norm ratio is close to 1.
    ratio = np.sum(R(a) ** 2, 1) / np.sum(a**2, 1)
    assert ratio.mean() == pytest.approx(1.0, abs=0.15)
    assert 0 < analysis.jl_epsilon(50, 2000) < analysis.jl_epsilon(50, 500) < float("inf")
    assert analysis.jl_epsilon(50, 32) == float("inf")  # too few dimensions for any bound


def test_collect_rejects_unknown_layers(small_model):
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        analysis.collect(small_model, np.zeros((2, 16, 16), np.float32), layers=["nope"])


def test_scattering_layers_split_orders():
    import scatkit

    S = scatkit.Scattering2D(2, (16, 16))
    X = np.random.default_rng(0).standard_normal((10, 16, 16)).astype(np.float32)
    reps = analysis.scattering_layers(S, X, batch_size=4)
    assert list(reps) == ["input", "order0", "order1", "order2"]
    assert [reps.shapes[k][0] for k in ("order0", "order1", "order2")] == [1, 16, 64]
    np.testing.assert_allclose(reps["order0"], S(X)[:, :1].reshape(10, -1), rtol=1e-6)


# -- plots ------------------------------------------------------------------------------------
def test_plots_write_png(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = _clouds()
    df = layer_metrics({"input": X, "half": 0.5 * X[:, 1:]}, y)
    files = {
        "depth.png": analysis.plot_depth(df),
        "compare.png": analysis.plot_depth({"a": df, "b": df}),
        "curves.png": analysis.plot_boundary_curves(df),
        "pca.png": analysis.plot_pca({"input": X, "half": X[:, 1:]}, y),
    }
    for name, fig in files.items():
        fig.savefig(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 1000


def test_importing_analysis_loads_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys, scatkit, scatkit.analysis; "
        "print(sorted(m for m in ('torch', 'sklearn', 'pandas', 'matplotlib', 'scipy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
