"""Reading one image file safely: the declared size is checked before anything is decoded.

A file's header is parsed first, by hand (``_headers.py``, re-exported here as
:func:`read_header` and :class:`ImageHeader`), for every format in :data:`IMAGE_EXTENSIONS`, so a
"decompression bomb" (a small file that declares a huge canvas) is refused before OpenCV
allocates the canvas. Only then does OpenCV decode the bytes. Valid but unusual images
(16-bit, palette, grayscale + alpha, a PNG named ``.jpg``) are decoded by their content into
the usual float32 [0, 1] convention; alpha is dropped (the colour values are kept as stored).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._dataset import unit_float
from ._headers import _PREFIX, ImageHeader, _NeedMore, read_header

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

# Compressed or raw pixel data never needs more than 8 bytes per pixel (16-bit RGBA), plus
# room for metadata; a larger file is refused before it is read into memory.
_BYTES_PER_PIXEL = 8
_METADATA_SLACK = 1 << 24


def check_max_pixels(max_pixels: Any) -> int:
    """Return ``max_pixels`` as a positive int, or raise TypeError/ValueError."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)):
        raise TypeError(f"max_pixels must be a positive integer, got {max_pixels!r}.")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive integer, got {max_pixels}.")
    return int(max_pixels)


def _check_png_chunks(path: str, data: bytes) -> None:
    """Every PNG chunk up to IEND must lie inside the file: OpenCV's decoder allocates a chunk's
    declared length before reading it, so an 87-byte file declaring a 3 GB chunk would take
    seconds and gigabytes (found by fuzz_images.py)."""
    i = 8
    while i < len(data):
        if i + 8 > len(data):
            raise ValueError(f"cannot decode {path}: truncated PNG (a chunk header is cut).")
        n = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        if n > len(data) - i - 12:
            raise ValueError(
                f"cannot decode {path}: corrupt PNG (chunk {kind!r} declares {n} bytes, the "
                f"file has {max(0, len(data) - i - 12)} left)."
            )
        if kind == b"IEND":
            return
        i += 12 + n
    raise ValueError(f"cannot decode {path}: truncated PNG (no IEND chunk).")


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
    if whole and header.format == "PNG":
        _check_png_chunks(path, data)
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
    header, data = _read_checked(os.fspath(path), check_max_pixels(max_pixels), whole=True)
    flags = cv2.IMREAD_ANYDEPTH | (cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR)
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if img is None:
        raise ValueError(f"cannot decode {path}: not an image OpenCV can read, or corrupt.")
    # The size checks above trust the header: a file the decoder reads at another size is
    # refused (EXIF orientation may swap the sides of a JPEG).
    if img.shape[:2] not in ((header.height, header.width), (header.width, header.height)):
        raise ValueError(
            f"cannot decode {path}: its {header.format} header declares "
            f"{header.width}x{header.height} but it decodes to {img.shape[1]}x{img.shape[0]} "
            f"(corrupt or ambiguous file)."
        )
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
