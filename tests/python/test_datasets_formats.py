"""Tests of scatkit.datasets on the official file formats: CIFAR-10, STL-10, image folders
and foolbox's sample PNGs."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from _dataset_files import (
    check_conventions,
    cv2_or_skip,
    stripes,
    write_cifar,
    write_png,
    write_stl,
)
from scatkit import datasets

# --------------------------------------------------------------------------- CIFAR-10


def test_cifar10_round_trip(tmp_path):
    written = write_cifar(tmp_path / "cifar-10-batches-py")
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
    write_cifar(folder)
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


def test_stl10_round_trip_column_major(tmp_path):
    written = write_stl(tmp_path / "stl10_binary")
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
    write_stl(folder)
    with open(folder / "test_X.bin", "ab") as fh:
        fh.write(b"\x00" * 5)
    with pytest.raises(ValueError, match="not a multiple"):
        datasets.load_stl10(folder)
    write_stl(tmp_path / "again" / "stl10_binary")
    (tmp_path / "again" / "stl10_binary" / "train_y.bin").write_bytes(b"\x01\x02")
    with pytest.raises(ValueError, match="3 images but train_y.bin 2 labels"):
        datasets.load_stl10(tmp_path / "again")


# --------------------------------------------------------------------------- image folders


def test_image_folder_reads_rgb_in_place(tmp_path):
    rng = np.random.default_rng(0)
    pics = {}
    for cls in ("cat", "dog"):
        for k in range(5):
            img = rng.integers(0, 256, size=(6, 9, 3), dtype=np.uint8)
            write_png(tmp_path / cls / f"{k}.png", img)
            pics[(cls, k)] = img
    ds = datasets.load_image_folder(tmp_path, test_size=0.4, seed=1)
    check_conventions(ds, (3, 6, 9), 2)
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
    cv2 = cv2_or_skip()
    expect = cv2.cvtColor(pics[("cat", 0)][..., ::-1].copy(), cv2.COLOR_BGR2GRAY)
    np.testing.assert_allclose(gray.X_train[0] * 255, expect, atol=1.0)


def test_image_folder_resize_crop_and_stretch(tmp_path):
    write_png(tmp_path / "a" / "x.png", stripes(20, 40))
    write_png(tmp_path / "b" / "y.png", stripes(40, 20).transpose(1, 0, 2).copy()[:40, :20])
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
            assert cv2_or_skip().imwrite(str(root / cls / "img.png"), img)
    ds = datasets.load_image_folder(tmp_path / "train", grayscale=True, test_root=tmp_path / "test")
    np.testing.assert_array_equal(ds.X_train, 1.0)
    np.testing.assert_allclose(ds.X_test, 32768 / 65535, rtol=1e-6)
    (tmp_path / "test" / "r").mkdir()
    write_png(tmp_path / "test" / "r" / "img.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="classes"):
        datasets.load_image_folder(tmp_path / "train", test_root=tmp_path / "test")


def test_image_folder_reports_and_skips_bad_files(tmp_path, caplog):
    for cls in ("a", "b"):
        for k in range(3):
            write_png(tmp_path / cls / f"{k}.png", np.full((5, 5, 3), 40 * k, dtype=np.uint8))
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
    write_png(tmp_path / "loose.png", np.zeros((4, 4, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="no class sub-folders.*loose.png"):
        datasets.load_image_folder(tmp_path)
    (tmp_path / "only_bad").mkdir()
    (tmp_path / "only_bad" / "x.jpg").write_bytes(b"garbage")
    write_png(tmp_path / "ok" / "y.png", np.zeros((4, 4, 3), dtype=np.uint8))
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
    rgb = stripes(32, 32)
    write_png(tmp_path / "cifar10_01_8.png", rgb)
    write_png(tmp_path / "cifar10_00_3.png", rgb[:, ::-1].copy())
    write_png(tmp_path / "cifar100_00_49.png", rgb)
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
