"""Per-crate and per-file tables (Markdown, plain data) and the shields.io badge."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from ferrox.coverage.model import FileCoverage, Group, Totals
from ferrox.model import Table

BADGE_COLOURS = ((90.0, "brightgreen"), (80.0, "green"), (70.0, "yellowgreen"), (60.0, "yellow"))


def parse_thresholds(entries: Iterable[str]) -> dict[str, float]:
    """``NAME=PERCENT`` entries as a mapping; ValueError names the bad entry."""
    parsed: dict[str, float] = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        try:
            percent = float(value)
        except ValueError:
            percent = -1.0
        if not sep or not name.strip() or not 0 <= percent <= 100:
            raise ValueError(f"{entry!r} is not NAME=PERCENT with a percent from 0 to 100")
        parsed[name.strip()] = percent
    return parsed


def group_by_crate(
    files: Iterable[FileCoverage], crates: Mapping[str, str], exclude: Sequence[str] = ()
) -> list[Group]:
    """Files assigned to the crate whose directory (root-relative, "." for the root) holds them.

    The deepest directory wins, so a member nested in another member's folder keeps its files.
    Files in no crate's directory are left out: they are not the workspace's own code; so are
    files whose path inside their crate matches an ``exclude`` pattern (fnmatch: ``benches/*``).
    """
    ordered = sorted(crates.items(), key=lambda item: -len(PurePosixPath(item[1]).parts))
    grouped: dict[str, list[FileCoverage]] = {name: [] for name in crates}
    for item in files:
        path = PurePosixPath(item.path)
        for name, directory in ordered:
            if directory in ("", ".") or path.is_relative_to(directory):
                inside = path.as_posix() if directory in ("", ".") else path.relative_to(directory)
                if not any(fnmatch.fnmatchcase(str(inside), p) for p in exclude):
                    grouped[name].append(item)
                break
    return [Group(name, "rust", tuple(found)) for name, found in sorted(grouped.items()) if found]


def percent_text(value: float | None) -> str:
    """``83.3%``, or ``n/a`` when nothing was measured."""
    return "n/a" if value is None else f"{value:.1f}%"


def markdown(
    groups: Sequence[Group], thresholds: Mapping[str, float], *, title: str = "Coverage"
) -> str:
    """The per-crate table, then every file in a collapsed table."""
    lines = [
        f"#### {title}",
        "",
        "| Crate | Language | Lines | Covered | Line % | Required |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for group in groups:
        t = group.totals
        required = thresholds.get(group.name)
        lines.append(
            f"| `{_cell(group.name)}` | {group.language} | {t.total} | {t.covered} "
            f"| {percent_text(t.percent)} | {'-' if required is None else f'{required:g}%'} |"
        )
    lines += ["", "<details><summary>Files</summary>", ""]
    lines += ["| File | Lines | Covered | Line % |", "| --- | ---: | ---: | ---: |"]
    for group in groups:
        for item in group.files:
            t = Totals(item.covered, item.total)
            lines.append(
                f"| `{_cell(item.path)}` | {t.total} | {t.covered} | {percent_text(t.percent)} |"
            )
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def step_tables(groups: Sequence[Group], thresholds: Mapping[str, float]) -> tuple[Table, ...]:
    """The per-crate and per-file tables every report shows (terminal, Markdown, JSON)."""
    crates = Table(
        "Coverage per crate",
        ("crate", "language", "lines", "covered", "line %", "required"),
        tuple(
            (
                group.name,
                group.language,
                str(group.totals.total),
                str(group.totals.covered),
                percent_text(group.totals.percent),
                "-" if thresholds.get(group.name) is None else f"{thresholds[group.name]:g}%",
            )
            for group in groups
        ),
    )
    files = Table(
        "Coverage per file",
        ("file", "lines", "covered", "line %"),
        tuple(
            (
                item.path,
                str(item.total),
                str(item.covered),
                percent_text(Totals(item.covered, item.total).percent),
            )
            for group in groups
            for item in group.files
        ),
    )
    return (crates, files)


def as_data(groups: Sequence[Group]) -> list[dict[str, Any]]:
    """The tables as JSON-ready data: each crate with its totals and its files."""
    return [
        {
            "name": group.name,
            "language": group.language,
            **_totals(group.totals),
            "files": [
                {
                    "path": item.path,
                    **_totals(
                        Totals(item.covered, item.total, item.branches_hit, item.branches_found)
                    ),
                    "uncovered_lines": list(item.uncovered_lines),
                }
                for item in group.files
            ],
        }
        for group in groups
    ]


def badge(percent: float | None, label: str = "coverage") -> dict[str, Any]:
    """A shields.io endpoint document (https://shields.io/badges/endpoint-badge)."""
    colour = "lightgrey" if percent is None else "red"
    if percent is not None:
        colour = next(
            (c for limit, c in BADGE_COLOURS if percent >= limit),
            "orange" if percent >= 50 else "red",
        )
    return {"schemaVersion": 1, "label": label, "message": percent_text(percent), "color": colour}


def _totals(t: Totals) -> dict[str, Any]:
    return {
        "lines": t.total,
        "covered": t.covered,
        "percent": None if t.percent is None else round(t.percent, 2),
        "branches": t.branches_found,
        "branches_covered": t.branches_hit,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")
