"""What a cargo registry already holds, read from its index (never from ``cargo search``).

The index URL comes from ``[release.crates-io] index``, else cargo's own configuration for the
registry (``CARGO_REGISTRIES_<NAME>_INDEX``, then ``registries.<name>.index`` in the
``.cargo/config.toml`` files cargo reads: the project's and its parents', then
``$CARGO_HOME``'s). A sparse index (``sparse+http(s)://``) is read over HTTP; a git index
(``http(s)://``, ``file://``, ssh) is fetched into a cache and read with ``git show``.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from ferrox.config import TOML_ERRORS, parse_toml
from ferrox.errors import ToolError, UsageError
from ferrox.release.publish_settings import CRATES_IO, CratesIoSettings, redact_url
from ferrox.tools import ToolRunner

CRATES_IO_INDEX = "sparse+https://index.crates.io/"
TIMEOUT_S = 60.0


def entry_path(name: str) -> str:
    """The crate's file in the index (cargo's layout: 1/, 2/, 3/a/, ab/cd/)."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[:2]}/{lower[2:4]}/{lower}"


def index_url(settings: CratesIoSettings, root: Path, env: Mapping[str, str]) -> str:
    """The registry's index URL, or a usage error naming where to set it."""
    if settings.index:
        return _checked(settings.index, "[release.crates-io] index")
    if settings.registry == CRATES_IO:
        return CRATES_IO_INDEX
    variable = f"CARGO_REGISTRIES_{settings.registry.upper().replace('-', '_')}_INDEX"
    if env.get(variable):
        return _checked(env[variable], f"${variable}")
    for config in _cargo_configs(root, env):
        try:
            data = parse_toml(config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, *TOML_ERRORS) as exc:
            raise UsageError(f"cannot read the cargo configuration {config}: {exc}") from None
        registry = data.get("registries", {}).get(settings.registry, {})
        if isinstance(registry, dict) and isinstance(registry.get("index"), str):
            return _checked(registry["index"], f"registries.{settings.registry}.index in {config}")
    raise UsageError(
        f"cargo registry {settings.registry!r} has no index URL: set [release.crates-io] index, "
        f"${variable}, or [registries.{settings.registry}] index in .cargo/config.toml"
    )


# The index transports cargo reads; git's own (ext::, fd::) would run commands or read fds.
_INDEX_URL = re.compile(r"^(?:sparse\+https?|https?|file|ssh|git)://\S+$|^[\w.-]+@[\w.-]+:\S+$")
# git's transports for the fetch, whatever the git configuration allows.
GIT_PROTOCOLS = "file:git:http:https:ssh"


def _checked(url: str, where: str) -> str:
    # Reaches git's argv (fetch URL): never an option, never a transport that runs commands.
    url = url.strip()
    if not _INDEX_URL.match(url):
        raise UsageError(
            f"{where}: {redact_url(url)!r} is not an index URL (sparse+https://, https://, "
            "file://, ssh://, git:// or user@host:path)"
        )
    return url


def _cargo_configs(root: Path, env: Mapping[str, str]) -> list[Path]:
    """cargo's configuration files, most specific first."""
    found = []
    for directory in (root.resolve(), *root.resolve().parents):
        for name in ("config.toml", "config"):
            path = directory / ".cargo" / name
            if path.is_file():
                found.append(path)
                break
    cargo_home = Path(env.get("CARGO_HOME") or Path(env.get("HOME", "~")) / ".cargo").expanduser()
    for name in ("config.toml", "config"):
        path = cargo_home / name
        if path.is_file() and path not in found:
            found.append(path)
            break
    return found


class CrateIndex:
    """Reads the versions of a crate that a registry's index lists."""

    def __init__(self, url: str, runner: ToolRunner, cache_dir: Path, timeout: float) -> None:
        self.url = url
        self.runner = runner
        self.timeout = timeout
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]
        self.clone = cache_dir / f"index-{digest}.git"
        self._fetched = False

    def refresh(self) -> None:
        """Forgets what was fetched (a git index is fetched again on the next look-up)."""
        self._fetched = False

    def versions(self, name: str) -> set[str]:
        """The versions of ``name`` the index lists (yanked included: they cannot be reused)."""
        text = self._sparse(name) if self.url.startswith("sparse+") else self._git(name)
        versions = set()
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                found, version = entry["name"], entry["vers"]
            except (ValueError, KeyError, TypeError):
                found = version = None
            # Another crate's entries (a misconfigured index) must not count as this crate's
            # versions: a version wrongly "in the registry" would never be published.
            if (
                not isinstance(version, str)
                or not isinstance(found, str)
                or (found.lower() != name.lower())
            ):
                raise ToolError(
                    f"the index entry of {name} at {redact_url(self.url)} is unreadable or names "
                    f"another crate (line {number}); nothing is skipped on its word",
                    tool="cargo registry",
                )
            versions.add(version)
        return versions

    def _sparse(self, name: str) -> str:
        url = self.url.removeprefix("sparse+").rstrip("/") + "/" + entry_path(name)
        request = urllib.request.Request(url, headers={"User-Agent": "ferrox-release"})  # noqa: S310 - the configured index
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - the configured index
                return str(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410, 451):  # how a sparse index says "no such crate"
                return ""
            raise ToolError(
                f"the registry index answered HTTP {exc.code} for {redact_url(url)}",
                tool="cargo registry",
            ) from None
        except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
            raise ToolError(
                f"cannot read the registry index at {redact_url(url)}: {exc}",
                tool="cargo registry",
            ) from None

    def _git(self, name: str) -> str:
        if not self._fetched:
            if not (self.clone / "HEAD").is_file():
                self.clone.parent.mkdir(parents=True, exist_ok=True)
                self._run("init", "--quiet", "--bare", str(self.clone))
            self._run(
                "--git-dir", str(self.clone), "fetch", "--quiet", "--force", "--",
                self.url, "+HEAD:refs/heads/index",
            )  # fmt: skip
            self._fetched = True
        path = entry_path(name)
        # ls-tree tells "no such file" (no such crate) from git failing: only the first is "".
        listed = self._run("--git-dir", str(self.clone), "ls-tree", "--name-only",
                           "refs/heads/index", "--", path)  # fmt: skip
        if not listed.strip():
            return ""
        return self._run("--git-dir", str(self.clone), "show", f"refs/heads/index:{path}")

    def _run(self, *args: str) -> str:
        done = self.runner.run(
            "git", list(args), cwd=self.clone.parent, timeout=self.timeout,
            env={"GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": GIT_PROTOCOLS},
        )  # fmt: skip
        if done.returncode != 0:
            raise ToolError(
                f"cannot {'read' if args[2:3] in (('ls-tree',), ('show',)) else 'fetch'} the "
                f"registry index {redact_url(self.url)}: {done.tail()}",
                tool="cargo registry",
            )
        return done.stdout


def default_cache(report_dir: Path) -> Path:
    """Where index clones are kept between runs."""
    return report_dir / "crates-index"


__all__ = ["CRATES_IO_INDEX", "CrateIndex", "default_cache", "entry_path", "index_url"]
