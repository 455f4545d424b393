"""TrainConfig.label_smoothing: validation, the training loss it sets, the CLI flag."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from scatkit import cli
from scatkit.training import TrainConfig, fit
from torch import nn


@pytest.mark.parametrize("value", [-0.1, 1.0, 1.5, float("nan"), float("inf")])
def test_out_of_range_is_a_value_error(value):
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        TrainConfig(label_smoothing=value)


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_non_number_is_a_type_error(value):
    with pytest.raises(TypeError, match="label_smoothing must be a float"):
        TrainConfig(label_smoothing=value)


def test_default_and_range_accepted():
    assert TrainConfig().label_smoothing == 0.1
    for value in (0, 0.0, 0.1, 0.999):
        assert TrainConfig(label_smoothing=value).label_smoothing == value


def _first_step_loss(label_smoothing: float) -> tuple[float, float]:
    """(loss fit reports for one full-batch step, torch's cross_entropy on the same model)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 1, 4, 4)).astype(np.float32)
    y = np.arange(24) % 3
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    before = copy.deepcopy(model)
    cfg = TrainConfig(
        epochs=1,
        batch_size=len(y),  # one step: the epoch's loss is that step's loss
        augment="none",
        device="cpu",
        threads=1,
        progress=False,
        label_smoothing=label_smoothing,
    )
    history = fit(model, X, y, config=cfg)
    with torch.no_grad():
        expected = nn.functional.cross_entropy(
            before(torch.from_numpy(X)), torch.from_numpy(y), label_smoothing=label_smoothing
        ).item()
    return history.rows[0]["train_loss"], expected


def test_training_loss_is_torch_smoothed_cross_entropy():
    smoothed, expected = _first_step_loss(0.2)
    assert smoothed == pytest.approx(expected, rel=1e-5)
    plain, expected_plain = _first_step_loss(0.0)
    assert plain == pytest.approx(expected_plain, rel=1e-5)
    assert abs(smoothed - plain) > 1e-3


def test_cli_flag_reaches_the_config(monkeypatch, tmp_path):
    args = cli.build_parser().parse_args(["train", "--label-smoothing", "0.1"])
    assert args.label_smoothing == 0.1
    assert cli.build_parser().parse_args(["train"]).label_smoothing is None

    seen = {}

    def fake_fit(model, *args, **kwargs):
        seen["config"] = args[4]
        raise KeyboardInterrupt  # stop before any training

    monkeypatch.setattr("scatkit.training.fit", fake_fit)
    argv = ["train", "--dataset", "digits", "--model", "cnn", "--subset", "50"]
    argv += ["--label-smoothing", "0.25", "--no-progress", "--threads", "1"]
    cli.main(argv + ["--out-dir", str(tmp_path)])
    assert seen["config"].label_smoothing == 0.25


def test_cli_rejects_out_of_range(capsys, tmp_path):
    argv = ["train", "--dataset", "digits", "--subset", "50", "--label-smoothing", "1"]
    assert cli.main(argv + ["--no-progress", "--out-dir", str(tmp_path)]) != 0
    assert "label_smoothing must be in [0, 1)" in capsys.readouterr().err
