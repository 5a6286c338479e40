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

from ferrox.errors import ConfigError, ToolOutputError, UsageError
from ferrox.release import (
    actions,
    artifacts,
    bench_gate,
    bump,
    changelog,
    changelog_file,
    independent,
    refname,
    resolve,
    versioning,
)
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
    versioning: str = versioning.LOCKSTEP
    # Independent mode: every crate released; the first is ``version``/``tag`` above.
    crates: tuple[independent.CrateRelease, ...] = ()
    # Independent mode: the other crates' tags and their notes, tagged and published too.
    more_tags: tuple[tuple[str, str], ...] = ()

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
            "versioning": self.versioning,
            "crates": [crate.to_data() for crate in self.crates],
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
    amend_changelog: bool = False,
) -> ReleasePlan:
    """Checks the repository and computes the release; raises UsageError naming what is wrong."""
    git = Git(runner, root, settings.timeout)
    prefix = settings.tag_prefix
    latest = latest_version(_known_tags(git, settings), prefix)
    previous_tag = latest.tag(prefix) if latest else None
    workspace = load_workspace(runner, root) if (root / "Cargo.toml").is_file() else None
    # Before the first tag, --bump starts from the version the manifests carry.
    base = latest or _manifest_version(workspace)
    keep = changelog.Filter(changelog.compile_skip(settings.skip), changelog.read_cliffignore(root))
    mode = _versioning_mode(root, settings, workspace)
    releases: list[independent.CrateRelease] = []
    notes_by_tag: dict[str, str] = {}
    if mode == versioning.INDEPENDENT and workspace is not None:
        releases = independent.plan_crates(
            git,
            independent.members(root, workspace, settings.changelog),
            tag_pattern=settings.tag_pattern,
            tag_prefix=settings.tag_prefix,
            changelog_name=settings.changelog,
            bump_kind=bump_kind,
            requested=requested,
            keep=keep,
            zero_minor_on_feature=settings.zero_minor_on_feature,
        )
        version, tag, previous_tag = (
            Version(releases[0].new),
            releases[0].tag,
            releases[0].previous_tag,
        )
    else:
        version = _choose_version(
            git,
            requested,
            bump_kind=bump_kind,
            latest=latest,
            base=base,
            prefix=prefix,
            keep=keep,
            zero_minor_on_feature=settings.zero_minor_on_feature,
        )
        tag = version.tag(prefix)
    for name in (tag, *(release.tag for release in releases)):
        # A crate's name or version (or the pattern) may spell a tag git refuses or misreads.
        if (problem := refname.ref_problem(name)) is not None:
            raise UsageError(f"release tag {name!r} is not a valid git ref name: {problem}")
    publishers = ("git",) if ci else settings.publishers
    branch = _check_repository(git, settings, tag, latest, publishers=publishers, ignore=ignore)
    for release in releases[1:]:
        if git.tag_commit(release.tag) is not None:
            raise UsageError(f"tag {release.tag} already exists locally")
    gates = resolve_gates(settings, root)
    tracked = git.tracked()
    changelog_options = {"git": git, "today": today, "amend": amend_changelog}
    if releases:
        edits, lock_expected = _independent_edits(root, workspace, releases, tracked)
        link_base = web_url(settings, git.remote_url(settings.remote))
        notes_by_tag = {
            r.tag: r.notes(f"{link_base}/commit" if link_base else None) for r in releases
        }
        edits += [
            _changelog_edit(
                root,
                settings,
                version=Version(r.new),
                tag=r.tag,
                previous_tag=r.previous_tag,
                notes=notes_by_tag[r.tag],
                path=r.changelog,
                default_prefix="",
                **changelog_options,  # type: ignore[arg-type]
            )
            for r in releases
        ]
        notes = notes_by_tag[tag]
    else:
        edits, lock_expected = _version_edits(root, settings, workspace, version, tracked)
        notes = _release_notes(git, settings, previous_tag, keep)
        edits.append(
            _changelog_edit(
                root,
                settings,
                version=version,
                tag=tag,
                previous_tag=previous_tag,
                notes=notes,
                **changelog_options,  # type: ignore[arg-type]
            )
        )
    _check_edit_paths(root, edits)
    lock_offline = _check_resolves(
        runner, root, settings, workspace, edits=edits, tracked=tracked, lock_expected=lock_expected
    )
    build = settings.artifacts and not ci
    archives = _archives(root, settings, workspace, version) if build else []
    python_dist = build and _has_python_build(root)
    commands = [
        *_gate_commands(gates, previous_tag),
        *_local_commands(
            settings,
            [tag, *(r.tag for r in releases[1:])],
            edits,
            lock_update=lock_expected is not None,
            offline=lock_offline,
        ),
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
        notes=notes.strip() + "\n",
        commit_message=actions.commit_message(tag),
        archives=tuple(archives),
        python_dist=python_dist,
        commands=tuple(commands),
        assets=tuple(_assets(root, version, archives, python_dist=python_dist)),
        publishers=publishers,
        ci=ci,
        versioning=mode,
        crates=tuple(releases),
        more_tags=tuple((r.tag, notes_by_tag[r.tag].strip() + "\n") for r in releases[1:]),
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


def _release_notes(
    git: Git,
    settings: ReleaseSettings,
    previous_tag: str | None,
    keep: changelog.Filter,
    paths: tuple[str, ...] = (),
) -> str:
    """The release notes: the grouped entries of the commits since the previous tag."""
    link_base = web_url(settings, git.remote_url(settings.remote))
    return changelog.render_notes(
        changelog.entries(git.commits(previous_tag, paths), keep),
        commit_url=f"{link_base}/commit" if link_base else None,
    )


def _changelog_edit(
    root: Path,
    settings: ReleaseSettings,
    *,
    git: Git,
    version: Version,
    tag: str,
    previous_tag: str | None,
    notes: str,
    today: dt.date | None,
    amend: bool,
    path: str | None = None,
    default_prefix: str | None = None,
) -> FileEdit:
    """The changelog with the release's section, written the way the file writes its own."""
    path = path or settings.changelog
    link_base = web_url(settings, git.remote_url(settings.remote))
    before = read_text(root / path)
    after = changelog_file.place(
        before,
        notes,
        version=version.text,
        tag=tag,
        date=(today or dt.datetime.now(dt.timezone.utc).date()).isoformat(),
        compare=(
            f"{link_base}/compare/{previous_tag}...{tag}" if link_base and previous_tag else None
        ),
        amend=amend,
        title=changelog.CHANGELOG_TITLE,
        default_prefix=default_prefix,
    )
    return FileEdit(path, before, after)


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
    settings: ReleaseSettings,
    tags: list[str],
    edits: list[FileEdit],
    *,
    lock_update: bool,
    offline: bool,
) -> list[str]:
    """The plan's lines of the commands ``flow`` runs on the repository (see ``actions``)."""
    steps = [actions.update_lock(offline=offline)] if lock_update else []
    steps += [actions.stage([edit.path for edit in edits]), actions.commit(tags[0])]
    steps += [actions.tag(tag, "", sign=settings.sign) for tag in tags]
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
    keep: changelog.Filter,
    zero_minor_on_feature: bool,
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
        found = changelog.entries(git.commits(latest.tag(prefix) if latest else None), keep)
        kind = changelog.auto_bump(
            found,
            major_zero=base is None or base.semver.major == 0,
            zero_minor_on_feature=zero_minor_on_feature,
        )
    elif bump_kind in ("major", "minor", "patch"):
        kind = bump_kind  # type: ignore[assignment]
    else:
        raise UsageError(f"--bump {bump_kind!r}: choose auto, major, minor or patch")
    return bumped(base, kind)


def _check_edit_paths(root: Path, edits: list[FileEdit]) -> None:
    """Every file the release writes is a regular file inside the repository: a tracked
    symlink (CHANGELOG.md -> ~/.bashrc) would have the release read and write outside it."""
    base = root.resolve()
    for edit in edits:
        current = root
        for part in Path(edit.path).parts:
            current = current / part
            if current.is_symlink():
                raise UsageError(
                    f"{current.relative_to(root).as_posix()} is a symbolic link: the release "
                    f"edits {edit.path} only as a regular file inside the repository"
                )
        if not (root / edit.path).resolve().is_relative_to(base):
            raise UsageError(f"{edit.path} is outside the repository: the release does not edit it")


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
        crates = _crates(root, workspace)
        olds |= {crate.version for crate in crates.values()}
        # Lockstep never lowers a version: a crate already at or above the release keeps its own.
        moving = {
            name: version.text
            for name, crate in crates.items()
            if version.newer_than(Version(crate.version))
        }
        edits, lock_expected = _cargo_edits(root, crates, moving, version.text, tracked)
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


def _versioning_mode(root: Path, settings: ReleaseSettings, workspace: Workspace | None) -> str:
    """``[release] versioning``, or the mode the workspace's manifests show."""
    if settings.versioning == versioning.INDEPENDENT and workspace is None:
        raise ConfigError(
            "independent versioning needs a cargo workspace (no Cargo.toml here)",
            key="release.versioning",
        )
    if settings.versioning or workspace is None:
        return settings.versioning or versioning.LOCKSTEP
    manifests = {m.name: m.manifest_path.read_text(encoding="utf-8") for m in workspace.members}
    return versioning.detect(manifests, {m.name: m.version for m in workspace.members})


def _independent_edits(
    root: Path,
    workspace: Workspace | None,
    releases: list[independent.CrateRelease],
    tracked: set[str],
) -> tuple[list[FileEdit], str | None]:
    """Each released crate's version, the shared version if it moves, the requirements on
    the released crates (in their own style) and the lock's version lines."""
    assert workspace is not None  # noqa: S101 - independent mode is only chosen with one
    versions = {r.name: r.new for r in releases}
    shared = next((r.new for r in releases if r.shared), None)
    return _cargo_edits(root, _crates(root, workspace), versions, shared, tracked)


def _crates(root: Path, workspace: Workspace) -> dict[str, bump.Crate]:
    return {
        m.name: bump.Crate(m.name, m.version, _relative(m.manifest_path, root))
        for m in workspace.members
    }


def _cargo_edits(
    root: Path,
    crates: dict[str, bump.Crate],
    versions: dict[str, str],
    workspace_version: str | None,
    tracked: set[str],
) -> tuple[list[FileEdit], str | None]:
    """The manifests' version edits (``versions`` per crate, ``[workspace.package]`` at
    ``workspace_version``) and Cargo.lock's expected text when a tracked lock changes."""
    edits = []
    for manifest in sorted({"Cargo.toml", *(c.manifest for c in crates.values())}):
        before = read_text(root / manifest)
        if before is None:
            continue
        after = bump.bump_versions(before, versions, workspace_version=workspace_version)
        if after != before:
            edits.append(FileEdit(manifest, before, after))
    lock = read_text(root / "Cargo.lock")
    if lock is None or "Cargo.lock" not in tracked:
        return edits, None
    lock_expected = bump.expected_lock(lock, crates, versions)
    if lock_expected == lock:
        return edits, None
    edits.append(FileEdit("Cargo.lock", lock, lock_expected))
    return edits, lock_expected


def _check_resolves(
    runner: ToolRunner,
    root: Path,
    settings: ReleaseSettings,
    workspace: Workspace | None,
    *,
    edits: list[FileEdit],
    tracked: set[str],
    lock_expected: str | None,
) -> bool:
    """Resolves a copy of the edited tree with cargo (offline first); raises when the edit
    leaves the workspace unresolvable or cargo would change the lock beyond the versions.
    Whether offline sufficed."""
    manifests = [e for e in edits if e.path.endswith("Cargo.toml")]
    if workspace is None or not manifests:
        return True
    resolved = resolve.check_edited_tree(
        runner,
        root,
        tracked,
        [(e.path, e.after) for e in edits if e.path != "Cargo.lock"],
        members=[m.name for m in workspace.members],
        timeout=settings.timeout,
    )
    expected = lock_expected if lock_expected is not None else read_text(root / "Cargo.lock")
    if resolved.lock is not None and resolved.lock != expected:
        raise ToolOutputError(
            "cargo changed Cargo.lock beyond the workspace crates' versions (checked on a copy "
            "of the edited tree); refusing the release (run `cargo update --workspace` "
            "yourself, commit, and release again)",
            tool="cargo",
        )
    return resolved.offline
