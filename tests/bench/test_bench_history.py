"""The history file: append-only, locked, fsynced; torn last lines; concurrent writers."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.bench import history
from ferrox.bench.schema import BenchRun, Environment, Measurement


def _run(n: int, writer: int = 0) -> BenchRun:
    return BenchRun(
        Environment(commit=f"c{n}"),
        (Measurement("s", "b", "ns", (float(n),)),),
        metadata={"writer": str(writer)},
    )


def test_append_and_read(tmp_path: Path) -> None:
    path = tmp_path / "h" / "history.jsonl"
    assert history.read(path).runs == ()
    for n in range(3):
        assert history.append(path, _run(n)) is None
    read = history.read(path)
    assert [r.environment.commit for r in read.runs] == ["c0", "c1", "c2"]
    assert read.torn is None


def test_torn_last_line_is_reported_skipped_and_cut_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, _run(1))
    with path.open("ab") as handle:
        handle.write(b'{"schema": 1, "environment": {"cpu_mo')  # a writer died here
    read = history.read(path)
    assert len(read.runs) == 1
    assert read.torn is not None and read.torn.startswith('{"schema"')
    cut = history.append(path, _run(2))
    assert cut is not None and "cpu_mo" in cut
    after = history.read(path)
    assert [r.environment.commit for r in after.runs] == ["c1", "c2"]
    assert after.torn is None


def test_a_torn_only_line_is_cut_whole(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"x" * 5000)
    assert history.append(path, _run(1)) == "x" * 80
    assert len(history.read(path).runs) == 1


def test_corruption_in_the_middle_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, _run(1))
    with path.open("ab") as handle:
        handle.write(b"not json\n")
    history.append(path, _run(2))
    with pytest.raises(history.HistoryError, match=":2: corrupt"):
        history.read(path)


def test_lock_timeout_is_an_error(tmp_path: Path) -> None:
    from filelock import FileLock

    path = tmp_path / "history.jsonl"
    with FileLock(str(path) + ".lock"), pytest.raises(history.HistoryError, match="lock"):
        history.append(path, _run(1), timeout=0.1)


def _writer(path: str, make: Callable[[int, int], BenchRun], writer: int, count: int) -> None:
    for n in range(count):
        history.append(Path(path), make(n, writer))


def _run_writers(
    path: Path, make: Callable[[int, int], BenchRun], writers: int, each: int, *, timeout: float
) -> None:
    """``writers`` processes (spawned: no state shared with this one) append ``each`` records."""
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_writer, args=(str(path), make, w, each)) for w in range(writers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=timeout)
        assert process.exitcode == 0


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    writers, each = 4, 25
    _run_writers(path, _run, writers, each, timeout=120)
    read = history.read(path)
    assert read.torn is None
    assert len(read.runs) == writers * each
    seen = {(r.metadata["writer"], r.environment.commit) for r in read.runs}
    assert len(seen) == writers * each


def _big_run(n: int, writer: int) -> BenchRun:
    # ~200 KB per line: far beyond a pipe's atomic-write size and any stdio buffer.
    samples = tuple(float(writer * 1_000_000 + n * 10_000 + i) for i in range(12_000))
    return BenchRun(
        Environment(commit=f"c{n}"),
        (Measurement("s", "b", "ns", samples),),
        metadata={"writer": str(writer)},
    )


def test_concurrent_writers_of_large_records_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    writers, each = 4, 6
    _run_writers(path, _big_run, writers, each, timeout=300)
    read = history.read(path)  # a line interleaved from two writers would fail to parse
    assert read.torn is None
    assert len(read.runs) == writers * each
    for run in read.runs:  # every record whole and its own
        writer = int(run.metadata["writer"])
        n = int(run.environment.commit[1:])
        assert run.measurements[0].samples == _big_run(n, writer).measurements[0].samples


def _signalled_writer(path: str, ready: Any) -> None:
    ready.set()  # about to append: from here only the lock can hold it back
    history.append(Path(path), _run(7))


def test_a_writer_waits_for_the_lock_holder(tmp_path: Path) -> None:
    """The lock is what serializes writers: while another process holds it, nothing is written.

    (Appends of whole lines with O_APPEND rarely interleave on Linux even without a lock, so the
    concurrency tests above could pass with the lock removed; this one could not.)
    """
    from filelock import FileLock

    path = tmp_path / "history.jsonl"
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    with FileLock(str(path) + ".lock"):
        writer = context.Process(target=_signalled_writer, args=(str(path), ready))
        writer.start()
        assert ready.wait(timeout=120)
        writer.join(timeout=2.0)  # time for an append that ignored the lock to land
        assert writer.is_alive(), "the writer finished while the lock was held"
        assert not path.exists() or path.read_bytes() == b""
    writer.join(timeout=120)
    assert writer.exitcode == 0
    assert [r.environment.commit for r in history.read(path).runs] == ["c7"]
