"""scatkit.extract: the Python API behind ``scatkit extract`` (chunks, manifest, resume)."""

from __future__ import annotations

import numpy as np
import pytest
import scatkit
import scatkit.extract
from scatkit.extract import PARTS_FORMAT, extract

pytest.importorskip("sklearn")  # the digits dataset

N_DIGITS = 1797
BATCH = 500  # four chunks: 500, 500, 500, 297


class _Counting:
    """Stands in for the scattering of a chunk; counts calls and can fail on one of them."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.real = scatkit.extract._scatter_chunk
        self.sizes: list[int] = []
        self.fail_on = fail_on

    def __call__(self, S, images):
        self.sizes.append(len(images))
        if len(self.sizes) == self.fail_on:
            raise KeyboardInterrupt
        return self.real(S, images)


def _arrays(path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "digits.npz"
    result = extract("digits", out, J=1, batch_size=BATCH)
    return out, result


def test_result_and_file(uninterrupted):
    out, result = uninterrupted
    assert result.output == out and result.n_images == N_DIGITS and not result.resumed
    assert result.features_shape == (N_DIGITS, 9, 4, 4)
    assert result.computed_images == N_DIGITS and result.skipped == []
    z = _arrays(out)
    assert z["features"].shape == result.features_shape and z["features"].dtype == np.float32
    assert int(z["J"]) == 1 and int(z["channels"]) == 1
    assert list(z["names"][:2]) == ["train/0", "train/1"]
    assert not out.with_name(out.name + ".parts").exists()


def test_resume_skips_finished_chunks_and_matches_uninterrupted(
    uninterrupted, tmp_path, monkeypatch
):
    reference, _ = uninterrupted
    out = tmp_path / "digits.npz"
    parts = tmp_path / "digits.npz.parts"

    interrupted = _Counting(fail_on=3)
    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        extract("digits", out, J=1, batch_size=BATCH)
    assert not out.exists()
    assert sorted(p.name for p in parts.glob("chunk_*.npz")) == [
        "chunk_000000.npz",
        "chunk_000001.npz",
    ]
    # No temporary file of the interrupted chunk is left behind.
    assert sorted(p.name for p in parts.iterdir()) == [
        "chunk_000000.npz",
        "chunk_000001.npz",
        "manifest.json",
    ]

    resumed = _Counting()
    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", resumed)
    notes: list[str] = []
    result = extract("digits", out, J=1, batch_size=BATCH, log=notes.append)
    assert resumed.sizes == [500, 297]  # only the two chunks that were not finished
    assert result.resumed and result.computed_images == 797
    assert any(n.startswith("resuming from") for n in notes)
    a, b = _arrays(reference), _arrays(out)
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert not parts.exists()


def test_damaged_chunk_is_recomputed(uninterrupted, tmp_path, monkeypatch):
    reference, _ = uninterrupted
    out = tmp_path / "digits.npz"
    extract("digits", out, J=1, batch_size=BATCH, keep_parts=True)
    chunk = tmp_path / "digits.npz.parts" / "chunk_000002.npz"
    chunk.write_bytes(b"not an npz")
    counting = _Counting()
    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", counting)
    extract("digits", out, J=1, batch_size=BATCH, overwrite=True)
    assert counting.sizes == [500]
    np.testing.assert_array_equal(_arrays(reference)["features"], _arrays(out)["features"])


def test_other_settings_do_not_mix_with_a_partial_run(tmp_path, monkeypatch):
    out = tmp_path / "digits.npz"
    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", _Counting(fail_on=2))
    with pytest.raises(KeyboardInterrupt):
        extract("digits", out, J=1, batch_size=BATCH)
    manifest = (tmp_path / "digits.npz.parts" / "manifest.json").read_text()
    assert f'"format": {PARTS_FORMAT}' in manifest

    counting = _Counting()
    monkeypatch.setattr(scatkit.extract, "_scatter_chunk", counting)
    with pytest.raises(ValueError, match="different inputs or settings"):
        extract("digits", out, J=1, batch_size=BATCH + 1)
    assert counting.sizes == []
    result = extract("digits", out, J=1, batch_size=BATCH + 1, restart=True)
    assert not result.resumed and len(counting.sizes) == 4


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"output": "x.txt"}, ".npz"),
        ({"source": "no/such/folder"}, "no such folder"),
        ({"batch_size": 0}, "positive integer"),
        ({"size": (9, 9)}, "image folders only"),
    ],
)
def test_argument_errors(kwargs, needle, tmp_path):
    args = {"source": "digits", "output": tmp_path / "x.npz", **kwargs}
    with pytest.raises(ValueError, match=needle):
        extract(args.pop("source"), args.pop("output"), J=1, **args)


def test_existing_output_needs_overwrite(tmp_path):
    out = tmp_path / "x.npz"
    out.write_bytes(b"keep me")
    with pytest.raises(ValueError, match="--overwrite"):
        extract("digits", out, J=1)
    assert out.read_bytes() == b"keep me"
