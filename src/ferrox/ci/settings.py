"""``[ci]``: what `ferrox init` generates (OS matrix, build targets, schedules, extra sessions).

Kept free of heavy imports: ``load_project`` validates this table on every ``ferrox run``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ferrox.config import SettingError, setting

OptionalWorkflow = Literal["security", "release", "monitoring", "bench-baseline", "python"]


@dataclass(frozen=True)
class Pattern:
    """A strict format for values that reach a workflow, and how to describe it to a user."""

    regex: re.Pattern[str]
    expected: str


# GitHub's runner labels (ubuntu-24.04, windows-11-arm, a self-hosted label).
RUNNER_LABEL = Pattern(
    re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"), "a runner label: letters, digits, '.', '_', '-'"
)
# A Rust target triple, with cargo-zigbuild's glibc suffix (x86_64-unknown-linux-gnu.2.17).
TARGET_TRIPLE = Pattern(
    re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_.]+){1,4}"),
    "a target triple such as x86_64-unknown-linux-gnu",
)
CARGO_FEATURE = Pattern(
    re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+./-]{0,99}"), "a cargo feature name (or crate/feature)"
)
# actions/setup-python's python-version: 3.12, 3.13t, pypy3.10, 3.x.
PYTHON_VERSION = Pattern(
    re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,39}"), "a Python version such as 3.12 or pypy3.10"
)
# A branch name or a GitHub branch filter (release/**, !main).
BRANCH_PATTERN = Pattern(
    re.compile(r"!?[A-Za-z0-9._/*?+-]{1,200}"),
    "a branch name or filter: letters, digits and . _ / * ? + - (a leading ! negates)",
)
# Each extra session is also a job id: GitHub's rule for those.
SESSION_NAME = Pattern(
    re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}"),
    "a nox session name usable as a job id: a letter or '_', then letters, digits, '_', '-'",
)
TOOL_NAME = Pattern(
    re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"), "a tool name from ci/tools.toml"
)
RELATIVE_PATH = Pattern(
    re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}"),
    "a relative path: letters, digits and . _ / -",
)
_CRON_FIELD = r"[0-9A-Za-z*/,-]{1,40}"
CRON = Pattern(
    re.compile(rf"{_CRON_FIELD}(?: {_CRON_FIELD}){{4}}"),
    "five cron fields separated by single spaces (minute hour day month weekday)",
)


def check_pattern(key: str, values: tuple[str, ...], pattern: Pattern) -> None:
    """Raises SettingError naming the first value that does not fully match ``pattern``."""
    for value in values:
        if "${{" in value:
            raise SettingError(key, f"{value!r}: a `${{{{ }}}}` expression is not allowed here")
        if not pattern.regex.fullmatch(value):
            raise SettingError(key, f"{value!r} is not {pattern.expected}")


@dataclass(frozen=True)
class Target:
    """One build target: the triple, the GitHub runner that builds it natively, how, with what."""

    triple: str = setting("x86_64-unknown-linux-gnu", "the Rust target triple")
    runner: str = setting("ubuntu-latest", "the GitHub-hosted runner label that builds it")
    cross: Literal["cargo", "cross", "zigbuild"] = setting(
        "cargo", "the build tool: plain cargo (native), cross or cargo-zigbuild"
    )
    features: tuple[str, ...] = setting((), "cargo features enabled for this target")

    def __post_init__(self) -> None:
        check_pattern("triple", (self.triple,), TARGET_TRIPLE)
        check_pattern("runner", (self.runner,), RUNNER_LABEL)
        check_pattern("features", self.features, CARGO_FEATURE)


# None: the release workflow's build job cross-builds [build] targets on one Linux runner; a
# target listed here is built (and published) on its own native runner as well.
DEFAULT_TARGETS: tuple[Target, ...] = ()


@dataclass(frozen=True)
class CiSettings:
    """``[ci]``: the generated GitHub Actions workflows."""

    python: str = setting("3.12", "the Python version the workflows set up to run nox")
    test_os: tuple[str, ...] = setting(
        ("ubuntu-latest", "macos-latest", "windows-latest"), "runners the test step runs on"
    )
    targets: tuple[Target, ...] = setting(
        DEFAULT_TARGETS,
        "native release runners, each building and publishing its own target "
        "([[ci.targets]] tables: triple, runner, cross, features); default none: the build "
        "step cross-builds every [build] target on one Linux runner",
    )
    branches: tuple[str, ...] = setting(("main",), "branches whose pushes run ci.yml")
    workflows: tuple[OptionalWorkflow, ...] = setting(
        ("security", "release", "monitoring", "bench-baseline"),
        "optional workflows to generate (each only when some step runs in it)",
    )
    extra_sessions: tuple[str, ...] = setting(
        (), "your own nox sessions (not ferrox steps) that ci.yml runs, one job each"
    )
    extra_tools: tuple[str, ...] = setting(
        (), "pinned tools (ci/tools.toml) the extra sessions' jobs install first"
    )
    security_cron: str = setting("17 4 * * *", "when security.yml runs on its own (UTC cron)")
    daily_cron: str = setting("23 5 * * *", "the daily monitoring run (UTC cron)")
    weekly_cron: str = setting("41 5 * * 1", "the weekly monitoring run (UTC cron)")
    bench_baseline_cron: str = setting(
        "47 2 * * 0", "when bench-baseline.yml re-records the benchmark baseline (UTC cron)"
    )
    timeout_minutes: int = setting(45, "timeout-minutes of every job", minimum=1, maximum=360)
    requirements: str = setting(
        "ci/requirements.txt", "the hash-pinned requirements the workflows install"
    )
    ferrox_source: Literal["auto", "pypi", "bundled", "wheel", "checkout"] = setting(
        "auto",
        "where CI gets ferrox-ci: 'auto' (its PyPI release when this version is there, else "
        "'bundled'), 'pypi', 'bundled' (init writes this ferrox's wheel under ci/ and pins it "
        "by hash), a wheel URL ('wheel'), or the repository itself ('checkout', ferrox's own)",
    )
    ferrox_wheel: str = setting(
        "",
        "with ferrox_source = 'wheel': URL#sha256=HEX of a ferrox wheel, e.g. a release asset",
    )
    docker: bool = setting(
        False, "write scripts/docker/Dockerfile.{cpu,gpu,minimal} and add the docker job"
    )

    def __post_init__(self) -> None:
        # Every value that `ferrox init` writes into a workflow is held to a strict pattern at
        # load: none can carry a `${{ }}` expression, a quote, a newline or shell syntax.
        for key, values, pattern in (
            ("python", (self.python,), PYTHON_VERSION),
            ("test_os", self.test_os, RUNNER_LABEL),
            ("branches", self.branches, BRANCH_PATTERN),
            ("extra_sessions", self.extra_sessions, SESSION_NAME),
            ("extra_tools", self.extra_tools, TOOL_NAME),
            ("requirements", (self.requirements,), RELATIVE_PATH),
        ):
            check_pattern(key, values, pattern)
        for key in ("security_cron", "daily_cron", "weekly_cron", "bench_baseline_cron"):
            check_pattern(key, (getattr(self, key),), CRON)
        if ".." in self.requirements.split("/"):
            raise SettingError("requirements", "must stay inside the project (no '..')")
        # At load, so every `ferrox run` (not only `ferrox init`) names a bad wheel spec.
        if self.ferrox_source == "wheel" and (problem := wheel_problem(self.ferrox_wheel)):
            raise SettingError(
                "ferrox_wheel", f"ferrox_wheel {problem} (expected URL#sha256=HEX of a wheel)"
            )


def wheel_problem(spec: str) -> str | None:
    """What is wrong with a ``URL#sha256=HEX`` wheel spec, or None when it is well formed."""
    url, _, fragment = spec.partition("#sha256=")
    if not spec:
        return "is empty"
    if not re.fullmatch(r"[0-9a-f]{64}", fragment.lower()):
        return "must end in #sha256=<64 hex digits>"
    if not (url.startswith(("https://", "file://")) and url.endswith(".whl")):
        return "must be an https:// (or file://) URL of a .whl file"
    return None
