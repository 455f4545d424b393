"""Extraction of the invariance variants: .npz and .zarr outputs, resume checks, CLI options."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scatkit
import scatkit.extract
from scatkit import cli, datasets
from scatkit.extract import extract

pytest.importorskip("sklearn")  # the digits dataset

BATCH = 1000  # two chunks of the 1797 digits
VARIANTS = ("rotation", "roto-translation")
TRANSLATION_KEYS = {
    "features",
    "labels",
    "classes",
    "names",
    "meta",
    "meta_fields",
    "channels",
    "J",
    "L",
    "max_order",
    "image_size",
    "scatkit_version",
    "skipped_files",
    "skipped_reasons",
    "split",
}


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    """The images ``extract("digits", ...)`` reads, in its order (train, then test)."""
    ds = datasets.load("digits")
    return np.concatenate([ds.X_train, ds.X_test]).astype(np.float32)


def _arrays(path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _interrupted(out, monkeypatch, **kwargs) -> None:
    """Leave a partial .npz extraction: the second chunk is interrupted."""
    real, calls = scatkit.extract._scatter_chunk, []

    def interrupt_second(S, images):
        calls.append(len(images))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(S, images)

    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", interrupt_second)
    with pytest.raises(KeyboardInterrupt):
        extract("digits", out, J=2, batch_size=BATCH, **kwargs)
    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", real)


@pytest.mark.parametrize("invariance", VARIANTS)
def test_npz_holds_the_variant_of_scattering2d(invariance, digits, tmp_path):
    out = tmp_path / "d.npz"
    result = extract("digits", out, J=2, batch_size=BATCH, invariance=invariance)
    S = scatkit.Scattering2D(2, (8, 8), invariance=invariance)
    z = _arrays(out)
    assert result.features_shape == (len(digits), len(S), 2, 2)
    np.testing.assert_allclose(z["features"], S(digits), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(z["meta"], S.meta_table())
    assert z["meta"].shape == (len(S), 7)
    assert list(z["meta_fields"]) == ["order", "j1", "theta1", "j2", "theta2", "delta", "k"]
    assert str(z["invariance"]) == invariance
    assert int(z["angular_scales"]) == S.angular_scales == (3 if invariance != "rotation" else 0)
    assert set(z) == TRANSLATION_KEYS | {"invariance", "angular_scales"}


def test_translation_output_keeps_its_keys_and_five_meta_columns(tmp_path):
    out = tmp_path / "d.npz"
    extract("digits", out, J=1, batch_size=BATCH, invariance="translation", angular_scales=0)
    z = _arrays(out)
    assert set(z) == TRANSLATION_KEYS
    assert list(z["meta_fields"]) == list(scatkit.scattering.META_FIELDS)
    assert z["meta"].shape == (9, 5)


def test_npz_resume_refuses_another_invariance(digits, tmp_path, monkeypatch):
    out = tmp_path / "d.npz"
    _interrupted(out, monkeypatch, invariance="rotation")
    manifest = json.loads((tmp_path / "d.npz.parts" / "manifest.json").read_text())
    assert manifest["params"]["invariance"] == "rotation"
    with pytest.raises(ValueError, match="invariance: partial run 'rotation', this call 'transl"):
        extract("digits", out, J=2, batch_size=BATCH)
    with pytest.raises(ValueError, match="--restart"):
        extract("digits", out, J=2, batch_size=BATCH, invariance="roto-translation")
    result = extract("digits", out, J=2, batch_size=BATCH, invariance="rotation")
    assert result.resumed and result.computed_images == 797
    S = scatkit.Scattering2D(2, (8, 8), invariance="rotation")
    np.testing.assert_allclose(_arrays(out)["features"], S(digits), rtol=1e-5, atol=1e-6)


def test_npz_resume_of_a_translation_run_refuses_a_variant(tmp_path, monkeypatch):
    out = tmp_path / "d.npz"
    _interrupted(out, monkeypatch)
    manifest = json.loads((tmp_path / "d.npz.parts" / "manifest.json").read_text())
    assert "invariance" not in manifest["params"]  # translation manifests are as before
    with pytest.raises(ValueError, match="invariance: partial run 'translation', this call 'rot"):
        extract("digits", out, J=2, batch_size=BATCH, invariance="rotation")
    result = extract("digits", out, J=2, batch_size=BATCH, invariance="rotation", restart=True)
    assert not result.resumed


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"invariance": "rotations"}, r"--invariance must be one of .*'rotation'.*got 'rotations'"),
        ({"invariance": None}, "--invariance must be one of"),
        ({"invariance": "roto-translation", "angular_scales": -1}, "--angular-scales must be >= 0"),
        ({"invariance": "rotation", "angular_scales": 1.5}, "--angular-scales must be an integer"),
    ],
)
def test_bad_invariance_is_refused_before_any_work(kwargs, needle, tmp_path):
    zarr_extract = pytest.importorskip("scatkit.distributed").extract
    for fn, name in ((extract, "x.npz"), (zarr_extract, "x.zarr")):
        # A missing source would fail later: the invariance is checked first.
        with pytest.raises(ValueError, match=needle):
            fn(tmp_path / "no-such-folder", tmp_path / name, **kwargs)
    assert list(tmp_path.iterdir()) == []


# -- .zarr ------------------------------------------------------------------------------------
@pytest.mark.parametrize("invariance", VARIANTS)
def test_store_holds_the_variant_of_scattering2d(invariance, digits, tmp_path):
    pytest.importorskip("zarr", reason="zarr>=3 (scatkit[distributed]) is not installed")
    from scatkit import features
    from scatkit.distributed import extract as zarr_extract

    r = zarr_extract("digits", tmp_path / "d.zarr", J=2, batch_size=BATCH, invariance=invariance)
    S = scatkit.Scattering2D(2, (8, 8), invariance=invariance)
    st = features.open(r.output)
    assert st.complete and st.invariance == invariance
    assert st.params["angular_scales"] == S.angular_scales
    assert st.meta.shape == (len(S), 7) and len(st.meta_fields) == 7
    np.testing.assert_array_equal(st.meta, S.meta_table())
    np.testing.assert_allclose(np.asarray(st.features[:]), S(digits), rtol=1e-5, atol=1e-6)


def test_store_resume_checks_the_invariance_and_resolved_k(tmp_path):
    pytest.importorskip("zarr", reason="zarr>=3 (scatkit[distributed]) is not installed")
    from scatkit import features
    from scatkit.distributed import extract as zarr_extract

    out = tmp_path / "d.zarr"
    zarr_extract("digits", out, J=2, batch_size=BATCH)
    assert features.open(out).invariance == "translation"
    assert "invariance" not in features.open(out).params  # translation stores are as before
    assert features.open(out).meta.shape[1] == 5
    with pytest.raises(ValueError, match="invariance: store 'translation', this call 'rotation'"):
        zarr_extract("digits", out, J=2, batch_size=BATCH, invariance="rotation")

    args = {"J": 2, "batch_size": BATCH, "invariance": "roto-translation"}
    zarr_extract("digits", out, **args, restart=True)
    # K = 0 resolves to the variant's default, 3: the same store.
    again = zarr_extract("digits", out, **args, angular_scales=3)
    assert again.resumed and again.computed_chunks == 0
    with pytest.raises(ValueError, match="angular_scales: store 3, this call 2"):
        zarr_extract("digits", out, **args, angular_scales=2)


# -- command line -----------------------------------------------------------------------------
def test_cli_options_reach_the_extraction(tmp_path, monkeypatch, capsys):
    seen: dict = {}

    def fake(source, output, **kwargs):
        seen.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(scatkit.extract, "extract", fake)
    args = ["extract", "digits", "-o", str(tmp_path / "x.npz"), "--no-progress"]
    with pytest.raises(SystemExit):
        cli.main([*args, "--invariance", "roto-translation", "--angular-scales", "2"])
    assert seen["invariance"] == "roto-translation" and seen["angular_scales"] == 2
    seen.clear()
    with pytest.raises(SystemExit):
        cli.main(args)
    assert seen["invariance"] == "translation" and seen["angular_scales"] == 0

    with pytest.raises(SystemExit) as exc:
        cli.main([*args, "--invariance", "rotations"])
    assert exc.value.code == 2 and "invalid choice: 'rotations'" in capsys.readouterr().err


def test_cli_writes_the_variant(tmp_path, capsys):
    out = tmp_path / "x.npz"
    argv = ["extract", "digits", "-o", str(out), "--J", "1", "--no-progress"]
    assert cli.main([*argv, "--invariance", "rotation", "--batch-size", str(BATCH)]) == 0
    assert str(_arrays(out)["invariance"]) == "rotation"
    assert "(1797, 2, 4, 4)" in capsys.readouterr().out
    rc = cli.main([*argv, "--overwrite", "--invariance", "roto-translation", "--angular-scales=-1"])
    assert rc == 1 and "--angular-scales must be >= 0, got -1" in capsys.readouterr().err
