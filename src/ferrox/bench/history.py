"""The benchmark history: append-only JSON Lines, one :class:`BenchRun` per line.

Writers take a cross-process file lock, append one whole line and fsync before releasing it,
so concurrent writers never interleave. A writer that died mid-line leaves a torn last line: a
reader skips and reports it, and the next writer cuts it off (it was never a complete record)
before appending.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from filelock import FileLock, Timeout

from ferrox.bench.schema import BenchRun, run_from_dict

LOCK_TIMEOUT_S = 60.0


class HistoryError(Exception):
    """The history cannot be read or written honestly (corrupt record, lock not obtained)."""


@dataclass(frozen=True)
class History:
    """The runs read from a history file, and what had to be skipped."""

    runs: tuple[BenchRun, ...]
    torn: str | None = None  # the skipped torn last line, shortened, if any


def append(path: Path, run: BenchRun, *, timeout: float = LOCK_TIMEOUT_S) -> str | None:
    """Appends one run under the lock, durably; returns the torn tail it cut off, if any."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(run.to_dict(), separators=(",", ":"), sort_keys=True) + "\n").encode()
    try:
        with FileLock(str(path) + ".lock", timeout=timeout), path.open("a+b") as handle:
            cut = _cut_torn_tail(handle)
            handle.seek(0, os.SEEK_END)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except Timeout as exc:
        raise HistoryError(f"could not lock {path} within {timeout:g} s") from exc
    return cut


def read(path: Path) -> History:
    """Every complete run in the file; a torn last line is skipped and reported, not fatal.

    A malformed line anywhere else means the file was edited or corrupted: HistoryError.
    """
    if not path.exists():
        return History(())
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HistoryError(f"cannot read {path}: {exc}") from exc
    lines = data.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    runs = []
    torn = None
    for number, raw in enumerate(complete, start=1):
        if not raw.strip():
            continue
        try:
            runs.append(run_from_dict(json.loads(raw)))
        except (ValueError, UnicodeDecodeError) as exc:
            raise HistoryError(f"{path}:{number}: corrupt history record ({exc})") from exc
    if tail.strip():
        # No newline at the end: the last writer died mid-line (or is writing right now).
        torn = tail[:80].decode("utf-8", "replace")
    return History(tuple(runs), torn)


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
