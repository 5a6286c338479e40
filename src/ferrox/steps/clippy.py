"""``clippy``: lints (security lints included) as findings with file, line, column and lint name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolOutputError
from ferrox.model import Level, StepResult
from ferrox.rust.workspace import CARGO_HINT
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import CargoStepSettings, Step


@dataclass(frozen=True)
class ClippySettings(CargoStepSettings):
    """``[clippy]``: which lints to deny, warn and allow, and how many warnings the gate accepts."""

    deny: tuple[str, ...] = setting(("clippy::suspicious",), "lints passed as -D (errors)")
    warn: tuple[str, ...] = setting(("clippy::unwrap_used",), "lints passed as -W (warnings)")
    allow: tuple[str, ...] = setting((), "lints passed as -A (silenced)")
    max_warnings: int = setting(0, "warnings allowed before the gate fails", minimum=0)
    all_targets: bool = setting(True, "lint tests, benches and examples too (--all-targets)")
    all_features: bool = setting(False, "enable every feature (--all-features)")
    features: tuple[str, ...] = setting((), "features to enable (--features)")

    def __post_init__(self) -> None:
        from ferrox.rust.rustflags import silences_lints  # noqa: PLC0415

        # `-A warnings` silences every warning, so the warnings gate could never fail.
        if "warnings" in self.allow:
            raise SettingError(
                "allow", "'warnings' would silence every warning: raise max_warnings instead"
            )
        if silences_lints(list(self.extra_args)) or any("cap-lints" in a for a in self.extra_args):
            raise SettingError(
                "extra_args", "--cap-lints or -A warnings would silence the lints clippy reports"
            )


def command_args(settings: ClippySettings, extra: tuple[str, ...] = ()) -> list[str]:
    """The cargo arguments for a clippy run with these settings."""
    args = ["clippy", "--workspace", "--message-format=json"]
    if settings.all_targets:
        args.append("--all-targets")
    if settings.all_features:
        args.append("--all-features")
    if settings.features:
        args.append(f"--features={','.join(settings.features)}")  # one token: never an option
    args += [*settings.extra_args, *extra, "--"]
    for flag, lints in (("-D", settings.deny), ("-W", settings.warn), ("-A", settings.allow)):
        for lint in lints:
            args += [flag, lint]
    return args


def run(ctx: Context) -> StepResult:
    """Runs clippy over the workspace and gates on errors and warnings."""
    from ferrox.rust.cargo_messages import parse_cargo_messages  # noqa: PLC0415
    from ferrox.rust.rustup import raise_if_component_missing  # noqa: PLC0415

    settings: ClippySettings = ctx.settings
    _refuse_lint_caps(ctx)
    done = ctx.runner.run(
        "cargo",
        command_args(settings, ctx.extra_args),
        cwd=ctx.root,
        timeout=settings.timeout,
        hint=CARGO_HINT,
    )
    raise_if_component_missing(done, "clippy", "clippy")
    messages = parse_cargo_messages(done.stdout, lambda path: _relative(ctx, path))
    stray = [line for line in messages.other_lines if line.strip()]
    if messages.malformed_lines or stray:
        raise ToolOutputError(
            "cargo clippy printed output that is not cargo JSON",
            tool="clippy",
            argv=done.argv,
            output_tail="\n".join((*messages.malformed_lines, *stray)[:5]),
        )
    findings = messages.findings
    errors = sum(1 for f in findings if f.level is Level.ERROR)
    warnings = sum(1 for f in findings if f.level is Level.WARNING)
    failed_without_errors = done.returncode != 0 and errors == 0
    if messages.build_finished is None or failed_without_errors:
        # A manifest cargo cannot read is the user's input (exit 2): metadata says so precisely.
        _ = ctx.workspace
        message = f"cargo clippy exited {done.returncode} without a usable result"
        raise ToolOutputError.of(done, message, "clippy")
    checks = (
        gates.at_most("errors", errors, 0, "errors (compile errors and denied lints)"),
        gates.at_most("warnings", warnings, settings.max_warnings, "warnings"),
    )
    return StepResult(
        step="clippy",
        tool="clippy",
        status=gates.verdict(checks),
        summary=f"{errors} error(s), {warnings} warning(s)",
        findings=findings,
        metrics={"errors": errors, "warnings": warnings},
        gates=checks,
    )


def _refuse_lint_caps(ctx: Context) -> None:
    """A ConfigError when rustc's flags cap lints or allow all warnings: clippy would pass.

    rustc keeps the first ``--cap-lints`` it sees, so ferrox cannot override one set by the
    environment or a ``.cargo/config.toml``; it refuses instead of reporting a silenced pass.
    """
    from ferrox.rust.rustflags import lint_caps, silences_lints  # noqa: PLC0415

    caps = lint_caps(ctx.root, ctx.runner.env)
    if silences_lints(list(ctx.extra_args)) or any("cap-lints" in a for a in ctx.extra_args):
        caps.append(f"the extra arguments pass `{' '.join(ctx.extra_args)}`")
    if caps:
        raise ConfigError(
            "--cap-lints (or -A warnings) would silence the lints clippy is asked to report: "
            + "; ".join(caps),
            hint="remove it from these rustflags (cargo already caps dependencies' lints)",
        )


def _relative(ctx: Context, path: str) -> str:
    """rustc names files relative to the workspace root, which is usually the project root.

    Only when it is not (``-C`` points at a member crate) is ``cargo metadata`` asked where the
    workspace root is: that call would otherwise cost every clippy run ~40 ms.
    """
    if Path(path).is_absolute() or (ctx.root / path).exists():
        return ctx.relative(path)
    return ctx.relative(path, ctx.workspace.root)


STEP = Step(
    name="clippy",
    description="Lint Rust code with clippy, security lints included.",
    report_tool="clippy",
    settings=ClippySettings,
    run=run,
    tags=("rust", "ci", "lint"),
    uses_target_dir=True,
    required_tools=("cargo", "clippy"),
    ci=(CiJob(),),
)
