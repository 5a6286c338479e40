"""Dependabot-proof drift: a newer pin of the same action, found in the committed workflow, stays.

Dependabot (or a person) bumps ``uses: actions/checkout@<sha> # v7.0.1`` to a newer release's
commit. Re-rendering from ferrox's own table would then call the bumped file drift, and
``ferrox init --check`` would fail until the bump is reverted: the loop cargo-dist users report.
So before comparing or writing, each generated ``uses:`` line takes the committed file's pin for
the same action when that pin is a full commit SHA whose version comment is a newer release than
ferrox's. An older version, a tag or branch instead of a SHA, or a different action is not kept:
those are drift as before. What is trusted is what review already trusts: the committed file.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

_USES = re.compile(
    r"^(?P<indent>\s*)uses: (?P<repo>[\w.-]+/[\w./-]+)@(?P<ref>\S+) # (?P<version>\S+)$"
)
_SHA = re.compile(r"[0-9a-f]{40}")


def committed_pins(text: str) -> dict[str, tuple[str, str]]:
    """Each action's (sha, version) in a committed workflow, when pinned to a full SHA."""
    pins: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        match = _USES.match(line)
        if match and _SHA.fullmatch(match["ref"]):
            pins.setdefault(match["repo"], (match["ref"], match["version"]))
    return pins


def keep_newer_pins(generated: str, committed: str) -> str:
    """``generated`` with each action pinned as in ``committed`` where that pin is newer."""
    found = committed_pins(committed)
    lines = []
    for line in generated.splitlines(keepends=True):
        match = _USES.match(line.rstrip("\n"))
        kept = found.get(match["repo"]) if match else None
        if match and kept and _newer(kept[1], match["version"]):
            lines.append(f"{match['indent']}uses: {match['repo']}@{kept[0]} # {kept[1]}\n")
        else:
            lines.append(line)
    return "".join(lines)


def _newer(found: str, ours: str) -> bool:
    try:
        return Version(found.removeprefix("v")) > Version(ours.removeprefix("v"))
    except InvalidVersion:
        return False
