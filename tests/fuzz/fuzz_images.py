"""atheris harness for the image loaders (scatkit.datasets.images).

Bytes from the fuzzer become an image file (the first byte also picks the loader options);
``read_header`` and ``read_image`` must either return a float32 image in [0, 1] of the declared
size or raise ValueError with a message. Anything else (another exception, a crash, a hang,
memory past -rss_limit_mb) is a finding.

Usage: python tests/fuzz/fuzz_images.py NEW_CORPUS_DIR tests/fuzz/corpus/images -max_total_time=30
(the first folder receives new inputs, so the kept corpus is left as it is).
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

# OpenCV logs every undecodable input at ERROR level; the harness checks the outcome itself.
os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")

with atheris.instrument_imports():
    import numpy as np
    from scatkit.datasets import images

# Small enough that no accepted file can take much memory: 2048 x 2048 pixels.
MAX_PIXELS = 2048 * 2048
_DIR = tempfile.mkdtemp(prefix="scatkit-fuzz-")
_EXTS = (".png", ".jpg", ".bmp", ".tif", ".webp", ".pgm", ".txt", "")


def one_input(data: bytes) -> None:
    if not data:
        return
    opts, body = data[0], data[1:]
    path = os.path.join(_DIR, "img" + _EXTS[opts % len(_EXTS)])
    with open(path, "wb") as f:
        f.write(body)
    grayscale = bool(opts & 8)
    size = (7, 5) if opts & 16 else None
    resize = "stretch" if opts & 32 else "crop"
    max_pixels = 64 if opts & 64 else MAX_PIXELS
    try:
        header = images.read_header(body)
    except ValueError:
        header = None
    try:
        img = images.read_image(path, grayscale, size, resize, max_pixels=max_pixels)
    except ValueError as exc:
        assert str(exc), "a ValueError without a message"
        return
    assert img.dtype == np.float32, img.dtype
    assert np.all(np.isfinite(img)) and img.min() >= 0 and img.max() <= 1
    hw = img.shape if grayscale else img.shape[1:]
    assert img.ndim == (2 if grayscale else 3)
    if size is not None:
        assert hw == size, (hw, size)
    elif header is not None:
        assert header.pixels <= max_pixels
        assert hw == (header.height, header.width), (hw, header)


def main() -> None:
    atheris.Setup(sys.argv + ["-rss_limit_mb=2048", "-timeout=20"], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
