"""The result cache: a passing step's key, verdict and report digests, one file per step.

An entry is trusted only when everything checks: its format, its step, its key, a pass, and
the report files it names, byte for byte. Anything else (a corrupt file, an entry copied from
another step or project, a report edited or deleted since) is a miss and the step re-runs:
never a stale pass. Entries are written whole (temporary file and rename) and only after the
step's reports, so an interrupted run leaves either the old state or the new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.files import write_text_atomic

ENTRY_FORMAT = "ferrox-ci-cache-1"
CACHE_DIR = ".ci-cache"


@dataclass(frozen=True)
class Hit:
    """A usable entry: what the passing run reported."""

    tool: str
    summary: str
    metrics: dict[str, float]
    reports: dict[str, str]  # kind -> file name in the report directory


def entry_path(report_dir: Path, step: str) -> Path:
    """Where the step's entry lives."""
    return report_dir / CACHE_DIR / f"{step}.json"


def lookup(report_dir: Path, step: str, key: str) -> tuple[Hit | None, str]:  # noqa: PLR0911
    # One early return per reason an entry is refused: each says why the step re-runs.
    """The entry for ``step`` if it matches ``key`` and its reports are intact; else why not."""
    path = entry_path(report_dir, step)
    if not path.is_file():
        return None, "no entry"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, "corrupt entry"
    if not isinstance(data, dict) or data.get("format") != ENTRY_FORMAT:
        return None, "unknown entry format"
    if data.get("step") != step:
        return None, "entry of another step"
    if data.get("key") != key:
        return None, "inputs changed"
    if data.get("status") != "pass":
        return None, "entry is not a pass"
    reports = data.get("reports")
    if not isinstance(reports, dict) or "json" not in reports:
        return None, "corrupt entry"
    names: dict[str, str] = {}
    for kind, record in reports.items():
        if not isinstance(record, dict):
            return None, "corrupt entry"
        name, digest = record.get("file"), record.get("sha256")
        if not isinstance(name, str) or Path(name).name != name:
            return None, "corrupt entry"  # a report outside the report directory: foreign
        if _file_digest(report_dir / name) != digest:
            return None, f"report {name} changed or missing"
        names[str(kind)] = name
    metrics = data.get("metrics", {})
    if not isinstance(metrics, dict):
        return None, "corrupt entry"
    return Hit(str(data.get("tool", step)), str(data.get("summary", "")), metrics, names), "hit"


def store(
    report_dir: Path,
    *,
    step: str,
    key: str,
    tool: str,
    summary: str,
    metrics: Mapping[str, float],
    reports: Mapping[str, Path],
) -> None:
    """Records a passing run (call only after its reports are written)."""
    recorded: dict[str, Any] = {}
    for kind, path in reports.items():
        if path.parent.resolve() != report_dir.resolve():
            continue  # the job summary and other files outside the directory are not ours
        recorded[kind] = {"file": path.name, "sha256": _file_digest(path)}
    entry = {
        "format": ENTRY_FORMAT,
        "step": step,
        "key": key,
        "status": "pass",
        "tool": tool,
        "summary": summary,
        "metrics": dict(metrics),
        "reports": recorded,
    }
    write_text_atomic(entry_path(report_dir, step), json.dumps(entry, indent=2) + "\n")


def forget(report_dir: Path, step: str) -> None:
    """Removes the step's entry (before it runs: its old reports are about to be replaced)."""
    entry_path(report_dir, step).unlink(missing_ok=True)


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
