"""The JSON report: ``<report-dir>/<step>.json``, schema documented in docs/report-format.md."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ferrox import __version__
from ferrox.files import write_text_atomic
from ferrox.model import StepResult, Table

SCHEMA_VERSION = 1
SCHEMA_ID = "https://github.com/ferrox-dev/ferrox/blob/main/src/ferrox/report/report-v1.schema.json"


def to_dict(result: StepResult, root: Path, reports: Mapping[str, str]) -> dict[str, Any]:
    """The report as plain data (version ``SCHEMA_VERSION``)."""
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "ferrox_version": __version__,
        "step": result.step,
        "tool": result.tool,
        "tool_version": result.tool_version,
        "status": result.status.value,
        "exit_code": result.status.exit_code,
        "summary": result.summary,
        "error": result.error,
        "root": str(root),
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "metrics": dict(result.metrics),
        "gates": [dataclasses.asdict(check) for check in result.gates],
        "findings": [
            {**dataclasses.asdict(finding), "level": finding.level.value}
            for finding in result.findings
        ],
        "tests": [
            {
                "suite": case.suite,
                "name": case.name,
                "outcome": case.outcome.value,
                "duration_s": case.duration_s,
                "message": case.message,
            }
            for case in result.tests
        ],
        "commands": [
            {**dataclasses.asdict(command), "argv": list(command.argv)}
            for command in result.commands
        ],
        "reports": dict(reports),
        **({"parts": [to_dict(part, root, {}) for part in result.parts]} if result.parts else {}),
        **({"extra": dict(result.extra)} if result.extra else {}),
        **({"tables": [_table(table) for table in result.tables]} if result.tables else {}),
        **({"outputs": dict(result.outputs)} if result.outputs else {}),
    }


def _table(table: Table) -> dict[str, Any]:
    return {
        "title": table.title,
        "columns": list(table.columns),
        "rows": [list(r) for r in table.rows],
    }


def write(path: Path, result: StepResult, root: Path, reports: Mapping[str, str]) -> None:
    """Writes the JSON report atomically (a reader never sees half a file)."""
    write_text_atomic(path, json.dumps(to_dict(result, root, reports), indent=2) + "\n")
