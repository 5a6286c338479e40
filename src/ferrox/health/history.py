"""The health history: one JSON object per run in a JSON Lines file (see :mod:`ferrox.jsonl`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox import jsonl
from ferrox.errors import ToolError


@dataclass(frozen=True)
class Entry:
    """One recorded run: when, which commit, the score and the inputs it came from."""

    timestamp: str
    commit: str
    score: int
    inputs: dict[str, int | None]

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines record."""
        return {
            "timestamp": self.timestamp,
            "commit": self.commit,
            "score": self.score,
            "inputs": dict(self.inputs),
        }


def append(path: Path, entry: Entry) -> str | None:
    """Appends ``entry`` durably under the lock; returns a torn tail it cut off, if any."""
    try:
        return jsonl.append_record(path, entry.to_dict())
    except jsonl.JsonLinesError as exc:
        raise ToolError(f"health: {exc}", tool="ferrox") from exc


def read(path: Path) -> tuple[list[Entry], str | None]:
    """The recorded runs (oldest first) and a skipped torn last line; corruption: ToolError."""
    try:
        found = jsonl.read_records(path)
    except jsonl.JsonLinesError as exc:
        raise ToolError(f"health: {exc}", tool="ferrox") from exc
    entries = []
    for number, record in enumerate(found.records, start=1):
        score = record.get("score")
        inputs = record.get("inputs", {})
        if isinstance(score, bool) or not isinstance(score, int) or not isinstance(inputs, dict):
            raise ToolError(
                f"health: {path}: record {number} is not a health record", tool="ferrox"
            )
        entries.append(
            Entry(str(record.get("timestamp", "")), str(record.get("commit", "")), score, inputs)
        )
    return entries, found.torn
