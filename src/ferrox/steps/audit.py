"""``audit``: cargo-audit over Cargo.lock; advisories become findings, CVSS severities feed gates.

cargo-audit exits 1 both for "vulnerabilities found" and for "could not load the database or
the lock file"; only a complete JSON report on stdout tells the two apart, so a run without one
is a tool error (exit 3) whatever the exit code. Ignores are applied here rather than passed
to cargo-audit, so an expired or unused ignore can be reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox import gates
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ToolError, ToolOutputError
from ferrox.model import Finding, GateCheck, Level, StepResult
from ferrox.rust.rustsec import WarningKind
from ferrox.rust.workspace import CARGO_HINT
from ferrox.steps.interface import Step
from ferrox.tools import Completed
from ferrox.vulns.gates import SeverityGates
from ferrox.vulns.ignores import Ignore
from ferrox.vulns.severity import Severity

if TYPE_CHECKING:
    from ferrox.rust.lockfile import LockFile
    from ferrox.rust.rustsec import Advisory, AuditReport

TOOL = "cargo-audit"
GIT_TIMEOUT_S = 30.0
_CLOCK_SKEW_DAYS = 1 / 24  # an hour of clock difference between machines is tolerated
_YANK_UNCHECKED = re.compile(r"couldn't check if the package is yanked: (?P<why>.*)")
_INDEX_NAME = re.compile(r"index: (?P<name>[A-Za-z0-9_-]+)\s*$")
_LEVELS = {
    Severity.CRITICAL: Level.ERROR,
    Severity.HIGH: Level.ERROR,
    Severity.MEDIUM: Level.WARNING,
}
# The per-severity metrics (``vulnerabilities_<severity>``); unscored ones count as configured.
_COUNTED = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.NONE)


# The entry type every dependency scanner shares, under the name this module always exported.
AuditIgnore = Ignore


@dataclass(frozen=True)
class AuditSettings(SeverityGates):
    """``[audit]``: the advisory database, ignores, the severity gates and failing warning kinds."""

    db: str = setting("", "advisory database directory (--db); empty: ~/.cargo/advisory-db")
    offline: bool = setting(False, "do not fetch the advisory database (--no-fetch)")
    check_yanked: bool = setting(True, "ask the registry index whether locked versions are yanked")
    max_db_age_days: int = setting(
        30, "fail when the advisory database is older than this (0: no limit)", minimum=0
    )
    fail_on: tuple[WarningKind, ...] = setting(
        ("unsound", "yanked"),
        "warning kinds that fail the gate (unmaintained, unsound, yanked, notice)",
    )
    require_pinned_version: bool = setting(True, "refuse a cargo-audit other than the pinned one")
    timeout: float = setting(
        600.0, "seconds before cargo audit is killed", minimum=1, maximum=86400
    )
    extra_args: tuple[str, ...] = setting((), "extra arguments passed to cargo audit")


def command_args(settings: AuditSettings, lockfile: Path, db: Path | None) -> list[str]:
    """The cargo arguments for an audit run with these settings."""
    args = ["audit", "--json", "--file", str(lockfile)]
    if db is not None:
        args += ["--db", str(db)]
    if settings.offline:
        args.append("--no-fetch")
    if not settings.check_yanked:
        args.append("--no-yanked")
    return [*args, *settings.extra_args]


def run(ctx: Context) -> StepResult:
    """Runs cargo audit on the project's Cargo.lock and gates on severities and warning kinds."""
    from ferrox.rust.cargo_subcommand import check_subcommand  # noqa: PLC0415
    from ferrox.rust.lock_sync import stale_dependencies  # noqa: PLC0415
    from ferrox.rust.lockfile import read_lockfile  # noqa: PLC0415

    settings: AuditSettings = ctx.settings
    today = dt.date.today()
    version = check_subcommand(
        ctx.runner, ctx.root, "audit", require_pin=settings.require_pinned_version
    )
    lock_path = _lockfile(ctx)
    lock = read_lockfile(lock_path, TOOL)
    if stale := stale_dependencies(ctx.runner, ctx.root, lock_path, settings.timeout):
        # The audit reads the lock alone: a dependency missing from it would go unaudited.
        raise ToolError(
            f"{ctx.relative(lock_path)} does not match Cargo.toml: not locked: "
            + "; ".join(stale[:5])
            + (f" and {len(stale) - 5} more" if len(stale) > 5 else ""),
            tool=TOOL,
            hint="run `cargo update --workspace` (or `cargo generate-lockfile`), commit Cargo.lock",
        )
    db = (ctx.root / settings.db).resolve() if settings.db else None
    if db is not None and settings.offline and not db.is_dir():
        raise ToolError(
            f"advisory database {db} does not exist (offline: nothing to fetch)", tool=TOOL
        )
    done = ctx.runner.run(
        "cargo",
        [*command_args(settings, lock_path, db), *ctx.extra_args],
        cwd=ctx.root,
        timeout=settings.timeout,
        hint=CARGO_HINT,
    )
    report = _report_of(done, db)
    db_age = _db_age_days(ctx, db) if settings.max_db_age_days else None
    unchecked = _unchecked_yanked(done.stderr, lock, ctx.relative(lock.path))
    return _result(
        ctx,
        settings,
        report,
        lock,
        today=today,
        db_age=db_age,
        unchecked=unchecked,
        version=version,
    )


def _report_of(done: Completed, db: Path | None) -> AuditReport:
    """The report of a finished run; a tool error when it is missing, broken or contradictory."""
    from ferrox.rust.rustsec import parse_report  # noqa: PLC0415

    if done.returncode not in (0, 1) or not done.stdout.strip():
        message = f"cargo audit exited {done.returncode} without a JSON report"
        raise ToolOutputError.of(done, message, TOOL)
    report = parse_report(done.stdout)
    # Exit 1 means "vulnerable" only when the report says so (it also means "could not load").
    if (done.returncode == 1) != bool(report.vulnerabilities):
        message = (
            f"cargo audit exited {done.returncode} but its report lists "
            f"{len(report.vulnerabilities)} vulnerabilities"
        )
        raise ToolOutputError.of(done, message, TOOL)
    if report.advisory_count == 0:
        raise ToolError(
            f"the advisory database {db or 'of cargo-audit'} holds no advisories: it is empty or "
            "not a RustSec advisory database",
            tool=TOOL,
        )
    return report


def _unchecked_yanked(stderr: str, lock: LockFile, lock_rel: str) -> tuple[Finding, ...]:
    """Packages whose yanked status cargo-audit could not learn (it says so on stderr only)."""
    findings = []
    for line in stderr.splitlines():
        match = _YANK_UNCHECKED.search(line)
        if match:
            named = _INDEX_NAME.search(match["why"])
            name = named["name"] if named else "a package"
            findings.append(
                Finding(
                    rule="audit/yanked-unchecked",
                    message=f"could not check whether {name} is yanked: {match['why']}",
                    level=Level.ERROR,
                    path=lock_rel,
                    line=lock.line_of(name) if named else None,
                    detail="run online (offline = false) so the registry index can be read, "
                    "or set check_yanked = false to skip the check on purpose",
                )
            )
    return tuple(findings)


def _lockfile(ctx: Context) -> Path:
    from ferrox.rust.lockfile import find_lockfile  # noqa: PLC0415

    if (ctx.root / "Cargo.lock").exists():
        return ctx.root / "Cargo.lock"
    return find_lockfile(ctx.root, ctx.workspace.root)


def _result(
    ctx: Context,
    settings: AuditSettings,
    report: AuditReport,
    lock: LockFile,
    *,
    today: dt.date,
    db_age: float | None,
    unchecked: tuple[Finding, ...],
    version: str,
) -> StepResult:
    from ferrox.vulns.gates import count_severities, counted  # noqa: PLC0415
    from ferrox.vulns.ignores import expired_findings, sort_ignores, unused_findings  # noqa: PLC0415
    from ferrox.vulns.severity import severity_of_vector  # noqa: PLC0415

    ignores = sort_ignores(settings.ignore, today)
    lock_rel = ctx.relative(lock.path)
    findings: list[Finding] = []
    gated: list[Severity] = []
    ignored = 0
    matched: set[str] = set()
    for advisory in report.vulnerabilities:
        severity, score = severity_of_vector(advisory.cvss)
        # RustSec ignores name the advisory's own id (aliases are not matched).
        entry = ignores.match((advisory.id,) if advisory.id else ())
        if entry is not None:
            ignored += 1
            matched.add(entry.id)
            continue
        severity = counted(severity, settings)
        gated.append(severity)
        findings.append(
            _finding(
                advisory,
                lock,
                lock_rel,
                level=_LEVELS.get(severity, Level.NOTE),
                severity=severity.value,
                score=score,
            )
        )
    failing_warnings = warnings = 0
    for advisory in report.warnings:
        entry = ignores.match((advisory.id,) if advisory.id else ())
        if entry is not None:
            ignored += 1
            matched.add(entry.id)
            continue
        fails = advisory.kind in settings.fail_on
        failing_warnings += fails
        warnings += 1
        findings.append(
            _finding(
                advisory,
                lock,
                lock_rel,
                level=Level.ERROR if fails else Level.WARNING,
                severity=advisory.kind,
                score=None,
            )
        )
    findings += expired_findings("audit", ignores)
    findings += unused_findings("audit", ignores, matched)
    findings += unchecked
    all_counts = count_severities(gated)
    counts = {severity.value: all_counts[severity] for severity in _COUNTED}
    checks = _gates(
        settings,
        all_counts,
        failing_warnings=failing_warnings,
        expired=len(ignores.expired),
        unchecked=len(unchecked),
        db_age=db_age,
    )
    vulnerabilities = sum(counts.values())
    metrics: dict[str, float] = {
        "vulnerabilities": vulnerabilities,
        **{f"vulnerabilities_{name}": count for name, count in counts.items()},
        "warnings": warnings,
        "ignored": ignored,
        "expired_ignores": len(ignores.expired),
        "yanked_unchecked": len(unchecked),
        "dependencies": report.dependency_count,
        "advisories_in_db": report.advisory_count,
    }
    if db_age is not None:
        metrics["db_age_days"] = round(db_age, 2)
    return StepResult(
        step="audit",
        tool=TOOL,
        status=gates.verdict(checks),
        summary=(
            f"{vulnerabilities} vulnerabilit{'y' if vulnerabilities == 1 else 'ies'} "
            f"({counts['critical']} critical, {counts['high']} high), "
            f"{warnings} warning(s), {ignored} ignored, "
            f"{report.dependency_count} dependencies"
        ),
        findings=tuple(findings),
        metrics=metrics,
        gates=checks,
        tool_version=version,
    )


def _gates(
    settings: AuditSettings,
    counts: dict[Severity, int],
    *,
    failing_warnings: int,
    expired: int,
    unchecked: int,
    db_age: float | None,
) -> tuple[GateCheck, ...]:
    from ferrox.vulns.gates import expired_check, severity_checks  # noqa: PLC0415

    critical, high = severity_checks(counts, settings, warn_note="[warn only]")
    checks = [
        critical,
        high,
        gates.at_most(
            "warnings",
            failing_warnings,
            0,
            f"warnings of failing kinds ({', '.join(settings.fail_on) or 'none'})",
        ),
        expired_check(expired),
        gates.at_most("yanked_unchecked", unchecked, 0, "packages whose yanked status is unknown"),
    ]
    if db_age is not None:
        checks.append(
            gates.at_most(
                "db_age_days",
                round(db_age, 2),
                settings.max_db_age_days,
                "advisory database age in days",
            )
        )
    return tuple(checks)


def _finding(
    advisory: Advisory,
    lock: LockFile,
    lock_rel: str,
    *,
    level: Level,
    severity: str,
    score: float | None,
) -> Finding:
    rule = advisory.id or f"audit/{advisory.kind}"
    patched = ", ".join(advisory.patched) or "none"
    scored = f" {score:.1f}" if score is not None else ""
    label = advisory.kind if severity == advisory.kind else f"{advisory.kind}, {severity}{scored}"
    aka = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    message = (
        f"{advisory.package} {advisory.version}: {advisory.title}{aka} [{label}]; "
        f"patched: {patched}"
    )
    url = advisory.url or (
        f"https://rustsec.org/advisories/{advisory.id}.html" if advisory.id else None
    )
    return Finding(
        rule=rule,
        message=message,
        level=level,
        path=lock_rel,
        line=lock.line_of(advisory.package, advisory.version),
        help_uri=url,
        detail=advisory.description or None,
        security_severity=score,
    )


def _db_age_days(ctx: Context, db: Path | None) -> float:
    """Days since the database last changed.

    A git checkout (what cargo-audit fetches) is as old as its HEAD commit; a plain directory
    (an unpacked copy) as old as its newest advisory file.
    """
    if db is None:
        cargo_home = ctx.runner.env.get("CARGO_HOME") or str(Path.home() / ".cargo")
        db = Path(cargo_home) / "advisory-db"
    if (db / ".git").exists():
        done = ctx.runner.run(
            "git", ["-C", str(db), "log", "-1", "--format=%ct"], cwd=ctx.root, timeout=GIT_TIMEOUT_S
        )
        try:
            changed = float(done.stdout.strip())
        except ValueError:
            raise ToolOutputError.of(done, f"cannot read the commit time of {db}", "git") from None
    else:
        times = [path.stat().st_mtime for path in db.rglob("*.md") if path.is_file()]
        if not times:
            raise ToolError(
                f"cannot tell the age of the advisory database {db}: no advisories", tool=TOOL
            )
        changed = max(times)
    age = (dt.datetime.now(dt.timezone.utc).timestamp() - changed) / 86400
    if age < -_CLOCK_SKEW_DAYS:
        # A date in the future is a wrong clock or a forged DB: its age, hence its freshness
        # gate, cannot be trusted (it used to read as age 0, the freshest possible).
        raise ToolError(
            f"the advisory database {db} is dated {-age:.1f} day(s) in the future: "
            "its age cannot be trusted",
            tool=TOOL,
            hint="check the system clock, or fetch the database again",
        )
    return max(0.0, age)


STEP = Step(
    name="audit",
    description="Audit Cargo.lock against the RustSec advisory database (cargo-audit).",
    report_tool=TOOL,
    settings=AuditSettings,
    run=run,
    tags=("rust", "security", "ci"),
    required_tools=("cargo", "cargo-audit"),
)
