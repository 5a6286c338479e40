"""Reads the findings tables of the fixture READMEs, so the tests check what the docs promise."""

from __future__ import annotations

from pathlib import Path


def markdown_table(path: Path, first_column: str) -> list[dict[str, str]]:
    """The rows of the table in ``path`` whose first header cell is ``first_column``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        cells = _cells(line)
        if cells and cells[0] == first_column:
            rows = []
            for row in lines[index + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(cells, _cells(row), strict=True)))
            return rows
    raise AssertionError(f"no table starting with {first_column!r} in {path}")


def _cells(line: str) -> list[str]:
    if not line.startswith("|"):
        return []
    return [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
