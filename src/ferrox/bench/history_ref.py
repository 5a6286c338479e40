"""The benchmark history on a git ref: one JSON Lines file per machine fingerprint.

``refs/ferrox/bench-history`` points at a commit whose tree holds ``<fingerprint>.jsonl``
files. It is written with git plumbing only (``hash-object``, a throw-away index,
``write-tree``, ``commit-tree``, ``update-ref``), so the working tree, the index and HEAD are
never touched, and it travels like any ref: every forge stores it, a laptop can fetch it, and
the Actions cache's 7-day eviction cannot make it vanish.

Fail closed: a line on the ref that is not a benchmark run, or a file that is not
``<fingerprint>.jsonl``, is an error naming the ref, the file and the line, never skipped.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ferrox.bench.schema import run_from_dict
from ferrox.tools import Completed, ToolRunner

REF = "refs/ferrox/bench-history"
_FILE = re.compile(r"^[0-9a-f]{12}\.jsonl$")
_REF = re.compile(r"^refs/[A-Za-z0-9._/-]+$")
_REMOTE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

Lines = Mapping[str, tuple[str, ...]]
"""File name (``<fingerprint>.jsonl``) -> its lines (canonical JSON, no newline)."""


class RefError(Exception):
    """The history ref cannot be read or written honestly (corrupt content, git failed)."""


def check_ref(ref: str) -> str:
    """``ref`` if it is a full ref name that cannot be read as an option; else ValueError."""
    if not _REF.match(ref) or ".." in ref or ref.endswith((".lock", "/")):
        raise ValueError(f"{ref!r} is not a ref name like refs/ferrox/bench-history")
    return ref


def check_remote(remote: str) -> str:
    """``remote`` if it is a plain remote name (never an option, never a URL); else ValueError."""
    if not _REMOTE.match(remote):
        raise ValueError(f"{remote!r} is not a git remote name like origin")
    return remote


def canonical(record: Mapping[str, object]) -> str:
    """The one spelling of a record on the ref (the same as the local file's)."""
    return json.dumps(record, separators=(",", ":"), sort_keys=True)


def file_for(fingerprint: str) -> str:
    """The ref's file of one machine fingerprint."""
    return f"{fingerprint}.jsonl"


@dataclass(frozen=True)
class RefStore:
    """The history ref of the repository at ``root``, through the one tool runner."""

    runner: ToolRunner
    root: Path
    ref: str = REF
    timeout: float = 120.0

    def git(self, args: list[str], *, env: Mapping[str, str] | None = None) -> Completed:
        """Runs git in the repository (the caller reads the exit code)."""
        return self.runner.run("git", args, cwd=self.root, timeout=self.timeout, env=env)

    def must(self, args: list[str], *, env: Mapping[str, str] | None = None) -> str:
        """Runs git and returns its stdout; a failure is a RefError naming the command."""
        done = self.git(args, env=env)
        if done.returncode != 0:
            raise RefError(f"git {' '.join(args[:2])} failed: {done.tail(3)}")
        return done.stdout.strip()

    def tip(self, ref: str | None = None) -> str | None:
        """The commit ``ref`` (default: the history ref) points at, or None."""
        done = self.git(["rev-parse", "--verify", "--quiet", f"{ref or self.ref}^{{commit}}"])
        return done.stdout.strip() if done.returncode == 0 else None

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether ``older`` is reachable from ``newer``."""
        return self.git(["merge-base", "--is-ancestor", older, newer]).returncode == 0

    def read(self, commit: str | None) -> dict[str, tuple[str, ...]]:
        """Every file's lines at ``commit`` (empty for None), each checked to be a run record."""
        if commit is None:
            return {}
        listing = self.must(["ls-tree", "-z", "--full-tree", commit]).split("\0")
        files: dict[str, tuple[str, ...]] = {}
        for entry in filter(None, listing):
            meta, _, name = entry.partition("\t")
            mode, kind, blob = meta.split()
            where = f"{self.ref} ({commit[:12]}): {name}"
            if kind != "blob" or mode != "100644" or not _FILE.match(name):
                raise RefError(f"{where}: not a <fingerprint>.jsonl file; the ref was edited")
            shown = self.git(["cat-file", "blob", blob])
            if shown.returncode != 0:
                raise RefError(f"{where}: git cat-file failed: {shown.tail(2)}")
            text = shown.stdout
            files[name] = check_lines(where, name, text)
        return files

    def commit(self, files: Lines, parents: Iterable[str], message: str) -> str:
        """A commit holding exactly ``files``; only the object store changes (own index)."""
        with tempfile.TemporaryDirectory(prefix="ferrox-history-") as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            for name, lines in sorted(files.items()):
                if not _FILE.match(name):  # pragma: no cover - every caller builds names
                    raise RefError(f"refusing to write {name!r} to {self.ref}")
                path = Path(scratch) / name
                path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
                blob = self.must(["hash-object", "-w", "--", str(path)])
                self.must(
                    ["update-index", "--add", "--cacheinfo", f"100644,{blob},{name}"], env=index
                )
            tree = self.must(["write-tree"], env=index)
        args = ["commit-tree", tree, "-m", message]
        for parent in parents:
            args += ["-p", parent]
        return self.must(args, env=self.identity())

    def identity(self) -> dict[str, str]:
        """commit-tree needs an author: the one the environment names, else ferrox's."""
        defaults = {"NAME": "ferrox", "EMAIL": "ferrox@localhost"}
        return {
            f"GIT_{who}_{what}": self.runner.env.get(f"GIT_{who}_{what}", value)
            for who in ("AUTHOR", "COMMITTER")
            for what, value in defaults.items()
        }

    def update(self, new: str, old: str | None, ref: str | None = None) -> None:
        """Moves ``ref`` to ``new`` only if it still points at ``old`` (None: does not exist)."""
        expected = old or "0" * 40
        self.must(["update-ref", "-m", "ferrox bench history", ref or self.ref, new, expected])


def check_lines(where: str, name: str, text: str) -> tuple[str, ...]:
    """The lines of one file on the ref; anything but whole run records of that fingerprint is a
    RefError naming the file and line."""
    if text and not text.endswith("\n"):
        raise RefError(f"{where}: the last line is cut off (no newline at the end)")
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            run = run_from_dict(record)
        except ValueError as exc:
            raise RefError(f"{where}:{number}: corrupt history record ({exc})") from None
        if file_for(run.environment.fingerprint) != name:
            raise RefError(
                f"{where}:{number}: a run of fingerprint {run.environment.fingerprint} "
                "in another machine's file"
            )
        lines.append(canonical(record))
    return tuple(lines)


def merge(*sides: Lines) -> dict[str, tuple[str, ...]]:
    """The union of every side's lines per file, each line once, in time order (a stable sort
    by the record's timestamp, so lines of equal time keep the order they came in)."""
    merged: dict[str, list[str]] = {}
    for side in sides:
        for name, lines in side.items():
            seen = merged.setdefault(name, [])
            known = set(seen)
            seen.extend(line for line in lines if line not in known)
    return {name: tuple(sorted(lines, key=timestamp_of)) for name, lines in merged.items()}


def timestamp_of(line: str) -> str:
    """The ``timestamp`` of a record line (the order of the history)."""
    return str(json.loads(line).get("timestamp", ""))
