"""Logs a person can read: bars only on a terminal, a few plain lines elsewhere, --debug.

pytest captures stderr (not a terminal), so a plain run here is the CI / nohup case; the
terminal case runs the command in a child process whose stderr is a pseudo-terminal.
"""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest
from scatkit import _progress, cli
from scatkit._progress import LineProgress, check_progress, progress_bar, progress_mode

cv2 = pytest.importorskip("cv2")

N_IMAGES = 40
BATCH = "2"  # 20 chunks: a bar per chunk would be 20+ redraws, plain lines stay ~10


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCATKIT_CACHE_DIR", str(tmp_path / "feature-cache"))
    monkeypatch.delenv("SCATKIT_DEBUG", raising=False)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for i in range(N_IMAGES):
        (root / f"c{i % 2}").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / f"c{i % 2}" / f"{i}.png"), (rng.random((16, 16)) * 255).astype("u1"))
    return root


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


# -- the rule ---------------------------------------------------------------------------------
class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_values():
    assert [check_progress(v) for v in (True, False, None)] == ["always", "never", "never"]
    assert check_progress(" Auto ") == "auto"
    with pytest.raises(ValueError, match="auto"):
        check_progress("yes")
    assert progress_mode("auto", _Stream(True)) and not progress_mode("auto", _Stream(False))
    assert progress_mode("always", _Stream(False)) and progress_mode(True, _Stream(False))
    assert not progress_mode("never", _Stream(True)) and not progress_mode(False, _Stream(True))


def test_line_progress_prints_a_handful_of_lines():
    out = _Stream(False)
    with progress_bar("auto", total=10_000, desc="work", unit="img", file=out) as bar:
        assert isinstance(bar, LineProgress)
        for _ in range(10_000):
            bar.update(1)
    lines = _lines(out.getvalue())
    assert 5 <= len(lines) <= 11, lines
    assert lines[-1].startswith("work: 10000/10000 img (100%)")
    silent = _Stream(False)
    with progress_bar("never", total=10, desc="x", file=silent) as bar:
        bar.update(10)
    assert silent.getvalue() == ""


def test_line_progress_prints_after_a_pause(monkeypatch):
    out = _Stream(False)
    clock = iter([0.0, 40.0, 41.0, 41.0])
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(clock))
    bar = LineProgress(1000, "slow", file=out)
    bar.update(1)  # 40 s later: a line although only 0.1% is done
    bar.update(1)  # 1 s later: none
    assert _lines(out.getvalue()) == ["slow: 1/1000 it (0%) [40.0 s]"]


# -- extract ----------------------------------------------------------------------------------
def test_extract_non_terminal_prints_a_few_lines(folder, tmp_path, capsys):
    assert (
        cli.main(["extract", str(folder), "-o", str(tmp_path / "f.npz"), "--batch-size", BATCH])
        == 0
    )
    err = capsys.readouterr().err
    assert "\r" not in err
    progress = [ln for ln in _lines(err) if ln.startswith("extract:")]
    assert 1 <= len(progress) <= 12, err
    assert progress[-1].startswith(f"extract: {N_IMAGES}/{N_IMAGES} img (100%)")


def test_extract_progress_always_draws_the_bar(folder, tmp_path, capsys):
    args = ["extract", str(folder), "-o", str(tmp_path / "f.npz"), "--batch-size", BATCH]
    assert cli.main([*args, "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "\r" in err and f"{N_IMAGES}/{N_IMAGES}" in err and "%|" in err


@pytest.mark.parametrize("flag", [["--progress", "never"], ["--no-progress"]])
def test_extract_progress_never_is_silent(folder, tmp_path, capsys, flag):
    args = ["extract", str(folder), "-o", str(tmp_path / "f.npz"), "--batch-size", BATCH]
    assert cli.main([*args, *flag]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")
def test_extract_on_a_terminal_draws_a_bar(folder, tmp_path):
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    # A fresh pty is 0 columns wide, which tqdm would honour with an empty bar.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    cmd = [sys.executable, "-m", "scatkit", "extract", str(folder), "-o", str(tmp_path / "f.npz")]
    env = dict(os.environ, SCATKIT_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen(
        [*cmd, "--batch-size", BATCH], stdout=subprocess.PIPE, stderr=slave, env=env
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    tty = b"".join(chunks).decode(errors="replace")
    assert "%|" in tty and f"{N_IMAGES}/{N_IMAGES}" in tty, tty
    assert "img (100%)" not in tty  # the bar, not the plain lines


# -- train ------------------------------------------------------------------------------------
EPOCHS = 6


def _train_args(tmp_path) -> list[str]:
    return [
        "train", "--dataset", "digits", "--subset", "60", "--epochs", str(EPOCHS),
        "--width", "4", "--batch-size", "8", "--threads", "1",
        "--out-dir", str(tmp_path / "run"),
    ]  # fmt: skip


def test_train_non_terminal_prints_one_line_per_epoch(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    assert cli.main(_train_args(tmp_path)) == 0
    out, err = capsys.readouterr()
    assert "\r" not in err and "\r" not in out
    assert len([ln for ln in _lines(out) if ln.startswith("epoch")]) == EPOCHS
    assert len(_lines(out)) + len(_lines(err)) <= EPOCHS + 8, out + err


def test_train_progress_always_draws_bars(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    assert cli.main([*_train_args(tmp_path), "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "\r" in err and "batch" in err


def test_fit_progress_auto_prints_epoch_lines(capsys):
    pytest.importorskip("torch")
    from scatkit.models import build_model
    from scatkit.training import TrainConfig, fit

    X = np.random.default_rng(0).random((24, 8, 8), dtype=np.float32)
    y = np.arange(24) % 3
    model = build_model("scat-cnn", (8, 8), 3, J=1, width=4)
    fit(model, X, y, config=TrainConfig(epochs=3, batch_size=4, threads=1, augment="none"))
    err = capsys.readouterr().err
    assert [ln.split(":")[0] for ln in _lines(err)] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    fit(model, X, y, config=TrainConfig(epochs=1, batch_size=4, threads=1, progress=False))
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="progress"):
        TrainConfig(progress="sometimes")


# -- errors -----------------------------------------------------------------------------------
@pytest.fixture
def broken_extract(monkeypatch):
    """``scatkit.extract.extract`` raising ``exc`` (a library failure the CLI must report)."""

    def install(exc: BaseException) -> None:
        def fail(*args, **kwargs):
            raise exc

        monkeypatch.setattr(importlib.import_module("scatkit.extract"), "extract", fail)

    return install


def test_error_is_one_line_without_debug(folder, tmp_path, capsys, broken_extract):
    broken_extract(RuntimeError("the engine failed\nbadly"))
    assert cli.main(["extract", str(folder), "-o", str(tmp_path / "f.npz")]) == 1
    err = capsys.readouterr().err
    assert _lines(err) == ["scatkit extract: error: the engine failed badly"]


@pytest.mark.parametrize("where", ["before", "after", "env"])
def test_debug_shows_the_traceback(folder, tmp_path, capsys, monkeypatch, broken_extract, where):
    broken_extract(RuntimeError("the engine failed"))
    args = ["extract", str(folder), "-o", str(tmp_path / "f.npz")]
    if where == "before":
        args = ["--debug", *args]
    elif where == "after":
        args = [*args, "--debug"]
    else:
        monkeypatch.setenv("SCATKIT_DEBUG", "1")
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "in fail" in err, err
    assert _lines(err)[-1] == "scatkit extract: error: the engine failed"


def test_debug_env_off_values(folder, tmp_path, capsys, monkeypatch, broken_extract):
    broken_extract(RuntimeError("the engine failed"))
    monkeypatch.setenv("SCATKIT_DEBUG", "0")
    assert cli.main(["extract", str(folder), "-o", str(tmp_path / "f.npz")]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_unexpected_error_is_one_line_with_a_hint(folder, tmp_path, capsys, broken_extract):
    broken_extract(ZeroDivisionError("division by zero"))
    args = ["extract", str(folder), "-o", str(tmp_path / "f.npz")]
    assert cli.main(args) == 1
    (line,) = _lines(capsys.readouterr().err)
    assert line.startswith("scatkit extract: error: unexpected ZeroDivisionError: division by zero")
    assert "run with --debug for the traceback" in line
    assert cli.main(["--debug", *args]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError" in err


def test_help_mentions_progress_and_debug(capsys):
    with pytest.raises(SystemExit):
        cli.main(["extract", "--help"])
    out = capsys.readouterr().out
    assert "--progress {auto,always,never}" in out and "--debug" in out
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "--debug" in capsys.readouterr().out
