"""Where a repository lives on the web, from settings or from its git remote's URL."""

from __future__ import annotations

import re

from ferrox.release.settings import ReleaseSettings

# https://github.com/o/r(.git), git@github.com:o/r(.git), ssh://git@github.com/o/r(.git)
_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)(?P<host>[^/:]+)(?::\d+)?[:/]"
    r"(?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/?$"
)


def parse_remote(url: str | None) -> tuple[str, str, str] | None:
    """(host, owner, name) of a hosted remote URL; None for a local path or anything else."""
    match = _REMOTE.match(url or "")
    return (match["host"], match["owner"], match["name"]) if match else None


def github_repository(settings: ReleaseSettings, remote_url: str | None) -> str | None:
    """``owner/name`` on GitHub: the setting, else the remote's path when it is on github.com."""
    if settings.github_repository:
        return settings.github_repository
    parsed = parse_remote(remote_url)
    if parsed and parsed[0] == "github.com":
        return f"{parsed[1]}/{parsed[2]}"
    return None


def web_url(settings: ReleaseSettings, remote_url: str | None) -> str | None:
    """The repository's web page (commit links): the setting, else https://host/owner/name."""
    if settings.repository_url:
        return settings.repository_url.rstrip("/")
    parsed = parse_remote(remote_url)
    if parsed:
        return f"https://{parsed[0]}/{parsed[1]}/{parsed[2]}"
    if settings.github_repository:
        return f"https://github.com/{settings.github_repository}"
    return None
