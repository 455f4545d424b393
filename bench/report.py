"""Rendering of the benchmarks' reports: number formats, Markdown tables and text templates.

The prose of every report lives in a template under ``bench/templates/`` (``string.Template``
syntax, ``$name``); the drivers compute only the values (numbers formatted here, tables built by
``markdown_table``). Two directives, each a whole line, add to ``string.Template``:

* ``%if NAME`` ... ``%end``: the lines between are kept only when the value ``NAME`` is truthy
  (a sentence or table that does not apply to a run leaves nothing behind);
* ``%section NAME``: splits a template into named sections; ``render`` can give a subset
  (e.g. the tables that bench/RESULTS.md quotes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from string import Template
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"
_DIRECTIVE = re.compile(r"^%(section|if|end)\b ?(\w*)$")


def fmt_time(s: float | None) -> str:
    """Seconds as '12.3 ms', '1.23 s', '45.6 us'; 'n/a' for None or NaN."""
    if s is None or s != s:
        return "n/a"
    if s < 0:
        return "-" + fmt_time(-s)
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms" if s < 0.1 else f"{s * 1e3:.0f} ms"
    return f"{s * 1e6:.3g} us"


def fmt_mib(b: float | None) -> str:
    """Bytes as MiB with one decimal; 'n/a' for None."""
    return "n/a" if b is None else f"{b / 2**20:.1f} MiB"


def fmt_ratio(r: float | None) -> str:
    """A ratio as '12.3x'; 'n/a' for None or NaN."""
    if r is None or r != r:
        return "n/a"
    return f"{r:.3g}x" if r < 100 else f"{r:.0f}x"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns (readable as plain text too), ending in a newline."""
    cols = [list(map(str, c)) for c in zip(headers, *rows)]
    widths = [max(len(s) for s in c) for c in cols]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    # The trailing newline leaves a blank line after the table when joined with text: Markdown
    # would otherwise read the next sentence as one more row.
    return "\n".join(out) + "\n"


def sections(name: str) -> list[str]:
    """Names of the sections of template ``name``, in order."""
    text = (TEMPLATES / name).read_text()
    found = (_DIRECTIVE.match(line) for line in text.split("\n"))
    return [m.group(2) for m in found if m and m.group(1) == "section"]


def render(name: str, values: Mapping[str, Any], only: Sequence[str] | None = None) -> str:
    """Template ``bench/templates/<name>`` filled with ``values``.

    Parameters
    ----------
    name : str
        File name of the template.
    values : mapping
        Placeholder -> text; also the conditions of ``%if NAME`` blocks (kept when truthy).
    only : sequence of str, optional
        Render only these sections (all when None).

    Returns
    -------
    str
        The text; a value that spans several lines is inserted as it is.
    """
    text = (TEMPLATES / name).read_text()
    out: list[str] = []
    keep = only is None
    shown: list[bool] = []  # one entry per open %if block
    for line in text[:-1].split("\n") if text.endswith("\n") else text.split("\n"):
        m = _DIRECTIVE.match(line)
        if m and m.group(1) == "section":
            keep = only is None or m.group(2) in only
        elif m and m.group(1) == "if":
            shown.append(bool(values[m.group(2)]))
        elif m:
            shown.pop()
        elif keep and all(shown):
            out.append(Template(line).substitute(values))
    if shown:
        raise ValueError(f"template {name}: {len(shown)} %if without %end")
    return "\n".join(out)
