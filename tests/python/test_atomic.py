"""The atomic write helper: all or nothing, and no temporary file left behind."""

from __future__ import annotations

import numpy as np
import pytest
from scatkit._atomic import TEMP_PREFIX, atomic_path


def test_writes_target_and_cleans_up(tmp_path):
    target = tmp_path / "sub" / "a.npy"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(TEMP_PREFIX)
        assert tmp.suffix == ".npy"
        np.save(tmp, np.arange(3))
        assert not target.exists()
    np.testing.assert_array_equal(np.load(target), np.arange(3))
    assert [p.name for p in target.parent.iterdir()] == ["a.npy"]


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_mid_write_leaves_no_target_and_no_temp_file(tmp_path, error):
    target = tmp_path / "a.bin"
    with pytest.raises(type(error)), atomic_path(target) as tmp:
        tmp.write_bytes(b"half of it")
        raise error
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_file(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_bytes(b"new, partial")
        raise OSError("no space left on device")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_replaces_an_existing_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_writer_that_removes_its_file_still_raises_cleanly(tmp_path):
    # A writer may fail after deleting its own partial output; cleanup must not mask that.
    target = tmp_path / "a.bin"
    with pytest.raises(ValueError, match="bad data"), atomic_path(target) as tmp:
        tmp.unlink()
        raise ValueError("bad data")
    assert list(tmp_path.iterdir()) == []
