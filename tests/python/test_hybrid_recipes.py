"""The documented recipes (docs/hybrids.md) end to end on tiny files in the official formats,
and the default recipe's pieces: auto J, the STL-10 head, the CLI and demo defaults."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scatkit import cli  # noqa: E402
from scatkit.models import build_model, count_parameters  # noqa: E402
from scatkit.training import TrainConfig  # noqa: E402

CLASSES = ["airplane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _write_cifar(root: Path, per_batch: int = 10, n_test: int = 10) -> None:
    """cifar-10-batches-py with random images, one of each class per 10 images."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
        batch = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": [k % 10 for k in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    meta = {b"label_names": [c.encode() for c in CLASSES], b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))


def _write_stl(root: Path, n_train: int = 10, n_test: int = 10) -> None:
    """stl10_binary: column-major 96x96x3 uint8 images, labels 1..10, class names."""
    folder = root / "stl10_binary"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for split, n in (("train", n_train), ("test", n_test)):
        (folder / f"{split}_X.bin").write_bytes(
            rng.integers(0, 256, n * 96 * 96 * 3, dtype=np.uint8).tobytes()
        )
        (folder / f"{split}_y.bin").write_bytes((np.arange(n) % 10 + 1).astype(np.uint8).tobytes())
    (folder / "class_names.txt").write_text("\n".join(CLASSES) + "\n")


def _train(tmp_path: Path, capsys, *args: str) -> dict:
    out = tmp_path / "run"
    argv = ["train", *args, "--out-dir", str(out), "--no-progress", "--threads", "1"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "on the fly" in text and "test accuracy" in text
    return json.loads((out / "metrics.json").read_text())


RECIPES = {
    # docs/hybrids.md, CIFAR-10: scat-wrn on 32x32 colour images, crop+flip (4 px) by "auto".
    "cifar10": (_write_cifar, ["--subset", "20", "--epochs", "2", "--lr", "0.1"], 4),
    # docs/hybrids.md, STL-10: 96x96 images, J=2 gives 24x24 maps and the paper's STL head.
    "stl10": (_write_stl, ["--epochs", "2", "--batch-size", "8"], 8),
}


@pytest.mark.parametrize("dataset", sorted(RECIPES))
def test_recipe_end_to_end_on_official_formats(tmp_path, capsys, dataset):
    write, options, shift = RECIPES[dataset]
    write(tmp_path / "data")
    doc = _train(
        tmp_path,
        capsys,
        *("--dataset", dataset, "--root", str(tmp_path / "data"), "--model", "scat-wrn"),
        *("--k", "1", "--depth", "10", *options),
    )
    assert doc["config"]["augment"] == "crop-flip" and doc["config"]["shift"] == shift
    assert len(doc["epochs"]) == 2 and doc["epochs"][-1]["val_accuracy"] is not None


def test_stl_head_downsamples_and_cifar_head_does_not():
    stl = build_model("scat-wrn", (3, 96, 96), 10, k=1, depth=10)
    cifar = build_model("scat-wrn", (3, 32, 32), 10, k=1, depth=10)
    assert stl.head.stage2[0].conv1.stride == (2, 2) and stl.head.conv.out_channels == 32
    assert cifar.head.stage2[0].conv1.stride == (1, 1) and cifar.head.conv.out_channels == 16
    x = torch.rand(2, 3, 96, 96)
    assert stl(x).shape == (2, 10)


def test_default_recipe_pieces():
    digits = build_model("scat-cnn", (8, 8), 10)
    mnist = build_model("scat-cnn", (28, 28), 10)
    assert digits.front.J == 1 and mnist.front.J == 2
    cnn = build_model("cnn", (28, 28), 10)
    assert abs(count_parameters(cnn) / count_parameters(mnist) - 1) < 0.02
    cfg = TrainConfig()
    assert cfg.augment == "auto" and cfg.epochs is None
    # 100 images get as many optimiser steps as 1000.
    steps = [cfg.resolve_epochs(n) * -(-n // cfg.batch_size) for n in (100, 1000)]
    assert min(steps) >= 1000 and steps[0] == pytest.approx(steps[1], rel=0.1)
