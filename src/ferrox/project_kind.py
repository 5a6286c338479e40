"""What a project contains (Rust, Python), so composite steps run only the scanners that apply."""

from __future__ import annotations

import os
from pathlib import Path

# Directories that hold build output, environments or VCS data, never the project's own sources.
_SKIP_DIRS = frozenset(
    {".git", ".hg", ".nox", ".tox", ".venv", "venv", "target", "node_modules", "__pycache__"}
)
_PYTHON_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
_MAX_DEPTH = 4


def has_rust_project(root: Path) -> bool:
    """Whether ``root`` holds a Cargo.toml."""
    return (root / "Cargo.toml").is_file()


def has_python_project(root: Path) -> bool:
    """Whether ``root`` has Python packaging files, requirements files or Python sources."""
    if any((root / marker).is_file() for marker in _PYTHON_MARKERS):
        return True
    if any(root.glob("requirements*.txt")):
        return True
    return bool(python_sources(root, limit=1))


def python_sources(root: Path, limit: int | None = None) -> list[Path]:
    """``*.py`` files under ``root`` (at most ``limit``), skipping build and environment dirs."""
    found: list[Path] = []
    base_depth = len(root.parts)
    for directory, subdirs, files in os.walk(root):
        depth = len(Path(directory).parts) - base_depth
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in _SKIP_DIRS and not d.startswith(".") and depth < _MAX_DEPTH
        )
        for name in sorted(files):
            if name.endswith(".py"):
                found.append(Path(directory) / name)
                if limit is not None and len(found) >= limit:
                    return found
    return found
