"""``pip-audit``: known vulnerabilities of the pinned Python dependencies.

Offline design: with ``db`` set, the OSV directory is served on a loopback port for the run
(``osv_local``) and pip-audit is pointed at it with ``--osv-url``; proxies in its environment
point at a closed port, so any other fetch fails (and fails the step). Requirements are audited
as pinned (``--no-deps --disable-pip``): no resolver, no index, the same answer offline and
online. A dependency pip-audit skips, or never asks the service about, fails the step.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ferrox.context import Context
from ferrox.errors import ConfigError, ToolError, ToolOutputError
from ferrox.model import Status, StepResult
from ferrox.project_kind import has_python_dependencies
from ferrox.python import scanners
from ferrox.steps.interface import Step
from ferrox.tools import Completed, path_arg
from ferrox.vulns import findings as vulns
from ferrox.vulns.severity import Severity

if TYPE_CHECKING:
    from ferrox.python import osv_local

SUPPORTED = ">=2.7,<3"
UNKNOWN = Severity.UNKNOWN


@dataclass(frozen=True)
class PipAuditSettings(vulns.VulnSettings):
    """``[pip-audit]``: requirements, the local OSV directory (``db``) and the gates."""


def run(ctx: Context) -> StepResult:
    """Audits the pinned requirements against OSV (a local directory or the online service)."""
    settings: PipAuditSettings = ctx.settings
    files = scanners.requirement_files(ctx, settings.requirements, "pip-audit.requirements")
    if not files:
        return nothing_to_audit(ctx, "pip-audit", "pip-audit")
    requirements = scanners.pinned_requirements(ctx, files)
    version = scanners.check_version(ctx, "pip-audit", SUPPORTED)
    args = ["--format", "json", "--progress-spinner", "off", "--no-deps", "--disable-pip"]
    args += ["--strict", "--vulnerability-service", "osv"]
    for path in files:
        args += ["--requirement", path_arg(ctx.relative(path))]
    # Imported here: its HTTP server is for this step's runs only, not every command's start.
    from ferrox.python import osv_local  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="ferrox-pip-audit-") as cache:
        args += ["--cache-dir", cache]
        if settings.db:
            database = osv_local.load(ctx.root / settings.db)
            check_age(database.newest, settings, database.path, "pip-audit")
            with osv_local.serve(database) as (url, log):
                done = _audit(ctx, [*args, "--osv-url", url], settings, scanners.NO_NETWORK_ENV)
            if log.errors:
                raise ToolError(
                    f"pip-audit sent queries the OSV service could not answer: {log.errors[0]}",
                    tool="pip-audit",
                )
            found = _parse(ctx, done, requirements, log.queries, database)
        else:
            found = _parse(ctx, _audit(ctx, args, settings, {}), requirements, None, None)
    verdict = vulns.judge("pip-audit", found, settings, dt.date.today())
    return StepResult(
        step="pip-audit",
        tool="pip-audit",
        status=verdict.status,
        summary=summary(len(requirements), verdict.metrics),
        findings=verdict.findings,
        metrics={"dependencies": len(requirements), **verdict.metrics},
        gates=verdict.checks,
        tool_version=version,
        extra={"database": settings.db or "osv (online)"},
    )


def _audit(
    ctx: Context, args: list[str], settings: PipAuditSettings, env: dict[str, str]
) -> Completed:
    done = ctx.runner.run(
        "pip-audit",
        [*args, *ctx.extra_args],
        cwd=ctx.root,
        timeout=settings.timeout,
        hint=scanners.TOOLS_HINT,
        env=env,
    )
    # 0: no known vulnerabilities, 1: some found; anything else (or 1 without a report) is not
    # a verdict: a skipped dependency under --strict, a failed fetch, a crash.
    if done.returncode not in (0, 1) or (done.returncode == 1 and not done.stdout.strip()):
        if env:
            scanners.raise_if_network_blocked(done, "pip-audit")
        raise ToolOutputError.of(
            done, f"pip-audit exited {done.returncode} without an audit", "pip-audit"
        )
    return done


def _parse(
    ctx: Context,
    done: Completed,
    requirements: list[scanners.Requirement],
    queried: set[tuple[str, str]] | None,
    database: osv_local.OsvDatabase | None,
) -> list[vulns.Vulnerability]:
    data = scanners.parse_json(done, "pip-audit", "JSON report")
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise scanners.shape_error(done, "pip-audit", "no 'dependencies' list")
    for dependency in data["dependencies"]:
        if not isinstance(dependency, dict) or "name" not in dependency:
            raise scanners.shape_error(done, "pip-audit", "a dependency without a name")
        if "skip_reason" in dependency or "version" not in dependency:
            raise ToolError(
                f"pip-audit skipped {dependency['name']}: "
                f"{dependency.get('skip_reason', 'no version')}; "
                "a skipped dependency is not a clean one",
                tool="pip-audit",
                argv=done.argv,
            )
    found: list[vulns.Vulnerability] = []
    audited = 0
    for dependency in data["dependencies"]:
        name = str(dependency["name"])
        audited += 1
        version = str(dependency["version"])
        if queried is not None and (scanners.canonical(name), version) not in queried:
            raise ToolError(
                f"pip-audit reported {name} {version} without asking the advisory database",
                tool="pip-audit",
                argv=done.argv,
            )
        line = scanners.locate(requirements, name, version)
        for vuln in dependency.get("vulns", []):
            ids = [str(vuln["id"]), *(str(a) for a in vuln.get("aliases", []))]
            # Rule ids are the database's own ids (pip-audit may name an advisory by an alias).
            own = database.resolve(ids) if database else None
            advisory = own or ids[0]
            level, score = database.severity(advisory) if database else (UNKNOWN, None)
            found.append(
                vulns.Vulnerability(
                    advisory=advisory,
                    aliases=tuple(sorted(set(ids) - {advisory})),
                    package=name,
                    version=version,
                    fixed=tuple(str(v) for v in vuln.get("fix_versions", [])),
                    summary=str(vuln.get("description", "")).strip() or "no description",
                    severity=level,
                    score=score,
                    path=line.path if line else ctx.relative(done.argv[-1]),
                    line=line.line if line else 1,
                    help_uri=f"https://osv.dev/vulnerability/{vuln['id']}",
                )
            )
    if audited < len(requirements):
        raise ToolError(
            f"pip-audit audited {audited} of {len(requirements)} pinned requirements; "
            "the others were skipped",
            tool="pip-audit",
            argv=done.argv,
        )
    return found


def nothing_to_audit(ctx: Context, step: str, tool: str) -> StepResult:
    """No requirements file: a pass only when pyproject.toml declares no dependencies either."""
    declared = scanners.declared_without_pins(ctx.root)
    if declared:
        raise ConfigError(
            f"pyproject.toml declares {declared} dependencies but there is no pinned "
            "requirements file to audit",
            key=f"{step}.requirements",
            hint="export the locked versions (`pip freeze > requirements.txt`, "
            "`uv export > requirements.txt`) or set the requirements files",
        )
    return StepResult(
        step=step,
        tool=tool,
        status=Status.PASS,
        summary="skipped: no requirements files and no declared dependencies",
        metrics={"dependencies": 0},
        extra={"skipped": True},
    )


def check_age(newest: Any, settings: vulns.VulnSettings, path: Path, tool: str) -> None:
    """A local database older than ``max_db_age_days`` gives no current verdict."""
    if settings.max_db_age_days == 0 or newest is None:
        return
    age = vulns.database_age_days(newest)
    if age > settings.max_db_age_days:
        raise ToolError(
            f"advisory database {path} is {age:.0f} days old "
            f"(max_db_age_days = {settings.max_db_age_days}): update it",
            tool=tool,
        )


def summary(dependencies: int, metrics: dict[str, float]) -> str:
    """One line: how many dependencies, and the vulnerabilities by severity."""
    counts = ", ".join(
        f"{int(metrics[s.value])} {s.value}" for s in Severity if metrics.get(s.value)
    )
    return f"{dependencies} pinned dependencies: " + (counts or "no known vulnerabilities")


STEP = Step(
    name="pip-audit",
    description="Audit pinned Python dependencies with pip-audit (OSV, offline-capable).",
    report_tool="pip-audit",
    settings=PipAuditSettings,
    run=run,
    tags=("python", "security", "ci"),
    needs_cargo=False,
    required_tools=("pip-audit",),
    applies=has_python_dependencies,
)
