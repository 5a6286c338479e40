"""History and baseline modes: run head, append to the history, find change points, draw the
dashboard and write (or, with ``create_issue``, open) an issue for a regression that persists;
baseline mode also stores the run as the baseline file compare mode reads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox import gates
from ferrox.bench import compare, dashboard, environment, history, issue, trends, waivers
from ferrox.bench.modes import results, shared_history
from ferrox.bench.modes.runs import run_head
from ferrox.bench.parsers import ParseError, parse_path
from ferrox.bench.reports import benchmark_action_json
from ferrox.bench.schema import BenchRun, Measurement
from ferrox.bench.thresholds import Thresholds
from ferrox.context import Context
from ferrox.errors import ToolOutputError, UsageError
from ferrox.model import Finding, Level, StepResult

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def run(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    """Records head's runs (and the result files) in the history and judges what persists."""
    env = environment.collect(ctx.runner, ctx.root)
    # The shared history first: a remote that cannot be read stops the run before measuring.
    _, synced = shared_history.pull(ctx, settings)
    samples, sources = run_head(ctx, settings)
    measurements = [
        results.measurement(key, "ns", values, sources) for key, values in sorted(samples.items())
    ]
    measurements += result_files(ctx.root, settings.result_files)
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
    findings: list[Finding] = list(synced)
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
    findings += shared_history.push(ctx, settings)
    found = trends.with_change_points(
        trends.series(read.runs, env.fingerprint),
        significance=settings.significance,
        permutations=settings.permutations,
        min_size=3,
    )
    thresholds = results.thresholds(settings)
    regressions = trends.persisting(found, thresholds, min_runs_after=settings.persist_runs)
    page = out / "dashboard.html"
    page.write_text(
        dashboard.render(found, title=f"Benchmarks ({env.cpu_model}, env {env.fingerprint})"),
        encoding="utf-8",
    )
    (out / "benchmark-action.json").write_text(
        benchmark_action_json(current.measurements), encoding="utf-8"
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
    active = waivers.sort_waivers(settings.accept)
    waived = {r.key for r in regressions if waivers.waiver_for(active, r.key) is not None}
    for r in regressions:
        level = level_for(r.change, thresholds.for_key(r.key))
        findings.append(
            Finding(
                rule=f"bench-regression-{level}",
                message=f"{r.key}: +{r.change:.1%} since {r.first_bad[:12]} "
                f"(last good {r.last_good[:12]}; p={r.p_value:.3f}, {r.runs_since} runs)",
                level=Level.NOTE
                if r.key in waived
                else Level.ERROR
                if level in ("major", "critical")
                else Level.WARNING,
            )
        )
    failing = [
        r for r in regressions
        if level_for(r.change, thresholds.for_key(r.key)) != "minor" and r.key not in waived
    ]  # fmt: skip
    checks = [gates.at_most("persisting_major", len(failing), 0, "persisting major regressions")]
    if settings.accept:
        matched = {w.key for r in regressions if (w := waivers.waiver_for(active, r.key))}
        findings += waivers.findings(active, matched)
        checks.append(waivers.check(active))
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


def result_files(root: Path, patterns: Sequence[str]) -> list[Measurement]:
    """Measurements from the configured result files; a pattern matching nothing is an error."""
    found: list[Measurement] = []
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


def level_for(change: float, limits: Thresholds) -> str:
    """The most severe level ``change`` reaches (``minor`` below every threshold)."""
    for name, limit in limits.ordered():
        if change >= limit:
            return name
    return "minor"
