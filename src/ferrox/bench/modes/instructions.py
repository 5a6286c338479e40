"""Instructions mode: callgrind instruction counts of base and head; a tight, deterministic gate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.bench import iai
from ferrox.bench import runner as bench_runner
from ferrox.bench.modes import results
from ferrox.bench.modes.runs import checkouts
from ferrox.bench.paired import Verdict
from ferrox.bench.reports import markdown_table
from ferrox.bench.stats import PairedChange
from ferrox.context import Context
from ferrox.model import StepResult

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def run(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    """Counts each benchmark's instructions on both sides and judges the change in percent."""
    base, head = checkouts(ctx, settings, out)
    counts: dict[str, dict[str, float]] = {"base": {}, "head": {}}
    try:
        for side in (base, head):
            counts[side.label] = count_side(ctx, settings, side, out)
    finally:
        bench_runner.remove_worktree(ctx.runner, ctx.root, out / "base-worktree", settings.timeout)
    verdicts = judge(counts["base"], counts["head"], settings)
    removed = sorted(set(counts["base"]) - set(counts["head"]))
    table = markdown_table(
        verdicts,
        unit="instructions",
        title="Instruction counts (callgrind)",
        footer=f"One callgrind run per side (counts are deterministic); the gate is "
        f"{settings.instruction_threshold:g}% more instructions.",
    )
    (out / "instructions.md").write_text(table, encoding="utf-8")
    if not verdicts and removed:
        return results.nothing_to_compare(
            "instructions",
            base_commit=base.commit,
            head_commit=head.commit,
            new=sorted(set(counts["head"])),
            removed=removed,
        )
    return results.result(
        verdicts,
        accept=settings.accept,
        removed=removed,
        fail_levels=("major", "critical"),
        summary_extra=f"gate {settings.instruction_threshold:g}% instructions",
        extra={
            "mode": "instructions",
            "base_commit": base.commit,
            "head_commit": head.commit,
            "markdown": str(out / "instructions.md"),
            "counts": counts,
            "verdicts": [results.verdict_dict(v) for v in verdicts],
        },
    )


def count_side(
    ctx: Context, settings: BenchSettings, side: bench_runner.Checkout, out: Path
) -> dict[str, float]:
    """Instructions of every benchmark of one side: iai-callgrind / gungraun suites count their
    own (``instruction_args`` are not theirs); any other (a custom harness with a fixed iteration
    option) runs under callgrind."""
    counts: dict[str, float] = {}
    for suite, binary in sorted(side.binaries.items()):
        harness = side.harness(suite)
        if harness.family in iai.FLAVOURS:
            found = iai.run_counts(
                ctx.runner, suite, binary, harness, args=(),
                home=out / "iai" / side.label / suite, timeout=settings.timeout, cwd=side.root,
            )  # fmt: skip
            counts.update({m.key: m.value for m in found})
            continue
        listed = bench_runner.run_suite(
            ctx.runner, suite, binary, args=settings.instruction_args,
            timeout=settings.timeout, cwd=side.root,
        )  # fmt: skip
        for m in listed:
            counted = bench_runner.callgrind_count(
                ctx.runner, suite, m.benchmark, binary,
                args=settings.instruction_args,
                toggle_collect=settings.toggle_collect,
                out_file=out / "callgrind" / side.label / f"{suite}.{m.benchmark}.out",
                timeout=settings.timeout, cwd=side.root,
            )  # fmt: skip
            counts[m.key] = counted.value
    return counts


def judge(base: dict[str, float], head: dict[str, float], settings: BenchSettings) -> list[Verdict]:
    """Each common benchmark's exact change: ``major`` from the instruction threshold, ``critical``
    from the critical one."""
    limit = settings.instruction_threshold / 100
    critical = settings.critical / 100
    verdicts = []
    for key in sorted(set(base) & set(head)):
        before, after = base[key], head[key]
        # Compared at the reporting precision (0.01 percentage points): a change shown as
        # +2.00% must not pass a 2% gate because of a fifth decimal.
        change = round(after / before - 1, 4)
        level = "ok"
        if change >= critical:
            level = "critical"
        elif change >= limit:
            level = "major"
        exact = PairedChange(1, change, change, change, 0.0 if level != "ok" else 1.0, 0.0)
        verdicts.append(Verdict(key, before, after, exact, exact.p_value, level))
    return verdicts
