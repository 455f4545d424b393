"""The Zarr feature store: extract -o X.zarr, resume after kill -9, scatkit.features.open."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

zarr = pytest.importorskip("zarr", reason="zarr>=3 (scatkit[distributed]) is not installed")
cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is not installed")

from scatkit import features  # noqa: E402
from scatkit.distributed import extract  # noqa: E402


def make_folder(root: Path, per_class: int = 6, size: int = 32, bad: bool = True) -> Path:
    rng = np.random.default_rng(0)
    for c in ("ant", "bee"):
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = (rng.random((size, size + 4)) * 255).astype(np.uint8)
            cv2.imwrite(str(root / c / f"{i:03d}.png"), img)
    (root / "empty_class").mkdir()
    if bad:
        (root / "bee" / "broken.png").write_bytes(b"not an image")
    return root


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scatkit", "extract", *args, "--no-progress"],
        capture_output=True,
        text=True,
        **kw,
    )


def arrays(path: Path) -> dict[str, np.ndarray]:
    st = features.open(path)
    assert st.complete
    return {name: np.asarray(getattr(st, name)[:]) for name in features.ARRAYS}


def assert_same_store(a: Path, b: Path) -> None:
    x, y = arrays(a), arrays(b)
    for name in features.ARRAYS:
        assert x[name].dtype == y[name].dtype, name
        assert np.array_equal(x[name], y[name]), name
    assert x["features"].tobytes() == y["features"].tobytes()
    assert features.open(a).skipped == features.open(b).skipped


def test_store_contents_match_the_npz_output(tmp_path):
    src = make_folder(tmp_path / "imgs")
    notes: list[str] = []
    r = extract(src, tmp_path / "f.zarr", batch_size=4, log=notes.append)
    assert r.features_shape[0] == 13 and r.n_images == 12 and not r.resumed
    assert any("empty_class" in n for n in notes)  # the empty class folder is named
    assert [s[0] for s in r.skipped] == ["bee/broken.png"]
    st = features.open(tmp_path / "f.zarr")
    assert st.classes == ["ant", "bee"] and st.params["J"] == 2 and st.params["chunk"] == 4
    assert st.features.chunks[0] == 4 and st.meta.shape == (len(st.meta), 5)
    valid = np.asarray(st.valid[:])
    assert valid.sum() == 12 and not valid[list(st.paths[:]).index("bee/broken.png")]

    from scatkit.extract import extract as extract_npz

    extract_npz(src, tmp_path / "f.npz", batch_size=4)
    with np.load(tmp_path / "f.npz") as z:
        assert list(z["names"]) == [p for p, v in zip(st.paths[:], valid) if v]
        stored = np.asarray(st.features[:])[valid]
        np.testing.assert_allclose(stored, z["features"], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(np.asarray(st.labels[:])[valid], z["labels"])
        np.testing.assert_array_equal(st.meta, z["meta"])

    lazy = features.open(tmp_path / "f.zarr", dask=True)
    assert lazy.features.chunksize[0] == 4
    np.testing.assert_array_equal(lazy.features[:5].compute(), st.features[:5])


def test_float16_halves_the_store(tmp_path):
    src = make_folder(tmp_path / "imgs", bad=False)
    r = extract(src, tmp_path / "h.zarr", batch_size=8, dtype="float16")
    r32 = extract(src, tmp_path / "s.zarr", batch_size=8)
    h, s = features.open(r.output), features.open(r32.output)
    assert h.features.dtype == np.float16 and h.features.nbytes * 2 == s.features.nbytes
    half = h.features[:].astype(np.float32)
    np.testing.assert_allclose(half, s.features[:], rtol=2e-3, atol=1e-4)


def test_torch_dataset_reads_the_store_chunkwise(tmp_path):
    torch = pytest.importorskip("torch")
    src = make_folder(tmp_path / "imgs")
    extract(src, tmp_path / "f.zarr", batch_size=4)
    ds = features.open(tmp_path / "f.zarr").torch_dataset()
    assert len(ds) == 12
    order = ds.chunk_order(seed=0)
    assert sorted(order) == list(range(12)) and order != list(range(12))
    loader = torch.utils.data.DataLoader(ds, batch_size=5, sampler=order)
    xb, yb = next(iter(loader))
    assert xb.dtype == torch.float32 and xb.shape[1:] == (81, 8, 9) and yb.shape == (5,)


def test_refuses_to_resume_with_other_parameters(tmp_path):
    src = make_folder(tmp_path / "imgs", bad=False)
    extract(src, tmp_path / "f.zarr", batch_size=4)
    with pytest.raises(ValueError, match=r"other scattering parameters.*J: store 2, this call 3"):
        extract(src, tmp_path / "f.zarr", J=3, batch_size=4)
    again = extract(src, tmp_path / "f.zarr", batch_size=4)  # same call: nothing to do
    assert again.resumed and again.computed_chunks == 0
    assert extract(src, tmp_path / "f.zarr", J=3, batch_size=4, restart=True).computed_chunks == 3


def test_full_disk_counts_no_half_written_chunk(tmp_path, monkeypatch):
    src = make_folder(tmp_path / "imgs", bad=False)
    from zarr.storage import LocalStore

    real_set, calls = LocalStore.set, {"n": 0}

    async def failing_set(self, key, value, *args, **kwargs):
        if "features/c/" in key:
            calls["n"] += 1
        if "features/c/" in key and calls["n"] == 2:  # the second chunk's features
            raise OSError(errno.ENOSPC, "No space left on device")
        return await real_set(self, key, value, *args, **kwargs)

    monkeypatch.setattr(LocalStore, "set", failing_set)
    with pytest.raises(OSError, match="no space left on the device while writing chunk"):
        extract(src, tmp_path / "f.zarr", batch_size=4)
    pending = features.pending_chunks(tmp_path / "f.zarr", 3)
    assert pending == [1, 2]  # the first chunk finished, the failed one is not counted
    monkeypatch.setattr(LocalStore, "set", real_set)
    r = extract(src, tmp_path / "f.zarr", batch_size=4)
    assert r.resumed and r.computed_chunks == 2
    extract(src, tmp_path / "ref.zarr", batch_size=4)
    assert_same_store(tmp_path / "f.zarr", tmp_path / "ref.zarr")


def test_kill_9_at_random_points_then_resume_is_bitwise_identical(tmp_path):
    """Each run is a fresh process (as each Dask worker is): the bits must not depend on it."""
    src = make_folder(tmp_path / "imgs", per_class=40, size=48)
    args = [str(src), "--batch-size", "3", "--J", "3", "--dtype", "float16"]
    ref = cli(*args, "-o", str(tmp_path / "ref.zarr"))
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "out.zarr"
    rng = np.random.default_rng(1)
    kills = 0
    for _ in range(4):
        p = subprocess.Popen(
            [sys.executable, "-m", "scatkit", "extract", *args, "-o", str(out), "--no-progress"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.6, 2.0))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            kills += 1
        p.wait()
    done = cli(*args, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert kills >= 1
    assert_same_store(out, tmp_path / "ref.zarr")
    marker = json.loads((out / "_done" / "000000.json").read_text())
    assert marker["rows"] == [0, 3]


def test_cli_errors(tmp_path):
    src = make_folder(tmp_path / "imgs", bad=False)
    r = cli(str(src), "-o", str(tmp_path / "x.npz"), "--dtype", "float16")
    assert r.returncode == 1 and "need a .zarr output" in r.stderr
    (tmp_path / "junk.zarr").mkdir()
    r = cli(str(src), "-o", str(tmp_path / "junk.zarr"))
    assert r.returncode == 1 and "not a scatkit feature store" in r.stderr
