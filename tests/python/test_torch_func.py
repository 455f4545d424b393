"""torch.func transforms, half precision and autocast on ``scatkit.torch.Scattering2D``."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from scatkit.torch import Scattering2D  # noqa: E402

BACKENDS = ["native", "torch"]


def _x(shape, seed=0, dtype=torch.float64):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _autograd_grad(S, x):
    x = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(S(x).pow(2).sum(), x)
    return g


@pytest.mark.parametrize("backend", BACKENDS)
def test_func_grad(backend):
    S = Scattering2D(2, (16, 16), L=2, backend=backend)
    x = _x((3, 16, 16))
    g = torch.func.grad(lambda z: S(z).pow(2).sum())(x)
    torch.testing.assert_close(g, _autograd_grad(S, x))


@pytest.mark.parametrize("backend", BACKENDS)
def test_func_vmap(backend):
    S = Scattering2D(2, (16, 16), L=2, backend=backend)
    x = _x((4, 2, 16, 16), seed=1)
    torch.testing.assert_close(torch.func.vmap(S)(x), S(x))
    # over another dimension, and nested
    torch.testing.assert_close(torch.func.vmap(S, in_dims=1, out_dims=1)(x), S(x))
    torch.testing.assert_close(torch.func.vmap(torch.func.vmap(S))(x), S(x))


@pytest.mark.parametrize("backend", BACKENDS)
def test_func_jacrev(backend):
    S = Scattering2D(1, (8, 8), L=2, max_order=2, backend=backend)
    x = _x((8, 8), seed=2)

    def f(z):
        return S(z).sum(dim=(-2, -1))  # (K,)

    J = torch.func.jacrev(f)(x)
    assert J.shape == (len(S), 8, 8)
    xr = x.clone().requires_grad_(True)
    out = f(xr)
    for k in (0, 1, len(S) - 1):
        (row,) = torch.autograd.grad(out[k], xr, retain_graph=True)
        torch.testing.assert_close(J[k], row)


def test_func_vmap_of_grad_and_vjp():
    S = Scattering2D(2, (16, 16), L=2)
    x = _x((3, 16, 16), seed=3)
    per_image = torch.func.vmap(torch.func.grad(lambda z: S(z).pow(2).sum()))(x)
    torch.testing.assert_close(per_image, _autograd_grad(S, x))
    out, vjp = torch.func.vjp(S, x)
    (g,) = vjp(2 * out)
    torch.testing.assert_close(g, _autograd_grad(S, x))


def test_func_grad_pre_pad():
    S = Scattering2D(2, (16, 16), L=2, pre_pad=True)
    x = _x((2,) + S._geometry.padded_shape, seed=4)
    g = torch.func.grad(lambda z: S(z).pow(2).sum())(x)
    torch.testing.assert_close(g, _autograd_grad(S, x))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_computed_in_float32(dtype):
    S = Scattering2D(2, (16, 16), L=4)
    x = _x((2, 16, 16), seed=5, dtype=torch.float32).to(dtype)
    y = S(x)
    assert y.dtype == dtype
    torch.testing.assert_close(y, S(x.float()).to(dtype), rtol=0, atol=0)
    # gradients come back in the input's dtype too
    xg = x.clone().requires_grad_(True)
    S(xg).float().sum().backward()
    assert xg.grad.dtype == dtype and torch.isfinite(xg.grad.float()).all()


def test_autocast_keeps_float32():
    S = Scattering2D(2, (16, 16), L=4, invariance="rotation")
    x = _x((2, 16, 16), seed=6, dtype=torch.float32)
    want = S(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = S(x)
        also = Scattering2D(2, (16, 16), L=4)(x.to(torch.bfloat16))
    assert got.dtype == torch.float32 and also.dtype == torch.bfloat16
    torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_integer_input_and_nan_rule():
    S = Scattering2D(2, (16, 16), L=2)
    x = (_x((3, 16, 16), seed=7) * 10).to(torch.int32)
    y = S(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, S(x.float()))
    z = _x((3, 16, 16), seed=8)
    z[1, 2, 2] = float("nan")
    out = S(z)
    assert torch.isnan(out[1]).any() and torch.isfinite(out[[0, 2]]).all()
