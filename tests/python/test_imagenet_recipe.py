"""`scatkit train --model scat-resnet --train-root --test-root` on a tiny ImageNet-layout tree."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed")
cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is not installed")

from scatkit.cli import main  # noqa: E402
from scatkit.distributed.imagenet import CenterCrop, RandomResizedCrop  # noqa: E402


@pytest.fixture
def tree(tmp_path):
    """4 classes (ImageNet-style wnid folders) x 6 training and 3 validation 64x64 JPEGs."""
    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("val", 3)):
        for c in range(4):
            d = tmp_path / split / f"n0000000{c}"
            d.mkdir(parents=True)
            for i in range(n):
                noise = (rng.random((64, 64, 3)) * 60).astype(np.uint8)
                cv2.imwrite(str(d / f"n0000000{c}_{i}.JPEG"), noise + np.uint8(45 * c))
    return tmp_path


def test_transforms_give_the_crop_size():
    torch.manual_seed(0)
    img = torch.rand(3, 48, 80)
    assert RandomResizedCrop(32)(img).shape == (3, 32, 32)
    assert RandomResizedCrop(32)(torch.rand(48, 80)).shape == (1, 32, 32)
    centre = CenterCrop(224)(img)
    assert centre.shape == (3, 224, 224)


def test_recipe_trains_and_reports_top5(tree, capsys):
    out = tree / "run"
    args = ["train", "--model", "scat-resnet", "--train-root", str(tree / "train")]
    args += ["--test-root", str(tree / "val"), "--crop", "32", "--epochs", "2"]
    args += ["--batch-size", "8", "--width", "16", "--workers", "0", "--out-dir", str(out)]
    assert main([*args, "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "top-5" in text and text.count("epoch ") == 2
    ckpt = torch.load(out / "checkpoint.pt", weights_only=False)
    assert ckpt["epoch"] == 2 and set(ckpt["history"][-1]) >= {"top1", "top5", "loss"}
    assert ckpt["history"][-1]["top5"] == 1.0  # 4 classes: the top 5 hold every class
    # A resume of a finished run trains nothing more.
    assert main([*args, "--resume"]) == 0
    assert "epoch " not in capsys.readouterr().out


def test_recipe_needs_both_roots(tree, capsys):
    assert main(["train", "--train-root", str(tree / "train")]) == 1
    assert "needs both --train-root and --test-root" in capsys.readouterr().err
