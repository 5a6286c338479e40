"""Writing files whole: a reader (a CI job, a dashboard, the next run) never sees half a file.

Reports and baselines are read by other processes, possibly while ferrox is writing them, and a
run may be killed mid-write; writing a temporary sibling and renaming it over the target makes
the change all-or-nothing (a rename within one directory is atomic).
"""

from __future__ import annotations

from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Writes ``text`` to a temporary sibling, then renames it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
