"""Paired mode: base (built at the merge-base) and head run interleaved, A B B A ...; each
benchmark's change is a paired log-ratio interval (the statistics: ``ferrox.bench.paired``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.bench import environment, paired, reports
from ferrox.bench import runner as bench_runner
from ferrox.bench.modes import history_context, results
from ferrox.bench.modes.runs import checkouts, run_side
from ferrox.context import Context
from ferrox.model import Finding, Level, StepResult

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def run(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    """Builds both sides, runs the paired gate and writes ``comparison.md`` and head's results."""
    base, head = checkouts(ctx, settings, out)
    try:
        # One warm-up run per side: discovers the benchmarks and warms caches (not counted).
        base_keys = run_side(ctx, settings, base)
        head_keys = run_side(ctx, settings, head)
        keys = sorted(set(base_keys) & set(head_keys))
        new = sorted(set(head_keys) - set(base_keys))
        removed = sorted(set(base_keys) - set(head_keys))
        if not keys:
            return results.nothing_to_compare(
                "paired", base_commit=base.commit, head_commit=head.commit, new=new, removed=removed
            )
        plan = plan_of(settings)
        sides = {"base": base, "head": head}

        def sampler(side: str, wanted: Sequence[str]) -> dict[str, float]:
            selected = None if list(wanted) == keys else wanted
            return run_side(ctx, settings, sides[side], selected)

        verdicts, samples = paired.run_gate(sampler, keys, plan, results.thresholds(settings))
    finally:
        bench_runner.remove_worktree(ctx.runner, ctx.root, out / "base-worktree", settings.timeout)
    table = reports.markdown_table(
        verdicts, unit="ns/iter", title=f"Benchmarks: head vs {settings.base} ({base.commit[:12]})"
    )
    if new:
        table += f"\nNew benchmarks (no base to compare): {', '.join(new)}\n"
    if removed:
        table += (
            f"\nBenchmarks of the base missing on head (renamed or removed): {', '.join(removed)}\n"
        )
    # Main's recent history as context (read-only, never part of the verdict).
    fingerprint = environment.collect(ctx.runner, ctx.root).fingerprint
    context, context_notes = history_context.gather(ctx, settings, fingerprint, samples.head)
    table += context.markdown()
    (out / "comparison.md").write_text(table, encoding="utf-8")
    results.write_results(ctx, out, samples.head, unit="ns", sources=head.sources)
    return results.result(
        verdicts,
        accept=settings.accept,
        removed=removed,
        notes=[*imprecise(verdicts, plan), *context_notes],
        fail_levels=results.FAIL_LEVELS[settings.paired_fail],
        summary_extra=f"{max(v.change.pairs for v in verdicts)} pairs in {samples.seconds:.0f} s",
        extra={
            "mode": "paired",
            "base_commit": base.commit,
            "head_commit": head.commit,
            "seconds_measuring": round(samples.seconds, 1),
            "markdown": str(out / "comparison.md"),
            "verdicts": [results.verdict_dict(v) for v in verdicts],
            "new_benchmarks": new,
            "history_context": context.as_json(),
        },
    )


def plan_of(settings: BenchSettings) -> paired.PairedPlan:
    """The sampling plan the settings describe (percent settings as fractions)."""
    return paired.PairedPlan(
        min_pairs=settings.min_pairs,
        max_pairs=settings.max_pairs,
        budget_s=settings.budget,
        target_halfwidth=settings.target_halfwidth / 100,
        confidence=settings.confidence,
        alpha=1 - settings.confidence,
        margin=settings.noise_margin / 100,
        correction=settings.correction,
        confirm=settings.confirm,
        confirm_pairs=settings.confirm_pairs,
    )


def imprecise(verdicts: Sequence[paired.Verdict], plan: paired.PairedPlan) -> list[Finding]:
    """Benchmarks whose interval stayed wider than the target (budget or max_pairs reached).

    Levels come from the interval's upper end, so on a machine too noisy for the budget a wide
    interval can grade a change more severely than it is: the report says so.
    """
    return [
        Finding(
            rule="bench-imprecise",
            message=f"{v.key}: the interval is ±{v.change.halfwidth:.1%} after {v.change.pairs} "
            f"pairs, wider than the target ±{plan.target_halfwidth:.1%} (the machine was noisy "
            "for the time budget); its level rests on a wide interval",
            level=Level.WARNING,
        )
        for v in verdicts
        if v.change.halfwidth > plan.target_halfwidth
    ]
