"""The benchmark history: append-only JSON Lines, one :class:`BenchRun` per line.

The locking, fsync and torn-line handling live in :mod:`ferrox.jsonl` (shared with the health
history); this module maps its records to and from :class:`BenchRun`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ferrox import jsonl
from ferrox.bench.schema import BenchRun, run_from_dict

LOCK_TIMEOUT_S = jsonl.LOCK_TIMEOUT_S


class HistoryError(Exception):
    """The history cannot be read or written honestly (corrupt record, lock not obtained)."""


@dataclass(frozen=True)
class History:
    """The runs read from a history file, and what had to be skipped."""

    runs: tuple[BenchRun, ...]
    torn: str | None = None  # the skipped torn last line, shortened, if any


def append(path: Path, run: BenchRun, *, timeout: float = LOCK_TIMEOUT_S) -> str | None:
    """Appends one run under the lock, durably; returns the torn tail it cut off, if any."""
    try:
        return jsonl.append_record(path, run.to_dict(), timeout=timeout)
    except jsonl.JsonLinesError as exc:
        raise HistoryError(str(exc)) from exc


def read(path: Path) -> History:
    """Every complete run in the file; a torn last line is skipped and reported, not fatal.

    A malformed line anywhere else means the file was edited or corrupted: HistoryError.
    """
    try:
        found = jsonl.read_records(path)
        runs = []
        for number, record in enumerate(found.records, start=1):
            try:
                runs.append(run_from_dict(record))
            except ValueError as exc:
                raise HistoryError(f"{path}:{number}: corrupt history record ({exc})") from exc
    except jsonl.JsonLinesError as exc:
        raise HistoryError(str(exc)) from exc
    return History(tuple(runs), found.torn)
