"""Write kymatio_reference.npz: Kymatio 0.3's own 2D outputs, for test_kymatio_compat.py.

Run with kymatio==0.3.0 installed (``python tests/data/make_kymatio_reference.py``). The scenarios
follow Kymatio's 2D tests: several J, L and image sizes, pre_pad both ways, out_type both ways,
batch shapes (none, one, two leading dimensions), and the argument errors Kymatio refuses.
Inputs are seeded, so the file is reproducible; outputs are stored in float32 (Kymatio's filters
are float32, so that loses nothing the comparison tolerance keeps).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# name: (J, (M, N), L, max_order, pre_pad, out_type, batch shape)
SCENARIOS = {
    "j1_16": (1, (16, 16), 8, 2, False, "array", (2,)),
    "j2_batch2d": (2, (32, 32), 8, 2, False, "array", (2, 3)),
    "j3_prepad": (3, (32, 32), 8, 2, True, "array", (2,)),
    "j3_rect_order1": (3, (28, 20), 4, 1, False, "array", (1,)),
    "j2_prepad_single": (2, (24, 24), 6, 2, True, "array", ()),
    "j4_rect": (4, (64, 48), 8, 2, False, "array", (1,)),
    "j2_list": (2, (16, 24), 4, 2, False, "list", (3,)),
    "j3_list_prepad": (3, (32, 32), 4, 2, True, "list", (2, 1)),
}

# Kymatio's refusals: (name, constructor keyword arguments, input shape or None).
ERRORS = [
    ("J too large", dict(J=6, shape=(32, 32)), None),
    ("wrong input size", dict(J=2, shape=(32, 32)), (2, 31, 32)),
    ("unpadded input with pre_pad", dict(J=2, shape=(32, 32), pre_pad=True), (2, 32, 32)),
    ("one-dimensional input", dict(J=2, shape=(32, 32)), (32,)),
    ("unknown out_type", dict(J=2, shape=(32, 32), out_type="dict"), (2, 32, 32)),
    ("foreign backend", dict(J=2, shape=(32, 32), backend="torch"), None),
    ("unknown frontend", dict(J=2, shape=(32, 32), frontend="matlab"), None),
]


def padded_shape(J: int, shape: tuple[int, int]) -> tuple[int, int]:
    """Kymatio's compute_padding."""
    return tuple(((n + 2**J) // 2**J + 1) * 2**J for n in shape)


def outcome(kwargs: dict, input_shape: tuple[int, ...] | None) -> str:
    """Where Kymatio refuses: 'constructor', 'call', or 'ok'."""
    from kymatio import Scattering2D

    try:
        S = Scattering2D(**{"frontend": "numpy", **kwargs})
    except Exception:
        return "constructor"
    if input_shape is None:
        return "ok"
    try:
        S(np.zeros(input_shape))
    except Exception:
        return "call"
    return "ok"


def main() -> None:
    import kymatio
    from kymatio.numpy import Scattering2D

    assert kymatio.__version__ == "0.3.0", kymatio.__version__
    rng = np.random.default_rng(20260101)
    data: dict[str, np.ndarray] = {}
    for name, (J, shape, L, order, pre_pad, out_type, batch) in SCENARIOS.items():
        side = padded_shape(J, shape) if pre_pad else shape
        # Rounded to float32 first: the stored input is exactly the one Kymatio transformed.
        x = rng.standard_normal(batch + side).astype(np.float32).astype(np.float64)
        S = Scattering2D(J, shape, L=L, max_order=order, pre_pad=pre_pad, out_type=out_type)
        out = S(x)
        if out_type == "list":
            paths = [(p["j"], p["theta"], p["n"]) for p in out]
            data[f"{name}/paths"] = np.array(json.dumps(paths))
            out = np.stack([p["coef"] for p in out], axis=-3)
        data[f"{name}/x"] = x.astype(np.float32)
        data[f"{name}/Sx"] = out.astype(np.float32)
        data[f"{name}/params"] = np.array(json.dumps([J, shape, L, order, pre_pad, out_type]))
        # Kymatio's filters (phi levels, then every psi's levels), for psi/phi and state dicts.
        if name == "j2_list":
            data[f"{name}/phi"] = np.concatenate([a.ravel() for a in S.phi["levels"]])
            data[f"{name}/psi"] = np.concatenate([a.ravel() for p in S.psi for a in p["levels"]])
    errors = [(n, kw, shp, outcome(kw, shp)) for n, kw, shp in ERRORS]
    data["errors"] = np.array(json.dumps(errors))
    out = Path(__file__).with_name("kymatio_reference.npz")
    np.savez_compressed(out, **data)
    print(f"wrote {out.name}: {out.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
