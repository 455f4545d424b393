"""Small dataset files written the way the official ones are (CIFAR-10 pickles, STL-10
column-major binaries, PNG folders), for the tests of the loaders and of streaming."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scatkit import datasets


def cv2_or_skip() -> Any:
    """OpenCV, or a clean skip of the image-file tests where it is not installed."""
    return pytest.importorskip("cv2", reason="opencv-python-headless is not installed")


def check_conventions(ds: datasets.Dataset, image_shape: tuple[int, ...], n_classes: int) -> None:
    """float32 images in [0, 1] of ``image_shape``, int64 labels covering every class."""
    for X, y in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert X.dtype == np.float32 and X.shape[1:] == image_shape
        assert y.dtype == np.int64 and y.shape == (len(X),)
        assert 0.0 <= X.min() and X.max() <= 1.0
        assert set(np.unique(y)) == set(range(n_classes))
    assert ds.n_classes == n_classes and ds.image_shape == image_shape


def _cifar_pattern(n: int, offset: int) -> np.ndarray:
    """Images (n, 3, 32, 32) uint8: R varies with the row, G with the column, B per image."""
    rows, cols = np.mgrid[0:32, 0:32]
    img = np.empty((n, 3, 32, 32), dtype=np.uint8)
    img[:, 0] = rows * 8
    img[:, 1] = cols * 8 + 1
    img[:, 2] = (offset + np.arange(n))[:, None, None]
    return img


def write_cifar(folder: Path, sizes=(2, 3, 1, 2, 2), n_test=3) -> dict:
    """CIFAR-10 python batches in ``folder``; returns the images and labels written."""
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


def write_stl(folder: Path, n_train=3, n_test=2) -> dict:
    """STL-10 binaries in ``folder``; returns the images (channel-first), labels and classes."""
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


def write_png(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB (or grayscale) uint8 array as a PNG, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = rgb[..., ::-1] if rgb.ndim == 3 else rgb
    assert cv2_or_skip().imwrite(str(path), np.ascontiguousarray(bgr))


def stripes(h: int, w: int) -> np.ndarray:
    """RGB image: left quarter red, right quarter blue, the middle half green."""
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[:, : w // 4, 0] = 255
    img[:, w // 4 : 3 * w // 4, 1] = 255
    img[:, 3 * w // 4 :, 2] = 255
    return img
