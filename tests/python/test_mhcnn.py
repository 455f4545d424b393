"""The multiscale hierarchical CNN (``mhcnn``): shapes, size against ``cnn``, training."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scatkit.models import MODELS, build_model, count_parameters, model_from_spec  # noqa: E402
from scatkit.models.mhcnn import HierarchicalConv  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _stripes(n: int = 48, classes: int = 2, size: int = 16, seed: int = 0):
    """Images whose class is the orientation of a stripe pattern, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    rows, cols = np.mgrid[:size, :size]
    X = np.empty((n, 1, size, size), np.float32)
    for i in range(n):
        angle = np.pi * y[i] / classes
        phase = rng.uniform(0, 2 * np.pi)
        X[i, 0] = np.cos(0.9 * (np.cos(angle) * rows + np.sin(angle) * cols) + phase)
    X += 0.3 * rng.standard_normal(X.shape).astype(np.float32)
    return torch.from_numpy(X), torch.from_numpy(y)


def test_hierarchical_layer_shapes():
    layer = HierarchicalConv(P=8, Q=16, features=4, axis_length=12, stride=2)
    out = layer(torch.randn(2, 8, 16, 10, 10))
    assert out.shape == (2, 8, 12, 5, 5)  # Q halved becomes P; a new 12-long axis
    assert layer.out_axes == (8, 12)


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_mhcnn_builds_by_name_and_is_far_smaller_than_cnn(shape):
    assert "mhcnn" in MODELS
    torch.manual_seed(0)
    model = build_model("mhcnn", shape, 10).eval()
    assert model(torch.rand(3, *shape)).shape == (3, 10)
    # Matched depth: cnn has J=2 front stages and 3 head convolutions; mhcnn a stem and
    # 4 hierarchical layers, the first 2 downsampling.
    cnn = build_model("cnn", shape, 10, width=64)
    assert count_parameters(model) * 4 < count_parameters(cnn)
    again = model_from_spec(model.spec)
    assert count_parameters(again) == count_parameters(model)


def test_mhcnn_trains():
    torch.manual_seed(0)
    X, y = _stripes()
    model = build_model("mhcnn", (1, 16, 16), 2, axis_length=8, features=4)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all()
    assert min(losses[-3:]) < 0.5 * losses[0]


def test_mhcnn_rejects_bad_options():
    with pytest.raises(ValueError, match="J=3"):
        build_model("mhcnn", (1, 28, 28), 10, depth=2, J=3)
    with pytest.raises(ValueError, match="axis_length"):
        build_model("mhcnn", (1, 28, 28), 10, axis_length=1)
    with pytest.raises(TypeError, match="bad option"):
        build_model("mhcnn", (1, 28, 28), 10, width=3)


def test_mhcnn_layers_for_analysis():
    pytest.importorskip("pandas")
    from scatkit.analysis import collect, organisation

    torch.manual_seed(0)
    model = build_model("mhcnn", (1, 16, 16), 2, axis_length=8, features=4)
    X, _ = _stripes(n=20)
    reps = collect(model, X, max_dim=None)
    blocks = [f"blocks.{i}" for i in range(4)]
    assert list(reps) == ["input", "stem", *blocks, "pool", "logits"]
    assert reps.shapes["blocks.1"] == (4, 8, 4, 4)
    df = organisation(reps, channel_axes={"blocks.1": (1, 2), "blocks.2": (1, 2)})
    assert df["layer"].tolist() == ["blocks.1", "blocks.2"]
    assert np.isfinite(df["organisation"]).all()
