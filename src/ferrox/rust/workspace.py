"""Facts about the Rust workspace, from ``cargo metadata`` (never by parsing Cargo.toml)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.errors import ToolOutputError, UsageError
from ferrox.tools import ToolRunner

CARGO_HINT = "install Rust with rustup (https://rustup.rs), which provides cargo"
METADATA_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Target:
    """A cargo target (lib, bin, test, bench, example) of a package."""

    name: str
    kinds: tuple[str, ...]
    src_path: Path
    doctest: bool


@dataclass(frozen=True)
class Package:
    """A workspace member."""

    name: str
    version: str
    manifest_path: Path
    targets: tuple[Target, ...]

    @property
    def directory(self) -> Path:
        """The directory holding the package's Cargo.toml."""
        return self.manifest_path.parent


@dataclass(frozen=True)
class Workspace:
    """The members, root and target directory of a cargo workspace."""

    root: Path
    target_dir: Path
    members: tuple[Package, ...]

    @property
    def binaries(self) -> tuple[tuple[str, Package], ...]:
        """Each bin target's name with its package, in workspace order."""
        return tuple(
            (target.name, package)
            for package in self.members
            for target in package.targets
            if "bin" in target.kinds
        )

    @property
    def has_doctests(self) -> bool:
        """Whether any member has a library target whose doc tests cargo would run."""
        return any(t.doctest for p in self.members for t in p.targets)


def require_manifest(root: Path) -> Path:
    """The root's Cargo.toml; a usage error (exit 2) naming the directory when there is none."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")
    manifest = root / "Cargo.toml"
    if not manifest.is_file():
        raise UsageError(
            f"no Cargo.toml in {root}: ferrox's Rust steps need a cargo package or workspace",
            hint="pass the project directory with -C DIR",
        )
    return manifest


def load_workspace(runner: ToolRunner, root: Path) -> Workspace:
    """Runs ``cargo metadata --no-deps`` (offline, fast) and reads the workspace from it."""
    manifest = require_manifest(root)
    done = runner.run(
        "cargo",
        ["metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(manifest)],
        cwd=root,
        timeout=METADATA_TIMEOUT_S,
        hint=CARGO_HINT,
    )
    if done.returncode != 0:
        # cargo metadata --no-deps only fails on a manifest cargo cannot read: the user's input.
        raise UsageError(f"cargo cannot read the workspace at {root}:\n{done.tail()}")
    return parse_metadata(done.stdout)


def parse_metadata(text: str) -> Workspace:
    """Builds a Workspace from ``cargo metadata`` JSON."""
    try:
        data: dict[str, Any] = json.loads(text)
        members = set(data["workspace_members"])
        packages = tuple(
            Package(
                name=p["name"],
                version=p["version"],
                manifest_path=Path(p["manifest_path"]),
                targets=tuple(
                    Target(
                        name=t["name"],
                        kinds=tuple(t["kind"]),
                        src_path=Path(t["src_path"]),
                        doctest=bool(t.get("doctest", False)),
                    )
                    for t in p["targets"]
                ),
            )
            for p in data["packages"]
            if p["id"] in members
        )
        return Workspace(Path(data["workspace_root"]), Path(data["target_directory"]), packages)
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolOutputError(
            f"cargo metadata printed unexpected output: {exc!r}", tool="cargo"
        ) from exc
