"""Hostile and unusual image files: each is decoded correctly or skipped with a clear message."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from scatkit import datasets
from scatkit.datasets.images import read_header

cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is not installed")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: Path, rows: np.ndarray, color_type: int, bit_depth=8, palette=None) -> None:
    """A PNG written by hand, so palette and gray+alpha files need no imaging library."""
    h, w = rows.shape[:2]
    big = rows.astype(">u2") if bit_depth == 16 else rows.astype(np.uint8)
    raw = b"".join(b"\0" + big[r].tobytes() for r in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    body = _chunk(b"IHDR", ihdr)
    if palette is not None:
        body += _chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    body += _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)


def bomb(path: Path, side: int = 30000) -> None:
    """A few KB of PNG declaring side x side RGB; its data stream is cut short."""
    stream = zlib.compressobj(9)
    data = stream.compress(b"\0" * (3 * side + 1) * 200)
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data[:4000]))


RNG = np.random.default_rng(7)


def test_16_bit_palette_and_gray_alpha_decode_correctly(tmp_path):
    rgb16 = RNG.integers(0, 65536, (5, 7, 3), dtype=np.uint16)
    write_png(tmp_path / "rgb16.png", rgb16, color_type=2, bit_depth=16)
    np.testing.assert_allclose(
        datasets.read_image(tmp_path / "rgb16.png"),
        rgb16.transpose(2, 0, 1) / 65535,
        rtol=1e-6,
    )
    palette = RNG.integers(0, 256, (4, 3))
    idx = RNG.integers(0, 4, (5, 7))
    write_png(tmp_path / "pal.png", idx, color_type=3, palette=palette)
    np.testing.assert_array_equal(
        datasets.read_image(tmp_path / "pal.png") * 255, palette[idx].transpose(2, 0, 1)
    )
    la = RNG.integers(0, 256, (5, 7, 2))
    write_png(tmp_path / "la.png", la, color_type=4)
    # Alpha is dropped, the gray values are kept (in each RGB channel, or alone).
    np.testing.assert_array_equal(
        datasets.read_image(tmp_path / "la.png", grayscale=True) * 255, la[..., 0]
    )
    np.testing.assert_array_equal(
        datasets.read_image(tmp_path / "la.png") * 255, np.repeat(la[None, ..., 0], 3, axis=0)
    )
    rgba = RNG.integers(0, 256, (5, 7, 4))
    write_png(tmp_path / "rgba.png", rgba, color_type=6)
    np.testing.assert_array_equal(
        datasets.read_image(tmp_path / "rgba.png") * 255, rgba[..., :3].transpose(2, 0, 1)
    )


def test_wrong_extension_is_decoded_by_content(tmp_path):
    img = RNG.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    assert cv2.imwrite(str(tmp_path / "real.png"), img)
    (tmp_path / "named.jpg").write_bytes((tmp_path / "real.png").read_bytes())
    np.testing.assert_array_equal(
        datasets.read_image(tmp_path / "named.jpg"), datasets.read_image(tmp_path / "real.png")
    )
    (tmp_path / "text.png").write_text("hello, not an image")
    with pytest.raises(ValueError, match=r"cannot decode .*text\.png.*not an image.*b'hello, n'"):
        datasets.read_image(tmp_path / "text.png")


def test_empty_truncated_and_bomb_files_get_clear_messages(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.png: the file is empty \(0 bytes\)"):
        datasets.read_image(tmp_path / "empty.png")
    assert cv2.imwrite(str(tmp_path / "ok.png"), RNG.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    blob = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match=r"cannot decode .*cut\.png"):
        datasets.read_image(tmp_path / "cut.png")
    (tmp_path / "cut_header.png").write_bytes(blob[:20])
    with pytest.raises(ValueError, match=r"cut_header\.png: truncated"):
        datasets.read_image(tmp_path / "cut_header.png")
    ok, jpg = cv2.imencode(".jpg", RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    (tmp_path / "cut.jpg").write_bytes(jpg.tobytes()[: len(jpg) * 2 // 3])
    with pytest.raises(ValueError, match=r"cut\.jpg: truncated JPEG"):
        datasets.read_image(tmp_path / "cut.jpg")
    bomb(tmp_path / "bomb.png")
    assert (tmp_path / "bomb.png").stat().st_size < 8000
    with pytest.raises(ValueError, match=r"30000x30000 = 900000000 pixels.*max_pixels=100000000"):
        datasets.read_image(tmp_path / "bomb.png")
    with pytest.raises(ValueError, match="max_pixels=1000"):
        datasets.read_image(tmp_path / "ok.png", max_pixels=1000)
    assert datasets.read_image(tmp_path / "ok.png", max_pixels=1600).shape == (3, 40, 40)


def test_bomb_is_refused_before_any_allocation(tmp_path):
    bomb(tmp_path / "bomb.png")
    code = (
        "import resource, sys\n"
        "from scatkit import datasets\n"
        "try:\n"
        f"    datasets.read_image({str(tmp_path / 'bomb.png')!r}, max_pixels=10**9)\n"
        "except ValueError as exc:\n"
        "    print('refused', exc)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    # Even when the size guard is raised past the bomb, OpenCV fails on the short data
    # stream; the point is that peak memory stays far below the 2.7 GB canvas.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    peak_mib = int(out.stdout.strip().splitlines()[-1])
    assert peak_mib < 1500, out.stdout + out.stderr


@pytest.mark.parametrize(
    "ext, shape",
    [
        (".png", (9, 13)),
        (".jpg", (9, 13)),
        (".bmp", (9, 13)),
        (".tif", (9, 13)),
        (".webp", (9, 13)),
        (".ppm", (9, 13)),
        (".pgm", (9, 13)),
        (".jp2", (9, 13)),
        (".hdr", (9, 13)),
        (".ras", (9, 13)),
    ],
)
def test_header_parser_agrees_with_opencv(tmp_path, ext, shape):
    img = RNG.integers(0, 256, (*shape, 3), dtype=np.uint8)
    if ext == ".pgm":
        img = img[..., 0]
    if ext == ".hdr":
        img = img.astype(np.float32) / 255
    ok, buf = cv2.imencode(ext, img)
    if not ok:
        pytest.skip(f"this OpenCV cannot write {ext}")
    header = read_header(buf.tobytes())
    assert (header.height, header.width) == shape


def _tiff_with_widths(widths, height=6):
    """8-bit grey TIFF whose IFD repeats ImageWidth with each of widths; the strip holds the
    first width's pixels (libtiff reads a repeated tag at its first entry)."""
    w = widths[0]
    entries = [(256, 3, v) for v in widths] + [(257, 3, height), (258, 3, 8), (259, 3, 1)]
    entries += [(262, 3, 1), (273, 4, None), (277, 3, 1), (278, 3, height), (279, 4, w * height)]
    strip = 8 + 2 + 12 * len(entries) + 4
    out = b"II*\0" + struct.pack("<IH", 8, len(entries))
    for tag, kind, value in entries:
        value = strip if value is None else value
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, 1) + packed
    return out + b"\0\0\0\0" + bytes(range(w * height))


def test_repeated_tiff_size_tag_reads_as_the_decoder_does(tmp_path):
    # Found by fuzz_images.py: a repeated ImageWidth entry made the header say 2 columns where
    # OpenCV decoded 5 (so the size checks trusted a size the decoder did not use).
    for widths in ((5, 2), (2, 5)):
        data = _tiff_with_widths(widths)
        assert read_header(data).width == widths[0]
        path = tmp_path / f"repeat{widths[0]}.tif"
        path.write_bytes(data)
        assert datasets.read_image(path, grayscale=True).shape == (6, widths[0])


def test_png_chunk_longer_than_the_file_is_refused_before_decoding(tmp_path):
    # Found by fuzz_images.py: 87 bytes whose last chunk declares 3,172,007,936 bytes made
    # OpenCV allocate gigabytes and take seconds per call.
    ok, buf = cv2.imencode(".png", RNG.integers(0, 256, (3, 3), dtype=np.uint8))
    data = bytearray(buf.tobytes())
    iend = data.rfind(b"IEND") - 4
    data[iend : iend + 4] = (3_172_007_936).to_bytes(4, "big")
    path = tmp_path / "huge_chunk.png"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt PNG .*declares 3172007936 bytes"):
        datasets.read_image(path, grayscale=True)
    path.write_bytes(bytes(data[: data.find(b"IDAT") + 6]))  # cut inside a chunk
    with pytest.raises(ValueError, match="PNG"):
        datasets.read_image(path, grayscale=True)


def test_decoded_size_must_match_the_header(tmp_path, monkeypatch):
    from scatkit.datasets import images

    path = tmp_path / "a.png"
    assert cv2.imwrite(str(path), RNG.integers(0, 256, (9, 13), dtype=np.uint8))
    # A header that disagrees with the pixels.
    monkeypatch.setattr(images, "read_header", lambda data: images.ImageHeader("PNG", 4, 30))
    with pytest.raises(ValueError, match="declares 4x30 but it decodes to 13x9"):
        images.read_image(path, grayscale=True)


def test_folder_with_every_kind_of_bad_file(tmp_path, caplog):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for k in range(2):
            assert cv2.imwrite(
                str(tmp_path / cls / f"{k}.png"), np.full((4, 4, 3), 50 * k, np.uint8)
            )
    (tmp_path / "a" / "empty.png").write_bytes(b"")
    bomb(tmp_path / "a" / "bomb.png")
    (tmp_path / "b" / "text.jpg").write_text("not an image")
    write_png(tmp_path / "b" / "pal.png", np.zeros((4, 4)), 3, palette=np.full((1, 3), 255))
    with pytest.warns(UserWarning, match="skipped 3"):
        ds = datasets.load_image_folder(tmp_path, test_size=0)
    assert sorted(Path(p).name for p in ds.skipped) == ["bomb.png", "empty.png", "text.jpg"]
    assert len(ds.X_train) == 5 and ds.X_train[-1].min() == 1.0  # the palette image
    for name in ("bomb.png", "empty.png", "text.jpg"):
        assert sum(name in r.getMessage() for r in caplog.records) == 1
    # The same files, found from their headers alone while indexing.
    index = datasets.stream("folder", root=tmp_path, split="all", check_headers=True)
    assert len(index) == 5
    assert sorted(Path(p).name for p, _ in index.skipped) == ["bomb.png", "empty.png", "text.jpg"]
