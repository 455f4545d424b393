"""The rooms' arrows and docs/architecture.md, checked against the tree.

Arrows run one way: bindings -> public API; backends -> engine core -> public API; the FFT
utilities sit below both the filter bank and the backends; library modules never import the
command line. The architecture page must name every room that exists and only rooms that exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def _includes(path: Path) -> list[str]:
    return INCLUDE.findall(path.read_text(encoding="utf-8"))


def _sources(folder: str, *patterns: str) -> list[Path]:
    base = ROOT / folder
    return sorted(p for pattern in patterns for p in base.glob(pattern) if p.is_file())


def test_bindings_use_only_the_public_api() -> None:
    files = _sources("python/bindings", "*.cpp", "*.hpp")
    assert files, "no binding sources found"
    for path in files:
        for inc in _includes(path):
            assert inc.startswith("scatkit/"), f"{path.name} includes internal header {inc!r}"


@pytest.mark.parametrize("name", ["filter_bank.cpp", "schedule.cpp", "plan.cpp", "c_api.cpp"])
def test_engine_core_does_not_reach_into_a_backend(name: str) -> None:
    for inc in _includes(ROOT / "cpp/src" / name):
        assert not inc.startswith("cpu/"), f"{name} includes the CPU backend's {inc!r}"


def test_fft_room_sits_below_engine_and_backends() -> None:
    files = _sources("cpp/src/fft", "*.cpp", "*.hpp")
    assert files, "cpp/src/fft is empty"
    for path in files:
        for inc in _includes(path):
            assert not inc.startswith("cpu/") and inc not in {
                "backend.hpp",
                "plan.hpp",
                "schedule.hpp",
            }, f"fft/{path.name} includes {inc!r}, a room above it"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT / "python").with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.add(node.module)
    return found


def test_library_never_imports_the_command_line() -> None:
    package = ROOT / "python/scatkit"
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] in {"cli", "__main__.py"}:
            continue
        bad = {m for m in _imports(path) if m == "scatkit.cli" or m.startswith("scatkit.cli.")}
        assert not bad, f"{path.relative_to(ROOT)} imports the CLI ({sorted(bad)})"


def _documented_tree() -> str:
    text = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.DOTALL)
    assert blocks, "docs/architecture.md has no tree block"
    return blocks[0]


def test_architecture_page_names_every_room() -> None:
    tree = _documented_tree()
    rooms = [p for p in (ROOT / "python/scatkit").iterdir() if p.is_dir() and p.name[0] != "_"]
    rooms += [p for p in (ROOT / "cpp/src").iterdir() if p.is_dir()]
    for room in rooms:
        assert f"{room.name}/" in tree, f"docs/architecture.md does not mention {room.name}/"
    modules = [p for p in (ROOT / "python/scatkit").glob("*.py") if p.name not in {"__main__.py"}]
    for module in modules:
        assert module.name in tree, f"docs/architecture.md does not mention {module.name}"


def test_architecture_page_names_only_what_exists() -> None:
    tree = _documented_tree()
    for line in tree.splitlines():
        head = line.split("  ")[0].strip()
        if "/" in head and not head.startswith(("tests/", "bench/", "docs/", "scripts/")):
            assert (ROOT / head.split(",")[0].strip()).exists(), f"{head!r} is not in the tree"
    for name in re.findall(r"\b([a-z_]+\.(?:py|cpp|hpp))\b", tree):
        hits = [p for p in ROOT.rglob(name) if ".git" not in p.parts and "build" not in p.parts]
        assert hits, f"docs/architecture.md names {name}, which does not exist"
