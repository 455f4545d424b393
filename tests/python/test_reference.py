"""The pure Python reference against Kymatio 0.3 and against the C++ engine's filter bank.

The reference, Kymatio and the C++ engine are three independent implementations of the SPEC,
so agreement between any two of them is evidence for both.
"""

from __future__ import annotations

import numpy as np
import pytest
import scatkit
from scatkit import reference

_core = pytest.importorskip("scatkit._core", reason="the native extension is not built")

# (M, N, J, L, max_order): square, non-square, odd, L = 1 and a pad wider than the image.
CONFIGS = [
    (32, 32, 2, 8, 2),
    (28, 28, 3, 6, 2),
    (37, 53, 2, 4, 1),
    (8, 8, 3, 8, 2),
    (16, 16, 4, 1, 2),
    (45, 31, 1, 8, 2),
]


def _ids(cfg: tuple) -> str:
    M, N, J, L, order = cfg
    return f"{M}x{N}-J{J}-L{L}-o{order}"


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_reference_matches_kymatio(cfg, kymatio_scattering, rel_err, rng):
    M, N, J, L, max_order = cfg
    x = rng.random((3, M, N))
    ours = reference.ReferenceScattering2D(J, (M, N), L=L, max_order=max_order)(x)
    theirs = kymatio_scattering(J, (M, N), L, max_order)(x)
    assert ours.dtype == np.float64
    assert ours.shape == theirs.shape
    # Kymatio builds its filters in float32, which bounds the agreement near 1e-7.
    assert rel_err(ours, theirs) < 1e-6
    meta = reference.channel_table(J, L, max_order)
    for order in range(max_order + 1):
        sel = meta[:, 0] == order
        assert rel_err(ours[:, sel], theirs[:, sel]) < 1e-6, f"order {order}"


@pytest.mark.parametrize(
    "P, Q, J, L",
    [(48, 48, 2, 8), (64, 48, 3, 6), (32, 80, 4, 1), (16, 24, 1, 4), (24, 24, 3, 3)],
)
def test_filters_match_native_filter_bank(P, Q, J, L):
    ours = reference.filter_bank(P, Q, J, L)
    native = _core.filter_bank(P, Q, J, L)
    assert len(ours["psi"]) == len(native["psi"]) == J * L
    assert len(ours["phi"]) == len(native["phi"]) == J
    for a, b in zip(ours["psi"], native["psi"]):
        assert (a["j"], a["theta"]) == (b["j"], b["theta"])
        assert len(a["levels"]) == len(b["levels"]) == min(a["j"], max(J - 1, 1) - 1) + 1
        for r, (fa, fb) in enumerate(zip(a["levels"], b["levels"])):
            assert fa.shape == fb.shape == (P // 2**r, Q // 2**r)
            np.testing.assert_allclose(fa, fb, rtol=0, atol=1e-12 * np.abs(fb).max())
    for r, (fa, fb) in enumerate(zip(ours["phi"], native["phi"])):
        assert fa.shape == fb.shape == (P // 2**r, Q // 2**r)
        np.testing.assert_allclose(fa, fb, rtol=0, atol=1e-12 * np.abs(fb).max())


def test_filter_properties():
    """Facts of SPEC section 2 that hold whatever the implementation."""
    P, Q, J, L = 48, 40, 3, 8
    fb = reference.filter_bank(P, Q, J, L)
    for psi in fb["psi"]:
        level0 = psi["levels"][0]
        # Morlet wavelets have zero mean: their Fourier transform vanishes at frequency 0.
        assert abs(level0[0, 0]) < 1e-12 * np.abs(level0).max()
        assert level0.dtype == np.float64
        # The mask keeps one alias per folded frequency, so level r is the low band of level 0.
        for r, level in enumerate(psi["levels"]):
            rows = np.r_[0 : P >> (r + 1), P - (P >> (r + 1)) : P]
            cols = np.r_[0 : Q >> (r + 1), Q - (Q >> (r + 1)) : Q]
            np.testing.assert_array_equal(level, level0[np.ix_(rows, cols)])
    # The Gaussian low-pass peaks at frequency 0 with value sum(gabor) ~ pi / 3.1415.
    phi0 = fb["phi"][0]
    assert np.argmax(phi0) == 0
    assert phi0[0, 0] == pytest.approx(np.pi / 3.1415, rel=1e-6)


def test_filter_bank_rejects_grid_not_divisible():
    with pytest.raises(ValueError, match=r"divisible by 2\*\*J=8, got 36x40"):
        reference.filter_bank(36, 40, 3, 8)


def test_meta_matches_front_end_and_kymatio_list_order(kymatio_scattering, rng):
    J, L = 3, 4
    ref = reference.ReferenceScattering2D(J, (16, 16), L=L)
    assert ref.meta.dtype == np.int32
    np.testing.assert_array_equal(ref.meta, scatkit.Scattering2D(J, (16, 16), L=L).meta_table())
    assert len(ref) == ref.K == 1 + J * L + L * L * J * (J - 1) // 2
    # Kymatio's out_type='list' names each channel by its (j, theta) path, in output order.
    kym = kymatio_scattering(J, (16, 16), L, 2)
    kym.out_type = "list"
    try:
        paths = kym(rng.random((1, 16, 16)))
    finally:
        kym.out_type = "array"
    assert len(paths) == ref.K
    for row, path in zip(ref.meta, paths):
        order = row[0]
        assert len(path["j"]) == order
        assert tuple(path["j"]) == tuple(row[[1, 3]][:order])
        assert tuple(path["theta"]) == tuple(row[[2, 4]][:order])


def test_numpy_fft_fallback_agrees_with_pyfftw(monkeypatch, rel_err, rng):
    pytest.importorskip("pyfftw")
    x = rng.random((2, 20, 24))
    with_pyfftw = reference.ReferenceScattering2D(2, (20, 24), L=4)(x)
    monkeypatch.setattr(reference, "_pyfftw_fft", None)
    with_numpy = reference.ReferenceScattering2D(2, (20, 24), L=4)(x)
    assert rel_err(with_numpy, with_pyfftw) < 1e-13


def test_batch_chunks_and_threads_do_not_change_results(monkeypatch, rel_err, rng):
    x = rng.random((5, 16, 16))
    whole = reference.ReferenceScattering2D(2, (16, 16), L=4, threads=1)(x)
    # Force one image per chunk and threaded FFTs even on tiny arrays.
    monkeypatch.setattr(reference, "_BLOCK_ELEMENTS", 1)
    monkeypatch.setattr(reference, "_MIN_THREADED_ELEMENTS", 1)
    chunked = reference.ReferenceScattering2D(2, (16, 16), L=4, threads=2)(x)
    assert rel_err(chunked, whole) < 1e-13


def test_convenience_function_keeps_leading_dimensions(rel_err, rng):
    x = rng.random((2, 3, 16, 16)).astype(np.float32)
    out = reference.scattering2d(x, 2, L=4, max_order=1)
    assert out.shape == (2, 3, 9, 4, 4)
    assert out.dtype == np.float64
    flat = reference.ReferenceScattering2D(2, (16, 16), L=4, max_order=1)(x.reshape(6, 16, 16))
    assert rel_err(out.reshape(flat.shape), flat) == 0.0


def test_reference_backend_through_front_end(rel_err, rng):
    x = rng.random((2, 24, 24)).astype(np.float32)
    S = scatkit.Scattering2D(2, (24, 24), L=4, backend="reference")
    out = S(x)
    assert S.backend == "reference"
    assert out.dtype == np.float32
    assert out.shape == S.output_shape(x.shape)
    direct = reference.ReferenceScattering2D(2, (24, 24), L=4)(x)
    assert rel_err(out, direct) < 1e-6


def test_reference_empty_batch():
    out = reference.ReferenceScattering2D(2, (16, 16), L=2)(np.zeros((0, 16, 16)))
    assert out.shape == (0, 1 + 2 * 2 + 4, 4, 4)


@pytest.mark.parametrize(
    "shape, match",
    [((16, 16), r"shape \(B, 16, 16\), got \(16, 16\)"), ((1, 16, 15), r"got \(1, 16, 15\)")],
)
def test_reference_rejects_wrong_input_shape(shape, match):
    ref = reference.ReferenceScattering2D(2, (16, 16), L=2)
    with pytest.raises(ValueError, match=match):
        ref(np.zeros(shape))


def test_reference_rejects_bad_parameters():
    with pytest.raises(ValueError, match=r"J=3 needs images of at least 2\*\*J=8"):
        reference.ReferenceScattering2D(3, (6, 6))
    with pytest.raises(ValueError, match=r"threads must be >= 0, got -1"):
        reference.ReferenceScattering2D(1, (6, 6), threads=-1)
    with pytest.raises(TypeError, match=r"complex"):
        reference.ReferenceScattering2D(1, (6, 6))(np.zeros((1, 6, 6), complex))
