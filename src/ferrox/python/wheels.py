"""What a built wheel holds: its importable top-level modules (for the default smoke test)."""

from __future__ import annotations

import zipfile
from pathlib import Path

_EXTENSION_SUFFIXES = (".so", ".pyd")


def top_level_modules(wheel: Path) -> list[str]:
    """The importable top-level names of ``wheel`` (packages, modules, extension modules)."""
    names: set[str] = set()
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            first, _, rest = member.partition("/")
            if first.endswith((".dist-info", ".data")):
                continue
            if rest:
                if rest == "__init__.py":
                    names.add(first)
            elif first.endswith(".py"):
                names.add(first[:-3])
            elif first.endswith(_EXTENSION_SUFFIXES):
                names.add(first.split(".")[0])
    return sorted(name for name in names if name.isidentifier())


def build_backend(pyproject_text: str) -> str:
    """The ``[build-system] build-backend`` of a pyproject.toml ('' when not declared)."""
    from ferrox.config import parse_toml  # noqa: PLC0415

    table = parse_toml(pyproject_text).get("build-system", {})
    backend = table.get("build-backend", "") if isinstance(table, dict) else ""
    return backend if isinstance(backend, str) else ""
