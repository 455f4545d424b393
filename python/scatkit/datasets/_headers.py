"""Image headers parsed by hand: the declared format and canvas size, nothing decoded.

One parser a format OpenCV reads (:data:`scatkit.datasets.images.IMAGE_EXTENSIONS`); each
reads only the bytes it needs and raises :class:`_NeedMore` when the header lies beyond them,
so the caller can read more of the file before trusting a size.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Enough for the header of every format here except JPEG or TIFF files whose size sits
# behind large metadata; those are read whole (after the file-size bound).
_PREFIX = 1 << 16


@dataclass(frozen=True)
class ImageHeader:
    """What a file's header declares: its format and canvas size."""

    format: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        """Declared canvas area, width x height."""
        return self.width * self.height


class _NeedMore(ValueError):
    """The header lies beyond the bytes given; read more of the file."""


def _u(fmt: str, data: bytes, pos: int) -> int:
    end = pos + struct.calcsize(fmt)
    if end > len(data):
        raise _NeedMore(f"header ends at byte {len(data)}")
    return struct.unpack_from(fmt, data, pos)[0]


def _png(d: bytes) -> tuple[int, int]:
    if d[12:16] != b"IHDR":
        raise ValueError("PNG signature but no IHDR chunk first (corrupt)")
    return _u(">I", d, 16), _u(">I", d, 20)


# Start-of-frame markers: baseline, extended, progressive, lossless, hierarchical, arithmetic.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(d: bytes) -> tuple[int, int]:
    pos = 2
    while True:
        if _u("B", d, pos) != 0xFF:
            raise ValueError(f"JPEG marker expected at byte {pos} (corrupt)")
        while _u("B", d, pos) == 0xFF:  # fill bytes
            pos += 1
        marker = _u("B", d, pos)
        pos += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        if marker in (0xD9, 0xDA):
            raise ValueError("JPEG without a frame header before its scan data (corrupt)")
        if marker in _SOF:
            h, w = _u(">H", d, pos + 3), _u(">H", d, pos + 5)
            if h == 0:
                raise ValueError("JPEG whose height is defined later (DNL) is not supported")
            return w, h
        pos += _u(">H", d, pos)


def _bmp(d: bytes) -> tuple[int, int]:
    if _u("<I", d, 14) == 12:  # OS/2 1.x header: 16-bit sizes
        return _u("<H", d, 18), _u("<H", d, 20)
    return abs(_u("<i", d, 18)), abs(_u("<i", d, 22))  # negative height: top-down rows


def _webp(d: bytes) -> tuple[int, int]:
    kind = d[12:16]
    if kind == b"VP8 ":
        return _u("<H", d, 26) & 0x3FFF, _u("<H", d, 28) & 0x3FFF
    if kind == b"VP8L":
        bits = _u("<I", d, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X":
        w = int.from_bytes(d[24:27], "little") + 1
        return w, int.from_bytes(d[27:30], "little") + 1
    raise ValueError(f"WebP with an unknown first chunk {kind!r}")


def _tiff(d: bytes) -> tuple[int, int]:
    e = "<" if d[:2] == b"II" else ">"
    if _u(e + "H", d, 2) != 42:
        raise ValueError("BigTIFF files are not supported (their size cannot be checked)")
    ifd = _u(e + "I", d, 4)
    found = {}
    for k in range(_u(e + "H", d, ifd)):
        entry = ifd + 2 + 12 * k
        tag, kind = _u(e + "H", d, entry), _u(e + "H", d, entry + 2)
        # A repeated tag counts at its first entry, as libtiff (OpenCV's decoder) reads it.
        if tag in (256, 257) and tag not in found:
            found[tag] = _u(e + ("H" if kind == 3 else "I"), d, entry + 8)
    if len(found) < 2:
        raise ValueError("TIFF without ImageWidth/ImageLength tags (corrupt)")
    return found[256], found[257]


def _pnm(d: bytes) -> tuple[int, int]:
    text = d[: min(len(d), 4096)].decode("latin1")
    if text[1] == "7":  # PAM: keyword lines
        fields = dict(line.split(None, 1) for line in text.splitlines()[1:] if " " in line)
        return int(fields["WIDTH"]), int(fields["HEIGHT"])
    tokens = []
    for line in text[2:].splitlines():
        tokens += line.split("#", 1)[0].split()
        if len(tokens) >= 2:
            return int(tokens[0]), int(tokens[1])
    raise _NeedMore("PNM header")


def _hdr(d: bytes) -> tuple[int, int]:
    lines = d[: min(len(d), _PREFIX)].split(b"\n")
    for k, line in enumerate(lines[:-1]):
        if not line.strip():  # the resolution line follows the first blank line
            tokens = lines[k + 1].split()
            return int(tokens[3]), int(tokens[1])
    raise _NeedMore("Radiance header")


def _jp2(d: bytes) -> tuple[int, int]:
    if d[:4] == b"\xff\x4f\xff\x51":  # raw codestream: SIZ marker segment
        return _u(">I", d, 8) - _u(">I", d, 16), _u(">I", d, 12) - _u(">I", d, 20)
    at = d.find(b"ihdr")
    if at < 0:
        raise _NeedMore("JPEG 2000 ihdr box")
    return _u(">I", d, at + 8), _u(">I", d, at + 4)


def _exr(d: bytes) -> tuple[int, int]:
    pos = 8
    while _u("B", d, pos) != 0:
        name_end = d.index(b"\0", pos)
        type_end = d.index(b"\0", name_end + 1)
        size = _u("<I", d, type_end + 1)
        if d[pos:name_end] == b"dataWindow":
            x0, y0, x1, y1 = (_u("<i", d, type_end + 5 + 4 * k) for k in range(4))
            return x1 - x0 + 1, y1 - y0 + 1
        pos = type_end + 5 + size
    raise ValueError("OpenEXR without a dataWindow attribute (corrupt)")


_FORMATS = (
    (b"\x89PNG\r\n\x1a\n", "PNG", _png),
    (b"\xff\xd8\xff", "JPEG", _jpeg),
    (b"BM", "BMP", _bmp),
    (b"II*\0", "TIFF", _tiff),
    (b"MM\0*", "TIFF", _tiff),
    (b"II+\0", "TIFF", _tiff),
    (b"MM\0+", "TIFF", _tiff),
    (b"GIF8", "GIF", lambda d: (_u("<H", d, 6), _u("<H", d, 8))),
    (b"\x59\xa6\x6a\x95", "Sun raster", lambda d: (_u(">I", d, 4), _u(">I", d, 8))),
    (b"#?", "Radiance HDR", _hdr),
    (b"\0\0\0\x0cjP  ", "JPEG 2000", _jp2),
    (b"\xff\x4f\xff\x51", "JPEG 2000", _jp2),
    (b"\x76\x2f\x31\x01", "OpenEXR", _exr),
)


def read_header(data: bytes) -> ImageHeader:
    """Parse the declared format and size from the first bytes of an image file.

    Raises
    ------
    ValueError
        If the bytes are no known image format or the header is corrupt or incomplete.
    """
    fmt, parse = None, None
    for magic, name, fn in _FORMATS:
        if data.startswith(magic):
            fmt, parse = name, fn
            break
    if fmt is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        fmt, parse = "WebP", _webp
    if fmt is None and len(data) > 2 and data[:1] == b"P" and data[1:2] in b"1234567":
        fmt, parse = "PNM", _pnm
    if fmt is None:
        raise ValueError(f"not an image OpenCV can read (the file starts with {data[:8]!r})")
    try:
        width, height = parse(data)
    except _NeedMore:
        raise
    except (ValueError, KeyError, IndexError, struct.error) as exc:
        raise ValueError(f"corrupt {fmt} header: {exc}") from None
    if width <= 0 or height <= 0:
        raise ValueError(f"{fmt} header declares an empty {width}x{height} image (corrupt)")
    return ImageHeader(fmt, int(width), int(height))
