"""``quality``: ruff format check, ruff lint, mypy and a complexity budget (ruff's mccabe).

Each check has its own budget. ruff runs from the tools home (pinned); mypy too, but it looks
at the project's own environment (``--python-executable``, the environment the pytest step
builds) so it sees the project's dependencies and their types.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolOutputError
from ferrox.model import Finding, Level, Status, StepResult
from ferrox.project_kind import python_sources
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step
from ferrox.tools import Completed

_COMPLEXITY_RULE = "C901"


@dataclass(frozen=True)
class QualitySettings:
    """``[quality]``: what to check and the budget of each check."""

    timeout: float = setting(900.0, "seconds before a tool is killed", minimum=1, maximum=86400)
    paths: tuple[str, ...] = setting((), "files or directories checked (default: the project)")
    mypy_paths: tuple[str, ...] = setting((), "what mypy checks (default: src/ if present, else .)")
    mypy: bool = setting(True, "run mypy")
    mypy_env: Literal["project", "tool"] = setting(
        "project", "mypy resolves imports in the project's environment, or only its own"
    )
    interpreter: str = setting("python3", "interpreter of the project environment mypy uses")
    extras: tuple[str, ...] = setting((), "optional-dependency groups installed for mypy")
    max_unformatted: int = setting(0, "files ruff format would change", minimum=0)
    max_lint: int = setting(0, "ruff lint findings allowed", minimum=0)
    max_type_errors: int = setting(0, "mypy errors allowed", minimum=0)
    max_complexity: int = setting(10, "cyclomatic complexity a function may reach", minimum=1)
    max_complex_functions: int = setting(0, "functions over max_complexity allowed", minimum=0)

    def __post_init__(self) -> None:
        from ferrox.python import settings_checks  # noqa: PLC0415

        settings_checks.check_interpreters("interpreter", (self.interpreter,))
        settings_checks.check_extras("extras", self.extras)
        for key, paths in (("paths", self.paths), ("mypy_paths", self.mypy_paths)):
            for path in paths:
                if path.startswith("-") or Path(path).is_absolute() or ".." in Path(path).parts:
                    raise SettingError(key, f"{path!r} is not a path inside the project")


def run(ctx: Context) -> StepResult:
    """Runs the four checks and gates each on its budget."""
    from ferrox.python import scanners  # noqa: PLC0415

    settings: QualitySettings = ctx.settings
    if not _has_python(ctx.root):
        return StepResult(
            step="quality",
            tool=STEP.report_tool,
            status=Status.PASS,
            summary="skipped: no packaged Python project (pyproject.toml, setup.py, setup.cfg)",
            extra={"skipped": True},
        )
    targets = _targets(ctx, settings.paths, "quality.paths", ["."])
    unformatted = _ruff(ctx, settings, ["format", "--check", *targets])
    lint = [
        f
        for f in _ruff(ctx, settings, ["check", "--exit-zero", *targets])
        if f.rule != _COMPLEXITY_RULE  # counted once, by the complexity budget
    ]
    complexity = _ruff(
        ctx,
        settings,
        [
            "check",
            "--exit-zero",
            "--select",
            _COMPLEXITY_RULE,
            "--config",
            f"lint.mccabe.max-complexity = {settings.max_complexity}",
            *targets,
        ],
    )
    typing = _mypy(ctx, settings) if settings.mypy else []
    type_errors = [f for f in typing if f.level is Level.ERROR]
    checks = (
        gates.at_most(
            "unformatted", len(unformatted), settings.max_unformatted, "unformatted files"
        ),
        gates.at_most("lint", len(lint), settings.max_lint, "ruff lint findings"),
        gates.at_most("type_errors", len(type_errors), settings.max_type_errors, "mypy errors"),
        gates.at_most(
            "complex_functions",
            len(complexity),
            settings.max_complex_functions,
            f"functions over complexity {settings.max_complexity}",
        ),
    )
    return StepResult(
        step="quality",
        tool="ruff",
        status=gates.verdict(checks),
        summary=(
            f"{len(unformatted)} unformatted, {len(lint)} lint, {len(type_errors)} type error(s), "
            f"{len(complexity)} over complexity {settings.max_complexity}"
        ),
        findings=(*unformatted, *lint, *typing, *complexity),
        metrics={
            "unformatted": len(unformatted),
            "lint": len(lint),
            "type_errors": len(type_errors),
            "complex_functions": len(complexity),
        },
        gates=checks,
        tool_version=scanners.check_version(ctx, "ruff", ">=0.9"),
    )


def _targets(ctx: Context, paths: tuple[str, ...], key: str, default: list[str]) -> list[str]:
    for path in paths:
        if not (ctx.root / path).exists():
            raise ConfigError(f"{path!r} does not exist in {ctx.root}", key=key)
    # `--` style safety: every target is a relative path that cannot start with '-'.
    return [f"./{path}" for path in paths] if paths else default


def _ruff_cache(ctx: Context) -> Path:
    return (ctx.report_dir / "quality" / "ruff-cache").resolve()


def _ruff(ctx: Context, settings: QualitySettings, args: list[str]) -> list[Finding]:
    from ferrox.python import scanners  # noqa: PLC0415
    from ferrox.python.lint_output import parse_ruff_json  # noqa: PLC0415

    done = ctx.runner.run(
        "ruff",
        # The cache lives with the reports, like mypy's: a step never leaves files in the
        # project that the next step (the secrets scan of every file) would read as source.
        [*args[:1], "--output-format", "json", "--cache-dir", str(_ruff_cache(ctx)), *args[1:]],
        cwd=ctx.root,
        timeout=settings.timeout,
        hint=scanners.TOOLS_HINT,
    )
    # check --exit-zero: 0 unless ruff failed; format --check: 1 when files would change.
    allowed = (0, 1) if args[0] == "format" else (0,)
    if done.returncode not in allowed:
        raise ToolOutputError.of(done, f"ruff {args[0]} exited {done.returncode}", "ruff")
    findings = _parsed(done, "ruff", lambda: parse_ruff_json(done.stdout, ctx.relative))
    if args[0] == "format" and (done.returncode == 1) != bool(findings):
        raise ToolOutputError.of(done, "ruff format's exit code and report disagree", "ruff")
    return findings


def _mypy(ctx: Context, settings: QualitySettings) -> list[Finding]:
    from ferrox.python import envs, scanners  # noqa: PLC0415
    from ferrox.python.lint_output import parse_mypy_json  # noqa: PLC0415

    targets = list(settings.mypy_paths) or (["src"] if (ctx.root / "src").is_dir() else ["."])
    targets = _targets(ctx, tuple(targets), "quality.mypy_paths", [])
    # The incremental cache lives with the reports, not in the project: warm runs stay fast.
    cache = ctx.report_dir / "quality" / "mypy-cache"
    args = ["-O", "json", "--no-error-summary", "--cache-dir", str(cache)]
    if settings.mypy_env == "project" and envs.is_installable(ctx.root):
        env = envs.ensure_env(
            ctx.runner,
            ctx.root,
            settings.interpreter,
            extras=settings.extras,
            packages=(),
            timeout=settings.timeout,
        )
        args += ["--python-executable", str(env.python)]
    done = ctx.runner.run(
        "mypy", [*args, *targets], cwd=ctx.root, timeout=settings.timeout, hint=scanners.TOOLS_HINT
    )
    # mypy: 0 clean, 1 type errors, 2 a crash or a usage error (no verdict).
    if done.returncode not in (0, 1):
        raise ToolOutputError.of(done, f"mypy exited {done.returncode}", "mypy")
    findings = _parsed(done, "mypy", lambda: parse_mypy_json(done.stdout, ctx.relative))
    if done.returncode == 1 and not any(f.level is Level.ERROR for f in findings):
        raise ToolOutputError.of(done, "mypy exited 1 but reported no error", "mypy")
    return findings


def _parsed(done: Completed, tool: str, parse: object) -> list[Finding]:
    from ferrox.python.lint_output import LintOutputError  # noqa: PLC0415

    try:
        return parse()  # type: ignore[operator,no-any-return]
    except LintOutputError as exc:
        raise ToolOutputError.of(done, str(exc), tool) from exc


def _has_python(root: Path) -> bool:
    # A Rust repository's noxfile.py and tasks.py are its pipeline, not a Python project: only a
    # packaged project (pyproject.toml, setup.py, setup.cfg) is checked.
    packaged = any((root / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg"))
    return packaged and bool(python_sources(root, limit=1))


STEP = Step(
    name="quality",
    description="Check Python formatting, lint, types (mypy) and a complexity budget.",
    report_tool="ruff",
    settings=QualitySettings,
    run=run,
    tags=("python", "lint"),
    # Opt-in: a bare `nox` in a Rust repository (whose noxfile is Python) must not run it.
    default=False,
    needs_cargo=False,
    required_tools=("ruff", "mypy"),
    applies=_has_python,
    # Its own optional workflow (`[ci] workflows = [..., "python"]`): a Rust-only project's
    # generated ci.yml must not gain Python jobs that have nothing to run.
    ci=(CiJob(workflow="python"),),
)
