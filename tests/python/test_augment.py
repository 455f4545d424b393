"""Augmentations of scatkit.training: shapes, seeding, and that each does what it says."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scatkit.models import build_model  # noqa: E402
from scatkit.training import TrainConfig, augment, fit  # noqa: E402
from scatkit.training.augment import (  # noqa: E402
    AUGMENT_KINDS,
    auto_augment,
    deform,
    translate,
)


def _batch(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).random(shape, dtype=np.float32))


@pytest.mark.parametrize("kind", AUGMENT_KINDS)
@pytest.mark.parametrize("shape", [(5, 16, 16), (5, 3, 16, 20)])
def test_shape_dtype_and_seed(kind: str, shape: tuple[int, ...]) -> None:
    x = _batch(shape)
    torch.manual_seed(3)
    a = augment(x, kind, 2)
    torch.manual_seed(3)
    b = augment(x, kind, 2)
    assert a.shape == x.shape and a.dtype == torch.float32
    assert torch.equal(a, b)
    if kind == "none":
        assert a is x
    else:
        torch.manual_seed(4)
        assert not torch.equal(augment(x, kind, 2), a)
        assert torch.equal(x, _batch(shape))  # the input is left alone


def test_translation_is_a_translation_with_reflected_borders() -> None:
    s, H, W = 3, 12, 14
    x = _batch((16, H, W), 1)
    torch.manual_seed(0)
    out = translate(x, s)
    pad = torch.nn.functional.pad(x[:, None], (s, s, s, s), mode="reflect")[:, 0]
    seen = set()
    for i in range(len(x)):
        # Some offset in [-s, s]^2 maps the reflect-padded input onto the output exactly.
        hits = [
            (dy, dx)
            for dy in range(2 * s + 1)
            for dx in range(2 * s + 1)
            if torch.equal(out[i], pad[i, dy : dy + H, dx : dx + W])
        ]
        assert hits, f"sample {i} is not a translate of its input"
        seen.add(hits[0])
    assert len(seen) > 1


def test_flip_only_flips() -> None:
    x = _batch((32, 3, 8, 8), 2)
    torch.manual_seed(1)
    out = augment(x, "shift-flip", 0)
    same = [torch.equal(out[i], x[i]) for i in range(32)]
    flipped = [torch.equal(out[i], x[i].flip(-1)) for i in range(32)]
    assert all(a or b for a, b in zip(same, flipped))
    assert 0 < sum(flipped) < 32


def test_deform_identity_and_small_rotation() -> None:
    x = _batch((4, 1, 16, 16), 3)
    same = deform(x, rotate=0.0, scale=0.0, shift=0)
    assert torch.allclose(same, x, atol=1e-5)
    # A 90-degree "rotation" budget applied to a centred bar moves mass off the bar's axis;
    # a 5-degree one keeps most of it (the warp is small and smooth).
    bar = torch.zeros(8, 1, 17, 17)
    bar[:, :, 8, 3:14] = 1
    torch.manual_seed(0)
    small = deform(bar, rotate=5.0, scale=0.0, shift=0)
    assert (small[:, :, 7:10].sum() / small.sum()) > 0.9
    torch.manual_seed(0)
    elastic = augment(bar, "elastic", 0)
    assert elastic.shape == bar.shape and torch.isfinite(elastic).all()


def test_auto_choice() -> None:
    assert auto_augment((3, 32, 32), 500) == "crop-flip"
    assert auto_augment((3, 96, 96), 100) == "crop-flip"
    assert auto_augment((1, 28, 28), 100) == "affine"
    assert auto_augment((28, 28), 5000) == "affine"


def test_hybrid_trains_on_augmented_raw_images() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((24, 16, 16), dtype=np.float32)
    y = np.arange(24) % 3
    model = build_model("scat-cnn", (16, 16), 3, J=2, width=4)
    before = model.front.scattering.threads
    cfg = TrainConfig(epochs=2, batch_size=8, threads=1, progress=False, augment="affine")
    hist = fit(model, X, y, config=cfg)
    assert len(hist.rows) == 2
    assert model.front.scattering.threads == before  # restored after the run
    # "auto" on features means no augmentation (and no error).
    F = model.front.numpy_features(X)
    fit(model, F, y, config=TrainConfig(epochs=1, progress=False), inputs="features")


def test_default_epochs_follow_data_size() -> None:
    cfg = TrainConfig()
    assert cfg.epochs is None
    small, large = cfg.resolve_epochs(100), cfg.resolve_epochs(5000)
    assert small * -(-100 // cfg.batch_size) >= 1000
    assert small > large >= 30
    assert TrainConfig(epochs=3).resolve_epochs(100) == 3
