"""Writing a release's section into an existing CHANGELOG.md the way that file is written.

What is read from the file, never assumed: the release headings' level and shape (``## [2.13.1]
- 2024-05-01``, ``## [v2.13.1](compare) - date``, ``## 2.13.1 (date)``), how the version is spelled
(with or without the tag's ``v``), the blank lines between sections, and whether versions are
linked through reference definitions at the end (``[2.13.1]: https://.../compare/...``). A file
without any release heading gets ferrox's default (Keep a Changelog with the tag as the version).

A section for the version that is already there is a plan error unless ``amend`` is set, which
replaces that section in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ferrox.errors import UsageError

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$", re.MULTILINE)
# A SemVer version not glued to another number (the digits, then an optional pre-release).
_VERSION = re.compile(r"(?<![\d.])(\d+\.\d+\.\d+(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?)(?![\d])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INLINE_LINK = re.compile(r"\]\([^)]*\)")
_LINK_URL = re.compile(r"\]\(([^)]*)\)")
_REFERENCE = re.compile(r"^\[([^\]\n]+)\]:[ \t]*(\S+)[ \t]*$", re.MULTILINE)
# Placeholders in a heading template; NUL never occurs in Markdown text.
_V, _D, _C = "\0version\0", "\0date\0", "\0compare\0"


@dataclass(frozen=True)
class Heading:
    """A release heading found in the file: where it is, its level and its version."""

    start: int
    level: int
    text: str
    version: str  # the bare SemVer, whatever the spelling
    spelled: str  # the version as written (``v2.13.1``, ``2.13.1``)


@dataclass(frozen=True)
class Style:
    """How the file writes a release section."""

    level: int = 2
    template: str = f"[{_V}]({_C}) - {_D}"
    prefix: str | None = None  # how the version is spelled before its digits; None: as the tag
    blank_lines: int = 1
    references: bool = False

    def heading(self, version: str, tag: str, date: str, compare: str | None) -> str:
        """The release's heading line in this style."""
        spelled = tag if self.prefix is None else self.prefix + version
        text = self.template.replace(_V, spelled).replace(_D, date)
        text = text.replace(f"]({_C})", f"]({compare})" if compare else "]")
        return "#" * self.level + " " + text


def release_headings(text: str) -> list[Heading]:
    """The headings naming a version (``Unreleased`` is not one), at the releases' level."""
    found = []
    for match in _ATX.finditer(text):
        title = match.group(2)
        version = _VERSION.search(_INLINE_LINK.sub("]", title))
        if version is None or "unreleased" in title.lower():
            continue
        prefix = _spelling_prefix(title, _VERSION.search(title))
        found.append(
            Heading(
                match.start(),
                len(match.group(1)),
                title,
                version.group(1),
                prefix + version.group(1),
            )
        )
    if not found:
        return []
    level = found[0].level
    return [heading for heading in found if heading.level == level]


def read_style(text: str | None, *, default_prefix: str | None = None) -> Style:
    """The style of an existing changelog (ferrox's default when it has no release yet)."""
    headings = release_headings(text or "")
    if not text or not headings:
        return Style(prefix=default_prefix)
    first = headings[0]
    version = _VERSION.search(first.text)
    if version is None:  # pragma: no cover - release_headings only returns versioned ones
        return Style(prefix=default_prefix)
    prefix = _spelling_prefix(first.text, version)
    title = first.text[: version.start() - len(prefix)] + _V + first.text[version.end() :]
    title = _INLINE_LINK.sub(f"]({_C})", title, count=1)
    title = _DATE.sub(_D, title, count=1)
    blank = 1
    if len(headings) > 1:
        before = text[: headings[1].start].rstrip(" \t")
        blank = max(0, len(before) - len(before.rstrip("\n")) - 1)
    labels = {label for label, _ in _REFERENCE.findall(text)}
    references = first.spelled in labels or first.version in labels
    return Style(first.level, title, prefix, blank, references)


def place(
    existing: str | None,
    section_body: str,
    *,
    version: str,
    tag: str,
    date: str,
    compare: str | None,
    amend: bool,
    title: str,
    default_prefix: str | None = None,
) -> str:
    """The changelog with the release's section written in the file's own style.

    ``section_body`` is the notes (group headings and entries) without the release heading.
    """
    style = read_style(existing, default_prefix=default_prefix)
    headings = release_headings(existing or "")
    if headings and _C in style.template:
        # The file links each heading (its own URL shape: `..` or `...`, its host): the newest
        # heading's link with the versions moved on, else the remote's compare view.
        link = _LINK_URL.search(headings[0].text)
        if link is not None:
            moved = _shift_versions(link.group(1), headings[0].version, version)
            compare = moved if moved != link.group(1) else compare
    heading = style.heading(version, tag, date, None if style.references else compare)
    body = _relevel(section_body.strip("\n"), style.level)
    section = f"{heading}\n\n{body}\n"
    if not existing:
        return f"{title}\n{section}"
    same = next((h for h in headings if h.version == version), None)
    if same is not None and not amend:
        line = existing.count("\n", 0, same.start) + 1
        raise UsageError(
            f"the changelog already has a section for {version} (line {line}: "
            f"{'#' * same.level} {same.text}); remove it, or pass --amend-changelog to rewrite "
            "it in place"
        )
    gap = "\n" * (style.blank_lines + 1)
    if same is not None:
        end = _section_end(existing, same, headings)
        after = existing[end:]
        text = existing[: same.start] + section.rstrip("\n") + (gap if after else "\n") + after
    else:
        at = _insert_at(existing, headings, style.level)
        if at is None:
            text = existing.rstrip("\n") + "\n\n" + section
        else:
            text = existing[:at] + section.rstrip("\n") + gap + existing[at:]
    if style.references and same is None and headings:
        text = _add_reference(text, headings[0], version, style, compare)
    return text


def _spelling_prefix(title: str, version: re.Match[str] | None) -> str:
    """What is written right before the digits and belongs to the version (``v``, ``V``)."""
    if version is None:
        return ""
    start = version.start()
    return title[start - 1] if start and title[start - 1] in "vV" else ""


def _relevel(body: str, level: int) -> str:
    """The notes' group headings one level below the release headings."""
    return re.sub(r"(?m)^###(?= )", "#" * (level + 1), body)


def _insert_at(text: str, headings: list[Heading], level: int) -> int | None:
    """Where the new section goes: before the newest release (an Unreleased section stays
    on top); None when the file has no release yet (the section is appended)."""
    if headings:
        return headings[0].start
    for match in _ATX.finditer(text):
        if len(match.group(1)) == level and "unreleased" not in match.group(2).lower():
            return match.start()
    return None


def _section_end(text: str, heading: Heading, headings: list[Heading]) -> int:
    """The end of a release's section: the next heading of its level or above, the link
    references at the end of the file, or the end."""
    ends = [h.start for h in headings if h.start > heading.start]
    ends += [
        m.start()
        for m in _ATX.finditer(text, heading.start + 1)
        if len(m.group(1)) <= heading.level
    ]
    ends += [m.start() for m in _REFERENCE.finditer(text, heading.start + 1)]
    return min(ends, default=len(text))


def _add_reference(
    text: str, newest: Heading, version: str, style: Style, compare: str | None
) -> str:
    """A reference definition for the new version above the newest one, its URL derived from
    that one (the newest version becomes the new one, the one before it the newest); an
    ``[Unreleased]`` reference now starts from the new version."""
    spelled = version if style.prefix is None else style.prefix + version
    references = list(_REFERENCE.finditer(text))
    previous = next((m for m in references if m.group(1) in (newest.spelled, newest.version)), None)
    if previous is None:
        return text
    url = _shift_versions(previous.group(2), newest.version, version)
    if url == previous.group(2) and compare:  # no version in it to move: the remote's link
        url = compare
    line = f"[{spelled}]: {url}\n"
    text = text[: previous.start()] + line + text[previous.start() :]
    for match in _REFERENCE.finditer(text):
        if match.group(1).lower() == "unreleased":
            moved = match.group(2).replace(newest.version, version)
            text = text[: match.start(2)] + moved + text[match.end(2) :]
            break
    return text


def _shift_versions(url: str, newest: str, new: str) -> str:
    """``.../compare/v2.13.0...v2.13.1`` for 2.13.1 -> 2.13.2: ``.../v2.13.1...v2.13.2``."""

    def shifted(match: re.Match[str]) -> str:
        return new if match.group(1) == newest else newest

    return _VERSION.sub(shifted, url)
