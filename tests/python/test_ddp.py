"""`torchrun --nproc_per_node=2 -m scatkit train` (gloo): rank 0 writes one checkpoint, the
run resumes from it, and its accuracy is within noise of the single-process run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed")

ARGS = ["--dataset", "digits", "--no-progress", "--lr", "0.1", "--threads", "1"]


def train(*args: str, nproc: int) -> subprocess.CompletedProcess:
    run = [sys.executable, "-m", "torch.distributed.run"]  # torchrun, of this interpreter
    cmd = [*run, f"--nproc_per_node={nproc}", "--standalone", "-m", "scatkit", "train"]
    r = subprocess.run([*cmd, *ARGS, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def final_accuracy(out) -> float:
    return json.loads((out / "metrics.json").read_text())["epochs"][-1]["val_accuracy"]


def test_torchrun_two_processes_matches_one(tmp_path):
    from scatkit.cli import main

    # Each process takes batches of 32 from its half of the data, so the two-process run
    # steps on 64 images at a time: the single-process run it is compared with does too.
    single = tmp_path / "single"  # in this process: one interpreter start less
    one = ["--epochs", "8", "--batch-size", "64", "--out-dir", str(single), "--no-features"]
    assert main(["train", *ARGS, *one]) == 0
    ddp = tmp_path / "ddp"
    first = train("--epochs", "5", "--out-dir", str(ddp), "--max-seconds", "0.001", nproc=2)
    # The time budget cut the run after its first epoch (all ranks agree on it) ...
    assert first.stdout.count("epoch ") == 1 and "torchrun: 2 processes (gloo)" in first.stdout
    assert sorted(p.name for p in ddp.iterdir()) == ["checkpoint.pt", "metrics.csv", "metrics.json"]
    # ... and a resume continues from its checkpoint.
    train("--epochs", "8", "--out-dir", str(ddp), "--resume", nproc=2)
    epochs = json.loads((ddp / "metrics.json").read_text())["epochs"]
    assert [row["epoch"] for row in epochs] == list(range(1, 9))
    a, b = final_accuracy(single), final_accuracy(ddp)
    assert a > 0.9 and abs(a - b) < 0.05, (a, b)
