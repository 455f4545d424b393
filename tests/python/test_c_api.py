"""The C API (scatkit.h) driven from Python through ctypes, compared with scatkit.Scattering2D.

The test needs a shared libscatkit. It uses the one named by the environment variable
``SCATKIT_C_LIBRARY`` when set; otherwise it builds one with CMake into a temporary folder
(``-DBUILD_SHARED_LIBS=ON -DSCATKIT_PYTHON=OFF``), which takes about a minute on two cores.
Set ``SCATKIT_SKIP_SLOW_BUILD=1`` to skip that build.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scatkit

ROOT = Path(__file__).resolve().parents[2]

OK, INVALID, NULL_POINTER = 0, 1, 2
FLOAT32, FLOAT64 = 0, 1


class Config(ctypes.Structure):
    """Mirror of ``scatkit_config``; ctypes applies the C ABI's alignment and padding."""

    _fields_ = [
        ("rows", ctypes.c_size_t),
        ("cols", ctypes.c_size_t),
        ("J", ctypes.c_int),
        ("L", ctypes.c_int),
        ("max_order", ctypes.c_int),
        ("precision", ctypes.c_int),
        ("threads", ctypes.c_int),
        ("device", ctypes.c_int),
        ("device_id", ctypes.c_int),
        ("max_batch", ctypes.c_size_t),
    ]


class ChannelMeta(ctypes.Structure):
    """Mirror of ``scatkit_channel_meta``."""

    _fields_ = [(name, ctypes.c_int) for name in ("order", "j1", "theta1", "j2", "theta2")]


def _build_library(work: Path) -> Path:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake is not installed: cannot build the shared libscatkit for ctypes")
    if not (os.environ.get("CXX") or any(shutil.which(c) for c in ("c++", "g++", "clang++"))):
        pytest.skip("no C++ compiler found: cannot build the shared libscatkit for ctypes")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    configure = [
        cmake, "-S", str(ROOT), "-B", str(work), *gen,
        "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=ON", "-DSCATKIT_PYTHON=OFF",
        "-DSCATKIT_TESTS=OFF", "-DSCATKIT_CUDA=OFF", "-DSCATKIT_INSTALL=OFF",
        f"-DPython3_EXECUTABLE={sys.executable}",  # never an interpreter CMake picks itself
    ]  # fmt: skip
    build = [cmake, "--build", str(work), "--target", "scatkit", "-j", "2"]
    for cmd in (configure, build):
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}"
    libs = sorted(work.glob("libscatkit.so*")) + sorted(work.glob("libscatkit*.dylib"))
    assert libs, f"the build produced no shared libscatkit in {work}"
    return libs[0]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    """The C API, from $SCATKIT_C_LIBRARY or from a fresh shared build."""
    given = os.environ.get("SCATKIT_C_LIBRARY")
    if given:
        path = Path(given)
        assert path.is_file(), f"SCATKIT_C_LIBRARY={given} is not a file"
    elif os.environ.get("SCATKIT_SKIP_SLOW_BUILD") == "1":
        pytest.skip("SCATKIT_SKIP_SLOW_BUILD=1: not building the shared libscatkit for ctypes")
    else:
        path = _build_library(tmp_path_factory.mktemp("libscatkit-shared"))
    dll = ctypes.CDLL(str(path))
    sz, p = ctypes.c_size_t, ctypes.c_void_p
    psz = ctypes.POINTER(sz)
    sigs = {
        "scatkit_version": ([], ctypes.c_char_p),
        "scatkit_version_number": ([], ctypes.c_int),
        "scatkit_last_error": ([], ctypes.c_char_p),
        "scatkit_status_string": ([ctypes.c_int], ctypes.c_char_p),
        "scatkit_config_init": ([ctypes.POINTER(Config)], ctypes.c_int),
        "scatkit_plan_create": ([ctypes.POINTER(Config), ctypes.POINTER(p)], ctypes.c_int),
        "scatkit_plan_destroy": ([p], None),
        "scatkit_execute_f32": ([p, p, p, sz], ctypes.c_int),
        "scatkit_execute_f64": ([p, p, p, sz], ctypes.c_int),
        "scatkit_plan_shape": ([p, psz, psz, psz], ctypes.c_int),
        "scatkit_plan_out_size": ([p, psz], ctypes.c_int),
        "scatkit_plan_threads": ([p, ctypes.POINTER(ctypes.c_int)], ctypes.c_int),
        "scatkit_plan_channel_meta": ([p, sz, ctypes.POINTER(ChannelMeta)], ctypes.c_int),
        "scatkit_plan_meta_table": ([p, p, sz], ctypes.c_int),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(dll, name)
        fn.argtypes, fn.restype = args, res
    return dll


def _error(lib: ctypes.CDLL) -> str:
    return lib.scatkit_last_error().decode()


class Plan:
    """A scatkit_plan* owned by Python, destroyed on close."""

    def __init__(self, lib: ctypes.CDLL, **fields: int) -> None:
        self.lib = lib
        cfg = Config()
        assert lib.scatkit_config_init(ctypes.byref(cfg)) == OK
        for k, v in fields.items():
            setattr(cfg, k, v)
        self.handle = ctypes.c_void_p()
        status = lib.scatkit_plan_create(ctypes.byref(cfg), ctypes.byref(self.handle))
        assert status == OK, _error(lib)
        self.dtype = np.float64 if cfg.precision == FLOAT64 else np.float32

    def shape(self) -> tuple[int, int, int]:
        k, r, c = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t()
        st = self.lib.scatkit_plan_shape(self.handle, *(ctypes.byref(v) for v in (k, r, c)))
        assert st == OK, _error(self.lib)
        return k.value, r.value, c.value

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=self.dtype)
        out = np.empty((x.shape[0], *self.shape()), dtype=self.dtype)
        fn = (
            self.lib.scatkit_execute_f64
            if self.dtype == np.float64
            else self.lib.scatkit_execute_f32
        )
        st = fn(self.handle, x.ctypes.data, out.ctypes.data, x.shape[0])
        assert st == OK, _error(self.lib)
        return out

    def close(self) -> None:
        self.lib.scatkit_plan_destroy(self.handle)
        self.handle = ctypes.c_void_p()


def test_version_matches_python_package(lib: ctypes.CDLL) -> None:
    assert lib.scatkit_version().decode() == scatkit.__version__
    major, minor, patch = (int(v) for v in scatkit.__version__.split("."))
    assert lib.scatkit_version_number() == major * 10000 + minor * 100 + patch


@pytest.mark.parametrize(
    ("J", "shape", "L", "max_order", "dtype"),
    [
        (2, (28, 36), 4, 2, np.float64),
        (2, (28, 36), 4, 2, np.float32),
        (3, (32, 24), 3, 1, np.float64),
    ],
)
def test_matches_scattering2d(
    lib: ctypes.CDLL, J: int, shape: tuple[int, int], L: int, max_order: int, dtype: type
) -> None:
    rng = np.random.default_rng(J * 100 + L)
    x = rng.standard_normal((3, *shape)).astype(dtype)
    ref_op = scatkit.Scattering2D(J, shape, L=L, max_order=max_order)
    ref = ref_op(x)
    precision = FLOAT64 if dtype == np.float64 else FLOAT32
    plan = Plan(lib, rows=shape[0], cols=shape[1], J=J, L=L, max_order=max_order,
                precision=precision, threads=2)  # fmt: skip
    try:
        assert plan.shape() == (len(ref_op), *ref_op.out_spatial_shape)
        got = plan(x)
        k = ctypes.c_size_t(len(ref_op))
        table = np.zeros((k.value, 5), dtype=np.int32)
        st = lib.scatkit_plan_meta_table(plan.handle, table.ctypes.data, k)
        assert st == OK, _error(lib)
        meta = ChannelMeta()
        assert lib.scatkit_plan_channel_meta(plan.handle, k.value - 1, ctypes.byref(meta)) == OK
    finally:
        plan.close()
    assert got.dtype == ref.dtype and got.shape == ref.shape
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_array_equal(table, ref_op.meta_table())
    assert tuple(table[-1]) == (meta.order, meta.j1, meta.theta1, meta.j2, meta.theta2)


def test_errors_are_codes_and_messages(lib: ctypes.CDLL) -> None:
    cfg = Config()
    lib.scatkit_config_init(ctypes.byref(cfg))
    cfg.rows, cfg.cols, cfg.J = 16, 16, 5  # 2^5 > 16
    handle = ctypes.c_void_p(1)
    assert lib.scatkit_plan_create(ctypes.byref(cfg), ctypes.byref(handle)) == INVALID
    assert handle.value is None
    assert "J=5" in _error(lib)
    assert lib.scatkit_status_string(INVALID).decode() == "SCATKIT_ERR_INVALID_ARGUMENT"

    assert lib.scatkit_plan_create(None, ctypes.byref(handle)) == NULL_POINTER
    assert "cfg" in _error(lib)
    assert lib.scatkit_execute_f32(None, None, None, 1) == NULL_POINTER

    plan = Plan(lib, rows=16, cols=16, J=2, L=2, threads=1)
    try:
        x = np.zeros((1, 16, 16), dtype=np.float64)
        out = np.zeros(10**4, dtype=np.float64)
        # a float32 plan refuses float64 data with a hint instead of reading garbage
        st = lib.scatkit_execute_f64(plan.handle, x.ctypes.data, out.ctypes.data, 1)
        assert st == INVALID
        assert "scatkit_execute_f32" in _error(lib)
        assert lib.scatkit_execute_f32(plan.handle, None, out.ctypes.data, 1) == NULL_POINTER
        assert lib.scatkit_execute_f32(plan.handle, None, None, 0) == OK
        assert _error(lib) == ""
    finally:
        plan.close()
