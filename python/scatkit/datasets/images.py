"""Reading one image file safely: the declared size is checked before anything is decoded.

A file's header is parsed here, by hand, for every format in :data:`IMAGE_EXTENSIONS`, so a
"decompression bomb" (a small file that declares a huge canvas) is refused before OpenCV
allocates the canvas. Only then does OpenCV decode the bytes. Valid but unusual images
(16-bit, palette, grayscale + alpha, a PNG named ``.jpg``) are decoded by their content into
the usual float32 [0, 1] convention; alpha is dropped (the colour values are kept as stored).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._dataset import unit_float

#: Largest canvas (width x height) a file may declare; about Pillow's guard of the same name.
DEFAULT_MAX_PIXELS = 100_000_000

#: File name endings OpenCV decodes; other files in a class folder are reported as skipped.
IMAGE_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".bmp",
    ".dib",
    ".tif",
    ".tiff",
    ".webp",
    ".pbm",
    ".pgm",
    ".ppm",
    ".pnm",
    ".pxm",
    ".sr",
    ".ras",
    ".jp2",
    ".hdr",
    ".pic",
    ".exr",
)

# Enough for the header of every format here except JPEG or TIFF files whose size sits
# behind large metadata; those are read whole (after the file-size bound).
_PREFIX = 1 << 16
# Compressed or raw pixel data never needs more than 8 bytes per pixel (16-bit RGBA), plus
# room for metadata; a larger file is refused before it is read into memory.
_BYTES_PER_PIXEL = 8
_METADATA_SLACK = 1 << 24


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
        if tag in (256, 257):
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


def check_max_pixels(max_pixels: Any) -> int:
    """Return ``max_pixels`` as a positive int, or raise TypeError/ValueError."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)):
        raise TypeError(f"max_pixels must be a positive integer, got {max_pixels!r}.")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive integer, got {max_pixels}.")
    return int(max_pixels)


def _read_checked(path: str, max_pixels: int, whole: bool) -> tuple[ImageHeader, bytes]:
    """Header (and the bytes read) of ``path``; every failure is a ValueError naming it."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise ValueError(f"cannot decode {path}: the file is empty (0 bytes).")
            limit = max_pixels * _BYTES_PER_PIXEL + _METADATA_SLACK
            if size > limit:
                raise ValueError(
                    f"cannot decode {path}: the file holds {size} bytes, more than an image of "
                    f"max_pixels={max_pixels} needs; raise max_pixels if it is genuine."
                )
            data = fh.read() if whole else fh.read(_PREFIX)
            try:
                header = read_header(data)
            except _NeedMore as exc:
                if len(data) == size:
                    raise ValueError(f"truncated image ({exc})") from None
                data += fh.read()
                header = read_header(data)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    except _NeedMore as exc:
        raise ValueError(f"cannot decode {path}: truncated image ({exc}).") from None
    except ValueError as exc:
        msg = str(exc)
        msg = msg if msg.startswith("cannot ") else f"cannot decode {path}: {msg}."
        raise ValueError(msg) from None
    # A JPEG cut short has no end-of-image marker after its last scan (an EXIF thumbnail's
    # markers lie before both); some OpenCV builds would return the half-decoded picture.
    if whole and header.format == "JPEG" and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        raise ValueError(f"cannot decode {path}: truncated JPEG (no end-of-image marker).")
    if header.pixels > max_pixels:
        raise ValueError(
            f"cannot decode {path}: its {header.format} header declares "
            f"{header.width}x{header.height} = {header.pixels} pixels, more than "
            f"max_pixels={max_pixels} (a decompression bomb, or raise max_pixels)."
        )
    return header, data


def probe_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageHeader:
    """Check an image file cheaply, reading its header only (not decoding it).

    Catches empty files, non-images, corrupt headers and declared sizes over ``max_pixels``;
    a file truncated inside its pixel data passes and fails later, when decoded.

    Raises
    ------
    ValueError
        Naming the file and what is wrong with it.
    """
    return _read_checked(os.fspath(path), check_max_pixels(max_pixels), whole=False)[0]


def cv2_module() -> Any:
    """Import OpenCV, or raise ImportError saying how to install it."""
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(
            "reading image files needs OpenCV; install it with "
            "`pip install opencv-python-headless` (or `pip install scatkit[cv]`)."
        ) from exc
    return cv2


def read_image(
    path: str | os.PathLike,
    grayscale: bool = False,
    size: tuple[int, int] | None = None,
    resize: str = "crop",
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Read one image file with OpenCV into float32 in [0, 1].

    Parameters
    ----------
    path : str or path-like
        Image file (any format OpenCV decodes; 8- or 16-bit, palette, with or without
        alpha; the content decides the format, not the name).
    grayscale : bool
        Return ``(H, W)`` luminance instead of ``(3, H, W)`` RGB.
    size : (H, W), optional
        Output size; see ``resize``. None keeps the file's size.
    resize : {"crop", "stretch"}
        ``"crop"`` scales the image so it covers ``size`` with its aspect ratio kept,
        then cuts the centre; ``"stretch"`` scales each axis to ``size`` directly.
    max_pixels : int
        Largest width x height a file may declare; checked in the header before decoding.

    Raises
    ------
    ValueError
        If the file cannot be read or decoded, or declares more than ``max_pixels``.
    """
    cv2 = cv2_module()
    size = check_size(size)
    check_resize(resize)
    _, data = _read_checked(os.fspath(path), check_max_pixels(max_pixels), whole=True)
    flags = cv2.IMREAD_ANYDEPTH | (cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR)
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if img is None:
        raise ValueError(f"cannot decode {path}: not an image OpenCV can read, or corrupt.")
    if size is not None:
        img = _fit(cv2, img, size, resize)
    try:
        img = unit_float(img)
    except TypeError as exc:
        raise ValueError(f"cannot use {path}: {exc}") from exc
    if grayscale:
        return img
    # OpenCV decodes colour as BGR; the convention here is RGB, channel first.
    return np.ascontiguousarray(img[:, :, ::-1].transpose(2, 0, 1))


def _fit(cv2: Any, img: np.ndarray, size: tuple[int, int], resize: str) -> np.ndarray:
    H, W = size
    h, w = img.shape[:2]
    if (h, w) == (H, W):
        return img
    if resize == "stretch":
        new_h, new_w = H, W
    else:
        scale = max(H / h, W / w)
        new_h, new_w = max(H, int(round(h * scale))), max(W, int(round(w * scale)))
    # INTER_AREA averages when shrinking (no aliasing); INTER_LINEAR when enlarging.
    shrink = new_h * new_w < h * w
    img = cv2.resize(
        img, (new_w, new_h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )
    top, left = (new_h - H) // 2, (new_w - W) // 2
    return img[top : top + H, left : left + W]


def check_resize(resize: Any) -> None:
    """Raise ValueError unless ``resize`` is ``"crop"`` or ``"stretch"``."""
    if resize not in ("crop", "stretch"):
        raise ValueError(f"resize must be 'crop' or 'stretch', got {resize!r}.")


def check_size(size: Any) -> tuple[int, int] | None:
    """Return ``size`` as ``(H, W)`` of positive ints (or None), else raise."""
    if size is None:
        return None
    try:
        H, W = size
    except (TypeError, ValueError):
        raise TypeError(f"size must be a pair (H, W) of positive integers, got {size!r}.") from None
    for v in (H, W):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"size must be a pair (H, W) of positive integers, got {size!r}.")
    return int(H), int(W)
