"""Where results JSON lives and how a run writes it (``<prefix>-<stamp>.json`` + ``-latest``)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"


def write_results(
    data: dict[str, Any], prefix: str, results_dir: Path = RESULTS_DIR, stamp: str = ""
) -> Path:
    """Write ``<prefix>-<stamp>.json`` and ``<prefix>-latest.json``; returns the first.

    ``stamp`` defaults to the current local time (YYYYmmdd-HHMMSS); pass the same stamp to
    rewrite the same pair of files.
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S", time.localtime())
    text = json.dumps(data, indent=1, allow_nan=True) + "\n"
    path = results_dir / f"{prefix}-{stamp}.json"
    path.write_text(text)
    (results_dir / f"{prefix}-latest.json").write_text(text)
    return path


def load_results(name: str, results_dir: Path = RESULTS_DIR) -> dict[str, Any]:
    """The results JSON ``<results_dir>/<name>.json`` (e.g. ``cpu-latest``)."""
    return json.loads((results_dir / f"{name}.json").read_text())
