"""What a project contains (Rust, Python), so composite steps run only the scanners that apply."""

from __future__ import annotations

import os
from pathlib import Path

from ferrox.config import TOML_ERRORS, parse_toml

# Directories that hold build output, environments or VCS data, never the project's own sources.
_SKIP_DIRS = frozenset(
    {".git", ".hg", ".nox", ".tox", ".venv", "venv", "target", "node_modules", "__pycache__"}
)
_SETUP_FILES = ("setup.py", "setup.cfg")
_PYTHON_MARKERS = ("pyproject.toml", *_SETUP_FILES)
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


def has_python_dependencies(root: Path) -> bool:
    """Whether ``root`` declares Python dependencies (requirements files, pyproject, setup).

    A Rust repository's noxfile.py and tasks.py make it hold Python files, but give dependency
    scanners nothing to audit; only declared dependencies do.
    """
    if any(root.glob("requirements*.txt")) or any((root / m).is_file() for m in _SETUP_FILES):
        return True
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        project = parse_toml(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, *TOML_ERRORS):
        return True  # unreadable: let the scanner say what is wrong, never skip it silently
    return bool(project.get("dependencies") or project.get("optional-dependencies"))
