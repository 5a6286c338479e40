"""``fmt``: ``cargo fmt --check``; every unformatted file is a finding. ``--fix`` formats first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ferrox import gates
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ToolOutputError
from ferrox.model import Finding, Level, StepResult
from ferrox.rust.workspace import CARGO_HINT
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import CargoStepSettings, Step
from ferrox.tools import Completed

# rustfmt prints "Diff in /abs/file.rs:12:" (older releases: "Diff in /abs/file.rs at line 12:").
_RUSTFMT_VERSION = re.compile(r"^rustfmt (\d+\.\d+\.\d+\S*)")
_DIFF_HEADER = re.compile(r"^Diff in (?P<path>.+?)(?::| at line )(?P<line>\d+):\s*$")


@dataclass(frozen=True)
class FmtSettings(CargoStepSettings):
    """``[fmt]``: formatting check."""

    timeout: float = setting(300.0, "seconds before cargo fmt is killed", minimum=1, maximum=86400)
    max_unformatted: int = setting(0, "unformatted files allowed before the gate fails", minimum=0)


def run(ctx: Context) -> StepResult:
    """Checks formatting (after formatting everything when ``ctx.fix`` is set)."""
    settings: FmtSettings = ctx.settings
    # Like every other tool: a `cargo-fmt` that cannot say what it is gives no verdict (a
    # silent one exiting 0 would otherwise read as "all files formatted").
    version = _rustfmt_version(ctx)
    fixed = 0
    if ctx.fix:
        before = _unformatted(ctx, _cargo_fmt(ctx, check=True))
        _cargo_fmt(ctx, check=False)
        fixed = len(before)
    findings = _unformatted(ctx, _cargo_fmt(ctx, check=True))
    checks = (
        gates.at_most(
            "unformatted_files", len(findings), settings.max_unformatted, "unformatted files"
        ),
    )
    status = gates.verdict(checks)
    summary = (
        "all files formatted" if not findings else f"{len(findings)} file(s) need `cargo fmt`"
    ) + (f" ({fixed} reformatted)" if fixed else "")
    return StepResult(
        step="fmt",
        tool="rustfmt",
        status=status,
        summary=summary,
        findings=tuple(findings),
        metrics={"unformatted_files": len(findings), "reformatted_files": fixed},
        gates=checks,
        tool_version=version,
    )


def _rustfmt_version(ctx: Context) -> str:
    """rustfmt's version through ``cargo fmt --version``; no version line is no verdict."""
    from ferrox.rust.cargo_subcommand import VERSION_TIMEOUT_S  # noqa: PLC0415
    from ferrox.rust.rustup import raise_if_component_missing  # noqa: PLC0415

    settings: FmtSettings = ctx.settings
    timeout = min(settings.timeout, VERSION_TIMEOUT_S)  # the step's timeout bounds every call
    done = ctx.runner.run(
        "cargo", ["fmt", "--version"], cwd=ctx.root, timeout=timeout, hint=CARGO_HINT
    )
    raise_if_component_missing(done, "fmt", "rustfmt")
    match = _RUSTFMT_VERSION.match(done.stdout.strip())
    if done.returncode != 0 or match is None:
        message = f"`cargo fmt --version` did not name a rustfmt version (exit {done.returncode})"
        raise ToolOutputError.of(done, message, "rustfmt")
    return match[1]


def _cargo_fmt(ctx: Context, *, check: bool) -> Completed:
    from ferrox.rust.rustup import raise_if_component_missing  # noqa: PLC0415

    settings: FmtSettings = ctx.settings
    args = ["fmt", "--all", *settings.extra_args, *ctx.extra_args, "--"]
    args += ["--check", "--color", "never"] if check else ["--color", "never"]
    done = ctx.runner.run("cargo", args, cwd=ctx.root, timeout=settings.timeout, hint=CARGO_HINT)
    raise_if_component_missing(done, "fmt", "rustfmt")
    if not check and done.returncode != 0:
        message = f"cargo fmt could not format the workspace (exit {done.returncode})"
        raise ToolOutputError.of(done, message, "rustfmt")
    return done


def parse_check_output(text: str) -> dict[str, list[int]]:
    """Maps each file in ``cargo fmt --check`` output to the first lines of its diff hunks."""
    hunks: dict[str, list[int]] = {}
    for line in text.splitlines():
        match = _DIFF_HEADER.match(line)
        if match:
            hunks.setdefault(match["path"], []).append(int(match["line"]))
    return hunks


def _unformatted(ctx: Context, done: Completed) -> list[Finding]:
    hunks = parse_check_output(done.stdout)
    # Exit 1 with diffs is the answer "unformatted"; any other combination is no answer at all.
    if done.returncode == 0 and not hunks:
        return []
    if done.returncode != 1 or not hunks:
        message = f"cargo fmt --check failed without reporting a diff (exit {done.returncode})"
        raise ToolOutputError.of(done, message, "rustfmt")
    return [
        Finding(
            rule="rustfmt",
            message=f"not formatted: {len(lines)} hunk(s) differ from `cargo fmt` output",
            level=Level.ERROR,
            path=ctx.relative(path),
            line=lines[0],
            detail="run `cargo fmt --all` (or `nox -s fmt -- --fix`)",
        )
        for path, lines in sorted(hunks.items())
    ]


STEP = Step(
    name="fmt",
    description="Check Rust formatting with cargo fmt (`-- --fix` to format).",
    report_tool="rustfmt",
    settings=FmtSettings,
    run=run,
    tags=("rust", "ci", "lint"),
    required_tools=("cargo", "rustfmt"),
    ci=(CiJob(),),
)
