"""scatkit.torch.Scattering2D: values, dtype/device moves, serialisation, wrappers, compile.

Autograd is tested in test_torch_autograd.py.

Sizes stay small (8x8 to 32x32) so the file runs in well under two minutes on two shared cores.
"""

from __future__ import annotations

import copy
import io
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed")

import scatkit  # noqa: E402
from _helpers import run_in_threads  # noqa: E402
from _helpers import torch_randn as _x  # noqa: E402
from scatkit.torch import Scattering2D  # noqa: E402

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="PyTorch sees no CUDA device")


# Small tensors on a shared machine: extra intra-op threads only add contention.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


# -- values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cpu_matches_numpy_front_end_with_leading_dims(dtype, rel_err):
    S = Scattering2D(2, (16, 20), L=4)
    x = _x((2, 3, 16, 20), dtype)
    y = S(x)
    want = scatkit.Scattering2D(2, (16, 20), L=4)(x.numpy())
    assert y.dtype == dtype and y.device == x.device
    assert tuple(y.shape) == want.shape == S.output_shape(tuple(x.shape))
    assert rel_err(y.numpy(), want) <= (1e-6 if dtype == torch.float32 else 1e-13)
    # One image without a batch axis.
    assert tuple(S(x[0, 0]).shape) == want.shape[2:]


# (shape, J, L, max_order): square, non-square with odd sides, J=3, first order only, J=1, J=4.
CONFIGS = [
    ((16, 16), 2, 4, 2),
    ((17, 23), 2, 3, 2),
    ((32, 20), 3, 4, 2),
    ((15, 12), 2, 5, 1),
    ((9, 10), 1, 6, 2),
    ((35, 33), 4, 2, 2),
]


@pytest.mark.parametrize("shape,J,L,max_order", CONFIGS)
def test_torch_fft_path_matches_native(shape, J, L, max_order, rel_err):
    x = _x((3,) + shape, torch.float64, seed=1)
    native = Scattering2D(J, shape, L=L, max_order=max_order, backend="native")
    pure = Scattering2D(J, shape, L=L, max_order=max_order, backend="torch")
    want = native(x).numpy()
    assert rel_err(pure(x).numpy(), want) <= 1e-12
    got32 = pure(x.float())
    assert got32.dtype == torch.float32
    assert rel_err(got32.numpy(), want) <= 1e-5


def test_matches_kymatio_torch(rel_err):
    kymatio_torch = pytest.importorskip("kymatio.torch", reason="kymatio==0.3.0 is not installed")
    shape, J, L = (32, 28), 2, 4
    x = _x((2,) + shape, seed=2)
    want = kymatio_torch.Scattering2D(J=J, shape=shape, L=L, max_order=2)(x).numpy()
    for backend in ("native", "torch"):
        got = Scattering2D(J, shape, L=L, backend=backend)(x).numpy()
        assert rel_err(got, want) <= 1e-5, backend


def test_meta_len_and_repr():
    S = Scattering2D(3, (16, 16), L=2, max_order=2)
    K = 1 + 3 * 2 + 2 * 2 * 3 * 2 // 2
    assert len(S) == S.K == K == S.meta_table().shape[0]
    np.testing.assert_array_equal(
        S.meta_table(), scatkit.Scattering2D(3, (16, 16), L=2).meta_table()
    )
    assert set(S.meta) == set(scatkit.META_FIELDS)
    assert "J=3" in repr(S) and "backend='auto'" in repr(S)


def test_non_contiguous_input():
    S = Scattering2D(2, (16, 16), L=3)
    x = _x((4, 16, 16), torch.float64, seed=3)
    xt = x.transpose(-1, -2)
    assert not xt.is_contiguous()
    # Against the reference on the transposed values, so a front end that read the strided
    # tensor's memory in storage order (i.e. untransposed) fails.
    ref = scatkit.Scattering2D(2, (16, 16), L=3, backend="reference")(xt.numpy().copy())
    torch.testing.assert_close(S(xt), torch.from_numpy(ref), rtol=1e-9, atol=1e-12)
    assert not torch.allclose(S(xt), S(x))


@pytest.mark.parametrize("backend", ["native", "torch"])
def test_empty_batches(backend):
    S = Scattering2D(2, (16, 16), L=2, backend=backend)
    for lead in [(0,), (3, 0), (0, 2)]:
        x = torch.zeros(lead + (16, 16), requires_grad=True)
        y = S(x)
        assert tuple(y.shape) == lead + (S.K,) + S.out_spatial_shape
        y.sum().backward()
        assert x.grad is not None and tuple(x.grad.shape) == tuple(x.shape)


# -- dtype and device moves, serialisation ------------------------------------------------------
def test_filters_stay_float64_under_dtype_casts():
    S = Scattering2D(2, (16, 16), L=3)
    x = _x((2, 16, 16), torch.float64, seed=9)
    want = S(x)
    names = [n for n, _ in S.named_buffers() if n.startswith(("phi", "psi"))]
    assert names
    for cast in (S.float, S.half, S.double, lambda: S.to(torch.bfloat16)):
        cast()
        assert all(dict(S.named_buffers())[n].dtype == torch.float64 for n in names)
        torch.testing.assert_close(S(x), want, rtol=0, atol=0)
        assert S(x.float()).dtype == torch.float32
    assert S.pad_rows.dtype == torch.int64
    # float32 input through the torch.fft path after .double(): cached float32 filter copies.
    P = Scattering2D(2, (16, 16), L=3, backend="torch").double()
    torch.testing.assert_close(P(x.float()), want.float(), rtol=1e-5, atol=1e-6)


def test_state_dict_is_small_and_round_trips():
    S = Scattering2D(2, (16, 16), L=2)
    assert len(S.state_dict()) == 0
    torch.manual_seed(0)
    model = torch.nn.Sequential(S, torch.nn.Flatten(), torch.nn.Linear(S.K * 16, 3))
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    assert set(model.state_dict()) == {"2.weight", "2.bias"}
    fresh = torch.nn.Sequential(
        Scattering2D(2, (16, 16), L=2), torch.nn.Flatten(), torch.nn.Linear(S.K * 16, 3)
    )
    buf.seek(0)
    fresh.load_state_dict(torch.load(buf, weights_only=True))
    x = _x((3, 1, 16, 16), seed=10)
    torch.testing.assert_close(fresh(x), model(x), rtol=0, atol=0)


def test_pickle_and_deepcopy():
    S = Scattering2D(2, (16, 16), L=3, max_order=1, backend="torch")
    x = _x((2, 16, 16), seed=11)
    want = S(x)  # fills the per-dtype filter cache, which is not pickled
    for other in (pickle.loads(pickle.dumps(S)), copy.deepcopy(S)):
        assert isinstance(other, Scattering2D)
        assert (other.J, other.shape, other.L, other.max_order, other.backend) == (
            2,
            (16, 16),
            3,
            1,
            "torch",
        )
        torch.testing.assert_close(other(x), want, rtol=0, atol=0)
    assert "_cast_cache" in S.__dict__ and not pickle.loads(pickle.dumps(S))._cast_cache


def test_sequential_and_data_parallel():
    S = Scattering2D(2, (16, 16), L=2)
    model = torch.nn.Sequential(S, torch.nn.Flatten(1), torch.nn.Linear(3 * S.K * 16, 2))
    x = _x((4, 3, 16, 16), seed=12)
    # Expected values from the reference scattering and the linear layer's own weights.
    ref = scatkit.Scattering2D(2, (16, 16), L=2, backend="reference")(x.double().numpy())
    feats = torch.from_numpy(ref).float().flatten(1)
    lin = model[2]
    want = feats @ lin.weight.detach().T + lin.bias.detach()
    torch.testing.assert_close(model(x), want, rtol=1e-4, atol=1e-5)
    # Without GPUs DataParallel calls the module directly; with several it replicates it.
    dp = torch.nn.DataParallel(model)
    torch.testing.assert_close(dp(x), want, rtol=1e-4, atol=1e-5)
    dp(x).sum().backward()
    # d(sum(W f + b))/dW is the batch sum of the features in every output row.
    torch.testing.assert_close(lin.weight.grad, feats.sum(0).expand(2, -1), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(lin.bias.grad, torch.full((2,), 4.0))


def test_distributed_data_parallel_two_processes(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch.distributed with the gloo backend is not available")
    worker = Path(__file__).with_name("_ddp_worker.py")
    res = subprocess.run(
        [sys.executable, str(worker), str(tmp_path)], capture_output=True, text=True, timeout=240
    )
    assert res.returncode == 0, res.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    sys.path.insert(0, str(worker.parent))
    try:
        import _ddp_worker as w
    finally:
        sys.path.pop(0)
    x = w.batch()
    ref = scatkit.Scattering2D(2, (16, 16), L=2, backend="reference")(x.double().numpy())
    ref = torch.from_numpy(ref).float()
    net = w.model()
    lin = net[2]
    # DDP all-reduces to the mean of the ranks' gradients of sum((W f + b)^2) over their halves.
    grads_w, grads_b = [], []
    for r, got in enumerate(ranks):
        f = ref[2 * r : 2 * r + 2].flatten(1)
        torch.testing.assert_close(got["features"], ref[2 * r : 2 * r + 2], rtol=1e-4, atol=1e-5)
        y = (f @ lin.weight.detach().T + lin.bias.detach()).detach()
        grads_w.append(2 * y.T @ f)
        grads_b.append(2 * y.sum(0))
    for got in ranks:
        torch.testing.assert_close(got["weight_grad"], sum(grads_w) / 2, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(got["bias_grad"], sum(grads_b) / 2, rtol=1e-4, atol=1e-4)
    # The input gradients are per rank, not reduced, and differ between the halves.
    assert torch.isfinite(ranks[0]["x_grad"]).all()
    assert not torch.allclose(ranks[0]["x_grad"], ranks[1]["x_grad"])


def test_threads_share_one_module():
    S = Scattering2D(2, (16, 16), L=2)
    xs = [_x((3, 16, 16), seed=20 + i) for i in range(4)]
    want = [S(x) for x in xs]

    def work(i: int) -> torch.Tensor:
        for _ in range(3):
            out = S(xs[i])
        return out

    results = run_in_threads(work, 4, timeout=120, what="calls sharing one module")
    got = [results[i] for i in range(4)]
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=0, atol=0)


# -- torch.compile ------------------------------------------------------------------------------
# Dynamo itself touches the deprecated torch.jit.script_method; that warning is not ours.
compile_warnings = pytest.mark.filterwarnings("ignore:.*script_method.*:DeprecationWarning")


@compile_warnings
def test_torch_compile_fullgraph_forward_and_backward():
    # The native engine is the custom op torch.ops.scatkit.scattering2d_native, so Dynamo
    # captures the whole module without graph breaks; aot_eager also traces the backward.
    S = Scattering2D(2, (16, 16), L=2)
    compiled = torch.compile(S, backend="aot_eager", fullgraph=True)
    x = _x((2, 16, 16), torch.float64, seed=14, requires_grad=True)
    y = compiled(x)
    torch.testing.assert_close(y, S(x))
    (g,) = torch.autograd.grad(y.sum(), x)
    (want,) = torch.autograd.grad(S(x).sum(), x)
    torch.testing.assert_close(g, want)


@compile_warnings
def test_torch_compile_inductor_inference():
    torch._dynamo.reset()
    S = Scattering2D(2, (16, 16), L=2)
    compiled = torch.compile(S, fullgraph=True)  # default backend: inductor
    x = _x((2, 3, 16, 16), seed=15)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), S(x), rtol=0, atol=0)


@compile_warnings
def test_cuda_engine_probe_traces_as_a_constant():
    # The CUDA branch of the engine choice must not break a fullgraph compile on a GPU machine.
    from scatkit.torch import _cuda_engine_available

    def f(x):
        return x + 1 if _cuda_engine_available() else x - 1

    x = torch.zeros(3)
    want = f(x)
    torch.testing.assert_close(torch.compile(f, backend="eager", fullgraph=True)(x), want)


# -- bad input ------------------------------------------------------------------------------------
def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="backend must be one of"):
        Scattering2D(2, (16, 16), backend="reference")
    with pytest.raises(ValueError, match="J=5"):
        Scattering2D(5, (16, 16))
    with pytest.raises(TypeError, match="threads"):
        Scattering2D(2, (16, 16), threads=1.5)
    S = Scattering2D(2, (16, 16), L=2)
    with pytest.raises(TypeError, match="torch.Tensor"):
        S(np.zeros((16, 16), np.float32))
    # The dtype rule of every front end: integers give float32, half precision stays half.
    assert S(torch.zeros(16, 16, dtype=torch.int64)).dtype == torch.float32
    with pytest.raises(TypeError, match="x.real"):
        S(torch.zeros(16, 16, dtype=torch.complex64))
    assert S(torch.zeros(16, 16, dtype=torch.float16)).dtype == torch.float16
    with pytest.raises(ValueError, match=r"\(\.\.\., 16, 16\).*\(2, 16, 15\)"):
        S(torch.zeros(2, 16, 15))
    with pytest.raises(ValueError, match="shape"):
        S(torch.zeros(16))
    with pytest.raises(ValueError, match="move the module"):
        S(torch.zeros(16, 16, device="meta"))


def test_backend_device_mismatch():
    with pytest.raises(ValueError, match="CPU tensors only"):
        Scattering2D(2, (16, 16), L=2, backend="native").to("meta")(
            torch.zeros(16, 16, device="meta")
        )
    cuda_ok, reason = scatkit.backends()[1].available, scatkit.backends()[1].reason
    if not cuda_ok:
        with pytest.raises(RuntimeError, match="not available"):
            Scattering2D(2, (16, 16), backend="cuda")
    else:  # pragma: no cover - needs a GPU
        with pytest.raises(ValueError, match="CUDA tensors only"):
            Scattering2D(2, (16, 16), backend="cuda")(torch.zeros(16, 16))
    assert isinstance(reason, str)


# -- CUDA -----------------------------------------------------------------------------------------
@needs_cuda
@pytest.mark.parametrize("backend", ["auto", "torch"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cuda_matches_cpu_with_gradients(backend, dtype, rel_err):
    shape = (17, 24)
    S = Scattering2D(2, shape, L=4)
    G = Scattering2D(2, shape, L=4, backend=backend).cuda()
    x = _x((3,) + shape, dtype, seed=16, requires_grad=True)
    xg = x.detach().cuda().requires_grad_(True)
    y, yg = S(x), G(xg)
    assert yg.is_cuda and yg.dtype == dtype
    tol = 1e-5 if dtype == torch.float32 else 1e-10
    assert rel_err(yg.detach().cpu().numpy(), y.detach().numpy()) <= tol
    y.sum().backward()
    yg.sum().backward()
    assert rel_err(xg.grad.cpu().numpy(), x.grad.numpy()) <= 10 * tol
