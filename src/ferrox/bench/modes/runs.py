"""Building and running the benches for the gate modes: both checkouts, one run of a side."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.bench import divan, suites
from ferrox.bench import harness as criterion
from ferrox.bench import runner as bench_runner
from ferrox.bench.schema import Measurement
from ferrox.bench.suites import Harness
from ferrox.context import Context
from ferrox.errors import UsageError

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def checkouts(
    ctx: Context, settings: BenchSettings, out: Path
) -> tuple[bench_runner.Checkout, bench_runner.Checkout]:
    """Builds head here and base in a worktree at the merge-base; returns both checkouts.

    Each side's harnesses are recognised before it is built, so a suite the mode cannot run
    stops the step before minutes of compiling.
    """
    if not settings.base:
        raise UsageError("the bench step needs a base ref (--base REF or the `base` setting)")
    head_harnesses = recognise(ctx, settings, ctx.root)
    head_bins = bench_runner.build_benches(
        ctx.runner, ctx.root, benches=settings.benches, target_dir=None, timeout=settings.timeout
    )
    head_commit = bench_runner.git(ctx.runner, ["rev-parse", "HEAD"], ctx.root, settings.timeout)
    base_root, base_commit = bench_runner.base_worktree(
        ctx.runner, ctx.root, settings.base, out / "base-worktree", settings.timeout
    )
    base_harnesses = (
        recognise(ctx, settings, base_root) if (base_root / "Cargo.toml").is_file() else {}
    )
    base_bins = bench_runner.build_benches(
        ctx.runner,
        base_root,
        benches=settings.benches,
        target_dir=out / "base-target",
        timeout=settings.timeout,
        allow_none=True,
    )
    return (
        bench_runner.Checkout("base", base_root, base_commit, base_bins, base_harnesses),
        bench_runner.Checkout("head", ctx.root, head_commit, head_bins, head_harnesses),
    )


def recognise(ctx: Context, settings: BenchSettings, project: Path) -> dict[str, Harness]:
    """The harness of each selected bench target of ``project``, checked against the mode."""
    harnesses = suites.recognise(ctx.runner, project, settings.benches, settings.timeout)
    suites.check_mode(harnesses, settings.mode)
    whole = {s: h for s, h in sorted(harnesses.items()) if h.whole_seconds}
    if whole and (fractions := criterion.fractional_seconds(settings.criterion_args)):
        named = ", ".join(f"{suite} ({h.label})" for suite, h in whole.items())
        raise UsageError(
            f"bench.criterion_args: bench suite(s) {named} take whole seconds (at least 1) for "
            f"their warm-up and measurement times, not {', '.join(fractions)}",
            hint='e.g. criterion_args = ["--warm-up-time", "1", "--measurement-time", "2"], or '
            "move to criterion 0.4 or later",
        )
    return harnesses


def run_suite(
    ctx: Context,
    settings: BenchSettings,
    side: bench_runner.Checkout,
    suite: str,
    filters: Sequence[str] = (),
) -> tuple[Measurement, ...]:
    """One timed run of one suite, through its harness's own command line."""
    binary = side.binaries[suite]
    harness = side.harness(suite)
    if harness.family == "criterion":
        return criterion.run_criterion(
            ctx.runner, suite, binary, args=settings.criterion_args, wanted=filters,
            home=ctx.report_dir / "bench" / "criterion" / side.label / suite,
            timeout=settings.timeout, cwd=side.root, list_suffix=harness.list_suffix,
        )  # fmt: skip
    if harness.family == "divan":
        return divan.run_divan(
            ctx.runner, suite, binary, args=settings.divan_args, wanted=filters,
            timeout=settings.timeout, cwd=side.root,
        )  # fmt: skip
    # libtest's #[bench] and custom harnesses that print its `bench:` lines
    return bench_runner.run_suite(
        ctx.runner, suite, binary, args=settings.run_args, filters=filters,
        timeout=settings.timeout, cwd=side.root,
    )  # fmt: skip


def run_side(
    ctx: Context,
    settings: BenchSettings,
    side: bench_runner.Checkout,
    keys: Collection[str] | None = None,
) -> dict[str, float]:
    """One run of every suite of a side (only the suites and benchmarks in ``keys``, if given)."""
    values: dict[str, float] = {}
    for suite in sorted(side.binaries):
        filters: list[str] = []
        if keys is not None:
            filters = [k.split("/", 1)[1] for k in keys if k.startswith(f"{suite}/")]
            if not filters:
                continue
        found = run_suite(ctx, settings, side, suite, filters)
        values.update({m.key: m.value for m in found})
    return values


def run_head(
    ctx: Context, settings: BenchSettings
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Builds head's benches and runs every suite ``history_runs`` times: values per benchmark,
    and each suite's results source (its harness)."""
    harnesses = recognise(ctx, settings, ctx.root)
    binaries = bench_runner.build_benches(
        ctx.runner, ctx.root, benches=settings.benches, target_dir=None, timeout=settings.timeout
    )
    head = bench_runner.Checkout("head", ctx.root, "", binaries, harnesses)
    samples: dict[str, list[float]] = {}
    for _ in range(settings.history_runs):
        for suite in sorted(binaries):
            for m in run_suite(ctx, settings, head, suite):
                samples.setdefault(m.key, []).append(m.value)
    return samples, head.sources
