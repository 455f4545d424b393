"""What the front ends share to accept Kymatio 0.3's ``Scattering2D`` arguments and outputs.

Kymatio users switch by changing one import, so its constructor arguments (``pre_pad``,
``out_type``, ``frontend``, ``backend`` names), its filter attributes (``phi``, ``psi``), its
list output and its metadata form are accepted or given here, with Kymatio's meaning. Nothing
in this module computes the transform: that stays the engine's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import Geometry

FRONTENDS = ("numpy", "torch", "sklearn")
OUT_TYPES = ("array", "list")

# Kymatio's backend names, by the front end that owns them.
_KYMATIO_BACKENDS = {
    "numpy": ("numpy",),
    "torch": ("torch", "torch_skcuda"),
    "tensorflow": ("tensorflow",),
    "jax": ("jax",),
}
# Kymatio backends that become scatkit's automatic choice, per front end. The torch front end
# keeps "torch" as it is: scatkit's pure torch.fft engine is what Kymatio's torch backend is.
_TO_DEFAULT = {"numpy": ("numpy",), "sklearn": ("numpy",), "torch": ("torch_skcuda",)}
_HOME = {"numpy": "scatkit.Scattering2D", "torch": "scatkit.torch.Scattering2D"}


def check_frontend(frontend: Any, this: str | None) -> str | None:
    """Validate Kymatio's ``frontend=`` name (one that ``this`` front end serves, if given).

    Returns it lower-cased, or None if not given.
    """
    if frontend is None:
        return None
    if not isinstance(frontend, str) or frontend.lower() not in FRONTENDS:
        raise ValueError(
            f"frontend must be one of {list(FRONTENDS)} (Kymatio's 'tensorflow', 'jax' and "
            f"'keras' front ends have no scatkit counterpart), got {frontend!r}."
        )
    frontend = frontend.lower()
    if this is not None and frontend != this:
        where = {
            "numpy": "scatkit.Scattering2D",
            "torch": "scatkit.torch.Scattering2D",
            "sklearn": "scatkit.sklearn.Scattering2D",
        }[frontend]
        raise ValueError(
            f"frontend={frontend!r} is served by {where}, not by this {this} front end."
        )
    return frontend


def map_backend(backend: Any, frontend: str, default: str = "auto") -> Any:
    """Map a Kymatio ``backend=`` value (a name or a backend object) to a scatkit backend name.

    Kymatio's own backends of this front end become ``default`` (scatkit's automatic choice);
    a Kymatio backend of another front end is refused with a sentence; anything else is left
    for the front end's own check (scatkit's backend names).
    """
    if not isinstance(backend, str) and isinstance(getattr(backend, "name", None), str):
        backend = backend.name  # a Kymatio backend object: its name says which it is
    if not isinstance(backend, str) or (frontend == "torch" and backend == "torch"):
        return backend
    if backend in _TO_DEFAULT[frontend]:
        return default
    for owner, names in _KYMATIO_BACKENDS.items():
        if backend in names:
            home = _HOME.get(owner, "no scatkit front end (use the NumPy or PyTorch one)")
            raise ValueError(
                f"backend {backend!r} is a Kymatio backend of its {owner} front end, which "
                f"the {frontend} front end cannot use; it belongs to {home}."
            )
    return backend


def check_out_type(out_type: Any, invariance: str = "translation") -> str:
    """Validate ``out_type`` ("array" or "list", as in Kymatio)."""
    if not isinstance(out_type, str) or out_type not in OUT_TYPES:
        raise ValueError(f"out_type must be 'array' or 'list' (as in Kymatio), got {out_type!r}.")
    if out_type == "list" and invariance != "translation":
        raise ValueError(
            f"out_type='list' describes Kymatio's (j, theta) paths, which invariance="
            f"{invariance!r} averages away; use out_type='array' and the meta table."
        )
    return out_type


def check_pre_pad(pre_pad: Any, invariance: str = "translation") -> bool:
    """Validate ``pre_pad`` (True: the input is already padded to the transform's grid)."""
    if not isinstance(pre_pad, (bool, np.bool_)):
        raise TypeError(f"pre_pad must be True or False, got {pre_pad!r}.")
    if pre_pad and invariance != "translation":
        raise ValueError(f"pre_pad=True is not available with invariance={invariance!r}.")
    return bool(pre_pad)


def pre_padded_geometry(g: Geometry) -> Geometry:
    """The geometry of a transform whose input is already the padded (P, Q) grid.

    Same filters, channels and output size; only the padding step is the identity.
    """
    return Geometry(
        g.P, g.Q, g.J, g.L, g.max_order, g.P, g.Q, 0, 0, g.out_rows, g.out_cols, g.K
    )  # fmt: skip


def kymatio_filters(g: Geometry) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(phi, psi)`` in the layout of Kymatio's ``Scattering2D.phi`` and ``.psi`` (float64).

    ``phi = {'levels': [array per level r], 'j': J}``;
    ``psi = [{'levels': [...], 'j': j, 'theta': t}, ...]`` in the order n = j * L + t.
    """
    try:
        from . import _core

        fb = _core.filter_bank(g.P, g.Q, g.J, g.L)
    except ImportError:  # pragma: no cover - only when the extension failed to build
        from .reference import filter_bank

        fb = filter_bank(g.P, g.Q, g.J, g.L)
    phi = {"levels": [np.asarray(a) for a in fb["phi"]], "j": g.J}
    psi = [
        {"levels": [np.asarray(a) for a in p["levels"]], "j": int(p["j"]), "theta": int(p["theta"])}
        for p in fb["psi"]
    ]
    return phi, psi


def kymatio_paths(table: np.ndarray, L: int) -> list[dict[str, tuple[int, ...]]]:
    """Kymatio's 'j', 'theta' and 'n' tuples of every channel of a (K, 5) channel table."""
    paths = []
    for order, j1, t1, j2, t2 in np.asarray(table)[:, :5].tolist():
        js, ts = ((), (j1,), (j1, j2))[order], ((), (t1,), (t1, t2))[order]
        paths.append({"j": js, "theta": ts, "n": tuple(j * L + t for j, t in zip(js, ts))})
    return paths


class ChannelMeta(dict):
    """scatkit's per-channel arrays (``S.meta['j1']``), callable for Kymatio's form (``S.meta()``).

    Calling it returns ``{'order': array, 'j': [tuple], 'theta': [tuple], 'n': [tuple],
    'key': [tuple]}``: the tuples of Kymatio's ``out_type='list'`` entries, in channel order
    (``key`` is ``n``, as Kymatio's 1D ``meta()`` calls it).
    """

    def __init__(self, fields: dict[str, np.ndarray], L: int, translation: bool) -> None:
        super().__init__(fields)
        self._L = L
        self._translation = translation

    def __call__(self) -> dict[str, Any]:
        """Kymatio's form of the metadata (translation channels only)."""
        if not self._translation:
            raise ValueError(
                "Kymatio's meta() form describes translation scattering paths; this transform "
                "averages them (invariance=...), so use the meta dictionary itself."
            )
        order = np.asarray(self["order"]).copy()
        table = np.stack([self[k] for k in ("order", "j1", "theta1", "j2", "theta2")], axis=1)
        paths = kymatio_paths(table, self._L)
        return {
            "order": order,
            "j": [p["j"] for p in paths],
            "theta": [p["theta"] for p in paths],
            "n": [p["n"] for p in paths],
            "key": [p["n"] for p in paths],
        }


def as_list(out: Any, table: np.ndarray, L: int) -> list[dict[str, Any]]:
    """Kymatio's ``out_type='list'`` from an (..., K, M', N') result: one dict per channel.

    Each ``'coef'`` is a view of channel k, of shape (..., M', N').
    """
    return [{"coef": out[..., k, :, :], **p} for k, p in enumerate(kymatio_paths(table, L))]


class KymatioAttributes:
    """Kymatio's attributes for a front end with ``_geometry``, ``L`` and ``meta_table()``."""

    _geometry: Geometry

    def _kymatio_filters(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        # Built on first access, so constructing a transform never pays for a second filter bank.
        cached = self.__dict__.get("_kymatio_filter_cache")
        if cached is None:
            cached = kymatio_filters(self._geometry)
            self.__dict__["_kymatio_filter_cache"] = cached
        return cached

    @property
    def phi(self) -> dict[str, Any]:
        """Low-pass filters in Kymatio's layout: ``{'levels': [...], 'j': J}`` (float64)."""
        return self._kymatio_filters()[0]

    @property
    def psi(self) -> list[dict[str, Any]]:
        """Wavelets in Kymatio's layout: ``[{'levels', 'j', 'theta'}, ...]`` (float64)."""
        return self._kymatio_filters()[1]

    def _meta_dict(self, fields: tuple[str, ...]) -> ChannelMeta:
        table = self.meta_table()  # type: ignore[attr-defined]
        arrays = {name: table[:, i].copy() for i, name in enumerate(fields)}
        return ChannelMeta(arrays, self._geometry.L, len(fields) == 5)


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Check a preallocated ``out=`` array against the result it must receive."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a NumPy array, got {type(out).__name__}.")
    if out.shape != tuple(shape):
        raise ValueError(f"out has shape {out.shape}, but this call's result has shape {shape}.")
    if out.dtype != dtype:
        raise TypeError(
            f"out has dtype {out.dtype}, but this call's result is {np.dtype(dtype)} (the "
            f"input's precision); allocate out with that dtype."
        )
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous (e.g. allocated with np.empty(shape, dtype)).")
    if not out.flags.writeable:
        raise ValueError("out is read-only; pass a writable array.")
    return out


def kymatio_buffer_shapes(g: Geometry) -> list[tuple[int, int, int]]:
    """Shapes of Kymatio's torch filter buffers ``tensor0``, ``tensor1``, ... for ``g``.

    Kymatio registers every phi level, then every wavelet's levels (n = j * L + t), each as a
    (P / 2**r, Q / 2**r, 1) tensor.
    """
    shapes = [(g.P >> r, g.Q >> r, 1) for r in range(g.J)]
    top = max(g.J - 1, 1)
    for j in range(g.J):
        shapes += [(g.P >> r, g.Q >> r, 1) for _ in range(g.L) for r in range(min(j + 1, top))]
    return shapes


def take_kymatio_state(
    state_dict: dict[str, Any],
    prefix: str,
    g: Geometry,
    filters: Any,
    error_msgs: list[str],
) -> None:
    """Check and remove a Kymatio module's filter buffers from ``state_dict``.

    scatkit rebuilds its filters, so a Kymatio state dict carries nothing to load; it is
    accepted when its buffers are the filters of this transform (same count, shapes and values
    to float32 rounding) and refused with a sentence otherwise. ``filters`` is a callable giving
    :func:`kymatio_filters` (called only when such buffers are present).
    """
    found = [k for k in state_dict if k.startswith(prefix + "tensor")]
    found = [k for k in found if k[len(prefix) + 6 :].isdigit()]
    if not found:
        return
    shapes = kymatio_buffer_shapes(g)
    names = [f"{prefix}tensor{n}" for n in range(len(shapes))]
    what = f"J={g.J}, shape=({g.M}, {g.N}), L={g.L}"
    if sorted(found) != sorted(names):
        for k in found:
            state_dict.pop(k)
        error_msgs.append(
            f"the state dict holds {len(found)} Kymatio filter buffers ('tensor0', ...) but a "
            f"Kymatio Scattering2D with {what} has {len(shapes)}: it was saved from a transform "
            f"with other parameters."
        )
        return
    phi, psi = filters()
    ours = list(phi["levels"]) + [level for p in psi for level in p["levels"]]
    for name, shape, ref in zip(names, shapes, ours):
        t = state_dict.pop(name)
        t = t.detach().cpu() if hasattr(t, "detach") else t
        if tuple(t.shape) != shape:
            error_msgs.append(
                f"Kymatio buffer {name!r} has shape {tuple(t.shape)}, but the transform with "
                f"{what} has {shape} there."
            )
            continue
        got = np.asarray(t, dtype=np.float64)[..., 0]
        if not np.allclose(got, ref, rtol=0.0, atol=1e-5 * max(1.0, float(np.abs(ref).max()))):
            error_msgs.append(
                f"Kymatio buffer {name!r} differs from the filter scatkit builds for {what}; "
                f"scatkit computes with its own (Kymatio's) filters and cannot load changed ones."
            )
