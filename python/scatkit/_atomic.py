"""Write a file so that readers see either the old file or the whole new one, never a part.

Extraction chunks, the feature cache and training checkpoints are read back by later runs
(resume, cache hits); a run killed mid-write must not leave a truncated file in their place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Temporary files start with this, so folder listings can tell them from finished files.
TEMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    Write the whole file to the yielded path inside the ``with`` block. When the block
    ends normally the file is flushed to disk (fsync) and renamed onto ``target`` with
    :func:`os.replace`, which is atomic within one folder. When the block raises (including
    KeyboardInterrupt), the temporary file is removed and ``target`` is left as it was.

    The temporary name keeps ``target``'s suffix, so writers that append a missing one
    (:func:`numpy.save` adds ``.npy``, :func:`numpy.savez` ``.npz``) write to the yielded
    path itself. Missing parent folders are created.

    Parameters
    ----------
    target : path
        The file to create or replace.

    Examples
    --------
    >>> with atomic_path("features.npy") as tmp:  # doctest: +SKIP
    ...     np.save(tmp, features)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=target.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
            # A failed write (a full disk, a quota) names no file; say which one it was.
            raise OSError(
                exc.errno, f"{exc.strerror or exc}; {target} was not written", None
            ) from exc
        raise
    _fsync_folder(target.parent)


def _fsync_file(path: Path) -> None:
    # The writer may have closed its own handle; fsync through a new one flushes the same
    # file, so the rename never publishes a name whose data is still only in the page cache.
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; folders cannot be opened this way on Windows.
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
