"""Release artifacts: release builds per target, archives with README and LICENSE, Python
distributions (``python -m build``) and a ``SHA256SUMS`` over all of them."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from ferrox.build.archive import Member, write_tar_gz, write_zip
from ferrox.errors import ToolOutputError
from ferrox.rust.workspace import Workspace
from ferrox.tools import ToolRunner

CHECKSUMS = "SHA256SUMS"
_DOC_PREFIXES = ("README", "LICENSE", "COPYING", "NOTICE")
# Archive members get a fixed timestamp so the same inputs give the same bytes.
_EPOCH = 1_600_000_000


@dataclass(frozen=True)
class ArchivePlan:
    """One archive: the binaries it holds for a target, and its name."""

    name: str
    target: str
    binaries: tuple[str, ...]
    command: tuple[str, ...]


def host_target(runner: ToolRunner, root: Path) -> str:
    """The Rust host triple (``rustc -vV``)."""
    done = runner.run("rustc", ["-vV"], cwd=root, timeout=60, hint="install Rust with rustup")
    for line in done.stdout.splitlines():
        if line.startswith("host: "):
            return line.split(": ", 1)[1].strip()
    raise ToolOutputError.of(done, "rustc -vV printed no host triple", "rustc")


def plan_archives(workspace: Workspace, tag: str, targets: tuple[str, ...]) -> list[ArchivePlan]:
    """An archive per target holding the workspace's binaries (none for a library-only repo)."""
    binaries: list[tuple[str, str]] = [
        (member.name, target.name)
        for member in workspace.members
        for target in member.targets
        if "bin" in target.kinds
    ]
    if not binaries:
        return []
    stem = binaries[0][0]
    plans = []
    for triple in targets:
        suffix = ".zip" if "windows" in triple else ".tar.gz"
        command = ("cargo", "build", "--release", "--locked", "--bins", "--target", triple)
        names = tuple(name for _, name in binaries)
        plans.append(ArchivePlan(f"{stem}-{tag}-{triple}{suffix}", triple, names, command))
    return plans


def doc_files(root: Path) -> list[Path]:
    """README and LICENSE files at the project root that go into every archive."""
    return sorted(
        path
        for path in root.iterdir()
        if path.is_file() and path.name.upper().startswith(_DOC_PREFIXES)
    )


def build_archive(
    runner: ToolRunner,
    root: Path,
    *,
    workspace: Workspace,
    plan: ArchivePlan,
    out: Path,
    timeout: float,
) -> Path:
    """Builds the target's binaries in release mode and packs them with README and LICENSE."""
    program, *arguments = plan.command
    done = runner.run(
        program, arguments, cwd=root, timeout=timeout, hint="install Rust with rustup"
    )
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"release build for {plan.target} failed", "cargo")
    exe = ".exe" if "windows" in plan.target else ""
    release_dir = workspace.target_dir / plan.target / "release"
    binaries = {f"{name}{exe}" for name in plan.binaries}
    members = [(release_dir / name, name) for name in sorted(binaries)]
    members += [(path, path.name) for path in doc_files(root)]
    missing = [str(path) for path, _ in members if not path.is_file()]
    if missing:
        raise ToolOutputError(f"release build left no {', '.join(missing)}", tool="cargo")
    folder = plan.name.removesuffix(".zip").removesuffix(".tar.gz")
    destination = out / plan.name
    # The build step's writers: sorted members, fixed times and owners, no time in the gzip
    # header, written to a temporary name and renamed (no half-written asset).
    packed = [
        Member(f"{folder}/{name}", path, executable=name in binaries) for path, name in members
    ]
    if plan.name.endswith(".zip"):
        write_zip(destination, packed, _EPOCH)
    else:
        write_tar_gz(destination, packed, _EPOCH, directories=False)
    return destination


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
    """``SHA256SUMS`` in the format ``sha256sum -c`` reads."""
    lines = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n" for path in files]
    destination = out / name
    destination.write_text("".join(lines), encoding="utf-8")
    return destination
