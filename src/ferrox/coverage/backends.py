"""The two coverage backends: cargo-tarpaulin (ptrace or llvm engine) and cargo-llvm-cov.

Both run the workspace's tests instrumented and leave an LCOV tracefile; the tests' own output
(libtest's) tells failing tests apart from a tool that could not run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ferrox.errors import ToolError, ToolMissing, ToolOutputError
from ferrox.model import TestCase, TestOutcome
from ferrox.rust.cargo_subcommand import check_subcommand, install_hint
from ferrox.rust.libtest import TestOutputError, parse_libtest
from ferrox.tools import Completed, ToolRunner

Backend = Literal["tarpaulin", "llvm-cov"]
Engine = Literal["ptrace", "llvm"]
LCOV_NAME = "lcov.info"
PTRACE_HINT = (
    "ptrace is not permitted here (a container without CAP_SYS_PTRACE, or a seccomp profile): "
    'use tarpaulin\'s llvm engine (engine = "llvm") or the llvm-cov backend '
    '(backend = "llvm-cov")'
)
LLVM_TOOLS_HINT = "rustup component add llvm-tools-preview (or `ferrox tools install`)"
# What tarpaulin prints when the kernel refuses to let it trace the test binary.
_PTRACE_DENIED = re.compile(
    r"(ptrace|PTRACE_TRACEME|personality|EPERM).{0,80}(not permitted|EPERM|denied)"
    r"|Operation not permitted",
    re.IGNORECASE,
)
_LLVM_TOOLS_MISSING = re.compile(r"llvm-tools(-preview)?.{0,80}(not|install)", re.IGNORECASE)


@dataclass(frozen=True)
class BackendRun:
    """What a backend produced: the LCOV text (None when tests failed) and the test cases."""

    tool: str
    version: str
    lcov: str | None
    tests: tuple[TestCase, ...]
    # Reports the backend wrote besides the LCOV file (tarpaulin's JSON and Cobertura XML).
    files: tuple[Path, ...] = ()

    @property
    def failed_tests(self) -> tuple[TestCase, ...]:
        """The tests that failed: the coverage number is then not given."""
        return tuple(c for c in self.tests if c.outcome is TestOutcome.FAILED)


@dataclass(frozen=True)
class BackendOptions:
    """The settings both backends share."""

    backend: Backend
    engine: Engine
    features: tuple[str, ...]
    all_features: bool
    # The settings' extra_args, then those given after `--` on the command line.
    extra_args: tuple[str, ...]
    timeout: float
    require_pinned_version: bool


@dataclass(frozen=True)
class Project:
    """Where the backend runs: the runner, the workspace root and its target directory."""

    runner: ToolRunner
    root: Path
    target_dir: Path


def run_backend(project: Project, options: BackendOptions, out: Path) -> BackendRun:
    """Runs the chosen backend with its reports in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in (LCOV_NAME, "tarpaulin-report.json", "cobertura.xml"):
        # A report left by an earlier run must never be mistaken for this run's.
        (out / stale).unlink(missing_ok=True)
    if options.backend == "llvm-cov":
        return _llvm_cov(project, options, out)
    return _tarpaulin(project, options, out)


def _feature_args(options: BackendOptions) -> list[str]:
    args = ["--all-features"] if options.all_features else []
    if options.features:
        args += ["--features", ",".join(options.features)]
    return args


def _llvm_cov(project: Project, options: BackendOptions, out: Path) -> BackendRun:
    tool = "cargo-llvm-cov"
    version = check_subcommand(
        project.runner, project.root, "llvm-cov", require_pin=options.require_pinned_version
    )
    lcov = out / LCOV_NAME
    args = [
        "llvm-cov", "--workspace", "--no-fail-fast", "--color", "never",
        "--lcov", "--output-path", str(lcov.resolve()),
        *_feature_args(options), *options.extra_args,
    ]  # fmt: skip
    done = project.runner.run(
        "cargo", args, cwd=project.root, timeout=options.timeout, hint=install_hint(tool)
    )
    if done.returncode != 0 and _LLVM_TOOLS_MISSING.search(done.stderr):
        raise ToolMissing(
            "cargo llvm-cov needs the llvm-tools-preview component",
            tool="llvm-tools-preview",
            argv=done.argv,
            hint=LLVM_TOOLS_HINT,
        )
    return _finish(project.runner, done, tool, version, lcov=lcov, extra=())


def _tarpaulin(project: Project, options: BackendOptions, out: Path) -> BackendRun:
    tool = "cargo-tarpaulin"
    version = check_subcommand(
        project.runner, project.root, "tarpaulin", require_pin=options.require_pinned_version
    )
    target = project.target_dir / "tarpaulin"
    args = [
        "tarpaulin", "--workspace", "--engine", options.engine, "--no-fail-fast",
        "--skip-clean", "--color", "Never", "--target-dir", str(target),
        "--out", "Lcov", "--out", "Json", "--out", "Xml", "--output-dir", str(out.resolve()),
        *_feature_args(options), *options.extra_args,
    ]  # fmt: skip
    done = project.runner.run(
        "cargo", args, cwd=project.root, timeout=options.timeout, hint=install_hint(tool)
    )
    if done.returncode != 0 and options.engine == "ptrace" and ptrace_denied(done.stderr):
        raise ToolError(
            "cargo tarpaulin could not trace the tests",
            tool=tool,
            argv=done.argv,
            returncode=done.returncode,
            output_tail=done.tail(),
            hint=PTRACE_HINT,
        )
    extra = (out / "tarpaulin-report.json", out / "cobertura.xml")
    return _finish(project.runner, done, tool, version, lcov=out / LCOV_NAME, extra=extra)


def ptrace_denied(stderr: str) -> bool:
    """Whether tarpaulin's messages say the kernel refused to trace the tests."""
    return _PTRACE_DENIED.search(stderr) is not None


def _finish(
    runner: ToolRunner,
    done: Completed,
    tool: str,
    version: str,
    *,
    lcov: Path,
    extra: Sequence[Path],
) -> BackendRun:
    """Failing tests, a report, or no honest verdict (exit 3)."""
    try:
        cases = tuple(parse_libtest(done.stdout, "coverage"))
    except TestOutputError as exc:
        raise ToolOutputError.of(done, f"cannot trust the tests' output: {exc}", tool) from exc
    run = BackendRun(tool, version, None, cases)
    if run.failed_tests:
        if done.returncode == 0:
            raise ToolOutputError.of(done, f"{tool} exited 0 but tests failed", tool)
        return run
    if done.returncode != 0:
        raise ToolOutputError.of(
            done, f"{tool} exited {done.returncode} without failing tests or a report", tool
        )
    if not lcov.is_file():
        raise ToolOutputError.of(done, f"{tool} exited 0 but wrote no {lcov.name}", tool)
    # Masked on the data, like every file a tool wrote, before any report sees its paths.
    text = runner.masker.mask(lcov.read_text(encoding="utf-8", errors="replace"))
    return BackendRun(tool, version, text, cases, tuple(p for p in extra if p.is_file()))


__all__ = ["BackendOptions", "BackendRun", "Project", "ptrace_denied", "run_backend"]
