"""Output faults: a full disk (ENOSPC) or an unwritable path during extract, train and
checkpointing gives one clear error and leaves no file that a later run counts as done;
``--max-pixels`` skips oversized images in the commands that read image folders."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from scatkit import cli
from scatkit._atomic import TEMP_PREFIX, atomic_path

cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is not installed")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCATKIT_CACHE_DIR", str(tmp_path / "feature-cache"))


def _errors(err: str) -> list[str]:
    assert "Traceback" not in err, err
    return [ln for ln in err.splitlines() if ": error: " in ln]


def _folder(tmp_path, n=4, side=16):
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            cv2.imwrite(str(root / cls / f"{i}.png"), (rng.random((side, side)) * 255).astype("u1"))
    return root


def _full_disk_after(calls_ok: int, real, path_arg: int = 0):
    """A writer that succeeds ``calls_ok`` times, then writes half a file and hits ENOSPC."""
    calls = []

    def write(*args, **kwargs):
        path = args[path_arg]
        calls.append(path)
        if len(calls) > calls_ok:
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04 partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    return write


def test_atomic_path_names_the_file_and_cleans_up(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(OSError) as info:
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert info.value.errno == errno.ENOSPC
    assert str(target) in str(info.value) and "No space left" in str(info.value)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_extract_full_disk_leaves_no_done_chunk_and_resumes(tmp_path, monkeypatch, capsys):
    root = _folder(tmp_path)
    args = ["extract", str(root), "--batch-size", "3", "--J", "1", "--no-progress"]
    want = tmp_path / "want.npz"
    assert cli.main(args + ["-o", str(want)]) == 0
    capsys.readouterr()

    out = tmp_path / "out.npz"
    # Chunk 0 is written, chunk 1 fills the disk half way.
    monkeypatch.setattr(np, "savez", _full_disk_after(1, np.savez))
    assert cli.main(args + ["-o", str(out)]) == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1
    assert "No space left on device" in errors[0] and "chunk_000001.npz" in errors[0]
    parts = tmp_path / "out.npz.parts"
    assert sorted(p.name for p in parts.iterdir()) == ["chunk_000000.npz", "manifest.json"]
    assert not out.exists() and not list(tmp_path.glob(f"**/{TEMP_PREFIX}*"))

    # With space again, the rerun computes the rest and equals an uninterrupted run.
    monkeypatch.undo()
    monkeypatch.setenv("SCATKIT_CACHE_DIR", str(tmp_path / "feature-cache"))
    assert cli.main(args + ["-o", str(out)]) == 0
    with np.load(want) as a, np.load(out) as b:
        assert np.array_equal(a["features"], b["features"])


def test_extract_final_file_full_disk(tmp_path, monkeypatch, capsys):
    root = _folder(tmp_path, n=2)
    out = tmp_path / "out.npz"
    real = np.savez
    # Every chunk is written; the final merged file hits the full disk.
    monkeypatch.setattr(np, "savez", _full_disk_after(2, real))
    rc = cli.main(
        ["extract", str(root), "--batch-size", "2", "--J", "1", "--no-progress"] + ["-o", str(out)]
    )
    assert rc == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "No space left" in errors[0] and str(out) in errors[0]
    assert not out.exists() and not list(tmp_path.glob(f"**/{TEMP_PREFIX}*"))


def test_extract_unwritable_output(tmp_path, capsys):
    root = _folder(tmp_path, n=1)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    rc = cli.main(["extract", str(root), "--J", "1", "--no-progress", "-o", str(blocker / "o.npz")])
    assert rc == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "a-file" in errors[0]
    assert blocker.read_text() == "x"


def _train_args(tmp_path, epochs):
    return [
        "train", "--dataset", "digits", "--model", "cnn", "--J", "1", "--width", "4",
        "--subset", "40", "--epochs", str(epochs), "--out-dir", str(tmp_path / "run"),
        "--no-progress", "--threads", "1",
    ]  # fmt: skip


def test_train_checkpoint_full_disk_keeps_the_last_good_one(tmp_path, monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    from scatkit.training import load_checkpoint

    monkeypatch.setattr(torch, "save", _full_disk_after(1, torch.save, path_arg=1))
    assert cli.main(_train_args(tmp_path, 3)) == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "No space left" in errors[0] and "checkpoint.pt" in errors[0]
    ckpt = tmp_path / "run" / "checkpoint.pt"
    # The checkpoint of epoch 1 stands; the failed epoch-2 write left nothing behind.
    assert load_checkpoint(ckpt)["epoch"] == 1
    assert not list(tmp_path.glob(f"**/{TEMP_PREFIX}*"))
    monkeypatch.undo()
    monkeypatch.setenv("SCATKIT_CACHE_DIR", str(tmp_path / "feature-cache"))
    assert cli.main(_train_args(tmp_path, 3) + ["--resume"]) == 0
    assert load_checkpoint(ckpt)["epoch"] == 3


def test_train_unwritable_out_dir(tmp_path, capsys):
    pytest.importorskip("torch")
    blocker = tmp_path / "run"
    blocker.write_text("x")
    assert cli.main(_train_args(tmp_path, 1)) == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "run" in errors[0]


@pytest.mark.filterwarnings("ignore:skipped 1 unreadable")
def test_max_pixels_option(tmp_path, capsys, caplog):
    pytest.importorskip("torch")
    root = _folder(tmp_path, n=3, side=16)
    cv2.imwrite(str(root / "a" / "big.png"), np.zeros((40, 40), np.uint8))
    args = [
        "train", "--dataset", "folder", "--root", str(root), "--size", "16", "--model", "cnn",
        "--width", "4", "--epochs", "1", "--out-dir", str(tmp_path / "run"), "--no-progress",
        "--threads", "1",
    ]  # fmt: skip
    assert cli.main(args + ["--max-pixels", "1000"]) == 0
    assert "big.png" in capsys.readouterr().err
    # The per-file reason goes to the scatkit.datasets log (stderr in a terminal).
    assert any("big.png" in r.message and "max_pixels=1000" in r.message for r in caplog.records)
    with pytest.raises(SystemExit):
        cli.main(args + ["--max-pixels", "0"])
    assert "--max-pixels" in capsys.readouterr().err


def test_extract_max_pixels(tmp_path, capsys):
    root = _folder(tmp_path, n=2, side=16)
    cv2.imwrite(str(root / "b" / "big.png"), np.zeros((16, 80), np.uint8))
    out = tmp_path / "o.npz"
    args = ["extract", str(root), "--J", "1", "--size", "16", "--no-progress", "-o", str(out)]
    assert cli.main(args + ["--max-pixels", "1000"]) == 0
    captured = capsys.readouterr()
    assert "from 4 images" in captured.out and "; 1 skipped" in captured.out
    assert "big.png" in captured.err and "max_pixels=1000" in captured.err
    with np.load(out) as z:
        assert len(z["features"]) == 4
