"""``health``: a 0-100 repository health score, its history, trend, chart and issue payload.

The score (``ferrox.health.score``) starts at 100 and loses points for clippy warnings, known
vulnerabilities, outdated dependencies and a quiet repository, and gains a few for high
activity. Its inputs come from the reports other steps already wrote (``clippy``, ``audit``,
``pip-audit``, ``safety``, ``security``), from ``cargo outdated`` and from ``git log``. The gate:
below ``min_score`` fails; a drop of ``warn_drop`` points or more since the last run warns.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ToolError
from ferrox.files import write_text_atomic
from ferrox.health import history
from ferrox.model import Finding, Level, Status, StepResult
from ferrox.steps.ci_placement import CarriedFile, CiJob
from ferrox.steps.interface import Step

if TYPE_CHECKING:
    from ferrox.health.score import Score, Weights

NAME = "health"
HISTORY_FILE = ".ferrox/health-history.jsonl"


@dataclass(frozen=True)
class HealthSettings:
    """``[health]``: the score's weights, its gate, the issue threshold and the inputs."""

    min_score: int = setting(50, "the gate: a score below this fails", minimum=0, maximum=100)
    warn_drop: int = setting(
        10, "warn when the score fell this many points since the last run", minimum=1, maximum=100
    )
    issue_below: int = setting(
        70, "write an issue payload when the score is below this", minimum=0, maximum=100
    )
    history: str = setting(HISTORY_FILE, "the JSON Lines history, relative to the root")
    record: bool = setting(True, "append this run to the history")
    outdated: Literal["cargo-outdated", "report", "off"] = setting(
        "cargo-outdated",
        "where the outdated-dependency count comes from: run cargo-outdated (reads the crates "
        "index), a saved `cargo outdated --format json` file (outdated_report), or not at all",
    )
    outdated_report: str = setting("", "the saved cargo-outdated JSON when outdated = 'report'")
    activity: bool = setting(True, "count recent commits with git (the root must be a repository)")
    timeout: float = setting(600.0, "seconds before a tool is killed", minimum=1, maximum=86400)
    clippy_warning_limit: int = setting(50, "clippy warnings above this cost points", minimum=0)
    clippy_penalty: int = setting(15, "points lost for too many clippy warnings", minimum=0)
    vulnerability_penalty: int = setting(10, "points lost per known vulnerability", minimum=0)
    outdated_limit: int = setting(10, "outdated dependencies above this cost points", minimum=0)
    outdated_penalty: int = setting(10, "points lost for too many outdated dependencies", minimum=0)
    quiet_days: int = setting(7, "the activity window in days", minimum=1, maximum=365)
    quiet_penalty: int = setting(5, "points lost with no commit in the window", minimum=0)
    active_commits: int = setting(
        10, "commits in the window that count as high activity", minimum=1
    )
    active_bonus: int = setting(5, "points gained for high activity", minimum=0)

    def __post_init__(self) -> None:
        if self.outdated == "report" and not self.outdated_report:
            raise SettingError("outdated_report", "is required when outdated = 'report'")
        if Path(self.history).is_absolute() or ".." in Path(self.history).parts:
            raise SettingError("history", f"{self.history!r} must be a path inside the project")

    @property
    def weights(self) -> Weights:
        """The formula's weights from these settings."""
        from ferrox.health.score import Weights  # noqa: PLC0415

        return Weights(**{f.name: getattr(self, f.name) for f in fields(Weights)})


def run(ctx: Context) -> StepResult:
    """Scores the repository, records it, writes the trend, chart and (if low) issue payload."""
    from ferrox.health import inputs  # noqa: PLC0415
    from ferrox.health.score import Inputs, compute  # noqa: PLC0415

    settings: HealthSettings = ctx.settings
    found = inputs.from_reports(ctx.report_dir)
    measured = Inputs(
        clippy_warnings=found.clippy_warnings,
        vulnerabilities=found.vulnerabilities,
        outdated=_outdated(ctx, settings),
        recent_commits=_recent_commits(ctx, settings) if settings.activity else None,
    )
    score = compute(measured, settings.weights)
    history_path = ctx.root / settings.history
    entries, _torn = history.read(history_path)
    previous = entries[-1].score if entries else None
    entry = history.Entry(_now(), _commit(ctx, settings), score.value, vars(measured).copy())
    if settings.record:
        history.append(history_path, entry)
    entries = [*entries, entry]
    reports = _write_reports(
        ctx,
        settings=settings,
        score=score,
        entries=entries,
        sources=found.sources,
        previous=previous,
    )
    return _result(settings, score, previous, reports)


def _result(
    settings: HealthSettings, score: Score, previous: int | None, reports: dict[str, str]
) -> StepResult:
    check = gates.at_least("score", score.value, settings.min_score, "health score")
    findings: list[Finding] = []
    if previous is not None and previous - score.value >= settings.warn_drop:
        findings.append(
            Finding(
                "health-drop",
                f"the health score fell from {previous} to {score.value}",
                level=Level.WARNING,
            )
        )
    terms = "; ".join(f"{t.reason} ({t.points:+d})" for t in score.adjustments) or "no deductions"
    return StepResult(
        step=NAME,
        tool="ferrox",
        status=Status.PASS if check.passed else Status.FAIL,
        summary=f"health {score.value}/100: {terms}",
        findings=tuple(findings),
        metrics={"score": score.value, **({"previous": previous} if previous is not None else {})},
        gates=(check,),
        extra={"unmeasured": list(score.unmeasured), "files": reports},
    )


def _write_reports(
    ctx: Context,
    *,
    settings: HealthSettings,
    score: Score,
    entries: list[history.Entry],
    sources: tuple[str, ...],
    previous: int | None,
) -> dict[str, str]:
    from ferrox.health import render  # noqa: PLC0415

    written = {
        "trend": ctx.report_dir / "health-trend.md",
        "chart": ctx.report_dir / "health-chart.html",
    }
    write_text_atomic(written["trend"], render.markdown(score, entries, sources))
    write_text_atomic(written["chart"], render.chart(entries, threshold=settings.issue_below))
    payload = ctx.report_dir / "health-issue.json"
    if score.value < settings.issue_below:
        repository = ctx.runner.env.get("GITHUB_REPOSITORY", "")
        issue = render.issue(
            score, threshold=settings.issue_below, previous=previous, repository=repository
        )
        write_text_atomic(payload, json.dumps(issue.to_json(), indent=2) + "\n")
        written["issue"] = payload
    else:
        # A payload left by an earlier low run must not open an issue for a healthy one.
        payload.unlink(missing_ok=True)
    return {kind: ctx.relative(path) for kind, path in written.items()}


def _outdated(ctx: Context, settings: HealthSettings) -> int | None:
    from ferrox.health import inputs  # noqa: PLC0415

    if settings.outdated == "off":
        return None
    if settings.outdated == "report":
        path = ctx.root / settings.outdated_report
        try:
            return inputs.count_outdated(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ToolError(
                f"health: cannot read outdated_report {path}: {exc}", tool="ferrox"
            ) from exc
    # --root-deps-only: the project's own choices, not its dependencies' (those are theirs).
    # cargo-outdated reads the crates index: offline it fails, and so does this step (exit 3).
    done = ctx.runner.run(
        "cargo",
        ["outdated", "--format", "json", "--root-deps-only", "--exit-code", "0"],
        cwd=ctx.root,
        timeout=settings.timeout,
        hint="ferrox tools install cargo-outdated, or set [health] outdated = 'off'",
    )
    if done.returncode != 0:
        raise ToolError(
            f"health: cargo outdated failed (exit {done.returncode})",
            tool="cargo-outdated",
            output_tail=done.tail(),
        )
    return inputs.count_outdated(done.stdout)


def _git(ctx: Context, settings: HealthSettings, *args: str) -> str:
    done = ctx.runner.run("git", args, cwd=ctx.root, timeout=settings.timeout)
    if done.returncode != 0:
        raise ToolError(
            f"health: git {' '.join(args)} failed (exit {done.returncode}); is {ctx.root} a git "
            "repository? (or set [health] activity = false)",
            tool="git",
            output_tail=done.tail(),
        )
    return done.stdout


def _recent_commits(ctx: Context, settings: HealthSettings) -> int:
    since = f"--since={settings.quiet_days} days ago"
    return len(_git(ctx, settings, "log", since, "--format=%H", "HEAD").split())


def _commit(ctx: Context, settings: HealthSettings) -> str:
    if not settings.activity:
        return ""
    return _git(ctx, settings, "rev-parse", "HEAD").strip()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


_HISTORY = CarriedFile("health history", f"**/{HISTORY_FILE}", "ferrox-health-history-")

STEP = Step(
    name=NAME,
    description="Score repository health (0-100) with its history, trend, chart and issue.",
    report_tool="ferrox",
    settings=HealthSettings,
    run=run,
    tags=("health", "monitoring"),
    needs_cargo=False,
    required_tools=("cargo", "cargo-outdated"),
    applies=lambda _root: True,
    # A scheduled report, not a check of a change: plain `nox` and `ci` leave it out.
    default=False,
    ci=(
        CiJob(
            workflow="monitoring",
            rust=True,  # cargo-outdated runs through cargo
            full_history=True,  # the activity term counts commits
            carries=(_HISTORY,),
            # The reports it scores, measured in the same job: a scheduled run has no others.
            runs_first=("clippy", "security"),
        ),
    ),
)
