"""Extraction on Dask: a LocalCluster's store equals the single-process one, killed workers
cost only their tasks, a silent scheduler is reported; scatkit.dask.scattering."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

pytest.importorskip("zarr", reason="zarr>=3 (scatkit[distributed]) is not installed")
dd = pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")

from scatkit import Scattering2D, features  # noqa: E402
from scatkit.distributed import connect, extract  # noqa: E402
from test_features import assert_same_store, cli, make_folder  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = dd.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    )
    c = dd.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_folder(tmp_path_factory.mktemp("dask") / "imgs", per_class=30, size=40)


@pytest.fixture(scope="module")
def reference(folder, tmp_path_factory):
    """The single-process run, in a fresh process as the CLI runs it."""
    out = tmp_path_factory.mktemp("ref") / "ref.zarr"
    r = cli(str(folder), "-o", str(out), "--batch-size", "5")
    assert r.returncode == 0, r.stderr
    return out


def test_local_cluster_store_equals_single_process(client, folder, reference, tmp_path):
    r = extract(folder, tmp_path / "d.zarr", client, batch_size=5)
    assert r.computed_chunks == 13 and [s[0] for s in r.skipped] == ["bee/broken.png"]
    assert_same_store(tmp_path / "d.zarr", reference)
    # Nothing large went through the scheduler: the tasks returned only skipped names.
    assert features.open(tmp_path / "d.zarr").complete


def test_killed_worker_costs_only_its_tasks(client, folder, reference, tmp_path):
    out = tmp_path / "k.zarr"
    errors: list[BaseException] = []

    def run() -> None:
        try:
            extract(folder, out, client, batch_size=5)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 30
    while not (out / "_done").is_dir() or not any((out / "_done").iterdir()):
        assert time.monotonic() < deadline, "no chunk finished"
        time.sleep(0.01)
    pids = client.run(os.getpid)
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    t.join(120)
    assert not t.is_alive() and not errors, errors
    assert_same_store(out, reference)


def test_cli_dask_local_cluster(folder, reference, tmp_path):
    r = cli(str(folder), "-o", str(tmp_path / "c.zarr"), "--batch-size", "5", "--dask")
    assert r.returncode == 0, r.stderr
    assert_same_store(tmp_path / "c.zarr", reference)


def test_scheduler_that_does_not_answer():
    t0 = time.monotonic()
    with pytest.raises(ConnectionError, match=r"tcp://127.0.0.1:9 did not answer within 1 s"):
        connect("tcp://127.0.0.1:9", timeout=1)
    assert time.monotonic() - t0 < 15


def test_scheduler_file_and_cli_error(tmp_path, folder):
    missing = tmp_path / "sched.json"
    missing.write_text('{"address": "tcp://127.0.0.1:9"}')
    with pytest.raises(ConnectionError, match="the scheduler of"):
        connect(str(missing), timeout=1)
    r = cli(str(folder), "-o", str(tmp_path / "x.zarr"), "--dask", "x", "--scheduler-file", "y")
    assert r.returncode == 1 and "not both" in r.stderr


def test_dask_array_scattering(client):
    import dask.array as da
    import scatkit.dask

    x = np.random.default_rng(0).random((9, 2, 32, 36)).astype(np.float32)
    S = Scattering2D(2, (32, 36))
    lazy = scatkit.dask.scattering(da.from_array(x, chunks=(4, 1, 16, 36)), S)
    assert lazy.shape == (9, 2, len(S), *S.out_spatial_shape)
    np.testing.assert_allclose(lazy.compute(), S(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="S was built for 32x36"):
        scatkit.dask.scattering(da.zeros((2, 8, 8)), S)


def test_invariance_reaches_the_workers(client, folder, tmp_path):
    import dask.array as da
    import scatkit.dask

    r = extract(folder, tmp_path / "r.zarr", client, batch_size=20, invariance="roto-translation")
    here = extract(folder, tmp_path / "h.zarr", batch_size=20, invariance="roto-translation")
    st = features.open(r.output)
    assert st.invariance == "roto-translation" and st.meta.shape == (len(st.meta), 7)
    # Plans of this process may differ from the workers' by float32 rounding (wisdom).
    here_features = features.open(here.output).features[:]
    np.testing.assert_allclose(st.features[:], here_features, rtol=1e-5, atol=1e-6)

    x = np.random.default_rng(1).random((6, 32, 32)).astype(np.float32)
    S = Scattering2D(2, (32, 32), invariance="rotation")
    lazy = scatkit.dask.scattering(da.from_array(x, chunks=(3, 32, 32)), S)
    assert lazy.shape == (6, len(S), *S.out_spatial_shape)
    np.testing.assert_allclose(lazy.compute(), S(x), rtol=1e-5, atol=1e-6)
