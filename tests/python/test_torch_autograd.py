"""scatkit.torch.Scattering2D under autograd: gradcheck on both paths, chunked and batched
backward, the modulus at zero, double backward, no graph where none is needed."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed")

from _helpers import torch_randn as _x  # noqa: E402
from scatkit.torch import Scattering2D  # noqa: E402

# Small tensors on a shared machine: extra intra-op threads only add contention.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


# -- autograd -------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["native", "torch"])
@pytest.mark.parametrize(
    "shape,J,L,max_order",
    [
        ((8, 8), 1, 2, 1),
        ((8, 8), 1, 3, 2),
        ((8, 8), 2, 2, 2),
        ((8, 7), 2, 4, 1),
        ((16, 16), 2, 4, 2),
    ],
)
def test_gradcheck_small(backend, shape, J, L, max_order):
    S = Scattering2D(J, shape, L=L, max_order=max_order, backend=backend)
    x = _x((1,) + shape, torch.float64, seed=4, requires_grad=True)
    assert torch.autograd.gradcheck(S, (x,), eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("shape,J,L,max_order", [((16, 16), 2, 4, 2), ((16, 12), 2, 3, 1)])
def test_gradcheck_16(shape, J, L, max_order):
    # fast_mode checks random projections of the Jacobian: the same math, far fewer evaluations.
    S = Scattering2D(J, shape, L=L, max_order=max_order)
    x = _x((2,) + shape, torch.float64, seed=5, requires_grad=True)
    assert torch.autograd.gradcheck(S, (x,), eps=1e-6, atol=1e-7, rtol=1e-5, fast_mode=True)


def test_gradient_is_the_same_on_both_paths_and_batched():
    # The backward is chunked over the batch; a batch larger than one chunk must still give
    # each image its own gradient.
    from scatkit import _torch_fft

    shape = (16, 16)
    S = Scattering2D(2, shape, L=3)
    x = _x((7,) + shape, torch.float64, seed=6, requires_grad=True)
    w = _x((7, S.K) + S.out_spatial_shape, torch.float64, seed=7)
    (S(x) * w).sum().backward()
    full = x.grad.clone()
    old = dict(_torch_fft.BACKWARD_CHUNK_ELEMENTS)
    _torch_fft.BACKWARD_CHUNK_ELEMENTS["cpu"] = 3 * 3 * 24 * 24  # 3 images per chunk
    try:
        x.grad = None
        (S(x) * w).sum().backward()
        chunked = x.grad.clone()
    finally:
        _torch_fft.BACKWARD_CHUNK_ELEMENTS.update(old)
    torch.testing.assert_close(chunked, full, rtol=1e-12, atol=1e-14)
    for i in (0, 6):
        xi = x[i : i + 1].detach().clone().requires_grad_(True)
        (Scattering2D(2, shape, L=3, backend="torch")(xi) * w[i : i + 1]).sum().backward()
        torch.testing.assert_close(xi.grad[0], full[i], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("backend", ["native", "torch"])
def test_gradient_finite_where_the_modulus_is_zero(backend):
    # A zero image: every wavelet response is exactly 0, where the modulus is not
    # differentiable; its gradient must come out as 0 (a valid subgradient), not NaN. Then only
    # the low-pass channel S0, which is linear, contributes to the gradient.
    S = Scattering2D(2, (16, 16), L=4, backend=backend)
    x = torch.zeros(2, 16, 16, dtype=torch.float64, requires_grad=True)
    y = S(x)
    assert torch.all(y == 0)
    w = _x(tuple(y.shape), torch.float64, seed=17)
    (y * w).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().max() > 0
    x2 = x.detach().clone().requires_grad_(True)
    (S(x2)[:, 0] * w[:, 0]).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad)
    # A constant image: responses are rounding-level (the wavelets have zero mean).
    c = torch.full((1, 16, 16), 3.0, dtype=torch.float64, requires_grad=True)
    S(c).sum().backward()
    assert torch.isfinite(c.grad).all()


def test_double_backward():
    S = Scattering2D(2, (8, 8), L=2, backend="torch")
    x = _x((1, 8, 8), torch.float64, seed=8, requires_grad=True)
    assert torch.autograd.gradgradcheck(S, (x,), eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True)


def test_no_graph_when_not_needed():
    S = Scattering2D(2, (16, 16), L=2)
    assert S(_x((1, 16, 16))).grad_fn is None
    with torch.no_grad():
        assert S(_x((1, 16, 16), requires_grad=True)).grad_fn is None
