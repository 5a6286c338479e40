"""Versioning modes and the rules that keep a workspace's versions and requirements coherent.

``lockstep``: one version for the workspace (every member that inherits ``[workspace.package]
version`` or carries the previous release's version moves to it; a crate with a version of its
own is left alone). ``independent``: each crate with changes since its own tag gets its own bump
and tag (``tag_pattern``). Detected when ``[release] versioning`` is unset: lockstep when every
member inherits the workspace version or all members carry the same version.

Requirements between workspace crates keep the style they were written in (see
``rewrite_requirement``), and no version is ever lowered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import semver
import tomlkit

from ferrox.errors import UsageError
from ferrox.release.version import Version

LOCKSTEP, INDEPENDENT = "lockstep", "independent"
# op, then 1 to 3 numeric components, then an optional pre-release on a full version.
_SIMPLE = re.compile(r"^(?P<op>=|\^|~)?\s*(?P<parts>\d+(?:\.\d+(?:\.\d+(?:-[0-9A-Za-z.-]+)?)?)?)$")


def inherits_workspace_version(manifest: str) -> bool:
    """Whether a member's Cargo.toml says ``version.workspace = true``."""
    package = tomlkit.parse(manifest).get("package")
    if not isinstance(package, dict):
        return False
    version = package.get("version")
    return isinstance(version, dict) and version.get("workspace") is True


def detect(manifests: Mapping[str, str], versions: Mapping[str, str]) -> str:
    """The mode a workspace is in: lockstep when every member inherits the workspace version
    or all carry one version, independent otherwise. ``manifests``: crate -> Cargo.toml text."""
    if all(inherits_workspace_version(text) for text in manifests.values()):
        return LOCKSTEP
    return LOCKSTEP if len(set(versions.values())) <= 1 else INDEPENDENT


def never_lower(name: str, old: str, new: str) -> None:
    """A usage error when a release would not raise a crate's version."""
    if not Version(new).newer_than(Version(old)):
        raise UsageError(
            f"{name} is at {old}: releasing it as {new} would lower or keep its version; "
            'choose a higher version, or set [release] versioning = "independent" so each '
            "crate keeps its own"
        )


def rewrite_requirement(requirement: str, new: str) -> str | None:
    """The requirement on a workspace crate once that crate is at ``new`` (None: unchanged).

    The precision written is the precision kept:
    - an exact pin (``=1.2.3``) always moves to the new version (``=1.4.0``);
    - a full version (``1.2.3``, ``^1.2.3``, ``~1.2.3``) states the minimum the workspace is
      built against, so it moves too, keeping its operator (``^1.4.0``);
    - a partial one (``1``, ``0.3``, ``~1.2``) names a range: it stays while the new version is
      in that range and otherwise moves to the new version with as many components
      (``0.3`` -> ``0.4``), keeping its operator;
    - anything else (``>=1, <3``, ``1.*``) is left to cargo: the edited tree is resolved before
      anything is committed, and an unresolvable one stops the plan.
    A pre-release (which no partial requirement matches in cargo) always moves to the full one.
    """
    match = _SIMPLE.match(requirement.strip())
    if match is None:
        return None
    op = match["op"] or ""
    parts = match["parts"].split(".")
    target = semver.Version.parse(new)
    if op == "=" or len(parts) == 3 or target.prerelease:
        written = f"{op}{new}"
    elif satisfies(op, [int(p) for p in parts], target):
        return None
    else:
        written = op + ".".join(str(n) for n in (target.major, target.minor)[: len(parts)])
    return None if written == requirement.strip() else written


def satisfies(op: str, parts: list[int], version: semver.Version) -> bool:
    """Whether cargo's partial requirement (``1``, ``0.3``, ``~1.2``) matches the version."""
    low = ([*parts, 0, 0])[:3]
    if (version.major, version.minor, version.patch) < tuple(low):
        return False
    if op == "~":
        return version.major == parts[0] and (len(parts) < 2 or version.minor == parts[1])
    # caret: the leftmost non-zero component written must not change
    significant = next((i for i, n in enumerate(parts) if n != 0), len(parts) - 1)
    current = (version.major, version.minor, version.patch)
    return all(current[i] == low[i] for i in range(significant + 1))


def tag_for(pattern: str, crate: str, version: str) -> str:
    """A crate's release tag (``{crate}-v{version}``)."""
    return pattern.replace("{crate}", crate).replace("{version}", version)


def latest_crate_version(tags: Iterable[str], pattern: str, crate: str) -> Version | None:
    """The highest version among the crate's tags (those the pattern spells for it)."""
    regex = re.compile(
        "^"
        + re.escape(pattern)
        .replace(re.escape("{crate}"), re.escape(crate), 1)
        .replace(re.escape("{version}"), "(?P<version>.+)", 1)
        + "$"
    )
    found = []
    for tag in tags:
        match = regex.match(tag)
        if match and semver.Version.is_valid(match["version"]):
            found.append(Version(match["version"]))
    return max(found, key=lambda version: version.semver, default=None)


def crate_pathspecs(directory: str, others: Iterable[str]) -> tuple[str, ...]:
    """git pathspecs for a crate's own files: its directory minus member crates nested in it
    (a root package's directory holds the whole workspace)."""
    own = Path(directory)
    nested = [
        f":(exclude){other}"
        for other in sorted(others)
        if other != directory and (directory == "." or Path(other).is_relative_to(own))
    ]
    return (directory, *nested)
