"""divan bench binaries: one timed run of a divan suite.

One run: ``<binary> --bench --color never [divan_args]``; divan prints a table of each
benchmark's fastest, slowest, median and mean time (``ferrox.bench.parsers.divan``), and the
median is the run's value. divan filters by regex on its own paths, which are not the names the
table shows for a benchmark with arguments, so a run covers the whole suite and the wanted
benchmarks are picked from the table: each must be there, or the run is a tool error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ferrox.bench.parsers import ParseError
from ferrox.bench.parsers import divan as table
from ferrox.bench.schema import Measurement
from ferrox.errors import ToolOutputError
from ferrox.tools import ToolRunner

DIVAN_FIXED_ARGS = ("--bench", "--color", "never")
# divan options that would stop a run from measuring or change what its table holds.
_FORBIDDEN_ARGS = ("--list", "--test", "--exact", "--ignored", "--color", "--format")


def forbidden_divan_args(args: Sequence[str]) -> list[str]:
    """The options in ``args`` that ferrox's divan runs cannot work with."""
    return [a for a in args if a.split("=", 1)[0] in _FORBIDDEN_ARGS]


def run_divan(
    runner: ToolRunner,
    suite: str,
    binary: Path,
    *,
    args: Sequence[str],
    wanted: Sequence[str] = (),
    timeout: float,
    cwd: Path,
) -> tuple[Measurement, ...]:
    """One divan run; the measurements of ``wanted`` (default: every benchmark in the table)."""
    done = runner.run(str(binary), [*DIVAN_FIXED_ARGS, *args], cwd=cwd, timeout=timeout)
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"divan bench {suite} exited {done.returncode}", suite)
    try:
        found = table.parse_table(done.stdout, suite)
    except ParseError as exc:
        raise ToolOutputError.of(done, f"divan bench {suite}: {exc}", suite) from exc
    if not wanted:
        return found
    missing = sorted(set(wanted) - {m.benchmark for m in found})
    if missing:
        raise ToolOutputError.of(
            done, f"divan bench {suite} reported no row for {', '.join(missing)}", suite
        )
    return tuple(m for m in found if m.benchmark in wanted)
