"""The git commands a release needs, all through the ToolRunner."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ferrox.errors import ToolOutputError
from ferrox.release.changelog import Commit
from ferrox.tools import Completed, ToolRunner

GIT_TIMEOUT = 120.0
_FIELD = "\x1f"
_RECORD = "\x1e"


class Git:
    """git in one repository; ``check`` calls raise ToolOutputError on a non-zero exit."""

    def __init__(self, runner: ToolRunner, root: Path, timeout: float = GIT_TIMEOUT) -> None:
        self.runner = runner
        self.root = root
        self.timeout = timeout

    def run(self, *args: str, check: bool = True) -> Completed:
        """``git ARGS`` in the repository."""
        done = self.runner.run(
            "git", list(args), cwd=self.root, timeout=self.timeout, hint="install git"
        )
        if check and done.returncode != 0:
            raise ToolOutputError.of(done, f"git {args[0]} failed (exit {done.returncode})", "git")
        return done

    def out(self, *args: str) -> str:
        """The stripped stdout of a successful ``git ARGS``."""
        return self.run(*args).stdout.strip()

    def head(self) -> str:
        """The commit HEAD points at."""
        return self.out("rev-parse", "HEAD")

    def branch(self) -> str:
        """The checked-out branch ('' when HEAD is detached)."""
        return self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()

    def tags(self) -> list[str]:
        """Every local tag."""
        return self.out("tag", "--list").splitlines()

    def tag_commit(self, tag: str) -> str | None:
        """The commit a local tag points at, or None."""
        done = self.run(
            "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}", check=False
        )
        return done.stdout.strip() or None

    def tags_at_head(self) -> list[str]:
        """Tags pointing at HEAD."""
        return self.out("tag", "--points-at", "HEAD").splitlines()

    def dirty(self, ignore: Sequence[str] = ()) -> list[str]:
        """Modified, staged or untracked paths (``git status --porcelain``), minus ``ignore``."""
        paths = []
        for line in self.run("status", "--porcelain", "--untracked-files=all").stdout.splitlines():
            path = line[3:].split(" -> ")[-1].strip('"')
            if not any(
                path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in ignore
            ):
                paths.append(path)
        return paths

    def tracked(self) -> set[str]:
        """Every tracked path (forward slashes)."""
        return set(self.out("ls-files").splitlines())

    def commits(self, since: str | None, paths: Sequence[str] = ()) -> list[Commit]:
        """Commits of HEAD not reachable from ``since`` (all when None), oldest first; with
        ``paths`` (git pathspecs), only those touching them."""
        revision = f"{since}..HEAD" if since else "HEAD"
        pathspec = ["--", *paths] if paths else []
        text = self.run(
            "log", "--reverse", f"--format=%H{_FIELD}%P{_FIELD}%B{_RECORD}", revision, *pathspec
        ).stdout
        found = []
        for record in text.split(_RECORD):
            if not record.strip():
                continue
            sha, parents, message = record.lstrip("\n").split(_FIELD, 2)
            found.append(Commit(sha, message.strip(), max(1, len(parents.split()))))
        return found

    def remote_url(self, remote: str) -> str | None:
        """The remote's URL, or None when it is not configured."""
        done = self.run("remote", "get-url", remote, check=False)
        return done.stdout.strip() or None if done.returncode == 0 else None

    def is_shallow(self) -> bool:
        """Whether the clone's history was cut (``git clone --depth``): tags may be missing."""
        return self.out("rev-parse", "--is-shallow-repository") == "true"

    def remote_tags(self, remote: str) -> list[str]:
        """Every tag on the remote (``git ls-remote``): a tag may exist there and not here."""
        lines = self.out("ls-remote", "--tags", "--refs", remote).splitlines()
        return [line.split("refs/tags/", 1)[1] for line in lines if "refs/tags/" in line]

    def remote_has_tag(self, remote: str, tag: str) -> bool:
        """Whether the remote holds the tag (``git ls-remote``)."""
        return bool(self.out("ls-remote", "--tags", remote, f"refs/tags/{tag}"))
