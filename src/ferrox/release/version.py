"""Release versions: SemVer 2.0 (via the ``semver`` library) and tags such as ``v1.2.0-rc.1``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import semver

from ferrox.errors import UsageError

Bump = Literal["major", "minor", "patch"]


@dataclass(frozen=True, order=False)
class Version:
    """A SemVer version; ``text`` is its canonical form without a tag prefix."""

    text: str

    @property
    def semver(self) -> semver.Version:
        """The parsed version (for precedence and bumps)."""
        return semver.Version.parse(self.text)

    @property
    def prerelease(self) -> bool:
        """Whether this is a pre-release (``1.2.0-rc.1``)."""
        return self.semver.prerelease is not None

    def tag(self, prefix: str) -> str:
        """The git tag naming this version."""
        return f"{prefix}{self.text}"

    def newer_than(self, other: Version) -> bool:
        """SemVer precedence: pre-releases sort before their release, build metadata is ignored."""
        return self.semver.compare(other.semver) > 0


def parse_version(text: str, prefix: str = "v", *, latest: Version | None = None) -> Version:
    """Parses ``v1.2.0`` / ``1.2.0-rc.1``; a usage error names the reason and the latest version."""
    bare = text[len(prefix) :] if prefix and text.startswith(prefix) else text
    latest_note = f" (latest release: {latest.tag(prefix)})" if latest else " (no release yet)"
    if not semver.Version.is_valid(bare):
        raise UsageError(
            f"{text!r} is not a SemVer version: expected MAJOR.MINOR.PATCH with an optional "
            f"-prerelease such as {prefix}1.2.0 or {prefix}1.2.0-rc.1{latest_note}"
        )
    version = Version(str(semver.Version.parse(bare)))
    if latest is not None and not version.newer_than(latest):
        raise UsageError(
            f"{version.tag(prefix)} is not greater than the latest release {latest.tag(prefix)}"
        )
    return version


def latest_version(tags: Iterable[str], prefix: str = "v") -> Version | None:
    """The highest version among the tags that are SemVer versions with the prefix."""
    found = [
        Version(tag[len(prefix) :])
        for tag in tags
        if tag.startswith(prefix) and semver.Version.is_valid(tag[len(prefix) :])
    ]
    if not found:
        return None
    return max(found, key=lambda version: version.semver)


def bumped(latest: Version | None, bump: Bump) -> Version:
    """The next version after ``latest`` (0.1.0 for the first release)."""
    if latest is None:
        return Version("0.1.0")
    current = latest.semver
    if current.prerelease is not None:
        # 1.2.0-rc.1 + patch/minor/major: finish the release it anticipates, as cargo-release does.
        return Version(str(current.finalize_version()))
    return Version(str(getattr(current, f"bump_{bump}")()))
