"""Bad input gets a clear ValueError/TypeError naming what was expected and what was given.

Requests too large to allocate run in a subprocess, so that a crash shows up as a failed test
rather than a dead test runner.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scatkit

_core = pytest.importorskip("scatkit._core", reason="the native extension is not built")

BACKENDS = ["native", "reference"]


@pytest.fixture(scope="module", params=BACKENDS)
def S(request) -> scatkit.Scattering2D:
    return scatkit.Scattering2D(2, (16, 16), L=4, backend=request.param)


# -- constructor parameters --------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        # The engine's sentences: the rules of a valid transform are its own.
        (dict(J=5, shape=(16, 16)), ValueError, r"J=5 needs images of at least 2\^J=32 .*16x16"),
        (dict(J=3, shape=(64, 7)), ValueError, r"J=3 needs .*got 64x7; use J <= 2\."),
        (dict(J=0, shape=(16, 16)), ValueError, r"J must be an integer between 1 and 30, got J=0"),
        (dict(J=-2, shape=(16, 16)), ValueError, r"J must be .*between 1 and 30, got J=-2"),
        (dict(J=2**40, shape=(16, 16)), ValueError, r"J=1099511627776 is out of range"),
        (dict(J=1.0, shape=(16, 16)), TypeError, r"J must be an integer, got 1\.0"),
        (dict(J=True, shape=(16, 16)), TypeError, r"J must be an integer, got True"),
        (dict(J=2, shape=(16, 16), L=0), ValueError, r"L \(number of angles\) .* 1024, got L=0"),
        (dict(J=2, shape=(16, 16), L=2.5), TypeError, r"L must be an integer, got 2\.5"),
        (dict(J=2, shape=(16, 16), L="8"), TypeError, r"L must be an integer, got '8'"),
        (dict(J=2, shape=(16, 16), max_order=3), ValueError, r"max_order must be 1 or 2, got .*3"),
        (dict(J=2, shape=(16, 16), max_order=0), ValueError, r"max_order must be 1 or 2, got .*0"),
        (dict(J=1, shape=(1, 16)), ValueError, r"at least 2x2 pixels.*got 1x16"),
        (dict(J=1, shape=(16, 1)), ValueError, r"at least 2x2 pixels.*got 16x1"),
        (dict(J=1, shape=(2**70, 16)), ValueError, r"images of 1180591620717411303424x16 are too"),
        (dict(J=1, shape=(16, 0)), ValueError, r"shape\[1\] \(image width\) must be >= 1, got 0"),
        (dict(J=1, shape=16), TypeError, r"shape must be a pair \(M, N\).*got 16"),
        (dict(J=1, shape=(16,)), ValueError, r"shape must be a pair \(M, N\).*got \(16,\)"),
        (dict(J=1, shape=(16, 16, 3)), ValueError, r"pair \(M, N\).*got \(16, 16, 3\)"),
        (dict(J=1, shape=None), TypeError, r"shape must be a pair \(M, N\).*got None"),
        (dict(J=1, shape=(16.0, 16)), TypeError, r"shape\[0\].* must be an integer, got 16\.0"),
        (dict(J=1, shape="ab"), TypeError, r"shape\[0\].* must be an integer, got 'a'"),
        (dict(J=2, shape=(16, 16), threads=0), ValueError, r"threads must be >= 1, got 0"),
        (dict(J=2, shape=(16, 16), threads=-3), ValueError, r"threads must be >= 1, got -3"),
        (dict(J=2, shape=(16, 16), threads=1.5), TypeError, r"threads must be an integer"),
        (
            dict(J=2, shape=(16, 16), backend="fftw"),
            ValueError,
            r"unknown backend 'fftw'; valid backends are \['auto', 'native', 'cuda', 'reference'\]",
        ),
        (dict(J=2, shape=(16, 16), backend=None), TypeError, r"backend must be a string.*None"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        scatkit.Scattering2D(**kwargs)


def test_numpy_integers_are_accepted_as_parameters():
    S = scatkit.Scattering2D(np.int64(2), (np.int32(16), np.uint8(16)), L=np.int16(4))
    assert (S.J, S.shape, S.L) == (2, (16, 16), 4)
    assert all(type(v) is int for v in (S.J, S.L, *S.shape))


def test_unavailable_backend_says_why():
    info = {b.name: b for b in scatkit.backends()}
    if info["cuda"].available:
        pytest.skip("CUDA is available here")
    with pytest.raises(RuntimeError, match=r"backend 'cuda' is not available: .+"):
        scatkit.Scattering2D(2, (16, 16), backend="cuda")


def test_too_many_angles_for_the_engine():
    # The plan is built at construction, so the engine's limit is reported there.
    with pytest.raises(ValueError, match=r"L \(number of angles\) must be between 1 and 1024"):
        scatkit.Scattering2D(1, (8, 8), L=5000, backend="native")


# -- input arrays ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x, match",
    [
        (np.zeros(16), r"at least 2 dimensions \(\.\.\., 16, 16\), got shape \(16,\)"),
        (np.zeros(()), r"at least 2 dimensions .*got shape \(\)"),
        (np.zeros((16, 17)), r"must be 16x16 .*got 16x17"),
        (np.zeros((3, 17, 16)), r"must be 16x16 .*got 17x16 \(input shape \(3, 17, 16\)\)"),
        (np.zeros((16, 16, 1)), r"must be 16x16 .*got 16x1"),
        ([[1.0, 2.0], [3.0, 4.0]], r"must be 16x16 .*got 2x2"),
    ],
)
def test_wrong_input_shape(S, x, match):
    with pytest.raises(ValueError, match=match):
        S(x)
    with pytest.raises(ValueError, match=match):
        S.output_shape(np.shape(x))


@pytest.mark.parametrize(
    "x, match",
    [
        (np.zeros((16, 16), complex), r"real-valued; got complex dtype complex128"),
        (np.zeros((16, 16), np.complex64), r"real-valued; got complex dtype complex64"),
        (np.zeros((16, 16), object), r"real numbers, got dtype object"),
        (np.full((16, 16), "a"), r"real numbers, got dtype <U1"),
        (np.zeros((16, 16), "datetime64[s]"), r"real numbers, got dtype datetime64\[s\]"),
        ("hello", r"NumPy array \(or array-like\) of real numbers, got str"),
        (None, r"NumPy array \(or array-like\) of real numbers, got NoneType"),
        (3.0, r"NumPy array \(or array-like\) of real numbers, got float"),
        ({"x": 1}, r"NumPy array \(or array-like\) of real numbers, got dict"),
    ],
    ids=[
        "complex128",
        "complex64",
        "object",
        "str-array",
        "datetime",
        "str",
        "None",
        "float",
        "dict",
    ],
)
def test_wrong_input_type(S, x, match):
    with pytest.raises(TypeError, match=match):
        S(x)


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, bool]
)
def test_integer_and_bool_input_computed_as_float32(S, dtype, rng):
    x = (rng.random((2, 16, 16)) * (2 if dtype is bool else 100)).astype(dtype)
    out = S(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, S(x.astype(np.float32)))


def test_nested_lists_are_accepted(S, rng):
    x = rng.random((16, 16)).astype(np.float32)
    np.testing.assert_array_equal(S(x.tolist()), S(x.astype(np.float64)))


# -- the native module's own checks -------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((16, 16, 5), {}, r"J=5 needs images of at least 2\^J=32 pixels per side, got 16x16"),
        ((16, 16, 0), {}, r"J must be an integer between 1 and 30, got J=0"),
        ((1, 16, 1), {}, r"at least 2x2 pixels .*got 1x16"),
        ((16, 16, 2, 0), {}, r"L \(number of angles\) must be between 1 and 1024, got L=0"),
        ((16, 16, 2, 4, 3), {}, r"max_order must be 1 or 2, got max_order=3"),
        ((16, 16, 2), dict(precision="float16"), r"'float32' or 'float64', got 'float16'"),
        ((16, 16, 2), dict(device="tpu"), r"device must be 'cpu' or 'cuda', got 'tpu'"),
        ((16, 16, 2), dict(threads=-1), r"threads must be >= 0 .*got -1"),
    ],
)
def test_native_plan_rejects_bad_config(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _core.Plan(*args, **kwargs)


def test_native_execute_rejects_mismatched_arrays():
    plan = _core.Plan(16, 16, 2, 4)
    K = plan.num_channels
    with pytest.raises(
        ValueError, match=r"built for float32 data but execute\(\) was given float64"
    ):
        plan.execute(np.zeros((2, 16, 16)), np.zeros((2, K, 4, 4)))
    with pytest.raises(ValueError, match=r"input images must be 16x16, got 16x15"):
        plan.execute(np.zeros((2, 16, 15), np.float32), np.zeros((2, K, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"output array has the wrong shape"):
        plan.execute(np.zeros((2, 16, 16), np.float32), np.zeros((3, K, 4, 4), np.float32))


# -- requests too large to allocate (in a subprocess) -------------------------------------------
def _run_isolated(body: str) -> str:
    """Run ``body`` in a fresh interpreter with capped address space; return its stdout.

    ``body`` must print one line "RAISED <ExceptionType>: <message>" or "RETURNED".
    """
    prelude = """
        import sys
        import numpy as np
        if sys.platform.startswith("linux"):
            import resource
            cap = 8 << 30  # a crash or runaway allocation fails fast instead of exhausting RAM
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        import scatkit
        from scatkit import _core
        try:
    """
    epilogue = """
        except Exception as exc:
            print(f"RAISED {type(exc).__name__}: {exc}")
        else:
            print("RETURNED")
    """
    code = (
        textwrap.dedent(prelude)
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + textwrap.dedent(epilogue)
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        f"the subprocess died with return code {proc.returncode} (negative = killed by a signal)"
        f"\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "body, match",
    [
        ("_core.Plan(200000, 200000, 2)", r"too large"),
        ("_core.Plan(10**10, 10**10, 2)", r"too large"),
        ("_core.Plan(2**62, 2**62, 2)", r"too large"),
        ("_core.Plan(2**32 + 16, 16, 2)", r"too large"),
        ("_core.filter_bank(10**10, 10**10, 2, 8)", r"overflow|too large"),
        (
            """
            S = scatkit.Scattering2D(J=2, shape=(200000, 200000))
            S(np.broadcast_to(np.float32(0), (200000, 200000)))
            """,
            r"too large",
        ),
        (
            # The front end applies the engine's limits whatever the backend; the reference on its
            # own has only the SPEC's, so it reaches the allocation.
            """
            S = scatkit.Scattering2D(J=2, shape=(200000, 200000), backend="reference")
            """,
            r"too large",
        ),
        (
            """
            from scatkit.reference import ReferenceScattering2D
            S = ReferenceScattering2D(J=2, shape=(200000, 200000))
            S(np.broadcast_to(np.float32(0), (1, 200000, 200000)))
            """,
            r"allocate",
        ),
        (
            """
            S = scatkit.Scattering2D(J=2, shape=(64, 64))
            S(np.broadcast_to(np.float32(0), (10**8, 64, 64)))
            """,
            r"allocate",
        ),
    ],
    ids=[
        "plan-200000^2",
        "plan-1e10^2",
        "plan-2^62^2",
        "plan-2^32-rows",
        "filter-bank-1e10^2",
        "front-end-200000^2",
        "front-end-reference-200000^2",
        "reference-200000^2",
        "front-end-huge-batch",
    ],
)
def test_impossible_sizes_raise_instead_of_crashing(body, match):
    last = _run_isolated(body)
    assert last.startswith(("RAISED MemoryError:", "RAISED ValueError:")), last
    message = last.split(":", 1)[1].strip()
    assert message and re.search(match, message), last
