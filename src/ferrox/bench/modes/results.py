"""What the gate modes share after measuring: fail levels, thresholds, the StepResult of a set
of verdicts (or of nothing to compare) and the result files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox import gates
from ferrox.bench import environment, waivers
from ferrox.bench.paired import Verdict
from ferrox.bench.reports import benchmark_action_json
from ferrox.bench.schema import BenchRun, Measurement
from ferrox.bench.thresholds import Thresholds, ThresholdTable, parse_overrides
from ferrox.bench.waivers import Waiver
from ferrox.context import Context
from ferrox.model import Finding, GateCheck, Level, Status, StepResult

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings

# The levels that fail for each setting of paired_fail / compare_fail.
FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "minor": ("minor", "major", "critical"),
    "major": ("major", "critical"),
    "critical": ("critical",),
}

JsonValue = str | float | int | bool | None
"""A value of a verdict's JSON record."""


def thresholds(settings: BenchSettings) -> ThresholdTable:
    """The settings' default thresholds (percent to fractions) with their per-key overrides."""
    default = Thresholds(settings.minor / 100, settings.major / 100, settings.critical / 100)
    return ThresholdTable(default, parse_overrides(settings.thresholds))


def nothing_to_compare(
    mode: str,
    *,
    base_commit: str,
    head_commit: str,
    new: Sequence[str],
    removed: Sequence[str] = (),
    findings: Sequence[Finding] = (),
) -> StepResult:
    """No benchmark on both sides.

    A base without benchmarks (the PR that adds them) cannot have regressed: a pass, said
    plainly. A base whose benchmarks all vanished from head is a failure: renaming every
    benchmark would otherwise be a way around the gate.
    """
    gone = [
        Finding(
            rule="bench-removed",
            message=f"benchmark {key} exists on the base but not on head: nothing was compared",
        )
        for key in removed
    ]
    fresh = [
        Finding(rule="bench-new", message=f"new benchmark {key} (no base)", level=Level.NOTE)
        for key in new
    ]
    checks = (
        gates.at_most("removed", len(removed), 0, "benchmarks of the base that head no longer has"),
    )
    return StepResult(
        step="bench",
        tool="bench",
        status=gates.verdict(checks),
        summary=(
            f"nothing compared: head has none of the base's {len(removed)} benchmark(s)"
            if removed
            else f"nothing to compare: the base has none of head's {len(new)} benchmark(s)"
        ),
        gates=checks,
        findings=(*findings, *gone, *fresh),
        metrics={"benchmarks": 0.0, "new_benchmarks": float(len(new))},
        extra={
            "mode": mode,
            "base_commit": base_commit,
            "head_commit": head_commit,
            "verdicts": [],
            "new_benchmarks": list(new),
            "blocks_release": False,
        },
    )


def write_results(
    ctx: Context,
    out: Path,
    head: Mapping[str, Sequence[float]],
    *,
    unit: str,
    sources: Mapping[str, str] | None = None,
) -> None:
    """Head's values as ``results.json`` (the history schema) and ``benchmark-action.json``."""
    measurements = tuple(
        measurement(key, unit, values, sources) for key, values in sorted(head.items())
    )
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    run_record = BenchRun(environment.collect(ctx.runner, ctx.root), measurements, stamp)
    (out / "results.json").write_text(json.dumps(run_record.to_dict(), indent=2), encoding="utf-8")
    (out / "benchmark-action.json").write_text(
        benchmark_action_json(measurements), encoding="utf-8"
    )


def measurement(
    key: str, unit: str, values: Sequence[float], sources: Mapping[str, str] | None = None
) -> Measurement:
    """One benchmark's values as a Measurement (``suite/name`` key); ``sources`` names each
    suite's harness (criterion, divan; libtest's lines by default)."""
    suite, _, name = key.partition("/")
    source = (sources or {}).get(suite, "libtest")
    return Measurement(suite, name, unit, tuple(values), source=source)


def verdict_dict(v: Verdict) -> dict[str, JsonValue]:
    """A verdict as the JSON record of the step's summary."""
    return {
        "benchmark": v.key,
        "base": v.base,
        "head": v.head,
        "change": v.change.estimate,
        "low": v.change.low,
        "high": v.change.high,
        "pairs": v.change.pairs,
        "adjusted_p": v.adjusted_p,
        "level": v.level,
        "confirmed": v.confirmed,
    }


def result(
    verdicts: Sequence[Verdict],
    *,
    fail_levels: tuple[str, ...],
    summary_extra: str,
    extra: Mapping[str, object],
    removed: Sequence[str] | None = None,
    notes: Sequence[Finding] = (),
    accept: Sequence[Waiver] = (),
) -> StepResult:
    """The StepResult of a set of verdicts: a finding per flagged or removed benchmark, the gate.

    A flagged benchmark with an active waiver (``accept``) is reported, marked waived, and does
    not fail; an expired waiver fails the gate.
    """
    # A benchmark the base has and head lacks (renamed or removed) hides its change: say so.
    findings = list(notes) + [
        Finding(
            rule="bench-removed",
            message=f"benchmark {key} exists on the base but not on head (renamed or removed): "
            "its change was not measured",
            level=Level.WARNING,
        )
        for key in removed or ()
    ]
    active = waivers.sort_waivers(accept)
    waived: dict[str, waivers.Waiver] = {}
    for v in verdicts:
        if not v.flagged:
            continue
        waiver = waivers.waiver_for(active, v.key)
        level = Level.ERROR if v.level in fail_levels else Level.WARNING
        message = (
            f"{v.key}: {v.change.estimate:+.2%} [{v.change.low:+.2%}, {v.change.high:+.2%}] "
            f"({v.level})"
        )
        if waiver is not None:
            waived[v.key] = waiver
            level = Level.NOTE
            message += f" [waived until {waiver.expires}: {waiver.reason}]"
        findings.append(Finding(rule=f"bench-regression-{v.level}", message=message, level=level))
    matched = {w.key for w in waived.values()}
    findings += waivers.findings(active, matched)
    failing = sum(1 for v in verdicts if v.level in fail_levels and v.key not in waived)
    critical = sum(1 for v in verdicts if v.level == "critical" and v.key not in waived)
    checks: list[GateCheck] = [
        gates.at_most("regressions", failing, 0, f"{'/'.join(fail_levels)} regressions")
    ]
    if accept:  # the gate exists once there is something that can expire
        checks.append(waivers.check(active))
    counts = {level: sum(1 for v in verdicts if v.level == level) for level in
              ("minor", "major", "critical", "unconfirmed")}  # fmt: skip
    status = gates.verdict(checks)
    summary = (
        f"{len(verdicts)} benchmark(s): {counts['critical']} critical, {counts['major']} major, "
        f"{counts['minor']} minor, {counts['unconfirmed']} unconfirmed; {summary_extra}"
    )
    if accept:
        summary += f"; {len(waived)} waived, {len(active.expired)} expired waiver(s)"
    return StepResult(
        step="bench",
        tool="bench",
        status=status if status is Status.FAIL else Status.PASS,
        summary=summary,
        findings=tuple(findings),
        metrics={
            "benchmarks": len(verdicts),
            "removed_benchmarks": float(len(removed or ())),
            **{k: float(n) for k, n in counts.items()},
            "waived": float(len(waived)),
        },
        gates=tuple(checks),
        extra={
            **extra,
            "fail_levels": list(fail_levels),
            "blocks_release": critical > 0,
            "waivers": waivers.as_json(active, matched),
        },
    )
