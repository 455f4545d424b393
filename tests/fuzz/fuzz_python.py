"""atheris harness for the NumPy front end (scatkit.Scattering2D) on the native engine.

Bytes become a configuration (J, shape, L, max_order, threads, backend, dtype; including 0,
negative and huge values), a batch shape and data with NaN and Inf. A bad configuration must
raise ValueError or TypeError with a message; a good one must give the documented output
shape, dtype and meta, with finite output for finite input. Anything else is a finding.

Usage: python tests/fuzz/fuzz_python.py NEW_CORPUS_DIR tests/fuzz/corpus/python -max_total_time=30
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import numpy as np
    import scatkit

_SPECIAL = (0, -1, 1, 2, 3, 7, 8, 2**31, 2**63, -(2**31))
_BIG_PIXELS = 512 * 512  # keeps each example fast; larger valid shapes are clipped to this


def _int(fdp: atheris.FuzzedDataProvider, lo: int, hi: int) -> int:
    """Mostly small in-range values, sometimes a hostile special value."""
    if fdp.ConsumeIntInRange(0, 7) == 0:
        return _SPECIAL[fdp.ConsumeIntInRange(0, len(_SPECIAL) - 1)]
    return fdp.ConsumeIntInRange(lo, hi)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    J, M, N = _int(fdp, 1, 4), _int(fdp, 1, 48), _int(fdp, 1, 48)
    L, order, threads = _int(fdp, 1, 8), _int(fdp, 0, 3), _int(fdp, 0, 5)
    threads_arg = None if threads == 0 else threads
    dtype = (np.float32, np.float64, np.int32, np.complex64)[fdp.ConsumeIntInRange(0, 3)]
    lead = tuple(fdp.ConsumeIntInRange(0, 3) for _ in range(fdp.ConsumeIntInRange(0, 2)))
    try:
        S = scatkit.Scattering2D(J, (M, N), L=L, max_order=order, threads=threads_arg)
    except (ValueError, TypeError, OverflowError) as exc:
        assert str(exc), "an error without a message"
        return
    assert 1 <= J and 2**J <= min(M, N) and order in (1, 2) and L >= 1
    if M * N * max(1, int(np.prod(lead))) > _BIG_PIXELS:
        return
    n = int(np.prod(lead + (M, N)))
    raw = fdp.ConsumeBytes(8 * n)
    vals = np.frombuffer(raw[: len(raw) // 8 * 8], dtype=np.float64)
    x = np.zeros(n)
    x[: len(vals)] = vals
    x = x.reshape(lead + (M, N))
    finite_in = bool(np.all(np.isfinite(x)))
    with np.errstate(all="ignore"):
        x = x.astype(dtype)
    try:
        out = S(x)
    except (ValueError, TypeError) as exc:
        assert dtype in (np.int32, np.complex64), f"refused a {dtype.__name__} input: {exc}"
        assert str(exc)
        return
    K = 1 + J * L + (L * L * J * (J - 1) // 2 if order == 2 else 0)
    assert out.shape == lead + (K, M // 2**J, N // 2**J), (out.shape, lead, K)
    assert len(S.meta["order"]) == K
    if finite_in and dtype == np.float64 and np.abs(x).max(initial=0) < 1e150:
        assert np.all(np.isfinite(out)), "finite input gave a non-finite output"


def main() -> None:
    atheris.Setup(sys.argv + ["-rss_limit_mb=3072", "-timeout=30"], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
