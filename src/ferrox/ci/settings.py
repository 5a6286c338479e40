"""``[ci]``: what `ferrox init` generates (OS matrix, build targets, schedules, extra sessions).

Kept free of heavy imports: ``load_project`` validates this table on every ``ferrox run``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ferrox.config import SettingError, setting

OptionalWorkflow = Literal["security", "release", "monitoring", "bench-baseline"]


@dataclass(frozen=True)
class Target:
    """One build target: the triple, the GitHub runner that builds it natively, how, with what."""

    triple: str = setting("x86_64-unknown-linux-gnu", "the Rust target triple")
    runner: str = setting("ubuntu-latest", "the GitHub-hosted runner label that builds it")
    cross: Literal["cargo", "cross", "zigbuild"] = setting(
        "cargo", "the build tool: plain cargo (native), cross or cargo-zigbuild"
    )
    features: tuple[str, ...] = setting((), "cargo features enabled for this target")


DEFAULT_TARGETS = (
    Target("x86_64-unknown-linux-gnu", "ubuntu-latest"),
    Target("aarch64-apple-darwin", "macos-latest"),
    Target("x86_64-pc-windows-msvc", "windows-latest"),
)


@dataclass(frozen=True)
class CiSettings:
    """``[ci]``: the generated GitHub Actions workflows."""

    python: str = setting("3.12", "the Python version the workflows set up to run nox")
    test_os: tuple[str, ...] = setting(
        ("ubuntu-latest", "macos-latest", "windows-latest"), "runners the test step runs on"
    )
    targets: tuple[Target, ...] = setting(
        DEFAULT_TARGETS, "build targets ([[ci.targets]] tables: triple, runner, cross, features)"
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
    docker: bool = setting(False, "write a Dockerfile (a static binary on FROM scratch)")

    def __post_init__(self) -> None:
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
