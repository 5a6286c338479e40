"""Where each package sits in Cargo.lock, so findings about a dependency point at its entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import ToolError, UsageError

_FIELD = re.compile(r'^(name|version)\s*=\s*"([^"]*)"\s*$')


@dataclass(frozen=True)
class LockFile:
    """A Cargo.lock: its path and the line of each package's ``name =`` entry."""

    path: Path
    lines: dict[tuple[str, str], int]

    def line_of(self, name: str, version: str | None = None) -> int | None:
        """The line of the package (any version when none is given), or None."""
        if version is not None:
            return self.lines.get((name, version))
        return next((line for (n, _), line in sorted(self.lines.items()) if n == name), None)


def find_lockfile(*directories: Path) -> Path:
    """The first ``Cargo.lock`` among the directories; a usage error naming them otherwise."""
    for directory in directories:
        candidate = directory / "Cargo.lock"
        if candidate.exists():
            return candidate
    raise UsageError(
        f"no Cargo.lock in {directories[0]}: the dependency scanners read the lock file and do "
        "not create one",
        hint="commit a Cargo.lock (cargo generate-lockfile creates it)",
    )


def read_lockfile(path: Path, tool: str) -> LockFile:
    """Reads a Cargo.lock; an unreadable one leaves the scanner without a verdict (ToolError)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolError(f"cannot read {path}: {exc}", tool=tool) from exc
    return LockFile(path, package_lines(text))


def package_lines(text: str) -> dict[tuple[str, str], int]:
    """(name, version) -> 1-based line of the ``name =`` key of each ``[[package]]`` entry."""
    found: dict[tuple[str, str], int] = {}
    name: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == "[[package]]":
            name = None
            continue
        match = _FIELD.match(line.strip())
        if match and match[1] == "name":
            name = (match[2], number)
        elif match and name is not None:
            found[(name[0], match[2])] = name[1]
            name = None
    return found
