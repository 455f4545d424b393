"""The engine's roto-translation stage (cpp/src/cpu/roto_stage.hpp) against the float64 reference.

docs/transform.md sections 7.3-7.4 define the variants; `scatkit.reference_invariance` computes
them independently in NumPy. Tolerances: float64 plans agree to 1e-10 of each channel's largest
value (measured: below 1e-13), float32 plans to 1e-5 (measured: below 1e-6).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scatkit import _core
from scatkit.reference_invariance import ReferenceInvariantScattering2D, channel_count

ROTO = ("roto-translation", "roto-translation-separable")
# (J, shape, L, max_order, angular_scales): odd and even L, non-square and odd sides, the first
# order alone, J = 1 (no pair), K other than the defaults.
CASES = [
    (2, (28, 28), 8, 2, 0),
    (3, (40, 37), 5, 2, 0),
    (3, (33, 48), 6, 2, 1),
    (2, (20, 28), 4, 2, 4),
    (1, (9, 12), 3, 2, 0),
    (2, (20, 28), 6, 1, 0),
]


def _images(shape, count, seed=0):
    return np.random.default_rng(seed).random((count,) + shape)


def _run(plan, x, precision):
    out = np.empty((x.shape[0], plan.num_channels, plan.out_rows, plan.out_cols), precision)
    plan.execute(np.ascontiguousarray(x.astype(precision)), out)
    return out


def _check(out, expected, rtol):
    # Relative to each channel's largest value, with a floor of 1e-3 of the largest of all: a
    # channel can be pure rounding residue (at L = 4, K = 4 the (j1, k = 3) channel is 4e-18 of
    # the rest, in the reference and the engine alike).
    assert out.shape == expected.shape
    scale = np.abs(expected).max(axis=(0, -2, -1), keepdims=True)
    assert (np.abs(out - expected) <= rtol * (scale + 1e-3 * scale.max())).all()


@pytest.mark.parametrize("invariance", ROTO)
@pytest.mark.parametrize("J,shape,L,order,K", CASES)
def test_engine_matches_reference(invariance, J, shape, L, order, K):
    x = _images(shape, 3)
    ref = ReferenceInvariantScattering2D(
        J, shape, L=L, max_order=order, invariance=invariance, angular_scales=K
    )
    expected = ref(x)
    for precision, rtol in (("float64", 1e-10), ("float32", 1e-5)):
        plan = _core.Plan(
            *shape, J, L, order, precision=precision, invariance=invariance, angular_scales=K
        )
        assert plan.num_channels == channel_count(J, L, order, invariance, K)
        np.testing.assert_array_equal(plan.meta(), ref.meta)
        _check(_run(plan, x, precision), expected, rtol)


@pytest.mark.parametrize("invariance", ROTO)
@pytest.mark.parametrize("lowpass", ["spatial", "fourier"])
@pytest.mark.parametrize("threads", [1, 2])
def test_engine_low_pass_modes_threads_and_chunks(invariance, lowpass, threads):
    # 70 images cross the stage's chunks; a 100 x 90 image puts the level-1 grid over the size
    # where the engine band-passes one angle at a time.
    for shape, count in (((32, 32), 70), ((100, 90), 2)):
        x = _images(shape, count, seed=1)
        plan = _core.Plan(
            *shape, 2, 8, 2, precision="float64", threads=threads, lowpass=lowpass,
            invariance=invariance,
        )  # fmt: skip
        expected = ReferenceInvariantScattering2D(2, shape, invariance=invariance)(x)
        _check(_run(plan, x, "float64"), expected, 1e-10)


def test_concurrent_calls_on_one_roto_plan_agree():
    # Callers that find the plan's workspaces taken run on spare ones (with their own angular
    # blocks and second-layer buffers).
    plan = _core.Plan(48, 48, 3, 8, 2, precision="float32", invariance="roto-translation")
    x = _images((48, 48), 8).astype(np.float32)
    first = _run(plan, x, "float32")
    results = [None] * 4

    def call(i):
        results[i] = _run(plan, x, "float32")

    workers = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for r in results:
        np.testing.assert_array_equal(r, first)


@pytest.mark.parametrize("invariance", ROTO)
def test_fft_only_timing_runs_on_roto_plans(invariance):
    plan = _core.Plan(40, 40, 3, 6, 2, invariance=invariance)
    _core._fft_only(plan, 3)  # the FFTs of the variant, on the plan's own workspace
    _core._fft_only(plan, 0)


def _cuda_plan_outcome(invariance: str) -> tuple[type, str] | None:
    try:
        _core.Plan(32, 32, 2, device="cuda", invariance=invariance)
    except Exception as e:  # noqa: BLE001 - the outcome itself is under test
        return type(e), str(e)
    return None


def test_roto_translation_cuda_plans_build_where_translation_ones_do():
    # The CUDA plugin computes both variants: a CUDA plan of either builds wherever a
    # translation plan builds, and otherwise fails with the same error (no device, no plugin).
    want = _cuda_plan_outcome("translation")
    for invariance in ROTO:
        assert _cuda_plan_outcome(invariance) == want


@pytest.mark.parametrize("invariance", ROTO)
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_roto_translation_cuda_matches_cpu(invariance, precision):
    from scatkit.backends import cuda_status

    ok, reason = cuda_status()
    if not ok:
        pytest.skip(f"CUDA backend unavailable: {reason}")
    dtype = np.float32 if precision == "float32" else np.float64
    x = np.random.default_rng(5).random((5, 40, 36)).astype(dtype)
    outs = []
    for device in ("cpu", "cuda"):
        plan = _core.Plan(
            40, 36, 3, 5, 2, precision=precision, device=device, max_batch=2,
            invariance=invariance, angular_scales=2,
        )  # fmt: skip
        out = np.empty((5, plan.num_channels, plan.out_rows, plan.out_cols), dtype)
        plan.execute(x, out)
        outs.append(out)
    scale = np.abs(outs[0]).max()
    tol = 1e-5 if precision == "float32" else 1e-9
    assert np.abs(outs[1] - outs[0]).max() <= tol * scale


def test_engine_joint_variant_ignores_rot90():
    # Exact 90-degree rotations with L = 8 shift the angles by L/2 steps: the joint variant's
    # spatial means barely move (the grid is anchored at the padded image's corner), the plain
    # transform's move by tens of per cent.
    x = np.random.default_rng(3).random((4, 64, 64))
    x[:, 20:44, 28:36] += 2.0  # an oriented bar, so the plain features see the rotation
    xr = np.ascontiguousarray(np.rot90(x, 1, axes=(1, 2)))
    change = {}
    for invariance in ("translation", "roto-translation"):
        plan = _core.Plan(64, 64, 3, 8, 2, precision="float64", invariance=invariance)
        keep = np.asarray(plan.meta())[:, 0] > 0
        a = _run(plan, x, "float64").mean(axis=(-2, -1))[:, keep]
        b = _run(plan, xr, "float64").mean(axis=(-2, -1))[:, keep]
        change[invariance] = np.linalg.norm(a - b) / np.linalg.norm(a)
    assert change["translation"] > 0.05
    assert change["roto-translation"] < change["translation"] / 20


def test_torch_module_runs_the_engine_without_gradients(monkeypatch):
    torch = pytest.importorskip("torch")
    import scatkit.torch as st
    from scatkit import _torch_native

    x = torch.from_numpy(_images((30, 26), 3))
    calls = []
    real = _torch_native.invariant_forward
    monkeypatch.setattr(
        _torch_native, "invariant_forward", lambda *a: calls.append(a[-2]) or real(*a)
    )
    for invariance in ROTO:
        m = st.Scattering2D(2, (30, 26), L=6, invariance=invariance)
        expected = ReferenceInvariantScattering2D(2, (30, 26), L=6, invariance=invariance)
        ref = expected(x.numpy())
        with torch.no_grad():
            fast = m(x)
        # With a gradient asked for, the differentiable torch.fft path runs instead.
        slow = m(x.clone().requires_grad_(True))
        np.testing.assert_allclose(fast.numpy(), ref, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(slow.detach().numpy(), ref, rtol=1e-10, atol=1e-14)
    assert calls == list(ROTO)


@pytest.mark.parametrize("invariance", ROTO)
def test_one_image_shared_between_workers_is_bitwise_the_same(invariance):
    # Fewer images than threads: the workers share an image by whole scales j1.
    x = _images((64, 60), 1, seed=4)
    outs = [
        _run(_core.Plan(64, 60, 3, 8, 2, precision="float64", threads=t, invariance=invariance),
             x, "float64")
        for t in (1, 2, 4)
    ]  # fmt: skip
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])
