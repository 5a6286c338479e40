"""The release plan: every check, edit, command and asset, computed before anything changes.

``--dry-run`` prints it, ``--json`` prints it as data, and a real release applies exactly it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.errors import ConfigError, UsageError
from ferrox.release import actions, artifacts, bench_gate, bump, changelog
from ferrox.release.artifacts import CHECKSUMS, ArchivePlan
from ferrox.release.git import Git
from ferrox.release.remote import web_url
from ferrox.release.settings import DEFAULT_GATES, ReleaseSettings
from ferrox.release.version import Bump, Version, bumped, latest_version, parse_version
from ferrox.rust.workspace import Workspace, load_workspace
from ferrox.steps import all_steps
from ferrox.tools import ToolRunner


@dataclass(frozen=True)
class FileEdit:
    """One file's content before (None: new file) and after the release."""

    path: str
    before: str | None
    after: str

    def diff(self) -> str:
        """The unified diff of the edit."""
        return "".join(
            difflib.unified_diff(
                (self.before or "").splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile="/dev/null" if self.before is None else f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


@dataclass(frozen=True)
class ReleasePlan:
    """Everything a release will do, in order."""

    version: str
    tag: str
    previous_tag: str | None
    prerelease: bool
    branch: str
    head: str
    gates: tuple[str, ...]
    edits: tuple[FileEdit, ...]
    lock_expected: str | None
    notes: str
    commit_message: str
    archives: tuple[ArchivePlan, ...]
    python_dist: bool
    commands: tuple[str, ...]
    assets: tuple[str, ...]
    publishers: tuple[str, ...]
    ci: bool

    def to_data(self) -> dict[str, Any]:
        """The plan as JSON-ready data (``--json``)."""
        return {
            "version": self.version,
            "tag": self.tag,
            "previous_tag": self.previous_tag,
            "prerelease": self.prerelease,
            "branch": self.branch,
            "head": self.head,
            "gates": list(self.gates),
            "files": [
                {"path": e.path, "new": e.before is None, "diff": e.diff()} for e in self.edits
            ],
            "commit_message": self.commit_message,
            "notes": self.notes,
            "commands": list(self.commands),
            "assets": list(self.assets),
            "publishers": list(self.publishers),
            "ci": self.ci,
        }


def resolve_gates(settings: ReleaseSettings, root: Path) -> tuple[str, ...]:
    """The gates to run: the configured list, or the defaults that are registered and apply to
    the project (a pure Python project has nothing for fmt, clippy or test)."""
    if settings.gates == ("default",):
        steps = all_steps()
        return tuple(name for name in DEFAULT_GATES if name in steps and steps[name].applies(root))
    return settings.gates  # every one a registered step: ReleaseSettings checks that at load


def read_text(path: Path) -> str | None:
    """A file's text exactly as stored (no newline translation), or None when absent."""
    return path.read_bytes().decode("utf-8") if path.is_file() else None


def compute_plan(
    root: Path,
    settings: ReleaseSettings,
    runner: ToolRunner,
    *,
    requested: str | None,
    bump_kind: str | None,
    ci: bool,
    ignore: tuple[str, ...],
    today: dt.date | None = None,
) -> ReleasePlan:
    """Checks the repository and computes the release; raises UsageError naming what is wrong."""
    git = Git(runner, root, settings.timeout)
    prefix = settings.tag_prefix
    latest = latest_version(_known_tags(git, settings), prefix)
    previous_tag = latest.tag(prefix) if latest else None
    workspace = load_workspace(runner, root) if (root / "Cargo.toml").is_file() else None
    # Before the first tag, --bump starts from the version the manifests carry.
    base = latest or _manifest_version(workspace)
    version = _choose_version(
        git, requested, bump_kind=bump_kind, latest=latest, base=base, prefix=prefix
    )
    tag = version.tag(prefix)
    publishers = ("git",) if ci else settings.publishers
    branch = _check_repository(git, settings, tag, latest, publishers=publishers, ignore=ignore)
    gates = resolve_gates(settings, root)
    edits, lock_expected = _version_edits(root, settings, workspace, version, git.tracked())
    section = _changelog_section(git, settings, tag, previous_tag, today)
    edits.append(_changelog_edit(root, settings, section))
    build = settings.artifacts and not ci
    archives = _archives(root, settings, workspace, version) if build else []
    python_dist = build and _has_python_build(root)
    commands = [
        *_gate_commands(gates, previous_tag),
        *_local_commands(settings, tag, edits, lock_update=lock_expected is not None),
        *_build_commands(settings, archives, python_dist=python_dist),
    ]
    return ReleasePlan(
        version=version.text,
        tag=tag,
        previous_tag=previous_tag,
        prerelease=version.prerelease,
        branch=branch,
        head=git.head(),
        gates=gates,
        edits=tuple(edits),
        lock_expected=lock_expected,
        notes=section.split("\n", 1)[1].strip() + "\n",
        commit_message=actions.commit_message(tag),
        archives=tuple(archives),
        python_dist=python_dist,
        commands=tuple(commands),
        assets=tuple(_assets(root, version, archives, python_dist=python_dist)),
        publishers=publishers,
        ci=ci,
    )


def _known_tags(git: Git, settings: ReleaseSettings) -> list[str]:
    """The local tags, once the remote is known to hold no newer release tag.

    A shallow clone is refused: its tags and history (hence the changelog and the latest
    version) may be incomplete, and nothing in it says so.
    """
    if git.is_shallow():
        raise UsageError(
            "this is a shallow clone: its history and tags may be incomplete, so the latest "
            "release cannot be known; fetch everything first (`git fetch --unshallow --tags`, "
            "or `fetch-depth: 0` in actions/checkout)"
        )
    tags = git.tags()
    if git.remote_url(settings.remote) is None:
        return tags  # no remote to ask (publishing through git then fails on its own)
    prefix = settings.tag_prefix
    local = latest_version(tags, prefix)
    remote = latest_version(git.remote_tags(settings.remote), prefix)
    if remote is not None and (local is None or remote.newer_than(local)):
        raise UsageError(
            f"{settings.remote} has release tag {remote.tag(prefix)}, newer than any local tag "
            f"(latest here: {_latest(local, prefix)}); fetch first: `git fetch --tags "
            f"{settings.remote}`"
        )
    return tags


def _check_repository(
    git: Git,
    settings: ReleaseSettings,
    tag: str,
    latest: Version | None,
    *,
    publishers: tuple[str, ...],
    ignore: tuple[str, ...],
) -> str:
    """The checked-out branch, after refusing a dirty tree, another branch or a taken tag."""
    dirty = git.dirty(ignore)
    if dirty:
        raise UsageError(
            "the working tree is not clean; commit or stash first:\n"
            + "\n".join(f"  {path}" for path in dirty)
        )
    branch = git.branch()
    if branch != settings.branch:
        raise UsageError(
            f"releases are cut from branch {settings.branch!r}, but "
            f"{branch or 'a detached HEAD'!r} "
            "is checked out (set [release] branch to change it)"
        )
    if git.tag_commit(tag) is not None:
        raise UsageError(
            f"tag {tag} already exists locally (latest release: "
            f"{_latest(latest, settings.tag_prefix)})"
        )
    if "git" in publishers:
        if git.remote_url(settings.remote) is None:
            raise UsageError(f"git remote {settings.remote!r} is not configured ([release] remote)")
        if git.remote_has_tag(settings.remote, tag):
            raise UsageError(f"tag {tag} already exists on {settings.remote}")
    return branch


def _changelog_section(
    git: Git, settings: ReleaseSettings, tag: str, previous_tag: str | None, today: dt.date | None
) -> str:
    """The changelog section of the release: its heading, then the notes."""
    link_base = web_url(settings, git.remote_url(settings.remote))
    return changelog.render(
        tag,
        (today or dt.datetime.now(dt.timezone.utc).date()).isoformat(),
        changelog.entries(git.commits(previous_tag)),
        commit_url=f"{link_base}/commit" if link_base else None,
        compare_url=(
            f"{link_base}/compare/{previous_tag}...{tag}" if link_base and previous_tag else None
        ),
    )


def _changelog_edit(root: Path, settings: ReleaseSettings, section: str) -> FileEdit:
    before = read_text(root / settings.changelog)
    return FileEdit(settings.changelog, before, changelog.prepend(before, section))


def _archives(
    root: Path, settings: ReleaseSettings, workspace: Workspace | None, version: Version
) -> list[ArchivePlan]:
    """The build step's archives: one per binary and target ([release] targets, else [build]'s)."""
    if workspace is None:
        return []
    build = artifacts.build_settings(root)
    targets = artifacts.release_targets(build, settings.targets)
    return artifacts.plan_archives(workspace, build, version.text, targets)


def _local_commands(
    settings: ReleaseSettings, tag: str, edits: list[FileEdit], *, lock_update: bool
) -> list[str]:
    """The plan's lines of the commands ``flow`` runs on the repository (see ``actions``)."""
    steps = [actions.update_lock()] if lock_update else []
    steps += [
        actions.stage([edit.path for edit in edits]),
        actions.commit(tag),
        actions.tag(tag, "", sign=settings.sign),
    ]
    return [step.shown for step in steps]


def _build_commands(
    settings: ReleaseSettings, archives: list[ArchivePlan], *, python_dist: bool
) -> list[str]:
    targets = tuple(dict.fromkeys(archive.target for archive in archives))
    commands = [artifacts.build_command(targets)] if targets else []
    if python_dist:
        commands.append(
            "python -m build --sdist --wheel"
            + ("" if settings.python_isolation else " --no-isolation")
        )
    return commands


def _assets(
    root: Path, version: Version, archives: list[ArchivePlan], *, python_dist: bool
) -> list[str]:
    """The release assets' names (globs for the wheel), SHA256SUMS last when there are any."""
    assets = [archive.name for archive in archives]
    if python_dist:
        assets += _python_assets(root, version)
    if assets:
        assets.append(CHECKSUMS)
    return assets


def _gate_commands(gates: tuple[str, ...], previous_tag: str | None) -> list[str]:
    """The gates as commands; bench runs paired against the previous release (or is skipped)."""
    return [
        bench_gate.command(previous_tag) if gate == bench_gate.GATE else f"ferrox run {gate}"
        for gate in gates
    ]


def _latest(latest: Version | None, prefix: str) -> str:
    return latest.tag(prefix) if latest else "none"


def _manifest_version(workspace: Workspace | None) -> Version | None:
    versions = [member.version for member in workspace.members] if workspace else []
    return Version(versions[0]) if versions else None


def _choose_version(
    git: Git,
    requested: str | None,
    *,
    bump_kind: str | None,
    latest: Version | None,
    base: Version | None,
    prefix: str,
) -> Version:
    if requested and bump_kind:
        raise UsageError("give a version or --bump, not both")
    if requested:
        return parse_version(requested, prefix, latest=latest)
    if not bump_kind:
        raise UsageError(
            f"which version? give one (e.g. {prefix}1.2.0) or --bump auto|major|minor|patch "
            f"(latest release: {_latest(latest, prefix)})"
        )
    kind: Bump
    if bump_kind == "auto":
        found = changelog.entries(git.commits(latest.tag(prefix) if latest else None))
        kind = changelog.auto_bump(found, major_zero=base is None or base.semver.major == 0)
    elif bump_kind in ("major", "minor", "patch"):
        kind = bump_kind  # type: ignore[assignment]
    else:
        raise UsageError(f"--bump {bump_kind!r}: choose auto, major, minor or patch")
    return bumped(base, kind)


def _version_edits(
    root: Path,
    settings: ReleaseSettings,
    workspace: Workspace | None,
    version: Version,
    tracked: set[str],
) -> tuple[list[FileEdit], str | None]:
    edits: list[FileEdit] = []
    olds: set[str] = set()
    lock_expected = None
    if workspace is not None:
        crates = {
            member.name: bump.Crate(
                member.name, member.version, _relative(member.manifest_path, root)
            )
            for member in workspace.members
        }
        olds |= {crate.version for crate in crates.values()}
        manifests = sorted({"Cargo.toml", *(crate.manifest for crate in crates.values())})
        for manifest in manifests:
            before = read_text(root / manifest)
            if before is None:
                continue
            after = bump.bump_manifest(before, crates, version.text)
            if after != before:
                edits.append(FileEdit(manifest, before, after))
        lock = read_text(root / "Cargo.lock")
        if lock is not None and "Cargo.lock" in tracked:
            lock_expected = bump.expected_lock(lock, crates, version.text)
            if lock_expected != lock:
                edits.append(FileEdit("Cargo.lock", lock, lock_expected))
            else:
                lock_expected = None
    pyproject = read_text(root / "pyproject.toml")
    if pyproject is not None:
        after = bump.bump_pyproject(pyproject, version.text)
        if after != pyproject:
            edits.append(FileEdit("pyproject.toml", pyproject, after))
            olds.add(_pyproject_version(pyproject))
    for spec in settings.extra_files:
        path = spec.split(":", 1)[0]
        before = read_text(root / path)
        if before is None:
            raise ConfigError(f"{path} does not exist", key="release.extra_files")
        edits.append(
            FileEdit(
                path,
                before,
                bump.bump_extra(
                    before, spec, path, olds | {bump.pep440(v) for v in olds}, version.text
                ),
            )
        )
    return edits, lock_expected


def _pyproject_version(text: str) -> str:
    import tomlkit  # noqa: PLC0415 - only for projects with a pyproject

    return str(tomlkit.parse(text)["project"]["version"])  # type: ignore[index,unused-ignore]


def _python_assets(root: Path, version: Version) -> list[str]:
    """The wheel (its tags are the backend's to choose) and the sdist (PEP 625 name)."""
    import tomlkit  # noqa: PLC0415 - only for projects with a pyproject

    project = tomlkit.parse(read_text(root / "pyproject.toml") or "").get("project", {})
    name = re.sub(r"[-_.]+", "_", str(project.get("name", "package"))).lower()
    release = bump.pep440(version.text)
    return [f"{name}-{release}-*.whl", f"{name}-{release}.tar.gz"]


def _has_python_build(root: Path) -> bool:
    text = read_text(root / "pyproject.toml")
    return text is not None and "[build-system]" in text


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
