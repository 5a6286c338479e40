"""Independent versioning: each crate with changes since its own tag gets its own release.

A crate's changes are the commits touching its directory (minus member crates nested in it)
since its latest tag (``tag_pattern``, e.g. ``core-v0.3.1``), or all of them before its first
tag, after the changelog's filter (a release commit or a bot update is no change). Its bump
comes from those commits (``--bump auto``) or from ``--bump``; a crate without changes keeps its
version. Crates that inherit ``[workspace.package] version`` share it: they move together, by
the largest bump any of them calls for. A crate with ``publish = false`` is never released.
A published crate whose requirement on a released crate has to be rewritten (its manifest, as
published, changes) gets at least a patch release, until no more crates are drawn in.

A crate without tags of its own whose current version is tagged the lockstep way (``v1.48.0``,
``[release] tag_prefix``) keeps that family: its next tag is ``v1.48.1`` and, without a
changelog in its directory, its notes go to the root changelog (typos-cli does this next to
``typos-dict-v0.13.31``). Every other crate's notes go to the changelog in its directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from ferrox.errors import UsageError
from ferrox.release import changelog, versioning
from ferrox.release.git import Git
from ferrox.release.version import Bump, Version, bumped
from ferrox.rust.workspace import Workspace

_ORDER: tuple[Bump, ...] = ("patch", "minor", "major")


@dataclass(frozen=True)
class CrateRelease:
    """One crate's release in independent mode."""

    name: str
    directory: str  # relative to the root, "." for a root package
    old: str
    new: str
    tag: str
    previous_tag: str | None
    entries: tuple[changelog.Entry, ...]
    shared: bool  # the version is [workspace.package]'s
    changelog: str  # the changelog file the crate's section goes to
    dependencies: tuple[str, ...] = ()  # "name version" of released dependencies it follows

    def notes(self, commit_url: str | None) -> str:
        """The crate's release notes: its entries, then the dependencies it was released for."""
        text = (
            changelog.render_notes(self.entries, commit_url=commit_url)
            if self.entries or not self.dependencies
            else ""
        )
        if self.dependencies:
            text += "### Dependencies\n\n" + "".join(f"- {d}\n" for d in self.dependencies)
        return text

    def to_data(self) -> dict[str, object]:
        """JSON-ready data for the plan."""
        return {
            "name": self.name,
            "from": self.old,
            "to": self.new,
            "tag": self.tag,
            "previous_tag": self.previous_tag,
            "commits": len(self.entries),
        }


@dataclass(frozen=True)
class Member:
    """A workspace member as independent versioning sees it."""

    name: str
    directory: str
    version: str
    shared: bool
    published: bool = True
    own_changelog: bool = False
    # Normal and build dependencies on other crates: name -> version requirement as published.
    requirements: tuple[tuple[str, str], ...] = ()


def members(root: Path, workspace: Workspace, changelog_name: str) -> list[Member]:
    """The workspace's members: directories, shared versions, publish flags, changelogs."""
    found = []
    shared_table = tomlkit.parse((root / "Cargo.toml").read_text(encoding="utf-8")).get("workspace")
    workspace_deps = shared_table.get("dependencies", {}) if isinstance(shared_table, dict) else {}
    for package in workspace.members:
        directory = package.directory.resolve().relative_to(root.resolve()).as_posix() or "."
        text = package.manifest_path.read_text(encoding="utf-8")
        shared = versioning.inherits_workspace_version(text)
        manifest = tomlkit.parse(text).get("package", {})
        publish = manifest.get("publish", True) if isinstance(manifest, dict) else True
        own = (package.directory / Path(changelog_name).name).is_file()
        found.append(
            Member(
                package.name,
                directory,
                package.version,
                shared,
                publish not in (False, []),
                own,
                tuple(_requirements(text, workspace_deps)),
            )
        )
    return found


def _requirements(manifest: str, workspace_deps: Any) -> list[tuple[str, str]]:
    """(crate, requirement) of a manifest's normal and build dependencies (also per target),
    a ``workspace = true`` one read from ``[workspace.dependencies]``."""
    document = tomlkit.parse(manifest)
    tables = [document.get("dependencies"), document.get("build-dependencies")]
    targets = document.get("target")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict):
                tables += [target.get("dependencies"), target.get("build-dependencies")]
    found = []
    for table in tables:
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            spec = value
            if isinstance(spec, dict) and spec.get("workspace") is True:
                spec = workspace_deps.get(key, spec)
            if isinstance(spec, str):
                found.append((str(key), spec))
            elif isinstance(spec, dict) and isinstance(spec.get("version"), str):
                found.append((str(spec.get("package", key)), str(spec["version"])))
    return found


def plan_crates(
    git: Git,
    found: Sequence[Member],
    *,
    tag_pattern: str,
    tag_prefix: str,
    changelog_name: str,
    bump_kind: str | None,
    requested: str | None,
    keep: changelog.Filter,
    zero_minor_on_feature: bool,
) -> list[CrateRelease]:
    """The crates to release and their new versions; a usage error when there is nothing to
    release or the request does not fit the mode."""
    if requested:
        raise UsageError(
            f"versioning is independent: each crate gets its own version, so give --bump "
            f"auto|major|minor|patch instead of {requested!r}"
        )
    if bump_kind not in ("auto", "major", "minor", "patch"):
        raise UsageError(
            "versioning is independent: give --bump auto|major|minor|patch (each crate with "
            "changes since its own tag is bumped)"
        )
    tags = git.tags()
    directories = [member.directory for member in found]
    kinds: dict[str, Bump] = {}
    changes: dict[str, tuple[tuple[changelog.Entry, ...], str | None]] = {}
    patterns = _patterns(found, tags, tag_pattern, tag_prefix)
    for member in found:
        if not member.published:
            continue
        pattern = patterns[member.name]
        latest = versioning.latest_crate_version(tags, pattern, member.name)
        previous = versioning.tag_for(pattern, member.name, latest.text) if latest else None
        paths = versioning.crate_pathspecs(member.directory, directories)
        entries = tuple(changelog.entries(git.commits(previous, paths), keep))
        changes[member.name] = (entries, previous)
        if entries:
            kinds[member.name] = _kind(
                bump_kind, entries, member.version, zero_minor_on_feature=zero_minor_on_feature
            )
    followed: dict[str, tuple[str, ...]] = {}
    while True:  # dependents drawn in by a rewritten requirement, until none is added
        versions = _new_versions(found, kinds)
        drawn = {
            m.name: tuple(
                f"{dep} {versions[dep]}"
                for dep, requirement in m.requirements
                if dep in versions
                and versioning.rewrite_requirement(requirement, versions[dep]) is not None
            )
            for m in found
            if m.published and m.name not in versions
        }
        drawn = {name: deps for name, deps in drawn.items() if deps}
        if not drawn:
            break
        for name, deps in drawn.items():
            kinds[name] = "patch"
            followed[name] = deps
    releases = []
    for member in found:
        new = versions.get(member.name)
        if new is None:
            continue
        versioning.never_lower(member.name, member.version, new)
        entries, previous = changes[member.name]
        releases.append(
            CrateRelease(
                member.name,
                member.directory,
                member.version,
                new,
                versioning.tag_for(patterns[member.name], member.name, new),
                previous,
                entries,
                member.shared,
                changelog_name
                if patterns[member.name] != tag_pattern and not member.own_changelog
                else changelog_path(member.directory, changelog_name),
                followed.get(member.name, ()),
            )
        )
    if not releases:
        raise UsageError(
            "no crate has changes since its own last tag (commits skipped by [release] skip "
            "or .cliffignore do not count): nothing to release"
        )
    return releases


def _new_versions(found: Sequence[Member], kinds: dict[str, Bump]) -> dict[str, str]:
    """Each released crate's new version; crates sharing the workspace version move together,
    by the largest bump any of them calls for."""
    shared_kinds = [kinds[m.name] for m in found if m.shared and m.name in kinds]
    shared_kind = max(shared_kinds, key=_ORDER.index) if shared_kinds else None
    versions = {}
    for member in found:
        kind = shared_kind if member.shared else kinds.get(member.name)
        if kind is not None and member.published:
            versions[member.name] = bumped(Version(member.version), kind).text
    return versions


def _patterns(
    found: Sequence[Member], tags: list[str], tag_pattern: str, tag_prefix: str
) -> dict[str, str]:
    """Each crate's tag pattern: ``tag_pattern``, or the lockstep ``{prefix}{version}`` for the
    one crate without tags of its own whose current version is tagged that way."""
    patterns = dict.fromkeys((m.name for m in found), tag_pattern)
    lockstep = f"{tag_prefix}{{version}}"
    claimants = [
        m
        for m in found
        if versioning.latest_crate_version(tags, tag_pattern, m.name) is None
        and f"{tag_prefix}{m.version}" in tags
    ]
    if len(claimants) == 1:  # several crates at the tagged version: whose tag is it? none's
        patterns[claimants[0].name] = lockstep
    return patterns


def _kind(
    bump_kind: str | None,
    entries: Sequence[changelog.Entry],
    version: str,
    *,
    zero_minor_on_feature: bool,
) -> Bump:
    if bump_kind == "auto":
        return changelog.auto_bump(
            entries,
            major_zero=Version(version).semver.major == 0,
            zero_minor_on_feature=zero_minor_on_feature,
        )
    return bump_kind  # type: ignore[return-value]  # checked by plan_crates


def changelog_path(directory: str, name: str) -> str:
    """A crate's own changelog: the configured file name (CHANGELOG.md) in its directory."""
    return name if directory == "." else f"{directory}/{Path(name).name}"
