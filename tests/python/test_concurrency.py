"""Threads, processes and fork: one transform called from 8 threads at once, plans used in
fork children and DataLoader workers, the default thread count under a CPU affinity mask, the
thread limit, the torch plan cache's memory bound and the FFTW wisdom file under 4 writers."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import scatkit
from scatkit import _core

CALLERS = 8


def _inputs(shape, n=CALLERS, dtype=np.float32):
    rng = np.random.default_rng(5)
    return [rng.standard_normal((1 + i % 3, *shape)).astype(dtype) for i in range(n)]


def _hammer(fn, xs, rounds=4):
    """fn(x) for every x on its own thread, `rounds` times, all threads released at once."""
    got: list = [None] * len(xs)
    errors: list = []
    start = threading.Barrier(len(xs))

    def work(i):
        try:
            start.wait()
            for _ in range(rounds):
                out = fn(xs[i])
                if got[i] is not None and not np.array_equal(np.asarray(out), got[i]):
                    errors.append(f"caller {i}: rounds differ")
                got[i] = np.asarray(out)
        except Exception as exc:  # reported below, a thread cannot fail the test itself
            errors.append(f"caller {i}: {exc!r}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a caller hung"
    assert not errors, errors
    return got


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_front_end_from_8_threads_equals_sequential(threads, dtype):
    S = scatkit.Scattering2D(2, (24, 20), L=4, backend="native", threads=threads)
    xs = _inputs((24, 20), dtype=dtype)
    want = [S(x) for x in xs]
    for got, w in zip(_hammer(S, xs), want):
        assert np.array_equal(got, w)


def test_torch_module_from_8_threads_equals_sequential():
    torch = pytest.importorskip("torch")
    from scatkit.torch import Scattering2D

    S = Scattering2D(2, (24, 20), L=4, backend="native", threads=1)
    xs = [torch.from_numpy(x) for x in _inputs((24, 20))]
    want = [S(x).numpy() for x in xs]
    got = _hammer(lambda x: S(x).numpy(), xs)
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


def _child_numpy(args):
    x, want = args
    S = _CHILD_STATE["S"]
    return bool(np.array_equal(S(x), want))


_CHILD_STATE: dict = {}


def test_numpy_plan_survives_fork():
    S = scatkit.Scattering2D(2, (24, 20), L=4, backend="native", threads=2)
    xs = _inputs((24, 20), n=4)
    want = [S(x) for x in xs]  # the pool's workers run in the parent before the fork
    _CHILD_STATE["S"] = S
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        res = pool.map_async(_child_numpy, list(zip(xs, want)))
        assert res.get(timeout=120) == [True] * 4
    assert np.array_equal(S(xs[0]), want[0])


_FORK_SCRIPT = textwrap.dedent(
    """
    import multiprocessing as mp, sys
    import numpy as np, torch
    from scatkit.torch import Scattering2D
    torch.set_num_threads(1)
    S = Scattering2D(2, (24, 20), L=4, threads=2)
    x = torch.randn(3, 24, 20, generator=torch.Generator().manual_seed(0))
    want = S(x)

    class Images(torch.utils.data.Dataset):
        def __len__(self):
            return 8
        def __getitem__(self, i):
            return S(x[i % 3])

    def child(q):
        q.put(bool(torch.equal(S(x), want)))

    q = mp.get_context("fork").Queue()
    ps = [mp.get_context("fork").Process(target=child, args=(q,)) for _ in range(2)]
    for p in ps: p.start()
    ok = [q.get(timeout=60) for _ in ps]
    for p in ps: p.join(60)
    loader = torch.utils.data.DataLoader(Images(), batch_size=2, num_workers=2,
                                         multiprocessing_context="fork", timeout=60)
    batches = list(loader)
    same = all(torch.equal(b[k], want[(2 * i + k) % 3]) for i, b in enumerate(batches)
               for k in range(2))
    print(ok, len(batches), same)
    sys.exit(0 if ok == [True, True] and len(batches) == 4 and same else 1)
    """
)


def test_torch_module_survives_fork_and_dataloader_workers(tmp_path):
    pytest.importorskip("torch")
    script = tmp_path / "fork_torch.py"
    script.write_text(_FORK_SCRIPT)
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]


def test_default_threads_follow_affinity():
    code = (
        "import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); "
        "from scatkit import _core; print(_core.Plan(16, 16, 2, 4, threads=0).threads)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "1"
    here = _core.Plan(16, 16, 2, 4, threads=0).threads
    assert 1 <= here <= len(os.sched_getaffinity(0))


def test_threads_capped_with_a_sentence():
    with pytest.raises(ValueError, match="threads=5000 is more than"):
        scatkit.Scattering2D(1, (8, 8), threads=5000)
    with pytest.raises(ValueError, match="threads=5000 is more than"):
        _core.Plan(8, 8, 1, 4, threads=5000)


def test_torch_plan_cache_bounded_by_memory():
    pytest.importorskip("torch")
    from scatkit._plan_cache import PlanCache

    built = []

    class Fake:
        def __init__(self, n):
            self.workspace_bytes = n
            built.append(n)

    cache = PlanCache(Fake, budget=1000)
    cache(400), cache(401), cache(400)  # a hit: 400 becomes the most recently used
    assert built == [400, 401] and cache.nbytes == 801
    cache(300)  # over the budget: the least recently used (401) goes
    assert len(cache) == 2 and cache.nbytes == 700
    cache(900)  # evicts the older ones, keeps the one in use
    assert len(cache) == 1 and cache.nbytes == 900
    cache(5000)  # over the budget alone: still kept, as the plan in use
    assert len(cache) == 1 and cache.nbytes == 5000
    # Many small plans of real shapes all stay (a count of 8 would have evicted some).
    real = PlanCache(lambda m: _core.Plan(m, m, 1, 2, threads=1), budget=1 << 30)
    for m in range(8, 28):
        real(m)
    assert len(real) == 20


_WISDOM_SCRIPT = textwrap.dedent(
    """
    import sys
    from scatkit import _core
    for side in [int(s) for s in sys.argv[1:]]:
        _core.Plan(side, side, 2, 4, precision="float64", threads=1)
        _core.Plan(side, side + 2, 2, 4, precision="float32", threads=1)
    """
)


def test_wisdom_written_once_per_new_plan_under_4_processes(tmp_path):
    script = tmp_path / "plans.py"
    script.write_text(_WISDOM_SCRIPT)
    cache = tmp_path / "cache"
    env = dict(os.environ, SCATKIT_CACHE_DIR=str(cache), SCATKIT_FFTW_PLANNER="measure")
    env.pop("SCATKIT_FFTW_WISDOM", None)
    sizes = [["20", "28"], ["24", "28"], ["20", "36"], ["32", "24"]]
    procs = [
        subprocess.Popen([sys.executable, str(script), *s], env=env, stderr=subprocess.PIPE)
        for s in sizes
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode()[-2000:]
    files = sorted(f.name for f in cache.iterdir())
    assert files == ["fftw3-wisdom.txt", "fftw3f-wisdom.txt"], files  # no temporaries left
    for name in files:
        text = (cache / name).read_text()
        assert text.startswith("(fftw-3") and text.count("(") == text.count(")")
    # Plans the file already knows add no wisdom: the file is not rewritten.
    before = {n: (cache / n).stat() for n in files}
    res = subprocess.run(
        [sys.executable, str(script), "20"], env=env, capture_output=True, timeout=300
    )
    assert res.returncode == 0
    after = {n: (cache / n).stat() for n in files}
    for n in files:
        assert (after[n].st_ino, after[n].st_mtime_ns) == (before[n].st_ino, before[n].st_mtime_ns)
    assert json.dumps(sorted(f.name for f in cache.iterdir())) == json.dumps(files)
