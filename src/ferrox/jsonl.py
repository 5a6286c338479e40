"""Append-only JSON Lines files (benchmark and health histories), safe for concurrent writers.

Writers take a cross-process file lock, append one whole line and fsync before releasing it,
so concurrent writers never interleave. A writer that died mid-line leaves a torn last line: a
reader skips and reports it, and the next writer cuts it off (it was never a complete record)
before appending.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

LOCK_TIMEOUT_S = 60.0


class JsonLinesError(Exception):
    """The file cannot be read or written honestly (corrupt record, lock not obtained)."""


@dataclass(frozen=True)
class Records:
    """The complete records of a file, and the torn last line that had to be skipped."""

    records: tuple[dict[str, Any], ...]
    torn: str | None = None  # shortened


def append_record(
    path: Path, record: Mapping[str, Any], *, timeout: float = LOCK_TIMEOUT_S
) -> str | None:
    """Appends one record under the lock, durably; returns the torn tail it cut off, if any."""
    # Imported here: the health step's module is imported by every command (the step registry).
    from filelock import FileLock, Timeout  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
    try:
        with FileLock(str(path) + ".lock", timeout=timeout), path.open("a+b") as handle:
            cut = _cut_torn_tail(handle)
            handle.seek(0, os.SEEK_END)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except Timeout as exc:
        raise JsonLinesError(f"could not lock {path} within {timeout:g} s") from exc
    return cut


def read_records(path: Path) -> Records:
    """Every complete record (a JSON object per line); a torn last line is skipped, not fatal.

    A malformed line anywhere else means the file was edited or corrupted: JsonLinesError.
    """
    if not path.exists():
        return Records(())
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JsonLinesError(f"cannot read {path}: {exc}") from exc
    lines = data.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    records = []
    for number, raw in enumerate(complete, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise JsonLinesError(f"{path}:{number}: corrupt history record ({exc})") from exc
        if not isinstance(record, dict):
            raise JsonLinesError(f"{path}:{number}: corrupt history record (not an object)")
        records.append(record)
    # No newline at the end: the last writer died mid-line (or is writing right now).
    torn = tail[:80].decode("utf-8", "replace") if tail.strip() else None
    return Records(tuple(records), torn)


def _cut_torn_tail(file: BinaryIO) -> str | None:
    """Truncates an unterminated last line (a dead writer's partial record); returns it."""
    size = file.seek(0, os.SEEK_END)
    if size == 0:
        return None
    file.seek(size - 1)
    if file.read(1) == b"\n":
        return None
    keep = 0
    position = size
    while position > 0:
        start = max(0, position - 4096)
        file.seek(start)
        newline = file.read(position - start).rfind(b"\n")
        if newline >= 0:
            keep = start + newline + 1
            break
        position = start
    file.seek(keep)
    torn = file.read(size - keep)
    file.truncate(keep)
    return torn[:80].decode("utf-8", "replace")
