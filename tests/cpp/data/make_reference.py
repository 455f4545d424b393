"""Regenerate ``reference.txt``: the expected outputs that the C++ test ``test_reference`` checks.

Each case is a small deterministic image built from a closed-form formula (its parameters are
written next to the expected outputs, so the C++ test rebuilds the very same input) and two
expected outputs:

- ``kymatio``: ``kymatio.numpy.Scattering2D`` 0.3 on the float64 image. Kymatio builds its Gabor
  filters in complex64, so this agrees with an exact float64 computation to ~3e-7 only.
- ``spec64``: ``scatkit.reference`` (the pure NumPy implementation of the SPEC, sharing no code
  with the C++ engine) in float64 throughout, which lets the C++ float64 path be held to ~1e-12.

Run from anywhere (needs kymatio 0.3 and an importable scatkit)::

    python tests/cpp/data/make_reference.py

The cases are chosen to cover: a non-square image (16 x 12), reflect pads as wide as the image
(9 x 8 with J=3), an odd number of angles (L=3), a first-order transform, and L=6.
"""

from __future__ import annotations

import math
from pathlib import Path

import kymatio
import numpy as np
from kymatio.numpy import Scattering2D
from scatkit.reference import scattering2d as spec_scattering2d

# (rows, cols, J, L, max_order) and the input formula parameters of each case.
CASES = [
    (16, 12, 2, 4, 2, dict(a0=0.25, a1=1.0, w1=0.37, w2=0.91, ph=0.3, a2=0.5, w3=0.13)),
    (9, 8, 3, 3, 2, dict(a0=-0.5, a1=0.8, w1=1.13, w2=0.29, ph=-1.1, a2=1.2, w3=0.41)),
    (11, 20, 2, 6, 1, dict(a0=1.5, a1=0.6, w1=0.23, w2=0.57, ph=0.7, a2=-0.9, w3=0.07)),
]
FORMULA = "x[r, c] = a0 + a1*sin(w1*r + w2*c + ph) + a2*cos(w3*r*c), 0 <= r < rows, 0 <= c < cols"
PARAM_ORDER = ("a0", "a1", "w1", "w2", "ph", "a2", "w3")


def make_input(rows: int, cols: int, p: dict[str, float]) -> np.ndarray:
    """Build the test image of one case from its formula parameters (float64)."""
    x = np.empty((rows, cols), dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            x[r, c] = (
                p["a0"]
                + p["a1"] * math.sin(p["w1"] * r + p["w2"] * c + p["ph"])
                + p["a2"] * math.cos(p["w3"] * r * c)
            )
    return x


def main() -> None:
    """Compute every case with both references and write ``reference.txt`` beside this script."""
    lines = [
        "# Expected outputs for tests/cpp/test_reference.cpp; regenerate with make_reference.py.",
        f"# kymatio: kymatio {kymatio.__version__} numpy Scattering2D on the float64 input.",
        "# spec64: scatkit.reference (pure NumPy SPEC implementation), float64 throughout.",
        f"# Input of each case: {FORMULA}.",
        "# Output: K x out_rows x out_cols values, row-major, channels in Kymatio order.",
    ]
    for rows, cols, J, L, max_order, params in CASES:
        x = make_input(rows, cols, params)
        kym = Scattering2D(J=J, shape=(rows, cols), L=L, max_order=max_order)(x)
        spec = spec_scattering2d(x, J, L=L, max_order=max_order)
        assert kym.dtype == np.float64 and spec.dtype == np.float64
        assert kym.shape == spec.shape
        lines.append(f"case rows {rows} cols {cols} J {J} L {L} max_order {max_order}")
        lines.append("input " + " ".join(f"{k} {params[k]!r}" for k in PARAM_ORDER))
        lines.append("shape " + " ".join(str(s) for s in kym.shape))
        for name, out in (("kymatio", kym), ("spec64", spec)):
            lines.append(name)
            flat = [f"{v:.17g}" for v in out.ravel()]
            lines.extend(" ".join(flat[i : i + 6]) for i in range(0, len(flat), 6))
        lines.append("end")
    path = Path(__file__).with_name("reference.txt")
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
