"""Hybrid models, baselines, the training loop, checkpoints and the feature cache."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import scatkit  # noqa: E402
from scatkit import training  # noqa: E402
from scatkit.models import (  # noqa: E402
    CNN,
    MODELS,
    ScatCNN,
    build_model,
    count_parameters,
    is_hybrid,
    model_from_spec,
)
from scatkit.training import (  # noqa: E402
    TrainConfig,
    cached_scattering,
    evaluate,
    fit,
    load_checkpoint,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _separable(n: int = 96, classes: int = 3, shape=(16, 16), seed: int = 0):
    """Images whose class is the orientation of a stripe pattern, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    X = np.empty((n,) + shape, np.float32)
    for i in range(n):
        angle = np.pi * y[i] / classes
        phase = rng.uniform(0, 2 * np.pi)
        X[i] = np.cos(0.9 * (np.cos(angle) * rows + np.sin(angle) * cols) + phase)
    X += 0.3 * rng.standard_normal(X.shape).astype(np.float32)
    return X, y.astype(np.int64)


# -- models -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (1, 64, 64)])
def test_scat_cnn_forward_and_head_on_features(shape):
    torch.manual_seed(0)
    model = build_model("scat-cnn", shape, 10, width=16).eval()
    x = torch.rand(2, *shape)
    with torch.no_grad():
        out = model(x)
        feats = model.front(x)
        out_head = model.head(feats)
    assert out.shape == (2, 10)
    C, H, W = shape
    S = scatkit.Scattering2D(2, (H, W))
    assert feats.shape == (2, C * len(S)) + S.out_spatial_shape
    assert model.feature_shape == tuple(feats.shape[1:])
    torch.testing.assert_close(out, out_head)
    # The NumPy engine gives the same features, so cached features can feed the head.
    np.testing.assert_allclose(
        model.front.numpy_features(x.numpy()), feats.numpy(), rtol=1e-5, atol=1e-6
    )


def test_grayscale_batch_without_channel_axis():
    model = build_model("scat-cnn", (28, 28), 10, width=8).eval()
    x = torch.rand(3, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x[:, None]))


def test_front_has_no_parameters():
    model = build_model("scat-cnn", (1, 28, 28), 10)
    assert count_parameters(model.front) == 0
    assert count_parameters(model) == count_parameters(model.head) > 0
    assert is_hybrid(model) and not is_hybrid(build_model("cnn", (1, 28, 28), 10))


def test_scat_wrn_forward_shape():
    model = build_model("scat-wrn", (3, 32, 32), 10, k=1).eval()
    with torch.no_grad():
        feats = model.front(torch.rand(2, 3, 32, 32))
        out = model.head(feats)
    assert feats.shape == (2, 243, 8, 8)  # 3 colour channels x 81 at 8x8, as in the paper
    assert out.shape == (2, 10)


def test_scat_resnet_224_forward_shape():
    model = build_model("scat-resnet", (3, 224, 224), 1000, width=32).eval()
    with torch.no_grad():
        feats = model.front(torch.rand(1, 3, 224, 224))
        out = model.head(feats)
    assert feats.shape == (1, 3 * 217, 28, 28)  # J=3: 217 channels at 28x28
    assert out.shape == (1, 1000)
    baseline = build_model("resnet", (3, 224, 224), 1000, width=8).eval()
    with torch.no_grad():
        assert baseline(torch.rand(1, 3, 224, 224)).shape == (1, 1000)


@pytest.mark.parametrize(
    "hybrid, baseline, shape, classes",
    [
        ("scat-cnn", "cnn", (1, 28, 28), 10),
        ("scat-cnn", "cnn", (3, 32, 32), 10),
        ("scat-cnn", "cnn", (1, 64, 64), 3),
        ("scat-wrn", "wrn", (3, 32, 32), 10),
        ("scat-resnet", "resnet", (3, 224, 224), 1000),
    ],
)
def test_baselines_match_hybrid_size(hybrid, baseline, shape, classes):
    n_h = count_parameters(build_model(hybrid, shape, classes))
    n_b = count_parameters(build_model(baseline, shape, classes))
    print(f"{hybrid} {shape}: {n_h:,} parameters; {baseline}: {n_b:,} ({n_b / n_h:.3f}x)")
    assert 0.75 <= n_b / n_h <= 1.25


def test_baseline_forward_shapes():
    torch.manual_seed(0)
    cnn = build_model("cnn", (1, 28, 28), 10).eval()
    wrn = build_model("wrn", (3, 32, 32), 10, k=1).eval()
    with torch.no_grad():
        assert cnn(torch.rand(2, 1, 28, 28)).shape == (2, 10)
        assert wrn(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_head_pool_flatten_matches_parameters():
    # pool="flatten" keeps positions: the linear layer sees every cell of the last maps,
    # and the matched CNN gets the same head, so the counts still agree.
    hybrid = build_model("scat-cnn", (28, 28), 10, pool="flatten").eval()
    cnn = build_model("cnn", (28, 28), 10, pool="flatten").eval()
    assert hybrid.head.classifier.fc.in_features == 64 * 7 * 7
    assert abs(count_parameters(cnn) / count_parameters(hybrid) - 1) < 0.02
    with torch.no_grad():
        assert hybrid(torch.rand(2, 28, 28)).shape == cnn(torch.rand(2, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="pool must be"):
        build_model("scat-cnn", (28, 28), 10, pool="max")


def test_model_spec_roundtrip():
    model = build_model("scat-cnn", (28, 28), 10, width=8, J=2)
    assert model.spec == {
        "name": "scat-cnn",
        "input_shape": [1, 28, 28],
        "num_classes": 10,
        "kwargs": {"width": 8, "J": 2},
    }
    again = model_from_spec(model.spec)
    again.load_state_dict(model.state_dict())
    assert isinstance(again, ScatCNN)
    assert set(MODELS) == {"scat-cnn", "cnn", "scat-wrn", "wrn", "scat-resnet", "resnet", "mhcnn"}


def test_bad_model_arguments():
    with pytest.raises(ValueError, match="unknown model"):
        build_model("vgg", (28, 28), 10)
    with pytest.raises(TypeError, match="bad option"):
        build_model("wrn", (3, 32, 32), 10, width=3)
    with pytest.raises(ValueError, match="6n \\+ 4"):
        build_model("scat-wrn", (3, 32, 32), 10, depth=15)
    with pytest.raises(ValueError, match="input_shape"):
        build_model("scat-cnn", (28,), 10)
    with pytest.raises(ValueError):
        build_model("scat-cnn", (8, 8), 10, J=4)  # 2**J larger than the image
    model = build_model("scat-cnn", (28, 28), 10, width=8)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        model(torch.rand(2, 1, 32, 32))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match="J=5"):
        CNN((1, 28, 28), 10, J=5)


# -- training ---------------------------------------------------------------------------------
def _config(**kw) -> TrainConfig:
    base = dict(epochs=4, batch_size=16, lr=0.05, progress=False, threads=1, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def test_training_on_features_reduces_loss(tmp_path):
    X, y = _separable(96)
    feats = cached_scattering(X, 2, cache_dir=tmp_path).features
    torch.manual_seed(0)
    model = build_model("scat-cnn", (16, 16), 3, width=8)
    before = evaluate(model, feats, y, inputs="features")
    history = fit(model, feats, y, feats, y, _config(epochs=6), inputs="features")
    after = evaluate(model, feats, y, inputs="features")
    assert len(history.rows) == 6
    assert after["loss"] < 0.5 * before["loss"]
    assert after["accuracy"] > 0.9
    assert history.final["val_accuracy"] == pytest.approx(after["accuracy"])
    # The head trained on cached features is the full model's head: raw images agree.
    images = evaluate(model, X, y, inputs="images")
    assert images["accuracy"] == pytest.approx(after["accuracy"])


def test_training_on_images_with_augmentation_reduces_loss():
    X, y = _separable(64)
    torch.manual_seed(0)
    model = build_model("cnn", (16, 16), 3, width=8)
    before = evaluate(model, X, y)["loss"]
    fit(model, X, y, config=_config(epochs=5, augment="shift-flip"))
    assert evaluate(model, X, y)["loss"] < before


def _train(tmp_path, ckpt=None, resume=False, stop_after=None):
    X, y = _separable(48)
    feats = cached_scattering(X, 2, cache_dir=tmp_path / "cache").features
    torch.manual_seed(1)
    model = build_model("scat-cnn", (16, 16), 3, width=8, dropout=0.2)

    class Stop(Exception):
        pass

    def maybe_stop(row):
        if stop_after is not None and row["epoch"] == stop_after:
            raise Stop

    try:
        history = fit(
            model,
            feats,
            y,
            feats[:12],
            y[:12],
            _config(epochs=4),
            inputs="features",
            checkpoint=ckpt,
            resume=resume,
            log_dir=tmp_path / "logs",
            on_epoch=maybe_stop,
        )
    except Stop:
        history = None
    return model, history


def test_checkpoint_resume_equals_uninterrupted_run(tmp_path):
    straight, h_straight = _train(tmp_path)
    ckpt = tmp_path / "run.pt"
    _train(tmp_path, ckpt, stop_after=2)
    saved = load_checkpoint(ckpt)
    assert saved["epoch"] == 2
    assert {"model", "optimizer", "scheduler", "rng", "config", "model_spec"} <= set(saved)
    resumed, h_resumed = _train(tmp_path, ckpt, resume=True)
    assert h_resumed.resumed_from == 2
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert [r["train_loss"] for r in h_straight.rows] == [r["train_loss"] for r in h_resumed.rows]
    # Metrics were logged for all four epochs, across the interruption.
    lines = (tmp_path / "logs" / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy")
    assert len(lines) == 5
    doc = json.loads((tmp_path / "logs" / "metrics.json").read_text())
    assert [e["epoch"] for e in doc["epochs"]] == [1, 2, 3, 4]
    assert doc["model"]["name"] == "scat-cnn"


def test_load_checkpoint_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="cannot be read"):
        load_checkpoint(bad)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"weights": 1}, bad)
    with pytest.raises(ValueError, match="not a scatkit checkpoint"):
        load_checkpoint(bad)


def test_time_budget_lowers_epochs():
    X, y = _separable(32)
    model = build_model("cnn", (16, 16), 3, width=4)
    history = fit(model, X, y, config=_config(epochs=50), max_seconds=1e-6)
    assert len(history.rows) == 1
    assert "lowered from 50 to 1" in history.notes[0]


def test_fit_argument_errors():
    X, y = _separable(16)
    with pytest.raises(ValueError, match="hybrid model"):
        fit(build_model("cnn", (16, 16), 3), X, y, config=_config(), inputs="features")
    hybrid = build_model("scat-cnn", (16, 16), 3, width=4)
    with pytest.raises(ValueError, match="augment"):
        fit(hybrid, X, y, config=_config(augment="shift"), inputs="features")
    with pytest.raises(ValueError, match="labels|one integer label"):
        fit(hybrid, X, y[:3], config=_config())
    for bad in (dict(epochs=0), dict(optimizer="rmsprop"), dict(lr=-1.0), dict(threads=0)):
        with pytest.raises(ValueError):
            TrainConfig(**bad)


# -- feature cache ----------------------------------------------------------------------------
def test_cache_hit_skips_computation_and_keys_change(tmp_path, monkeypatch):
    calls = []
    real = training.compute_scattering

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(training.cache, "compute_scattering", counting)
    X, _ = _separable(8)
    first = cached_scattering(X, 2, cache_dir=tmp_path)
    again = cached_scattering(X, 2, cache_dir=tmp_path)
    assert not first.hit and again.hit and len(calls) == 1
    np.testing.assert_array_equal(first.features, again.features)
    np.testing.assert_allclose(
        first.features,
        scatkit.Scattering2D(2, (16, 16))(X).reshape(first.features.shape),
        rtol=1e-6,
    )

    other_J = cached_scattering(X, 1, cache_dir=tmp_path)
    assert not other_J.hit and other_J.key != first.key and len(calls) == 2
    X2 = X.copy()
    X2[0, 0, 0] += 1e-3
    other_data = cached_scattering(X2, 2, cache_dir=tmp_path)
    assert not other_data.hit and other_data.key != first.key and len(calls) == 3
    assert cached_scattering(X, 2, L=6, cache_dir=tmp_path).key != first.key
    assert len(list(tmp_path.glob("*.npy"))) == 4

    # The version is part of the key: a new release never reads old entries.
    monkeypatch.setattr(training.cache, "__version__", "999.0")
    assert cached_scattering(X, 2, cache_dir=tmp_path).key != first.key

    # A damaged entry is recomputed, not trusted.
    monkeypatch.setattr(training.cache, "__version__", scatkit.__version__)
    first.path.write_bytes(b"broken")
    repaired = cached_scattering(X, 2, cache_dir=tmp_path)
    assert not repaired.hit
    np.testing.assert_array_equal(repaired.features, first.features)


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SCATKIT_CACHE_DIR", str(tmp_path / "env-cache"))
    X, _ = _separable(4)
    res = cached_scattering(X, 2)
    assert res.path.parent == tmp_path / "env-cache"
    off = cached_scattering(X, 2, use_cache=False)
    assert off.path is None and not off.hit
