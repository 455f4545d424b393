"""CUDA backend: availability reporting everywhere; CUDA vs CPU outputs where a GPU exists.

Without a usable GPU the comparison tests skip and say why ("built without CUDA", "CUDA plugin
could not be loaded: ...", "no CUDA device visible ..."); the GPU pipeline itself is still
checked on the CPU by the ctest cuda.pipeline_emulation (tests/cuda/emulation_test.cpp).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scatkit
from scatkit import _core
from scatkit.backends import (
    cuda_call,
    cuda_execute,
    cuda_plan,
    cuda_status,
    is_cuda_array,
    resolve,
)

CUDA_OK, CUDA_REASON = cuda_status()
REASONS = (
    "built without CUDA",
    "CUDA plugin could not be loaded: ",
    "no CUDA device visible",
    "native extension not importable",
)
needs_cuda = pytest.mark.skipif(not CUDA_OK, reason=f"CUDA backend unavailable: {CUDA_REASON}")
no_cuda = pytest.mark.skipif(CUDA_OK, reason="a CUDA device is usable here")


def _torch_cuda():
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch if torch.cuda.is_available() else None


TORCH = _torch_cuda() if CUDA_OK else None
needs_torch_cuda = pytest.mark.skipif(
    TORCH is None,
    reason=(
        f"CUDA backend unavailable: {CUDA_REASON}"
        if not CUDA_OK
        else "PyTorch with CUDA is not installed"
    ),
)

# (shape, J, L, max_order): square and not, odd sizes, J=1, first order only.
CONFIGS = [
    ((32, 32), 2, 4, 2),
    ((28, 40), 3, 3, 2),
    ((17, 23), 1, 8, 2),
    ((24, 24), 2, 2, 1),
]


def _rel_err(got: np.ndarray, want: np.ndarray) -> float:
    scale = float(np.max(np.abs(want))) or 1.0
    return float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) / scale


def _tol(dtype) -> float:
    return 1e-5 if np.dtype(dtype) == np.float32 else 1e-9


def _cpu(x: np.ndarray, shape, J, L, max_order) -> np.ndarray:
    return scatkit.Scattering2D(J, shape, L=L, max_order=max_order, backend="native")(x)


# -- everywhere ----------------------------------------------------------------------------------
def test_status_gives_a_known_reason():
    assert isinstance(CUDA_REASON, str)
    if CUDA_OK:
        assert CUDA_REASON == ""
    else:
        assert CUDA_REASON.startswith(REASONS), CUDA_REASON


def test_backends_lists_cuda_with_its_reason():
    info = {b.name: b for b in scatkit.backends()}["cuda"]
    assert info.available == CUDA_OK
    assert info.reason == CUDA_REASON
    assert info.device == "cuda"
    assert ("CUDA: available" in _core.build_info()) == CUDA_OK


@no_cuda
def test_unavailable_cuda_fails_with_the_reason():
    with pytest.raises(scatkit.CudaError, match="CUDA"):
        _core.Plan(16, 16, 2, 4, device="cuda")
    with pytest.raises(RuntimeError, match="not available"):
        scatkit.Scattering2D(2, (16, 16), backend="cuda")
    with pytest.raises(RuntimeError, match="no backend can run on device 'cuda'"):
        resolve("auto", "cuda")
    with pytest.raises(RuntimeError, match="not available"):
        cuda_plan((16, 16), 2)


def test_cuda_execute_rejects_a_cpu_plan_and_bad_arguments():
    plan = _core.Plan(16, 16, 2, 4)
    x = np.zeros((1, 16, 16), np.float32)
    out = np.zeros((1, plan.num_channels, plan.out_rows, plan.out_cols), np.float32)
    with pytest.raises(ValueError, match="runs on the CPU"):
        cuda_execute(plan, x, out)
    with pytest.raises(TypeError, match="scatkit._core.Plan"):
        cuda_execute("plan", x, out)


class _FakeCudaArray:
    """Just enough of the DLPack protocol to look like device memory."""

    def __init__(self, kind: int) -> None:
        self.kind = kind

    def __dlpack_device__(self):
        return (self.kind, 0)


def test_is_cuda_array():
    assert not is_cuda_array(np.zeros(3))
    assert not is_cuda_array([1.0, 2.0])
    assert not is_cuda_array(_FakeCudaArray(1))  # kDLCPU
    assert is_cuda_array(_FakeCudaArray(2))  # kDLCUDA


def test_cpu_work_never_loads_the_cuda_plugin():
    # CPU transforms must not load cuFFT nor initialise CUDA (fork safety, start-up time).
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("needs /proc/self/maps (Linux)")
    code = textwrap.dedent(
        """
        import numpy as np, scatkit
        S = scatkit.Scattering2D(2, (16, 16), L=2)
        S(np.zeros((1, 16, 16), np.float32))
        maps = open("/proc/self/maps").read()
        print("cuda" if ("libscatkit_cuda" in maps or "libcufft" in maps) else "clean")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "clean", out.stdout + out.stderr


# -- with a GPU: NumPy arrays (explicit host <-> device copies) ----------------------------------
@needs_cuda
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,J,L,max_order", CONFIGS)
def test_numpy_through_cuda_matches_cpu(shape, J, L, max_order, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3,) + shape).astype(dtype)
    S = scatkit.Scattering2D(J, shape, L=L, max_order=max_order, backend="cuda")
    got = S(x)
    assert got.dtype == dtype and got.shape == S.output_shape(x.shape)
    assert _rel_err(got, _cpu(x, shape, J, L, max_order)) <= _tol(dtype)


@needs_cuda
@pytest.mark.parametrize("batch", [1, 5, 7])
def test_chunks_of_max_batch(batch):
    # max_batch=3: batches split into planned chunks of 3, 2 and 1 images.
    shape, J, L = (20, 36), 2, 6
    plan = cuda_plan(shape, J, L, 2, "float64", max_batch=3)
    assert plan.workspace_bytes > 0
    x = np.random.default_rng(batch).standard_normal((batch,) + shape)
    out = np.empty((batch, plan.num_channels, plan.out_rows, plan.out_cols))
    plan.execute(x, out)
    assert _rel_err(out, _cpu(x, shape, J, L, 2)) <= 1e-9


@needs_cuda
def test_impossible_max_batch_is_a_memory_error():
    with pytest.raises(MemoryError, match="max_batch"):
        cuda_plan((256, 256), 3, 8, 2, "float32", max_batch=10**9)


@needs_cuda
def test_fft_only_hook_runs():
    plan = cuda_plan((32, 32), 2, 4, 2, "float32", max_batch=4)
    _core._fft_only(plan, 6)


@needs_cuda
def test_device_id_out_of_range():
    with pytest.raises(ValueError, match="device_id"):
        cuda_plan((16, 16), 2, 4, 2, "float32", device_id=4096)


# -- with a GPU and PyTorch: device arrays, zero copy, streams -----------------------------------
@needs_torch_cuda
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,J,L,max_order", CONFIGS[:2])
def test_torch_tensors_match_cpu(shape, J, L, max_order, dtype):
    torch = TORCH
    x_np = np.random.default_rng(1).standard_normal((4,) + shape).astype(dtype)
    x = torch.from_numpy(x_np).cuda()
    plan = cuda_plan(shape, J, L, max_order, dtype)
    out = torch.empty(
        (4, plan.num_channels, plan.out_rows, plan.out_cols), dtype=x.dtype, device="cuda"
    )
    cuda_execute(plan, x, out)
    torch.cuda.synchronize()
    assert _rel_err(out.cpu().numpy(), _cpu(x_np, shape, J, L, max_order)) <= _tol(dtype)


@needs_torch_cuda
def test_torch_side_streams_and_front_end():
    torch = TORCH
    shape, J, L = (32, 32), 2, 4
    x_np = np.random.default_rng(2).standard_normal((6, 2) + shape).astype(np.float32)
    want = _cpu(x_np, shape, J, L, 2)
    S = scatkit.Scattering2D(J, shape, L=L, backend="cuda")
    x = torch.from_numpy(x_np).cuda()
    plan = cuda_plan(shape, J, L, 2, "float32", max_batch=4)
    streams = [torch.cuda.Stream(), torch.cuda.Stream()]
    outs = []
    for i, s in enumerate(streams):
        # Consecutive executions on different streams share one workspace: the plan orders them.
        out = torch.empty((12, plan.num_channels, plan.out_rows, plan.out_cols), device="cuda")
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            cuda_execute(plan, x.reshape(12, *shape), out, s if i == 0 else s.cuda_stream)
        outs.append((s, out))
    for s, out in outs:
        s.synchronize()
        assert _rel_err(out.cpu().numpy().reshape(want.shape), want) <= 1e-5
    got = cuda_call(S._runner, x, S.shape, S.K, S.out_spatial_shape)
    assert got.is_cuda and tuple(got.shape) == want.shape
    assert _rel_err(got.cpu().numpy(), want) <= 1e-5


@needs_torch_cuda
def test_torch_argument_errors():
    torch = TORCH
    plan = cuda_plan((16, 16), 2, 2, 2, "float32")
    x = torch.zeros((2, 16, 16), device="cuda")
    good = torch.empty((2, plan.num_channels, plan.out_rows, plan.out_cols), device="cuda")
    with pytest.raises(TypeError, match="float32"):
        cuda_execute(plan, x.double(), good)
    with pytest.raises(ValueError, match="shape"):
        cuda_execute(plan, x, good[:1])
    with pytest.raises(ValueError, match="C-contiguous"):
        cuda_execute(plan, x, good.transpose(2, 3))
    with pytest.raises(TypeError, match="CUDA device memory"):
        cuda_execute(plan, x.cpu(), good)
    with pytest.raises(TypeError, match="stream"):
        cuda_execute(plan, x, good, stream="default")
