"""``scatkit analyze`` end to end on tiny checkpoints trained by ``scatkit train`` on digits."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

from scatkit import cli  # noqa: E402

#: Few images and few organisation images keep every analysis to a few seconds.
FAST = ["--samples", "120", "--organisation", "30", "--threads", "1"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Two checkpoints (scat-cnn and cnn) of one epoch on 60 digits."""
    root = tmp_path_factory.mktemp("analyze-runs")
    mp = pytest.MonkeyPatch()
    mp.setenv("SCATKIT_CACHE_DIR", str(root / "cache"))
    paths = {}
    try:
        for model, width in (("scat-cnn", "8"), ("cnn", "4")):
            out = root / model
            args = [
                "train", "--dataset", "digits", "--model", model, "--J", "1",
                "--width", width, "--subset", "60", "--epochs", "1", "--augment", "none",
                "--out-dir", str(out), "--no-progress", "--threads", "1",
            ]  # fmt: skip
            assert cli.main(args) == 0
            paths[model] = out / "checkpoint.pt"
    finally:
        mp.undo()
    return paths


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and ": error: " in lines[0], stderr
    return lines[0]


def test_analyze_one_checkpoint(checkpoints, tmp_path, capsys):
    out = tmp_path / "report"
    rc = cli.main(["analyze", "--checkpoint", str(checkpoints["scat-cnn"]), "-o", str(out), *FAST])
    assert rc == 0
    stdout, stderr = capsys.readouterr()
    # The dataset comes from the checkpoint; progress goes to stderr as plain lines off a
    # terminal, a few per run.
    assert "digits test: 120 images" in stdout and "wrote" in stdout
    assert "\r" not in stderr and "scat-cnn: metrics:" in stderr
    df = pd.read_csv(out / "metrics.csv")
    assert list(df["layer"])[0] == "input" and list(df["layer"])[-1] == "logits"
    assert "front" in set(df["layer"])
    assert set(df["model"]) == {"scat-cnn"} and (df["n"] == 120).all()
    for col in ("knn_accuracy", "linear_accuracy", "boundary_points", "contraction_same"):
        assert df[col].notna().all(), col
    assert df["boundary_points"].between(0, 1).all()
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["dataset"] == "digits" and doc["samples"] == 120
    (run,) = doc["runs"]
    assert run["model"] == "scat-cnn" and run["parameters"] > 0 and run["epoch"] == 1
    assert [r["layer"] for r in run["layers"]] == list(df["layer"])
    assert set(run["boundary_curve"]) == set(df["layer"]) and len(run["boundary_k"]) == 30
    assert {r["layer"] for r in run["organisation"]} >= {"front"}
    for name in ("depth.png", "boundary-scat-cnn.png", "pca-scat-cnn.png", "organisation.csv"):
        assert (out / name).stat().st_size > 0, name


def test_analyze_compare_and_scattering(checkpoints, tmp_path, capsys):
    out = tmp_path / "report"
    args = [
        "analyze", "--checkpoint", str(checkpoints["scat-cnn"]),
        "--compare", str(checkpoints["cnn"]), "--scattering", "1", "8",
        "-o", str(out), "--progress", "never", *FAST,
    ]  # fmt: skip
    assert cli.main(args) == 0
    assert capsys.readouterr().err == ""
    df = pd.read_csv(out / "metrics.csv")
    assert list(dict.fromkeys(df["model"])) == ["scat-cnn", "cnn", "scattering J=1 L=8"]
    scat = df[df["model"] == "scattering J=1 L=8"]
    assert list(scat["layer"]) == ["input", "order0", "order1"]
    # All runs see the same images, so their input rows agree.
    inputs = df[df["layer"] == "input"]
    assert inputs["nn1_accuracy"].nunique() == 1
    doc = json.loads((out / "metrics.json").read_text())
    assert [r["label"] for r in doc["runs"]] == ["scat-cnn", "cnn", "scattering J=1 L=8"]
    assert doc["runs"][2]["organisation"] == []
    for name in ("depth.png", "pca-cnn.png", "boundary-scattering-J=1-L=8.png"):
        assert (out / name).stat().st_size > 0, name


def test_analyze_scattering_alone_and_projection(tmp_path, capsys):
    out = tmp_path / "report"
    args = ["analyze", "--scattering", "1", "4", "--dataset", "digits", "--max-dim", "20"]
    assert cli.main([*args, "-o", str(out), "--progress", "never", *FAST]) == 0
    doc = json.loads((out / "metrics.json").read_text())
    (run,) = doc["runs"]
    # order1 has J * L = 4 channels of 4x4 = 64 values per image: wider than 20, projected.
    assert "order1" in run["projections"] and run["projections"]["order1"]["to_dim"] == 20
    assert [r["dim"] for r in run["layers"]][-1] == 20
    capsys.readouterr()


def test_analyze_errors_are_one_line(checkpoints, tmp_path, capsys):
    out = ["-o", str(tmp_path / "r"), "--progress", "never"]
    assert cli.main(["analyze", "--checkpoint", str(tmp_path / "nope.pt"), *out]) == 1
    assert "does not exist" in _error_line(capsys.readouterr().err)
    ckpt = str(checkpoints["cnn"])
    assert cli.main(["analyze", "--checkpoint", ckpt, "--dataset", "textures", *out]) == 1
    line = _error_line(capsys.readouterr().err)
    assert "images (1, 8, 8)" in line and "textures has images (32, 32)" in line
    assert cli.main(["analyze", "--checkpoint", ckpt, "--dataset", "mnist6k", *out]) == 1
    assert "unknown dataset 'mnist6k'" in _error_line(capsys.readouterr().err)
    assert cli.main(["analyze", *out]) == 1
    assert "--checkpoint" in _error_line(capsys.readouterr().err)
    assert cli.main(["analyze", "--checkpoint", ckpt, "--samples", "0", *out]) == 1
    assert "--samples" in _error_line(capsys.readouterr().err)
    assert cli.main(["analyze", "--checkpoint", ckpt, "--layers", "front,nope", *out]) == 1
    assert "no layer named 'nope'" in _error_line(capsys.readouterr().err)
    # A failed analysis leaves no half-written report behind.
    assert not (tmp_path / "r").exists()
