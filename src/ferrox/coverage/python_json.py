"""coverage.py's JSON report (``coverage json``): the Python side of a mixed repository."""

from __future__ import annotations

import json

from ferrox.coverage.model import CoverageFormatError, FileCoverage


def parse_coverage_py_json(text: str) -> list[FileCoverage]:
    """The files of a ``coverage json`` report; anything else raises CoverageFormatError."""
    try:
        data = json.loads(text)
        files = []
        for path, entry in sorted(data["files"].items()):
            executed = [int(n) for n in entry["executed_lines"]]
            missing = [int(n) for n in entry["missing_lines"]]
            lines = {**dict.fromkeys(missing, 0), **dict.fromkeys(executed, 1)}
            summary = entry.get("summary", {})
            found = int(summary.get("num_branches", 0))
            hit = int(summary.get("covered_branches", 0))
            files.append(FileCoverage(str(path).replace("\\", "/"), lines, found, hit))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CoverageFormatError(f"not a coverage.py JSON report ({exc!r})") from exc
    return files
