"""Checkpoints load as plain data only: hostile, old-format, corrupt and truncated files."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scatkit.models import build_model  # noqa: E402
from scatkit.training import TrainConfig, fit, load_checkpoint  # noqa: E402
from scatkit.training.checkpoints import convert_checkpoint  # noqa: E402


class _Payload:
    """Unpickling this writes a marker file: proof that code in a checkpoint ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _small_run(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 1, 8, 8)).astype(np.float32)
    y = np.arange(12) % 2
    model = build_model("cnn", (8, 8), 2, width=4)
    ckpt = tmp_path / "run.pt"
    cfg = TrainConfig(epochs=1, batch_size=4, progress=False, device="cpu")
    fit(model, X, y, config=cfg, checkpoint=ckpt)
    return ckpt


def test_saved_checkpoint_is_plain_data(tmp_path):
    ckpt = _small_run(tmp_path)
    # The strict loader reads it, so nothing but plain data and tensors is inside.
    raw = torch.load(ckpt, weights_only=True)
    assert raw["format"] == "scatkit-checkpoint-2"
    saved = load_checkpoint(ckpt)
    assert saved["epoch"] == 1
    key = saved["rng"]["numpy"][1]
    assert isinstance(key, list) and len(key) == 624
    # The stored NumPy state restores the generator exactly.
    np.random.set_state(saved["rng"]["numpy"])  # noqa: NPY002
    a = np.random.random(3)  # noqa: NPY002
    np.random.set_state(saved["rng"]["numpy"])  # noqa: NPY002
    assert np.array_equal(a, np.random.random(3))  # noqa: NPY002


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_hostile_checkpoint_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"format": "scatkit-checkpoint-2", "model": _Payload(marker)}, evil)
    assert not marker.exists()
    with pytest.raises(ValueError, match="io.open.*refused without running anything") as info:
        load_checkpoint(evil)
    assert "convert" in str(info.value)
    assert not marker.exists()
    # A raw pickle (not torch's zip format) with the same payload is refused as well.
    raw = tmp_path / "raw.pt"
    raw.write_bytes(pickle.dumps({"x": _Payload(marker)}))
    with pytest.raises(ValueError):
        load_checkpoint(raw)
    assert not marker.exists()


def test_old_format_checkpoint_refused_then_converted(tmp_path):
    ckpt = _small_run(tmp_path)
    state = load_checkpoint(ckpt)
    # The first format stored NumPy's RNG state as an ndarray, which is not plain data.
    state["format"] = "scatkit-checkpoint-1"
    state["rng"]["numpy"] = np.random.get_state()  # noqa: NPY002
    old = tmp_path / "old.pt"
    torch.save(state, old)
    with pytest.raises(ValueError, match=r"python -m scatkit\.training\.checkpoints convert"):
        load_checkpoint(old)
    new = tmp_path / "new.pt"
    convert_checkpoint(old, new)
    conv = load_checkpoint(new)
    assert conv["format"] == "scatkit-checkpoint-2"
    assert conv["rng"]["numpy"][1] == state["rng"]["numpy"][1].tolist()
    for name, tensor in state["model"].items():
        assert torch.equal(conv["model"][name], tensor)
    # An old file that happens to hold plain data only still loads.
    state["rng"]["numpy"] = conv["rng"]["numpy"]
    torch.save(state, old)
    assert load_checkpoint(old)["format"] == "scatkit-checkpoint-1"


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_checkpoint_says_corrupt(tmp_path, keep):
    ckpt = _small_run(tmp_path)
    data = ckpt.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match="corrupt"):
        load_checkpoint(cut)


def test_flipped_bytes_checkpoint_says_corrupt(tmp_path):
    ckpt = _small_run(tmp_path)
    with zipfile.ZipFile(ckpt) as zf:
        name = next(n for n in zf.namelist() if n.endswith("data.pkl"))
        info = zf.getinfo(name)
    data = bytearray(ckpt.read_bytes())
    # Scribble over the pickle stream itself (stored uncompressed in torch's zip).
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 16] = b"\xff" * 16
    bad = tmp_path / "bad.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt|refused"):
        load_checkpoint(bad)


def test_unsaveable_config_is_refused_at_save_time(tmp_path):
    from scatkit.training.checkpoints import _plain

    with pytest.raises(TypeError, match="plain data"):
        _plain({"extra": {"obj": object()}})
    assert _plain({"a": np.float32(1.5), "b": (np.int64(2),)}) == {"a": 1.5, "b": (2,)}
