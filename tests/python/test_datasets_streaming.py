"""Streaming datasets: record sources, NumPy batches and the torch DataLoader wrapper."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _dataset_files import write_cifar, write_stl
from scatkit import datasets
from scatkit.datasets.streaming import order


def _folder(root: Path, per_class: int = 5, classes=("ant", "bee", "cat")) -> None:
    cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is not installed")
    rng = np.random.default_rng(3)
    for cls in classes:
        (root / cls).mkdir(parents=True)
        for k in range(per_class):
            img = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
            assert cv2.imwrite(str(root / cls / f"{k:02d}.png"), img)


def _all(batches) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = zip(*[(np.asarray(x), np.asarray(y)) for x, y in batches])
    return np.concatenate(xs), np.concatenate(ys)


def test_import_stays_light():
    code = "import sys, scatkit.datasets; print('torch' in sys.modules, 'cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_folder_stream_equals_eager_loader(tmp_path):
    _folder(tmp_path)
    eager = datasets.load_image_folder(tmp_path, test_size=0.4, seed=2)
    for split in ("train", "test"):
        source = datasets.stream("folder", root=tmp_path, split=split, test_size=0.4, seed=2)
        X, y = _all(datasets.iter_batches(source, batch_size=4))
        np.testing.assert_array_equal(X, getattr(eager, f"X_{split}"))
        np.testing.assert_array_equal(y, getattr(eager, f"y_{split}"))
    gray = datasets.stream("folder", root=tmp_path, split="all", grayscale=True, size=(4, 4))
    X, _ = _all(datasets.iter_batches(gray, 64))
    assert X.shape == (15, 4, 4) and X.dtype == np.float32


def test_shuffled_order_is_fixed_by_seed(tmp_path):
    _folder(tmp_path)
    source = datasets.stream("folder", root=tmp_path, split="all")
    first = _all(datasets.iter_batches(source, 4, shuffle=True, seed=5))
    again = _all(datasets.iter_batches(source, 4, shuffle=True, seed=5))
    other = _all(datasets.iter_batches(source, 4, shuffle=True, seed=6))
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    plain = _all(datasets.iter_batches(source, 4))
    # A permutation of the same records.
    assert sorted(map(bytes, first[0])) == sorted(map(bytes, plain[0]))


def test_dataloader_workers_skip_a_corrupt_file_once_in_seeded_order(tmp_path, caplog):
    torchdata = pytest.importorskip("scatkit.datasets.torchdata")
    _folder(tmp_path)
    good = (tmp_path / "bee" / "00.png").read_bytes()
    (tmp_path / "bee" / "03.png").write_bytes(good[: len(good) // 2])  # truncated
    reference = datasets.stream("folder", root=tmp_path, split="all")
    with caplog.at_level(logging.WARNING, logger="scatkit.datasets"):
        expect = _all(datasets.iter_batches(reference, 4, shuffle=True, seed=1))
    assert [Path(p).name for p, _ in reference.skipped] == ["03.png"]
    assert len(expect[0]) == 14
    for workers in (0, 2):
        source = datasets.stream("folder", root=tmp_path, split="all")
        loader = torchdata.SkippingLoader(source, 4, shuffle=True, seed=1, num_workers=workers)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="scatkit.datasets"):
            for _ in range(2):  # two passes: still reported once
                got = _all(loader)
        np.testing.assert_array_equal(got[0], expect[0])
        np.testing.assert_array_equal(got[1], expect[1])
        assert [Path(p).name for p, _ in source.skipped] == ["03.png"]
        assert sum("03.png" in r.getMessage() for r in caplog.records) == 1
        assert "cannot decode" in source.skipped[0][1]
    loader.set_epoch(1)
    assert not np.array_equal(_all(loader)[0], expect[0])


def test_collate_and_dataset_items(tmp_path):
    torchdata = pytest.importorskip("scatkit.datasets.torchdata")
    _folder(tmp_path, per_class=1, classes=("a", "b"))
    (tmp_path / "b" / "bad.png").write_bytes(b"")
    dataset = torchdata.StreamingDataset(datasets.stream("folder", root=tmp_path, split="all"))
    items = [dataset[i] for i in range(len(dataset))]
    assert isinstance(items[2], torchdata.Skipped) and items[2].path.endswith("bad.png")
    images, labels, bad = torchdata.collate_skipping(items)
    assert tuple(images.shape) == (2, 3, 6, 8) and labels.tolist() == [0, 1]
    assert [b.index for b in bad] == [2]
    empty = torchdata.collate_skipping([items[2]])
    assert len(empty[1]) == 0 and len(empty[2]) == 1


def test_cifar10_python_and_binary_stream_equal_eager(tmp_path):
    written = write_cifar(tmp_path / "py" / "cifar-10-batches-py")
    eager = datasets.load_cifar10(tmp_path / "py")
    for split in ("train", "test"):
        source = datasets.stream("cifar10", root=tmp_path / "py", split=split)
        # Protocol 2 from Python 3 stores the pixels as text: decoded whole, not mapped.
        assert not any(source._in_place)
        X, y = _all(datasets.iter_batches(source, 4))
        np.testing.assert_array_equal(X, getattr(eager, f"X_{split}"))
        np.testing.assert_array_equal(y, getattr(eager, f"y_{split}"))
    # Protocol 4 (raw bytes, as in the official Python 2 files) is memory-mapped in place.
    folder4 = tmp_path / "p4" / "cifar-10-batches-py"
    folder4.mkdir(parents=True)
    for f in (tmp_path / "py" / "cifar-10-batches-py").iterdir():
        obj = pickle.loads(f.read_bytes(), encoding="bytes")
        (folder4 / f.name).write_bytes(pickle.dumps(obj, protocol=4))
    mapped = datasets.stream("cifar10", root=tmp_path / "p4")
    assert all(mapped._in_place)
    np.testing.assert_array_equal(_all(datasets.iter_batches(mapped, 3))[0], eager.X_train)
    # The binary version: one label byte, then 3072 pixel bytes, per record.
    binary = tmp_path / "bin" / "cifar-10-batches-bin"
    binary.mkdir(parents=True)
    (binary / "batches.meta.txt").write_text("\n".join(datasets.CIFAR10_CLASSES) + "\n")
    parts = {f"data_batch_{i}": written["train"][i - 1] for i in range(1, 6)}
    parts["test_batch"] = written["test"]
    for stem, (img, labels) in parts.items():
        records = np.concatenate(
            [np.asarray(labels, np.uint8)[:, None], img.reshape(len(img), -1)], axis=1
        )
        (binary / f"{stem}.bin").write_bytes(records.tobytes())
    for split in ("train", "test"):
        source = datasets.stream("cifar10", root=tmp_path / "bin", split=split)
        assert source.classes == datasets.CIFAR10_CLASSES
        X, y = _all(datasets.iter_batches(source, 5, shuffle=True, seed=0))
        perm = order(len(source), True, 0)
        np.testing.assert_array_equal(X, getattr(eager, f"X_{split}")[perm])
        np.testing.assert_array_equal(y, getattr(eager, f"y_{split}")[perm])
    assert "record 0" in source.where(0)


def test_stl10_stream_equals_eager_and_pickles_without_maps(tmp_path):
    write_stl(tmp_path / "stl10_binary")
    eager = datasets.load_stl10(tmp_path)
    for split in ("train", "test"):
        source = datasets.stream("stl10", root=tmp_path, split=split)
        X, y = _all(datasets.iter_batches(source, 2))
        np.testing.assert_array_equal(X, getattr(eager, f"X_{split}"))
        np.testing.assert_array_equal(y, getattr(eager, f"y_{split}"))
    assert source._maps  # a map is open in this process ...
    clone = pickle.loads(pickle.dumps(source))
    assert clone._maps == {}  # ... and does not travel with the pickle
    np.testing.assert_array_equal(clone.read(1), eager.X_test[1])


def test_builtin_dataset_streams(tmp_path):
    pytest.importorskip("sklearn")
    eager = datasets.load_digits(seed=1)
    source = datasets.stream("digits", split="test", seed=1)
    X, y = _all(datasets.iter_batches(source, 100, drop_last=True))
    assert len(X) == len(eager.X_test) // 100 * 100
    np.testing.assert_array_equal(X, eager.X_test[: len(X)])
    with pytest.raises(ValueError, match="split must be"):
        datasets.stream("digits", split="val")
    with pytest.raises(ValueError, match="batch_size"):
        next(datasets.iter_batches(source, 0))
