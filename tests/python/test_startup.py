"""Start-up behaviour: ``import scatkit`` and the default CPU path load no optional module.

Each check runs in a fresh interpreter (an import made by another test would hide the very thing
being checked) and reads ``sys.modules`` and the process's mapped libraries. Timing belongs in
bench/startup.py, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import scatkit

_core = pytest.importorskip("scatkit._core", reason="the native extension is not built")

#: Modules the NumPy front end must not import until the user asks for what needs them.
OPTIONAL_MODULES = ("pyfftw", "torch", "cv2", "sklearn", "pandas", "scipy", "tqdm", "nvidia")

#: Shared libraries of the CUDA path, loaded only when a CUDA backend is asked for.
CUDA_LIBRARIES = ("libscatkit_cuda", "libcufft", "libcuda.so")

_PROBE = """
import json, sys
{code}
mods = sorted(m for m in {mods!r} if m in sys.modules)
try:
    with open("/proc/self/maps") as f:  # Linux; elsewhere only the modules are checked
        maps = f.read()
except OSError:
    maps = ""
libs = sorted(lib for lib in {libs!r} if lib in maps)
print(json.dumps({{"modules": mods, "libraries": libs}}))
"""


def _loaded_after(code: str) -> dict[str, list[str]]:
    """Optional modules and CUDA libraries present after running ``code`` in a new interpreter."""
    probe = _PROBE.format(code=code, mods=OPTIONAL_MODULES, libs=CUDA_LIBRARIES)
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


CASES = {
    "import": "import scatkit",
    "construct default": "import scatkit\nS = scatkit.Scattering2D(J=2, shape=(32, 32))",
    "construct native": (
        "import scatkit\nS = scatkit.Scattering2D(J=2, shape=(32, 32), backend='native')"
    ),
    "call float32 and float64": (
        "import numpy as np, scatkit\n"
        "S = scatkit.Scattering2D(J=2, shape=(32, 32))\n"
        "x = np.zeros((2, 32, 32), np.float32)\n"
        "S(x); S(x.astype(np.float64)); S.meta"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_default_path_loads_no_optional_module(name: str) -> None:
    loaded = _loaded_after(CASES[name])
    assert loaded["modules"] == [], f"{name!r} imported optional modules {loaded['modules']}"
    assert loaded["libraries"] == [], f"{name!r} loaded CUDA libraries {loaded['libraries']}"


def test_default_backend_is_native() -> None:
    """Lazy probing still picks the fastest CPU backend."""
    assert scatkit.Scattering2D(J=1, shape=(8, 8)).backend == "native"


def test_listing_still_describes_every_backend() -> None:
    """``scatkit.backends()`` probes every backend, as a listing must, and names the FFT library
    the reference really runs on."""
    from scatkit import reference

    infos = {b.name: b for b in scatkit.backends()}
    assert set(infos) == {"native", "cuda", "reference"}
    assert reference.FFT_LIBRARY in infos["reference"].description
