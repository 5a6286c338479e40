"""``safety``: the pinned requirements against a local safety database (``--db DIR``).

safety 2.3.5, because 3.x contacts its service even with ``--db`` and fails offline. The
database is checked before safety sees it (both files present and valid JSON, ``$meta`` with the
``base_domain`` 2.3.5 needs and a ``timestamp`` for the age gate), and safety runs with proxies
pointing at a closed port: any fetch fails the step instead of going online.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ferrox.context import Context
from ferrox.errors import ToolError, ToolOutputError
from ferrox.model import StepResult
from ferrox.project_kind import has_python_dependencies
from ferrox.steps import pip_audit
from ferrox.steps.interface import Step
from ferrox.tools import Completed, path_arg
from ferrox.vulns import findings as vulns

if TYPE_CHECKING:
    from ferrox.python import scanners

SUPPORTED = ">=2.3,<3"
VULNERABLE = 64
DB_FILES = ("insecure.json", "insecure_full.json")


@dataclass(frozen=True)
class SafetySettings(vulns.VulnSettings):
    """``[safety]``: requirements, the local safety database (``db``) and the gates."""


def run(ctx: Context) -> StepResult:
    """Checks the pinned requirements against the safety database."""
    from ferrox.python import scanners  # noqa: PLC0415

    settings: SafetySettings = ctx.settings
    files = scanners.requirement_files(ctx, settings.requirements, "safety.requirements")
    if not files:
        return pip_audit.nothing_to_audit(ctx, "safety", "safety")
    requirements = scanners.pinned_requirements(ctx, files)
    args = ["check", "--output", "json"]
    env: dict[str, str] = {}
    if settings.db:
        database = ctx.root / settings.db
        meta = check_database(database)
        newest = dt.datetime.fromtimestamp(float(meta["timestamp"]), tz=dt.timezone.utc)
        pip_audit.check_age(newest, settings, database, "safety")
        args += ["--db", str(database)]
        env = scanners.NO_NETWORK_ENV
    version = scanners.check_version(ctx, "safety", SUPPORTED)
    for path in files:
        args += ["-r", path_arg(ctx.relative(path))]
    done = ctx.runner.run(
        "safety",
        [*args, *ctx.extra_args],
        cwd=ctx.root,
        timeout=settings.timeout,
        hint=scanners.TOOLS_HINT,
        env=env,
    )
    if done.returncode not in (0, VULNERABLE):
        if env:
            scanners.raise_if_network_blocked(done, "safety")
        raise ToolOutputError.of(
            done, f"safety exited {done.returncode} without a verdict", "safety"
        )
    found = _parse(ctx, done, requirements)
    verdict = vulns.judge("safety", found, settings, dt.date.today())
    return StepResult(
        step="safety",
        tool="safety",
        status=verdict.status,
        summary=pip_audit.summary(len(requirements), verdict.metrics),
        findings=verdict.findings,
        metrics={"dependencies": len(requirements), **verdict.metrics},
        gates=verdict.checks,
        tool_version=version,
        extra={"database": settings.db or "safety (online)"},
    )


def check_database(path: Path) -> dict[str, Any]:
    """The database's ``$meta``; a ToolError when it is missing, corrupt or incomplete."""
    if not path.is_dir():
        raise ToolError(f"safety database {path} does not exist", tool="safety")
    meta: dict[str, Any] = {}
    for name in DB_FILES:
        file = path / name
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            meta = data["$meta"]
            if not isinstance(meta, dict):
                raise TypeError("$meta is not a table")
        except FileNotFoundError as exc:
            raise ToolError(f"safety database {path} has no {name}", tool="safety") from exc
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise ToolError(
                f"safety database {path} is corrupt: {name}: {type(exc).__name__}: {exc}",
                tool="safety",
            ) from exc
    for key in ("base_domain", "timestamp"):
        if key not in meta:
            raise ToolError(
                f"safety database {path} is incomplete: insecure_full.json has no $meta.{key}",
                tool="safety",
                hint="safety 2.3.5 needs $meta.base_domain; ferrox needs $meta.timestamp "
                "(seconds since 1970) to judge the database's age",
            )
    try:
        float(meta["timestamp"])
    except (TypeError, ValueError) as exc:
        raise ToolError(
            f"safety database {path}: $meta.timestamp {meta['timestamp']!r} is not a number",
            tool="safety",
        ) from exc
    return meta


def _parse(
    ctx: Context, done: Completed, requirements: list[scanners.Requirement]
) -> list[vulns.Vulnerability]:
    from ferrox.python import scanners  # noqa: PLC0415
    from ferrox.vulns.severity import severity_of_score  # noqa: PLC0415

    data = scanners.parse_json(done, "safety", "JSON report")
    if not isinstance(data, dict) or not isinstance(data.get("vulnerabilities"), list):
        raise scanners.shape_error(done, "safety", "no 'vulnerabilities' list")
    scanned = data.get("scanned_packages")
    if not isinstance(scanned, dict):
        raise scanners.shape_error(done, "safety", "no 'scanned_packages' table")
    seen = {scanners.canonical(str(name)) for name in scanned}
    missing = sorted({r.name for r in requirements} - seen)
    if missing:
        raise ToolError(
            f"safety did not scan {', '.join(missing)}: a skipped dependency is not a clean one",
            tool="safety",
            argv=done.argv,
        )
    if done.returncode == VULNERABLE and not data["vulnerabilities"]:
        raise ToolOutputError.of(done, "safety exited 64 but listed no vulnerability", "safety")
    found = []
    for item in data["vulnerabilities"]:
        if not isinstance(item, dict) or not {"vulnerability_id", "package_name"} <= set(item):
            raise scanners.shape_error(done, "safety", "a vulnerability without id or package")
        package = str(item["package_name"])
        version = str(item.get("analyzed_version", ""))
        score = _score(item.get("severity"))
        line = scanners.locate(requirements, package, version)
        cve = item.get("CVE")
        found.append(
            vulns.Vulnerability(
                advisory=f"PYUP-{item['vulnerability_id']}",
                aliases=(str(cve),) if cve else (),
                package=package,
                version=version,
                fixed=tuple(str(v) for v in item.get("fixed_versions") or []),
                summary=str(item.get("advisory", "")).strip() or "no description",
                severity=severity_of_score(score),
                score=score,
                path=line.path if line else ctx.relative(done.argv[-1]),
                line=line.line if line else 1,
                help_uri=item.get("more_info_url") or None,
            )
        )
    return found


def _score(severity: Any) -> float | None:
    """The CVSS v3 (else v2) base score safety attached, if any."""
    if not isinstance(severity, dict):
        return None
    for key in ("cvssv3", "cvssv2"):
        block = severity.get(key)
        if isinstance(block, dict) and block.get("base_score") is not None:
            try:
                return float(block["base_score"])
            except (TypeError, ValueError):
                return None
    return None


STEP = Step(
    name="safety",
    description="Check pinned Python dependencies with safety 2.3.5 against a local database.",
    report_tool="safety",
    settings=SafetySettings,
    run=run,
    tags=("python", "security", "ci"),
    needs_cargo=False,
    required_tools=("safety",),
    applies=has_python_dependencies,
)
