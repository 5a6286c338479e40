"""Release artifacts: the build step's archives (cross-built, smoke-run, size-gated, reproducible),
Python distributions (``python -m build``) and a ``SHA256SUMS`` over all of them.

The release builds no binary itself: it runs the ``build`` step (``[build]``: targets, libc,
strategy per target, profile) for ``[release] targets`` or, when that is empty, the build
step's own targets, and takes the archives it wrote to ``[build] dist_dir``.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ferrox.build.archive import sha256_file
from ferrox.build.archive import write_checksums as write_sums
from ferrox.build.targets import with_libc
from ferrox.engine import RunOptions, load_project, run_step
from ferrox.errors import FerroxError, ToolError, ToolOutputError, UsageError
from ferrox.rust.workspace import Workspace
from ferrox.steps.build import BuildSettings
from ferrox.tools import ToolRunner

CHECKSUMS = "SHA256SUMS"
# How the plan shows the build.
BUILD_COMMAND = "ferrox run build"


class BuildFailed(FerroxError):
    """The build step did not pass: exit 1 (a gate: a failed build, smoke run or size) or 3."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ArchivePlan:
    """One archive of the release: its name (the build step's), target and binary."""

    name: str
    target: str
    binary: str


def build_settings(root: Path) -> BuildSettings:
    """The project's ``[build]`` table."""
    return load_project(root).for_step("build", BuildSettings)


def release_targets(build: BuildSettings, configured: tuple[str, ...]) -> tuple[str, ...]:
    """``[release] targets``, else the build step's, with the build step's libc applied."""
    return with_libc(configured or build.targets, build.libc)


def plan_archives(
    workspace: Workspace, build: BuildSettings, version: str, targets: tuple[str, ...]
) -> list[ArchivePlan]:
    """The archives the build step writes: one per binary and target (none without binaries)."""
    binaries = sorted(build.bins or [name for name, _ in workspace.binaries])
    return [
        ArchivePlan(
            f"{name}-{version}-{triple}{'.zip' if '-windows-' in triple else '.tar.gz'}",
            triple,
            name,
        )
        for triple in targets
        for name in binaries
    ]


def build_command(targets: tuple[str, ...]) -> str:
    """The plan's line for the build."""
    return f"{BUILD_COMMAND}  # targets: {', '.join(targets)}"


def build_archives(
    root: Path,
    targets: tuple[str, ...],
    out: Path,
    *,
    env: Mapping[str, str],
    console: Console | None,
) -> list[Path]:
    """Runs the build step for ``targets`` and copies its archives to ``out``."""
    build = build_settings(root)
    cross = tuple(t for t in build.cross if t in targets)
    # A triple named with its libc (a native runner's x86_64-unknown-linux-gnu) is built so.
    linux = [t.rsplit("-", 1)[1] for t in targets if "-linux-" in t]
    libc = linux[0] if linux and linux[0] in ("gnu", "musl") else build.libc
    overrides = (("targets", targets), ("cross", cross), ("libc", libc))
    outcome = run_step("build", root, RunOptions(overrides=overrides), env=env, console=console)
    if outcome.exit_code != 0:
        raise BuildFailed(
            f"the build step did not pass ({outcome.result.summary})", outcome.exit_code
        )
    rows = outcome.result.extra.get("targets", [])
    names = [str(row["archive"]) for row in rows if isinstance(row, dict) and row.get("archive")]
    dist = root / build.dist_dir
    copied = []
    for name in names:
        if not (dist / name).is_file():
            raise ToolError(
                f"the build step reported {dist / name}, which is missing", tool="build"
            )
        copied.append(Path(shutil.copy2(dist / name, out / name)))
    return copied


def built_archives(root: Path, version: str, out: Path) -> list[Path] | None:
    """The archives an earlier build step run left in ``[build] dist_dir`` (CI: the
    build-archives job's artifact), checked against its ``SHA256SUMS`` and copied to ``out``;
    None when there are none.

    An archive whose bytes differ from its checksum, or that is for another version, is an
    error: a release never ships what it cannot vouch for.
    """
    dist = root / build_settings(root).dist_dir
    sums = dist / CHECKSUMS
    if not sums.is_file():
        return None
    copied = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = dist / name
        if not name or "/" in name or not path.is_file() or sha256_file(path) != digest:
            raise ToolError(
                f"{sums}: {name or line!r} is missing or does not match its checksum",
                tool="build",
                hint="rebuild the archives with `nox -s build`",
            )
        if f"-{version}-" not in name:
            raise UsageError(
                f"{path} is not an archive of version {version}; rebuild with `nox -s build` "
                "(or delete the directory to build during the release)"
            )
        copied.append(Path(shutil.copy2(path, out / name)))
    return copied


def build_python(
    runner: ToolRunner, root: Path, out: Path, *, isolation: bool, timeout: float
) -> list[Path]:
    """The wheel and sdist of the root pyproject (``python -m build``)."""
    before = set(out.iterdir())
    arguments = ["-m", "build", "--sdist", "--wheel", "--outdir", str(out)]
    if not isolation:
        arguments.append("--no-isolation")
    done = runner.run(sys.executable, [*arguments, str(root)], cwd=root, timeout=timeout)
    if done.returncode != 0:
        raise ToolOutputError.of(done, "python -m build failed", "build")
    made = sorted(set(out.iterdir()) - before)
    if not any(path.suffix == ".whl" for path in made) or not any(
        path.name.endswith(".tar.gz") for path in made
    ):
        raise ToolOutputError.of(done, "python -m build made no wheel and sdist", "build")
    return made


def write_checksums(out: Path, files: list[Path], name: str = CHECKSUMS) -> Path:
    """``SHA256SUMS`` in the format ``sha256sum -c`` reads (the build step's writer)."""
    destination = out / name
    write_sums(destination, files)
    return destination
