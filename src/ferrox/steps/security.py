"""``security``: every security scanner that applies to the project, side by side, one verdict.

Each part is a complete step (``audit``, ``geiger``, ``secrets``, ``licenses``, ``bandit``,
``pip-audit``, ``safety``) with its own settings, gates and tool runner; this step only chooses
which apply, runs them in parallel threads (the work happens in the scanners' processes), and
folds their results into one: the reports show a combined table and the SARIF has one run per tool.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, UsageError
from ferrox.executor import execute
from ferrox.model import GateCheck, Status, StepResult
from ferrox.project_kind import has_python_project, has_rust_project
from ferrox.steps import all_steps
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step

SECURITY_TAG = "security"
NAME = "security"


@dataclass(frozen=True)
class SecuritySettings:
    """``[security]``: which scanners run and how many at once."""

    steps: tuple[str, ...] = setting(
        (), "the scanners to run (default: every security step that applies to the project)"
    )
    skip: tuple[str, ...] = setting((), "scanners never to run, e.g. a tool your platform lacks")
    jobs: int = setting(
        min(4, os.cpu_count() or 1), "scanners run at the same time", minimum=1, maximum=64
    )

    def __post_init__(self) -> None:
        # At load, so a misspelt scanner stops `ferrox run` before any scanner starts.
        if not (self.steps or self.skip):
            return
        available = security_steps()
        for key, names in (("steps", self.steps), ("skip", self.skip)):
            if unknown := [name for name in names if name not in available]:
                raise SettingError(
                    key,
                    f"unknown scanner(s) {', '.join(map(repr, unknown))}",
                    choices=list(available),
                )


def security_steps() -> dict[str, Step]:
    """The registered steps tagged ``security``, in registry order."""
    return {
        name: step
        for name, step in all_steps().items()
        if SECURITY_TAG in step.tags and name != NAME
    }


def select(ctx: Context) -> tuple[list[Step], list[str]]:
    """The scanners to run on this project, and the names of those that do not apply."""
    settings: SecuritySettings = ctx.settings
    available = security_steps()  # `steps` and `skip` name only these: checked at load
    wanted = [name for name in (settings.steps or available) if name not in settings.skip]
    # applies() reads the tree (bandit walks it for sources): ask each scanner once.
    applies = {name: available[name].applies(ctx.root) for name in wanted}
    chosen = [available[name] for name in wanted if applies[name]]
    # A scanner named explicitly in `steps` that has nothing to scan is worth saying, not an error.
    not_applicable = [name for name in wanted if not applies[name]]
    return chosen, not_applicable


def run(ctx: Context) -> StepResult:
    """Runs the applicable scanners in parallel and combines their verdicts (worst wins)."""
    settings: SecuritySettings = ctx.settings
    if not (has_rust_project(ctx.root) or has_python_project(ctx.root)):
        # Only `secrets` would run: a green verdict for a directory that holds no project
        # (the wrong -C, a typo) would be a pass for nothing.
        raise UsageError(
            f"security: {ctx.root} holds no Cargo.toml and no Python project; nothing to scan"
        )
    chosen, not_applicable = select(ctx)
    if not chosen:
        raise ConfigError(
            f"security: no scanner applies to {ctx.root} (no Cargo.toml, no Python files); "
            f"scanners: {', '.join(security_steps())}"
        )
    # Scanners that build in cargo's target directory (cargo-geiger) start last: in a pipeline
    # they wait for its lock while clippy or test build, and waiting first would hold a worker
    # the other scanners could use. The report keeps the registry's order.
    started = sorted(chosen, key=lambda step: step.uses_target_dir)

    def scan(step: Step) -> StepResult:
        return execute(step, ctx.for_part(step.name, step.settings))

    with ThreadPoolExecutor(max_workers=settings.jobs, thread_name_prefix="ferrox-scan") as pool:
        names = [step.name for step in started]
        done = dict(zip(names, pool.map(scan, started), strict=True))
    return combine([done[step.name] for step in chosen], not_applicable)


def combine(parts: list[StepResult], not_applicable: list[str]) -> StepResult:
    """One result over the parts: ERROR if a scanner gave no verdict, else FAIL if a gate failed.

    A missing verdict outranks a failed gate: the findings we do have are then known to be
    incomplete, and exit 3 tells CI to look at the tool, not only at the code.
    """
    status = Status.worst(part.status for part in parts)
    counts = {s: sorted(p.step for p in parts if p.status is s) for s in Status}
    summary = "; ".join(
        f"{len(names)} {label}: {', '.join(names)}"
        for label, names in (
            ("passed", counts[Status.PASS]),
            ("failed", counts[Status.FAIL]),
            ("could not run", counts[Status.ERROR]),
            ("not applicable", sorted(not_applicable)),
        )
        if names
    )
    errors = [f"{part.step}: {part.error}" for part in parts if part.error]
    return StepResult(
        step=NAME,
        tool="ferrox",
        status=status,
        summary=summary,
        findings=tuple(finding for part in parts for finding in part.findings),
        metrics={
            "scanners": len(parts),
            "findings": sum(len(part.findings) for part in parts),
            "failed": len(counts[Status.FAIL]),
            "errors": len(counts[Status.ERROR]),
        },
        gates=tuple(
            GateCheck(
                name=f"{part.step}.{check.name}",
                actual=check.actual,
                limit=check.limit,
                passed=check.passed,
                description=check.description,
            )
            for part in parts
            for check in part.gates
        ),
        error="\n".join(errors) or None,
        extra={"not_applicable": sorted(not_applicable)},
        parts=tuple(parts),
    )


STEP = Step(
    name=NAME,
    description="Run every security scanner that applies (Rust and Python) as one gate.",
    report_tool="ferrox",
    settings=SecuritySettings,
    run=run,
    tags=("security", "ci"),
    needs_cargo=False,
    required_tools=(),
    applies=lambda _root: True,
    covers_tag=SECURITY_TAG,
    ci=(
        CiJob(
            workflow="security",
            rust=True,  # the Rust scanners it runs need cargo
            cargo_cache=False,
            uploads_sarif=True,
            permissions=(("actions", "read"), ("contents", "read"), ("security-events", "write")),
        ),
    ),
)
