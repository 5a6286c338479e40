"""Conventional commits -> grouped release notes, prepended to CHANGELOG.md (Keep a Changelog).

Grouping rules (git-cliff with ``tests/fixtures/release/cliff.toml`` groups the same way):
breaking changes first (``type!:`` or a ``BREAKING CHANGE:``/``BREAKING-CHANGE:`` footer), then
``feat`` -> Features, ``fix`` -> Fixes, ``perf`` -> Performance, ``security`` -> Security, and
everything else (other types, reverts, messages that are not conventional) -> Other.

Left out, as git-cliff leaves them out with the same ``skip`` parsers: commits whose subject
matches a ``skip`` pattern (defaults: ``Merge ...`` subjects, earlier release commits and
dependency-bot updates, see ``DEFAULT_SKIP``) and the commits ``.cliffignore`` lists. A merge
commit with any other subject (``chore(pull): merge #160``) is filed by its type, as git-cliff
files it. A breaking entry carries its ``BREAKING CHANGE:`` footer text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import ConfigError
from ferrox.release.version import Bump

GROUPS = ("Breaking changes", "Features", "Fixes", "Performance", "Security", "Other")
_TYPE_GROUPS = {"feat": "Features", "fix": "Fixes", "perf": "Performance", "security": "Security"}
# type(scope)!: description -- the Conventional Commits 1.0 header.
_HEADER = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: (?P<desc>\S.*)$"
)
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.MULTILINE)
# A footer token (`Refs: x`, `Reviewed-by: y`, `Fixes #1`) ends the breaking footer's text.
_FOOTER_TOKEN = re.compile(r"^(?:[A-Za-z][\w-]*|BREAKING[ -]CHANGE)(?:: | #)")
# Patterns (searched in the message, anchored at the subject) of commits no reader wants. Each
# is also a git-cliff `skip` parser (Rust regex syntax too): both tools leave out the same ones.
DEFAULT_SKIP = (
    r"^Merge ",
    # release commits: chore(release): v1.2.0, release: 1.2.0, Release v1.2.0, chore: release 1.2
    r"(?i)^chore\(release\)",
    # ... cargo-release's defaults (chore: Release / chore: Release foo version 1.2.0) and
    # release-plz's squashed release PR (chore: release (#2897))
    r"(?i)^(chore(\([^)]*\))?: )?release(:|$|\n|\s+v?\d|\s+\S+ version |\s+\(#\d+\))",
    r"(?i)^chore(\([^)]*\))?: (prepare|bump version)",
    # dependabot: Bump x from 1 to 2 / build(deps): bump x from 1 to 2
    r"(?i)^(\w+\(deps(-dev)?\): )?bump \S+ from \S+ to ",
    # renovate: chore(deps): update rust crate x to v1 / Update dependency x / lock file maintenance
    r"(?i)^(\w+\(deps(-dev)?\): )?update (rust crate|dependency|module|actions?|.* digest) ",
    r"(?i)^(\w+\(deps(-dev)?\): )?lock file maintenance",
)
CLIFFIGNORE = ".cliffignore"
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
    # The BREAKING CHANGE footer's text (None: no footer, e.g. only the `!` marker).
    breaking_note: str | None = None


@dataclass(frozen=True)
class Filter:
    """Which commits stay out of the notes: subject patterns and ``.cliffignore``'s SHAs."""

    skip: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in DEFAULT_SKIP)
    ignored: frozenset[str] = frozenset()

    def skips(self, commit: Commit) -> bool:
        """Whether a skip pattern matches the message (as git-cliff matches its parsers: ``^``
        is the subject's start, ``$`` the message's end); a breaking commit is kept all the
        same, as git-cliff's ``protect_breaking_commits`` keeps it."""
        return any(pattern.search(commit.message) for pattern in self.skip)


DEFAULT_FILTER = Filter()


def compile_skip(patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    """The ``[release] skip`` patterns, compiled; a bad one is a config error naming it."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(f"bad regex {pattern!r}: {exc}", key="release.skip") from exc
    return tuple(compiled)


def read_cliffignore(root: Path) -> frozenset[str]:
    """The commit SHAs ``.cliffignore`` lists (git-cliff's format: one full SHA a line, ``#``
    comments); a line that is not a full SHA is a config error, not a silently kept commit."""
    path = root / CLIFFIGNORE
    if not path.is_file():
        return frozenset()
    found = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not re.fullmatch(r"[0-9a-fA-F]{40}", line):
            raise ConfigError(
                f"{CLIFFIGNORE} line {number}: {line!r} is not a full commit SHA",
                hint="list one 40-character commit SHA per line (# starts a comment)",
            )
        found.add(line.lower())
    return frozenset(found)


def classify(commit: Commit, keep: Filter = DEFAULT_FILTER) -> Entry | None:
    """The commit's changelog entry, or None for a commit the filter leaves out."""
    if commit.sha in keep.ignored:
        return None
    header = _HEADER.match(commit.subject)
    if header is None:
        if keep.skips(commit):
            return None
        return Entry(commit.sha, "Other", commit.subject, None, None, breaking=False)
    kind = header["type"].lower()
    body = commit.message.split("\n", 1)[1] if "\n" in commit.message else ""
    note = breaking_note(body)
    breaking = bool(header["bang"]) or note is not None
    if not breaking and keep.skips(commit):
        return None
    group = "Breaking changes" if breaking else _TYPE_GROUPS.get(kind, "Other")
    return Entry(
        commit.sha, group, header["desc"].strip(), header["scope"] or None, kind, breaking, note
    )


def breaking_note(body: str) -> str | None:
    """The text of the body's ``BREAKING CHANGE:`` footer, up to the next footer or the end."""
    found = _BREAKING_FOOTER.search(body)
    if found is None:
        return None
    lines = body[found.end() :].splitlines()
    text = [lines[0]] if lines else []
    for line in lines[1:]:
        if _FOOTER_TOKEN.match(line):
            break
        text.append(line)
    return " ".join(part.strip() for part in text if part.strip()) or None


def entries(commits: Sequence[Commit], keep: Filter = DEFAULT_FILTER) -> list[Entry]:
    """The changelog entries of the commits (oldest first), minus those the filter skips."""
    return [entry for entry in (classify(c, keep) for c in commits) if entry is not None]


def auto_bump(
    found: Sequence[Entry], *, major_zero: bool, zero_minor_on_feature: bool = True
) -> Bump:
    """The bump the commits call for: breaking -> major, feat -> minor, else patch.

    Below 1.0 (SemVer's "anything may change" range, where cargo treats 0.x as the
    compatibility-breaking part) everything moves one place down: breaking -> minor, and a
    feature -> minor too, unless ``zero_minor_on_feature`` is off (features then are patches,
    as some 0.x projects release them).
    """
    if any(entry.breaking for entry in found):
        return "minor" if major_zero else "major"
    if any(entry.kind == "feat" for entry in found):
        return "minor" if zero_minor_on_feature or not major_zero else "patch"
    return "patch"


def render(
    tag: str, date: str, found: Sequence[Entry], *, commit_url: str | None, compare_url: str | None
) -> str:
    """The release's section: ``## [tag] - date`` and one ``###`` list per non-empty group."""
    heading = f"## [{tag}]({compare_url}) - {date}" if compare_url else f"## [{tag}] - {date}"
    return f"{heading}\n\n{render_notes(found, commit_url=commit_url)}"


def render_notes(found: Sequence[Entry], *, commit_url: str | None) -> str:
    """The release notes: one ``###`` list per non-empty group, breaking changes first."""
    lines: list[str] = []
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
            if entry.breaking_note:
                lines.append(f"  BREAKING CHANGE: {entry.breaking_note}")
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
