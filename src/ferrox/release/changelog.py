"""Conventional commits -> grouped release notes, prepended to CHANGELOG.md (Keep a Changelog).

Grouping rules (git-cliff with ``tests/fixtures/release/cliff.toml`` groups the same way):
breaking changes first (``type!:`` or a ``BREAKING CHANGE:``/``BREAKING-CHANGE:`` footer), then
``feat`` -> Features, ``fix`` -> Fixes, ``perf`` -> Performance, ``security`` -> Security, and
everything else (other types, reverts, messages that are not conventional) -> Other. Merge
commits and earlier ``chore(release):`` commits are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ferrox.release.version import Bump

GROUPS = ("Breaking changes", "Features", "Fixes", "Performance", "Security", "Other")
_TYPE_GROUPS = {"feat": "Features", "fix": "Fixes", "perf": "Performance", "security": "Security"}
# type(scope)!: description -- the Conventional Commits 1.0 header.
_HEADER = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: (?P<desc>\S.*)$"
)
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.MULTILINE)
_RELEASE_COMMIT = re.compile(r"^chore\(release\): ")
_HEADING = re.compile(r"^## ", re.MULTILINE)
CHANGELOG_TITLE = (
    "# Changelog\n\nAll notable changes to this project are documented in this file.\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
    "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n"
)


@dataclass(frozen=True)
class Commit:
    """One commit of the release range, as git reports it."""

    sha: str
    message: str
    parents: int = 1

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0].strip()


@dataclass(frozen=True)
class Entry:
    """A commit placed in a changelog group."""

    sha: str
    group: str
    description: str
    scope: str | None
    kind: str | None
    breaking: bool


def classify(commit: Commit) -> Entry | None:
    """The commit's changelog entry, or None for merge and release commits."""
    if (
        commit.parents > 1
        or commit.subject.startswith("Merge ")
        or _RELEASE_COMMIT.match(commit.subject)
    ):
        return None
    header = _HEADER.match(commit.subject)
    if header is None:
        return Entry(commit.sha, "Other", commit.subject, None, None, breaking=False)
    kind = header["type"].lower()
    body = commit.message.split("\n", 1)[1] if "\n" in commit.message else ""
    breaking = bool(header["bang"]) or bool(_BREAKING_FOOTER.search(body))
    group = "Breaking changes" if breaking else _TYPE_GROUPS.get(kind, "Other")
    return Entry(commit.sha, group, header["desc"].strip(), header["scope"] or None, kind, breaking)


def entries(commits: Sequence[Commit]) -> list[Entry]:
    """The changelog entries of the commits (oldest first), skipping merges and releases."""
    return [entry for entry in map(classify, commits) if entry is not None]


def auto_bump(found: Sequence[Entry], *, major_zero: bool) -> Bump:
    """The bump the commits call for: breaking -> major (minor below 1.0), feat -> minor."""
    if any(entry.breaking for entry in found):
        return "minor" if major_zero else "major"
    if any(entry.kind == "feat" for entry in found):
        return "minor"
    return "patch"


def render(
    tag: str, date: str, found: Sequence[Entry], *, commit_url: str | None, compare_url: str | None
) -> str:
    """The release's section: ``## [tag] - date`` and one ``###`` list per non-empty group."""
    heading = f"## [{tag}]({compare_url}) - {date}" if compare_url else f"## [{tag}] - {date}"
    lines = [heading, ""]
    for group in GROUPS:
        members = [entry for entry in found if entry.group == group]
        if not members:
            continue
        lines += [f"### {group}", ""]
        for entry in members:
            scope = f"**{entry.scope}:** " if entry.scope else ""
            short = entry.sha[:7]
            link = f"[{short}]({commit_url}/{entry.sha})" if commit_url else short
            lines.append(f"- {scope}{entry.description} ({link})")
        lines.append("")
    if not found:
        lines += ["No notable changes.", ""]
    return "\n".join(lines)


def prepend(existing: str | None, section: str) -> str:
    """CHANGELOG.md with ``section`` above the newest release (a new file gets a title).

    A Keep a Changelog ``## [Unreleased]`` section stays on top, untouched.
    """
    if not existing:
        return f"{CHANGELOG_TITLE}\n{section}"
    headings = [match.start() for match in _HEADING.finditer(existing)]
    if headings and existing.startswith("## [Unreleased]", headings[0]):
        headings = headings[1:]
    if not headings:
        return existing.rstrip("\n") + "\n\n" + section
    at = headings[0]
    return existing[:at] + section + existing[at:]
