"""Compare mode: head run ``history_runs`` times against the stored baseline file, unpaired
(two-sample Hodges-Lehmann shift, Mann-Whitney interval; the statistics: ``ferrox.bench.compare``).

Runs from two moments drift by several percent, so by default only ``critical`` fails
(``compare_fail``): a quick check (one build) for the pre-push hook, not a replacement for the
paired PR gate.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.bench import compare, environment, history, reports
from ferrox.bench.modes import results, shared_history
from ferrox.bench.modes.runs import run_head
from ferrox.bench.stats import TooFewSamples
from ferrox.context import Context
from ferrox.errors import ToolOutputError, UsageError
from ferrox.model import Finding, Level, StepResult

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def run(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    """Head's runs against the stored baseline: unpaired, so only ``compare_fail`` levels fail."""
    # Everything that can refuse the comparison is checked before the build.
    env = environment.collect(ctx.runner, ctx.root)
    synced = _baseline_from_shared_history(ctx, settings, env.fingerprint)
    baseline = compare.load(ctx.root / settings.baseline_file, settings.baseline_file)
    compare.check_environment(baseline, env)
    notes = synced + baseline_notes(settings, baseline)
    head, sources = run_head(ctx, settings)
    try:
        found = compare.compare(
            baseline.samples,
            head,
            thresholds=results.thresholds(settings),
            confidence=settings.confidence,
            margin=settings.noise_margin / 100,
            correction=settings.correction,
        )
    except TooFewSamples as exc:
        raise UsageError(
            f"compare mode: {exc}",
            hint="raise history_runs (the runs of head, and of the baseline when it is recorded) "
            f"and refresh the baseline with {compare.REFRESH}",
        ) from exc
    except ValueError as exc:
        raise ToolOutputError(f"compare mode: {exc}", tool="bench") from exc
    base_commit = baseline.run.environment.commit
    if not found.verdicts:
        return results.nothing_to_compare(
            "compare",
            base_commit=base_commit,
            head_commit=env.commit,
            new=found.new,
            removed=found.removed,
            findings=notes,
        )
    levels = results.FAIL_LEVELS[settings.compare_fail]
    verdicts = list(found.verdicts)
    runs = {v.key: (len(baseline.samples[v.key]), len(head[v.key])) for v in verdicts}
    base_runs = max(b for b, _ in runs.values())
    head_runs = max(h for _, h in runs.values())
    table = reports.markdown_table(
        verdicts,
        unit="ns/iter",
        title=f"Benchmarks: head vs the stored baseline ({base_commit[:12]}, "
        f"recorded {baseline.run.timestamp})",
        footer=f"Unpaired: {head_runs} run(s) of head against the baseline's {base_runs} "
        "(Hodges-Lehmann shift, Mann-Whitney interval). Runs from two moments drift by several "
        f"percent, so only {'/'.join(levels)} fails here; the paired gate judges smaller changes.",
    )
    if found.new:
        table += f"\nNew benchmarks (not in the baseline): {', '.join(found.new)}\n"
    if found.removed:
        table += (
            "\nBenchmarks of the baseline missing on head (renamed or removed): "
            f"{', '.join(found.removed)}\n"
        )
    (out / "comparison.md").write_text(table, encoding="utf-8")
    results.write_results(ctx, out, head, unit="ns", sources=sources)
    return results.result(
        verdicts,
        accept=settings.accept,
        removed=list(found.removed),
        fail_levels=levels,
        summary_extra=f"{head_runs} run(s) vs the baseline's {base_runs}, unpaired",
        notes=notes,
        extra={
            "mode": "compare",
            "base_commit": base_commit,
            "head_commit": env.commit,
            "baseline_file": settings.baseline_file,
            "baseline_recorded": baseline.run.timestamp,
            "fingerprint": env.fingerprint,
            "markdown": str(out / "comparison.md"),
            "verdicts": [
                {
                    **results.verdict_dict(v),
                    "base_runs": runs[v.key][0],
                    "head_runs": runs[v.key][1],
                }
                for v in verdicts
            ],
            "new_benchmarks": list(found.new),
        },
    )


def baseline_notes(settings: BenchSettings, baseline: compare.Baseline) -> list[Finding]:
    """A stale baseline (warning) or one recorded on a modified checkout (note)."""
    notes: list[Finding] = []
    age = baseline.age_days(dt.datetime.now(dt.timezone.utc))
    limit = settings.baseline_max_age_days
    if limit and age > limit:
        notes.append(
            Finding(
                rule="bench-baseline-stale",
                message=f"the stored baseline is {age:.0f} days old (recorded "
                f"{baseline.run.timestamp}; baseline_max_age_days = {limit}): the machine may "
                "have drifted since; refresh it with `nox -s bench-baseline`",
                level=Level.WARNING,
                path=settings.baseline_file,
            )
        )
    if baseline.run.environment.dirty:
        notes.append(
            Finding(
                rule="bench-baseline-dirty",
                message=f"the stored baseline was recorded on a modified checkout of "
                f"{baseline.run.environment.commit[:12]}",
                level=Level.NOTE,
                path=settings.baseline_file,
            )
        )
    return notes


def _baseline_from_shared_history(
    ctx: Context, settings: BenchSettings, fingerprint: str
) -> list[Finding]:
    """Pulls the history ref (with ``history_remote``) and, on a fresh checkout, takes this
    machine's newest baseline from it. Without any, exit 3: the gate has nothing to judge by."""
    tip, notes = shared_history.pull(ctx, settings)
    if not settings.history_remote:
        return notes
    try:
        runs = history.read(ctx.root / settings.history_file).runs
    except history.HistoryError as exc:
        raise ToolOutputError(str(exc), tool="bench-history") from exc
    if shared_history.baseline_from_history(ctx, settings, runs, fingerprint):
        notes.append(
            Finding(
                rule="bench-history-ref",
                message=f"took this machine's newest baseline from {settings.history_ref}",
                level=Level.NOTE,
            )
        )
    elif not (ctx.root / settings.baseline_file).exists():
        source = (
            f"{settings.history_remote!r} has no {settings.history_ref} yet"
            if tip is None
            else f"{settings.history_ref} holds no baseline of this machine ({fingerprint})"
        )
        raise ToolOutputError(
            f"no benchmark history is available: {source}, and there is no "
            f"{settings.baseline_file}; compare mode has nothing to judge by",
            tool="bench",
            hint=f"record one with {compare.REFRESH} and push it (push_history)",
        )
    return notes
