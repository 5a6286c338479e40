"""``bench``: benchmarks with a regression gate that can be trusted.

Modes (``mode`` setting, or ``ferrox run bench --mode M``):

* ``paired`` (default): base (the merge-base of ``base`` and HEAD, built in a git worktree) and
  head run interleaved, A B B A ...; each benchmark's change is a paired log-ratio interval.
* ``instructions``: callgrind instruction counts of base and head; a tight, deterministic gate.
* ``history``: run head, append to the history, find change points, draw the dashboard and
  write (or, with ``create_issue``, open) an issue for a regression that persists.
* ``baseline``: like ``history``, and the run also becomes the stored baseline file.
* ``compare``: run head ``history_runs`` times and compare it with the stored baseline file,
  unpaired (two-sample Hodges-Lehmann shift, Mann-Whitney interval). Runs from two moments drift
  by several percent, so by default only ``critical`` fails (``compare_fail``): a quick check
  (one build) for the pre-push hook, not a replacement for the paired PR gate.

numpy, scipy and plotly load only when the step runs, so the other steps start as fast as before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ToolOutputError, UsageError
from ferrox.model import Finding, GateCheck, Level, Status, StepResult
from ferrox.steps.ci_placement import CarriedFile, CiJob
from ferrox.steps.interface import Step, Variant

# The levels that fail for each setting of paired_fail / compare_fail.
FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "minor": ("minor", "major", "critical"),
    "major": ("major", "critical"),
    "critical": ("critical",),
}


@dataclass(frozen=True)
class BenchSettings:
    """``[bench]``: mode, base ref, thresholds, sampling budget, history and issue settings."""

    mode: Literal["paired", "instructions", "history", "baseline", "compare"] = setting(
        "paired",
        "gate mode: paired A/B runs, callgrind instruction counts, history, baseline (record "
        "the stored baseline) or compare (head against the stored baseline)",
    )
    base: str = setting("main", "git ref to compare against (its merge-base with HEAD is built)")
    benches: tuple[str, ...] = setting((), "bench targets to run (default: all in the workspace)")
    run_args: tuple[str, ...] = setting((), "arguments passed to each bench binary on every run")
    criterion_args: tuple[str, ...] = setting(
        ("--warm-up-time", "1", "--measurement-time", "2"),
        "arguments for criterion suites instead of run_args (after --bench --output-format "
        "bencher --noplot)",
    )
    minor: float = setting(5.0, "percent slowdown that warns", minimum=0.1, maximum=1000)
    major: float = setting(10.0, "percent slowdown that fails the PR", minimum=0.1, maximum=1000)
    critical: float = setting(
        25.0, "percent slowdown that blocks a release", minimum=0.1, maximum=1000
    )
    paired_fail: Literal["minor", "major", "critical"] = setting(
        "major", "least severe level that fails in paired mode (minor, major or critical)"
    )
    compare_fail: Literal["minor", "major", "critical"] = setting(
        "critical",
        "least severe level that fails in compare mode (unpaired runs drift by several percent: "
        "only critical is trustworthy)",
    )
    thresholds: tuple[str, ...] = setting(
        (), "per suite or benchmark overrides: NAME=MINOR,MAJOR,CRITICAL (percent)"
    )
    noise_margin: float = setting(
        1.0, "percent change a regression must clear with confidence", minimum=0, maximum=50
    )
    confidence: float = setting(
        0.95, "confidence level of the intervals", minimum=0.5, maximum=0.999
    )
    correction: Literal["holm", "bh", "none"] = setting(
        "holm", "control of false alarms across benchmarks: Holm (FWER) or Benjamini-Hochberg"
    )
    min_pairs: int = setting(
        10, "interleaved pairs measured at least (>= 5: a rank test needs them)", minimum=5
    )
    max_pairs: int = setting(
        400,
        "interleaved pairs measured at most (the budget usually stops sampling first)",
        minimum=5,
    )
    target_halfwidth: float = setting(
        1.5, "percent half-width of the interval at which sampling stops", minimum=0.01, maximum=50
    )
    budget: float = setting(600.0, "seconds of measuring (not building) at most", minimum=1)
    confirm: bool = setting(True, "re-run flagged benchmarks on fresh pairs to confirm them")
    confirm_pairs: int = setting(10, "fresh pairs added to confirm a flag", minimum=5)
    instruction_threshold: float = setting(
        2.0, "percent more instructions that fails (instructions mode)", minimum=0.01, maximum=1000
    )
    instruction_args: tuple[str, ...] = setting(
        (), "arguments for bench binaries under callgrind (e.g. a fixed iteration count)"
    )
    toggle_collect: str = setting(
        "", "callgrind --toggle-collect pattern; {name} is the benchmark (empty: whole run)"
    )
    history_file: str = setting(".ferrox/bench-history.jsonl", "the append-only history")
    baseline_file: str = setting(
        ".ferrox/bench-baseline.json", "the stored baseline (written by baseline, read by compare)"
    )
    baseline_max_age_days: int = setting(
        14, "days after which compare mode calls the baseline stale (0: no limit)", minimum=0
    )
    history_runs: int = setting(
        5, "runs of head per benchmark in history, baseline and compare modes", minimum=1
    )
    result_files: tuple[str, ...] = setting(
        (), "extra result files to record (criterion dir, pytest-benchmark, hyperfine, callgrind)"
    )
    significance: float = setting(
        0.05, "p-value below which a change point is accepted", minimum=0.001, maximum=0.5
    )
    permutations: int = setting(199, "permutations of the change-point test", minimum=19)
    persist_runs: int = setting(
        3, "runs after a change point before it is called persistent", minimum=1
    )
    create_issue: bool = setting(False, "open a GitHub issue for a persisting regression")
    repository: str = setting("", "OWNER/NAME of the GitHub repository for issues")
    api_url: str = setting("https://api.github.com", "GitHub API base URL")
    token_env: str = setting("GITHUB_TOKEN", "environment variable holding the API token")
    chart_link: str = setting("", "URL of the published dashboard, linked from issues")
    timeout: float = setting(1800.0, "seconds before a build or a run is killed", minimum=1)

    def __post_init__(self) -> None:
        from ferrox.bench.harness import forbidden_criterion_args  # noqa: PLC0415 - light module
        from ferrox.bench.thresholds import parse_overrides  # noqa: PLC0415 - light module

        if not self.minor <= self.major <= self.critical:
            raise SettingError("minor", "need minor <= major <= critical")
        if self.min_pairs > self.max_pairs:
            raise SettingError("min_pairs", "must not exceed max_pairs")
        if forbidden := forbidden_criterion_args(self.criterion_args):
            raise SettingError(
                "criterion_args", f"{', '.join(forbidden)} cannot be used: ferrox sets the output, "
                "reads the saved estimates and passes the benchmark filter itself",
            )  # fmt: skip
        try:
            parse_overrides(self.thresholds)
        except ValueError as exc:
            raise SettingError("thresholds", str(exc)) from None


def run(ctx: Context) -> StepResult:
    """Runs the configured mode and turns its verdicts into a StepResult."""
    settings: BenchSettings = ctx.settings
    out = ctx.report_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").unlink(missing_ok=True)
    if settings.mode == "paired":
        result = _paired(ctx, settings, out)
    elif settings.mode == "instructions":
        result = _instructions(ctx, settings, out)
    elif settings.mode == "compare":
        result = _compare(ctx, settings, out)
    else:
        result = _history(ctx, settings, out)
    # The step's own details (verdicts, commits, files) beside the common report formats.
    summary = {"status": result.status.value, "summary": result.summary, **result.extra}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return result


def _thresholds(settings: BenchSettings) -> Any:
    from ferrox.bench.thresholds import Thresholds, ThresholdTable, parse_overrides  # noqa: PLC0415

    default = Thresholds(settings.minor / 100, settings.major / 100, settings.critical / 100)
    return ThresholdTable(default, parse_overrides(settings.thresholds))


def _checkouts(ctx: Context, settings: BenchSettings, out: Path) -> tuple[Any, Any]:
    """Builds head here and base in a worktree at the merge-base; returns both checkouts."""
    from ferrox.bench import harness  # noqa: PLC0415
    from ferrox.bench import runner as bench_runner  # noqa: PLC0415

    if not settings.base:
        raise UsageError("the bench step needs a base ref (--base REF or the `base` setting)")
    head_bins = bench_runner.build_benches(
        ctx.runner, ctx.root, benches=settings.benches, target_dir=None, timeout=settings.timeout
    )
    head_commit = bench_runner.git(ctx.runner, ["rev-parse", "HEAD"], ctx.root, settings.timeout)
    base_root, base_commit = bench_runner.base_worktree(
        ctx.runner, ctx.root, settings.base, out / "base-worktree", settings.timeout
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
        bench_runner.Checkout(
            "base", base_root, base_commit, base_bins,
            harness.detect_criterion(ctx.runner, base_root, base_bins, settings.timeout),
        ),
        bench_runner.Checkout(
            "head", ctx.root, head_commit, head_bins,
            harness.detect_criterion(ctx.runner, ctx.root, head_bins, settings.timeout),
        ),
    )  # fmt: skip


def _run_suite(
    ctx: Context, settings: BenchSettings, side: Any, suite: str, filters: Any = ()
) -> Any:
    """One run of one suite: criterion's CLI for criterion suites, else ``--bench run_args``."""
    from ferrox.bench import harness  # noqa: PLC0415
    from ferrox.bench import runner as bench_runner  # noqa: PLC0415

    binary = side.binaries[suite]
    if suite in side.criterion:
        return harness.run_criterion(
            ctx.runner, suite, binary, args=settings.criterion_args, wanted=filters,
            home=ctx.report_dir / "bench" / "criterion" / side.label / suite,
            timeout=settings.timeout, cwd=side.root,
        )  # fmt: skip
    return bench_runner.run_suite(
        ctx.runner, suite, binary, args=settings.run_args, filters=filters,
        timeout=settings.timeout, cwd=side.root,
    )  # fmt: skip


def _run_side(
    ctx: Context, settings: BenchSettings, side: Any, keys: Any = None
) -> dict[str, float]:
    """One run of every suite of a side (only the suites and benchmarks in ``keys``, if given)."""
    values: dict[str, float] = {}
    for suite in sorted(side.binaries):
        filters: list[str] = []
        if keys is not None:
            filters = [k.split("/", 1)[1] for k in keys if k.startswith(f"{suite}/")]
            if not filters:
                continue
        found = _run_suite(ctx, settings, side, suite, filters)
        values.update({m.key: m.value for m in found})
    return values


def _paired(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    from ferrox.bench import paired, reports  # noqa: PLC0415
    from ferrox.bench import runner as bench_runner  # noqa: PLC0415

    base, head = _checkouts(ctx, settings, out)
    try:
        # One warm-up run per side: discovers the benchmarks and warms caches (not counted).
        base_keys = _run_side(ctx, settings, base)
        head_keys = _run_side(ctx, settings, head)
        keys = sorted(set(base_keys) & set(head_keys))
        new = sorted(set(head_keys) - set(base_keys))
        removed = sorted(set(base_keys) - set(head_keys))
        if not keys:
            return _nothing_to_compare(
                "paired", base_commit=base.commit, head_commit=head.commit, new=new, removed=removed
            )
        plan = paired.PairedPlan(
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
        sides = {"base": base, "head": head}

        def sampler(side: str, wanted: Any) -> dict[str, float]:
            selected = None if list(wanted) == keys else wanted
            return _run_side(ctx, settings, sides[side], selected)

        verdicts, samples = paired.run_gate(sampler, keys, plan, _thresholds(settings))
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
    (out / "comparison.md").write_text(table, encoding="utf-8")
    _write_results(ctx, out, samples.head, unit="ns", criterion=head.criterion)
    return _result(
        settings,
        verdicts,
        removed=removed,
        notes=_imprecise(verdicts, plan),
        fail_levels=FAIL_LEVELS[settings.paired_fail],
        summary_extra=f"{max(v.change.pairs for v in verdicts)} pairs in {samples.seconds:.0f} s",
        extra={
            "mode": "paired",
            "base_commit": base.commit,
            "head_commit": head.commit,
            "seconds_measuring": round(samples.seconds, 1),
            "markdown": str(out / "comparison.md"),
            "verdicts": [_verdict_dict(v) for v in verdicts],
            "new_benchmarks": new,
        },
    )


def _imprecise(verdicts: Any, plan: Any) -> list[Finding]:
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


def _nothing_to_compare(
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


def _instructions(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    from ferrox.bench import harness  # noqa: PLC0415
    from ferrox.bench import runner as bench_runner  # noqa: PLC0415
    from ferrox.bench.paired import Verdict  # noqa: PLC0415
    from ferrox.bench.reports import markdown_table  # noqa: PLC0415
    from ferrox.bench.stats import PairedChange  # noqa: PLC0415

    base, head = _checkouts(ctx, settings, out)
    counts: dict[str, dict[str, float]] = {"base": {}, "head": {}}
    try:
        harness.refuse_instruction_counts(base.criterion | head.criterion)
        for side in (base, head):
            for suite, binary in sorted(side.binaries.items()):
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
                    counts[side.label][m.key] = counted.value
    finally:
        bench_runner.remove_worktree(ctx.runner, ctx.root, out / "base-worktree", settings.timeout)
    limit = settings.instruction_threshold / 100
    critical = settings.critical / 100
    verdicts = []
    removed = sorted(set(counts["base"]) - set(counts["head"]))
    for key in sorted(set(counts["base"]) & set(counts["head"])):
        before, after = counts["base"][key], counts["head"][key]
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
    table = markdown_table(
        verdicts,
        unit="instructions",
        title="Instruction counts (callgrind)",
        footer=f"One callgrind run per side (counts are deterministic); the gate is "
        f"{settings.instruction_threshold:g}% more instructions.",
    )
    (out / "instructions.md").write_text(table, encoding="utf-8")
    if not verdicts and removed:
        return _nothing_to_compare(
            "instructions",
            base_commit=base.commit,
            head_commit=head.commit,
            new=sorted(set(counts["head"])),
            removed=removed,
        )
    return _result(
        settings,
        verdicts,
        removed=removed,
        fail_levels=("major", "critical"),
        summary_extra=f"gate {settings.instruction_threshold:g}% instructions",
        extra={
            "mode": "instructions",
            "base_commit": base.commit,
            "head_commit": head.commit,
            "markdown": str(out / "instructions.md"),
            "counts": counts,
            "verdicts": [_verdict_dict(v) for v in verdicts],
        },
    )


def _history(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    from ferrox.bench import compare, dashboard, environment, history, issue, trends  # noqa: PLC0415
    from ferrox.bench.schema import BenchRun  # noqa: PLC0415

    env = environment.collect(ctx.runner, ctx.root)
    samples, criterion = _head_runs(ctx, settings)
    measurements = [
        _measurement(key, "ns", values, criterion) for key, values in sorted(samples.items())
    ]
    measurements += _result_files(ctx.root, settings.result_files)
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    metadata: dict[str, str] = {}
    if settings.mode == "baseline":
        # Which benchmarks ferrox ran itself (compare mode runs those again; result files it
        # only read): by key, since a criterion suite ferrox ran and a criterion result file
        # share a source.
        metadata = {"kind": "baseline", compare.MEASURED_KEY: json.dumps(sorted(samples))}
    current = BenchRun(env, tuple(measurements), stamp, metadata)
    history_path = ctx.root / settings.history_file
    try:
        cut = history.append(history_path, current)
        read = history.read(history_path)
    except history.HistoryError as exc:
        raise ToolOutputError(str(exc), tool="bench-history") from exc
    findings: list[Finding] = []
    for torn in (cut, read.torn):
        if torn:
            findings.append(
                Finding(
                    rule="bench-history-torn",
                    message=f"skipped a torn last line in {settings.history_file}: {torn!r}",
                    level=Level.WARNING,
                    path=settings.history_file,
                )
            )
    if settings.mode == "baseline":
        baseline = ctx.root / settings.baseline_file
        baseline.parent.mkdir(parents=True, exist_ok=True)
        baseline.write_text(json.dumps(current.to_dict(), indent=2) + "\n", encoding="utf-8")
    found = trends.with_change_points(
        trends.series(read.runs, env.fingerprint),
        significance=settings.significance,
        permutations=settings.permutations,
        min_size=3,
    )
    thresholds = _thresholds(settings)
    regressions = trends.persisting(found, thresholds, min_runs_after=settings.persist_runs)
    page = out / "dashboard.html"
    page.write_text(
        dashboard.render(found, title=f"Benchmarks ({env.cpu_model}, env {env.fingerprint})"),
        encoding="utf-8",
    )
    (out / "benchmark-action.json").write_text(
        _benchmark_action(current.measurements), encoding="utf-8"
    )
    issue_url = None
    if regressions:
        link = settings.chart_link or str(page)
        payload = issue.payload(regressions, chart_link=link, repository=settings.repository)
        (out / "issue.json").write_text(json.dumps(payload.to_json(), indent=2), encoding="utf-8")
        if settings.create_issue:
            issue_url = issue.create_issue(
                payload,
                api_url=settings.api_url,
                repository=settings.repository,
                token=ctx.runner.env.get(settings.token_env, ""),
                masker=ctx.runner.masker,
            )
    for r in regressions:
        level = _level_for(r.change, thresholds.for_key(r.key))
        findings.append(
            Finding(
                rule=f"bench-regression-{level}",
                message=f"{r.key}: +{r.change:.1%} since {r.first_bad[:12]} "
                f"(last good {r.last_good[:12]}; p={r.p_value:.3f}, {r.runs_since} runs)",
                level=Level.ERROR if level in ("major", "critical") else Level.WARNING,
            )
        )
    failing = [r for r in regressions if _level_for(r.change, thresholds.for_key(r.key)) != "minor"]
    checks = [gates.at_most("persisting_major", len(failing), 0, "persisting major regressions")]
    in_env = max((len(s.values) for s in found), default=0)
    return StepResult(
        step="bench",
        tool="bench",
        status=gates.verdict(checks),
        summary=f"recorded {len(measurements)} benchmark(s); {in_env} run(s) in this environment; "
        f"{len(regressions)} persisting regression(s)",
        findings=tuple(findings),
        metrics={
            "benchmarks": len(measurements),
            "history_runs": len(read.runs),
            "runs_in_environment": in_env,
            "change_points": sum(len(s.change_points) for s in found),
            "persisting_regressions": len(regressions),
        },
        gates=tuple(checks),
        extra={
            "mode": settings.mode,
            "fingerprint": env.fingerprint,
            "dashboard": str(page),
            "issue": str(out / "issue.json") if regressions else None,
            "issue_url": issue_url,
            "environment": current.to_dict()["environment"],
        },
    )


def _head_runs(
    ctx: Context, settings: BenchSettings
) -> tuple[dict[str, list[float]], frozenset[str]]:
    """Builds head's benches and runs every suite ``history_runs`` times: values per benchmark,
    and which suites are criterion's."""
    from ferrox.bench import harness  # noqa: PLC0415
    from ferrox.bench import runner as bench_runner  # noqa: PLC0415

    binaries = bench_runner.build_benches(
        ctx.runner, ctx.root, benches=settings.benches, target_dir=None, timeout=settings.timeout
    )
    criterion = harness.detect_criterion(ctx.runner, ctx.root, binaries, settings.timeout)
    head = bench_runner.Checkout("head", ctx.root, "", binaries, criterion)
    samples: dict[str, list[float]] = {}
    for _ in range(settings.history_runs):
        for suite in sorted(binaries):
            for m in _run_suite(ctx, settings, head, suite):
                samples.setdefault(m.key, []).append(m.value)
    return samples, frozenset(criterion)


def _compare(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    """Head's runs against the stored baseline: unpaired, so only ``compare_fail`` levels fail."""
    from ferrox.bench import compare, environment, reports  # noqa: PLC0415
    from ferrox.bench.stats import TooFewSamples  # noqa: PLC0415

    # Everything that can refuse the comparison is checked before the build.
    baseline = compare.load(ctx.root / settings.baseline_file, settings.baseline_file)
    env = environment.collect(ctx.runner, ctx.root)
    compare.check_environment(baseline, env)
    notes = _baseline_notes(settings, baseline)
    head, criterion = _head_runs(ctx, settings)
    try:
        found = compare.compare(
            baseline.samples,
            head,
            thresholds=_thresholds(settings),
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
        return _nothing_to_compare(
            "compare",
            base_commit=base_commit,
            head_commit=env.commit,
            new=found.new,
            removed=found.removed,
            findings=notes,
        )
    levels = FAIL_LEVELS[settings.compare_fail]
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
    _write_results(ctx, out, head, unit="ns", criterion=criterion)
    return _result(
        settings,
        verdicts,
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
                {**_verdict_dict(v), "base_runs": runs[v.key][0], "head_runs": runs[v.key][1]}
                for v in verdicts
            ],
            "new_benchmarks": list(found.new),
        },
    )


def _baseline_notes(settings: BenchSettings, baseline: Any) -> list[Finding]:
    """A stale baseline (warning) or one recorded on a modified checkout (note)."""
    notes = []
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


def _result_files(root: Path, patterns: tuple[str, ...]) -> list[Any]:
    """Measurements from the configured result files; a pattern matching nothing is an error."""
    from ferrox.bench.parsers import ParseError, parse_path  # noqa: PLC0415

    found: list[Any] = []
    for pattern in patterns:
        matches = sorted(root.glob(pattern))
        if not matches:
            raise UsageError(f"bench.result_files: {pattern!r} matches nothing in {root}")
        for path in matches:
            try:
                found += parse_path(path)
            except ParseError as exc:
                raise ToolOutputError(f"cannot parse {path}: {exc}", tool="bench") from exc
    return found


def _level_for(change: float, limits: Any) -> str:
    for name, limit in limits.ordered():
        if change >= limit:
            return str(name)
    return "minor"


def _write_results(
    ctx: Context, out: Path, head: Any, *, unit: str, criterion: Any = frozenset()
) -> None:
    from ferrox.bench import environment  # noqa: PLC0415
    from ferrox.bench.schema import BenchRun  # noqa: PLC0415

    measurements = tuple(
        _measurement(key, unit, values, criterion) for key, values in sorted(head.items())
    )
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    run_record = BenchRun(environment.collect(ctx.runner, ctx.root), measurements, stamp)
    (out / "results.json").write_text(json.dumps(run_record.to_dict(), indent=2), encoding="utf-8")
    (out / "benchmark-action.json").write_text(_benchmark_action(measurements), encoding="utf-8")


def _measurement(key: str, unit: str, values: Any, criterion: Any = frozenset()) -> Any:
    from ferrox.bench.schema import Measurement  # noqa: PLC0415

    suite, _, name = key.partition("/")
    source = "criterion" if suite in criterion else "libtest"
    return Measurement(suite, name, unit, tuple(values), source=source)


def _benchmark_action(measurements: Any) -> str:
    from ferrox.bench.reports import benchmark_action_json  # noqa: PLC0415

    return benchmark_action_json(measurements)


def _verdict_dict(v: Any) -> dict[str, Any]:
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


def _result(
    settings: BenchSettings,
    verdicts: Any,
    *,
    fail_levels: tuple[str, ...],
    summary_extra: str,
    extra: dict[str, Any],
    removed: list[str] | None = None,
    notes: Sequence[Finding] = (),
) -> StepResult:
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
    for v in verdicts:
        if not v.flagged:
            continue
        findings.append(
            Finding(
                rule=f"bench-regression-{v.level}",
                message=f"{v.key}: {v.change.estimate:+.2%} "
                f"[{v.change.low:+.2%}, {v.change.high:+.2%}] ({v.level})",
                level=Level.ERROR if v.level in fail_levels else Level.WARNING,
            )
        )
    failing = sum(1 for v in verdicts if v.level in fail_levels)
    critical = sum(1 for v in verdicts if v.level == "critical")
    checks: list[GateCheck] = [
        gates.at_most("regressions", failing, 0, f"{'/'.join(fail_levels)} regressions")
    ]
    counts = {level: sum(1 for v in verdicts if v.level == level) for level in
              ("minor", "major", "critical", "unconfirmed")}  # fmt: skip
    status = gates.verdict(checks)
    summary = (
        f"{len(verdicts)} benchmark(s): {counts['critical']} critical, {counts['major']} major, "
        f"{counts['minor']} minor, {counts['unconfirmed']} unconfirmed; {summary_extra}"
    )
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
        },
        gates=tuple(checks),
        extra={**extra, "fail_levels": list(fail_levels), "blocks_release": critical > 0},
    )


# The benchmark files carried in the Actions cache (the same path and prefix in every job that
# carries one, so the post-merge and weekly jobs extend one history).
_HISTORY = CarriedFile(
    "benchmark history", "**/.ferrox/bench-history.jsonl", "ferrox-bench-history-"
)
_BASELINE = CarriedFile(
    "benchmark baseline", "**/.ferrox/bench-baseline.json", "ferrox-bench-baseline-file-"
)

STEP = Step(
    name="bench",
    description="Benchmarks with a trusted regression gate (paired A/B, instructions, history).",
    report_tool="bench",
    settings=BenchSettings,
    run=run,
    tags=("rust", "bench", "ci"),
    parallel=False,  # timing runs must not share the CPU with other sessions
    required_tools=("cargo", "git", "valgrind"),
    default=False,  # minutes of measuring: run on purpose (`nox -s bench`), not by plain `nox`
    ci=(
        # A pull request is compared with its target branch: full history, that branch as the
        # base (GITHUB_BASE_REF is read by the shell, never expanded into the script by Actions).
        CiJob(
            events=("pull_request",),
            full_history=True,
            run_args='-- --base "origin/${GITHUB_BASE_REF}"',
        ),
        # After a merge: append to the history (carried in the cache) and look for change points.
        CiJob(
            job="bench-history", events=("push",), run_args="-- --mode history", carries=(_HISTORY,)
        ),
        # Weekly: re-record the stored baseline that compare mode and the pre-push hook read.
        CiJob(workflow="bench-baseline", session="bench-baseline", carries=(_HISTORY, _BASELINE)),
    ),
    variants=(
        Variant(
            "bench-baseline",
            "Refresh the stored benchmark baseline and append it to the history (run weekly).",
            ("--mode", "baseline"),
        ),
    ),
)
