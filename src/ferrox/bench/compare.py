"""Compare mode: head's runs against the stored baseline file (``nox -s bench-baseline``).

The baseline was recorded at another moment, so what drifts between the two moments (the
machine's load, its clock, a neighbour) does not cancel the way it does in paired runs, where
base and head run back to back. Our measurements (docs/benchmarks.md) put that drift at several
percent: an unpaired comparison cannot be trusted at the 5% and 10% thresholds, only at the 25%
critical one. So compare mode fails on ``critical`` alone by default (``compare_fail``), and
warns about the rest; levels go by the interval's lower end (see ``compare``); the PR gate stays
paired.

Fail closed: no baseline, an unreadable or corrupt one, or one recorded on another machine is an
error, never a pass. A stale one (older than ``baseline_max_age_days``) is a warning.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ferrox.bench import paired, stats
from ferrox.bench.schema import SCHEMA_VERSION, BenchRun, Environment, run_from_dict
from ferrox.bench.thresholds import ThresholdTable
from ferrox.errors import ToolOutputError, UsageError

REFRESH = "`nox -s bench-baseline` (or `ferrox run bench --mode baseline`)"
# Only what ferrox ran itself is measured again on head; result files are not re-run. Baselines
# list those keys in their metadata; older ones (libtest suites only) are told by their source.
MEASURED_KEY = "measured"
MEASURED_SOURCE = "libtest"


@dataclass(frozen=True)
class Baseline:
    """The stored baseline: its run, where it was read from and when it was recorded."""

    run: BenchRun
    display: str  # the path as configured, for messages
    recorded: dt.datetime
    samples: dict[str, tuple[float, ...]]  # of each benchmark ferrox measured itself

    def age_days(self, now: dt.datetime) -> float:
        """Days since the baseline was recorded."""
        return (now - self.recorded).total_seconds() / 86400


def load(path: Path, display: str) -> Baseline:
    """Reads the baseline file; a missing one is a usage error, a corrupt one a tool error."""
    if not path.is_file():
        raise UsageError(
            f"no stored benchmark baseline at {display}: compare mode compares against it",
            hint=f"record one on this machine with {REFRESH}",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _corrupt(display, f"cannot be read as JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise _corrupt(display, "holds no JSON object")
    if data.get("schema") != SCHEMA_VERSION:
        raise _corrupt(display, f"has schema {data.get('schema')!r}, not {SCHEMA_VERSION}")
    try:
        run = run_from_dict(data)
    except ValueError as exc:
        raise _corrupt(display, str(exc)) from exc
    try:
        recorded = dt.datetime.fromisoformat(run.timestamp)
    except ValueError as exc:
        raise _corrupt(display, f"has no valid timestamp ({run.timestamp!r})") from exc
    if recorded.tzinfo is None:
        raise _corrupt(display, f"timestamp {run.timestamp!r} has no time zone")
    return Baseline(run, display, recorded, _measured_samples(run, display))


def _measured_samples(run: BenchRun, display: str) -> dict[str, tuple[float, ...]]:
    """The samples of each benchmark ferrox ran itself (``suite/benchmark``), by the listed keys
    or, in a baseline older than the list, by source."""
    listed = run.metadata.get(MEASURED_KEY)
    if listed is None:
        return {m.key: m.samples for m in run.measurements if m.source == MEASURED_SOURCE}
    try:
        keys = json.loads(listed)
    except ValueError:
        keys = None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise _corrupt(display, f"metadata {MEASURED_KEY!r} is not a JSON list of benchmark keys")
    wanted = set(keys)
    return {m.key: m.samples for m in run.measurements if m.key in wanted}


def check_environment(baseline: Baseline, here: Environment) -> None:
    """Refuses a baseline recorded on another machine or toolchain: its timings do not compare."""
    there = baseline.run.environment
    if there.fingerprint == here.fingerprint:
        return
    raise UsageError(
        f"the benchmark baseline {baseline.display} was recorded on another environment: "
        f"{_describe(there)}; this machine is {_describe(here)}. Timings of different machines "
        "or compilers do not compare",
        hint=f"refresh the baseline on this machine with {REFRESH}",
    )


@dataclass(frozen=True)
class Comparison:
    """The verdicts, and the benchmarks found on one side only."""

    verdicts: tuple[paired.Verdict, ...]
    new: tuple[str, ...]  # on head only
    removed: tuple[str, ...]  # in the baseline only


def compare(
    base: Mapping[str, Sequence[float]],
    head: Mapping[str, Sequence[float]],
    *,
    thresholds: ThresholdTable,
    confidence: float,
    margin: float,
    correction: str,
) -> Comparison:
    """Each common benchmark's unpaired change, adjusted across benchmarks, and its level.

    The levels and the test are paired mode's (a level needs the adjusted one-sided test to
    clear the noise margin), but the level is the most severe threshold the interval's *lower*
    end reaches: the slowdown is at least that large with the stated confidence. Paired mode
    judges by the upper end because its intervals are narrow; an unpaired interval of a few
    runs is wide (a same-code A/A comparison gave +10% [+3%, +93%] on a busy machine), and its
    upper end would call noise critical. Raises ValueError when a side has too few values.
    """
    keys = sorted(set(base) & set(head))
    changes = [
        stats.shift_change(base[k], head[k], confidence=confidence, margin=margin) for k in keys
    ]
    adjusted = stats.adjust([c.p_value for c in changes], correction)
    verdicts = tuple(
        paired.Verdict(
            key=key,
            base=paired.median(base[key]),
            head=paired.median(head[key]),
            change=change,
            adjusted_p=p,
            level=paired.classify(
                change.low, p, alpha=1 - confidence, limits=thresholds.for_key(key)
            ),
        )
        for key, change, p in zip(keys, changes, adjusted, strict=True)
    )
    return Comparison(
        verdicts=verdicts,
        new=tuple(sorted(set(head) - set(base))),
        removed=tuple(sorted(set(base) - set(head))),
    )


def _describe(env: Environment) -> str:
    machine = f"{env.cpu_model}, {env.cores} cores, {env.kernel}, {env.rustc}"
    return f"{machine} (fingerprint {env.fingerprint})"


def _corrupt(display: str, why: str) -> ToolOutputError:
    return ToolOutputError(
        f"the benchmark baseline {display} is not a usable baseline: {why}",
        tool="bench-baseline",
        hint=f"record it again with {REFRESH}",
    )
