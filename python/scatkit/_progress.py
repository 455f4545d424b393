"""How progress is shown: a bar on a terminal, a few plain lines anywhere else.

One rule for every function and command that reports progress. ``progress`` takes

- ``"auto"``: a tqdm bar when stderr is a terminal; otherwise (CI logs, ``nohup``, a
  notebook's captured output) one plain line every 10% of the work or every 30 s,
  so a log never fills with thousands of redrawn bars;
- ``"always"`` or ``True``: a tqdm bar wherever stderr goes (what ``True`` always meant);
- ``"never"`` or ``False``: nothing.

tqdm is imported only when a bar is drawn, so importing this module costs nothing.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Union

#: The values of ``--progress`` and the strings ``progress=`` accepts.
PROGRESS_CHOICES = ("auto", "always", "never")

#: What ``progress=`` accepts: one of :data:`PROGRESS_CHOICES`, or True ("always") / False.
Progress = Union[bool, str]


def check_progress(value: Any) -> str:
    """``value`` as one of :data:`PROGRESS_CHOICES`; True is "always", False and None "never".

    Raises
    ------
    ValueError
        For anything else, naming the accepted values.
    """
    if value is True:
        return "always"
    if value is False or value is None:
        return "never"
    if isinstance(value, str) and value.strip().lower() in PROGRESS_CHOICES:
        return value.strip().lower()
    raise ValueError(f"progress must be 'auto', 'always', 'never', True or False, got {value!r}.")


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_mode(value: Any, stream: IO[str] | None = None) -> bool:
    """True when ``value`` asks for a progress bar on ``stream`` (default ``sys.stderr``)."""
    mode = check_progress(value)
    if mode == "auto":
        return _isatty(stream if stream is not None else sys.stderr)
    return mode == "always"


def progress_lines(value: Any, stream: IO[str] | None = None) -> bool:
    """True when ``value`` asks for plain progress lines: ``"auto"`` on a non-terminal."""
    if check_progress(value) != "auto":
        return False
    return not _isatty(stream if stream is not None else sys.stderr)


class LineProgress:
    """A tqdm stand-in for a non-terminal: one line every ``fraction`` of ``total`` or ``seconds``.

    It takes the calls the library makes on a bar (``update``, ``set_postfix_str``,
    ``set_postfix``, ``close``, use as a context manager) and prints at most about
    ``1 / fraction`` lines plus one per ``seconds`` of work, and a last one at the end.
    """

    def __init__(
        self,
        total: int,
        desc: str,
        unit: str = "it",
        *,
        fraction: float = 0.1,
        seconds: float = 30.0,
        file: IO[str] | None = None,
    ) -> None:
        self.total, self.desc, self.unit = int(total), desc, unit
        self.n, self.postfix = 0, ""
        self._file = file
        self._step = max(1, int(self.total * fraction))
        self._seconds = seconds
        self._start = self._last_time = time.perf_counter()
        self._next = self._step
        self._closed = False

    def update(self, n: int = 1) -> None:
        """Count ``n`` more done; print a line when a step or the time interval is reached."""
        self.n += n
        now = time.perf_counter()
        if self.n >= self._next or now - self._last_time >= self._seconds:
            if self.n < self.total:
                self._print(now)
            self._next = (self.n // self._step + 1) * self._step

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        """Text shown after the counts on the next line."""
        self.postfix = str(s)

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        """Like tqdm's: ``key=value`` pairs shown after the counts."""
        items = dict(ordered_dict or {}, **kwargs)
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def close(self) -> None:
        """Print the last line (once)."""
        if not self._closed:
            self._closed = True
            self._print(time.perf_counter())

    def _print(self, now: float) -> None:
        self._last_time = now
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        extra = f", {self.postfix}" if self.postfix else ""
        stream = self._file if self._file is not None else sys.stderr
        elapsed = now - self._start
        print(
            f"{self.desc}: {self.n}/{self.total} {self.unit}{pct} [{elapsed:.1f} s{extra}]",
            file=stream,
            flush=True,
        )

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _NoProgress:
    """The bar of ``progress="never"``: takes every call and shows nothing."""

    def update(self, n: int = 1) -> None:
        """Nothing."""

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        """Nothing."""

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        """Nothing."""

    def close(self) -> None:
        """Nothing."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def progress_bar(
    progress: Any,
    *,
    total: int,
    desc: str,
    unit: str = "it",
    leave: bool = True,
    file: IO[str] | None = None,
) -> Any:
    """A tqdm bar, a :class:`LineProgress` or a silent stand-in, as ``progress`` decides.

    Parameters
    ----------
    progress : {"auto", "always", "never"} or bool
        See the module docstring.
    total : int
        Units of work.
    desc, unit : str
        The label and the unit shown.
    leave : bool
        Keep the finished bar on screen (tqdm's ``leave``; plain lines always stay).
    file : stream, optional
        Where to write; default ``sys.stderr`` at the time of the call.
    """
    stream = file if file is not None else sys.stderr
    if progress_mode(progress, stream):
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, leave=leave, file=stream)
    if progress_lines(progress, stream):
        return LineProgress(total, desc, unit, file=stream)
    return _NoProgress()


__all__ = [
    "PROGRESS_CHOICES",
    "LineProgress",
    "Progress",
    "check_progress",
    "progress_bar",
    "progress_lines",
    "progress_mode",
]
