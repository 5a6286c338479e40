"""Pull and push the history ref, and move its lines to and from the local history file.

``pull`` fetches the remote's ref into a tracking ref and merges it into the local one (a fast
forward, or a merge commit whose files are the union of both sides' lines). ``push`` pulls first,
pushes without force, and when another writer got there first (a rejected push) fetches again,
merges and retries, a bounded number of times: no writer's lines are lost and nothing is forced.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from ferrox import jsonl
from ferrox.bench.history_ref import (
    RefError,
    RefStore,
    canonical,
    file_for,
    merge,
    timestamp_of,
)
from ferrox.bench.schema import run_from_dict

ATTEMPTS = 5
_REJECTED = ("[rejected]", "fetch first", "non-fast-forward", "stale info", "[remote rejected]")


class Unreachable(RefError):
    """The remote could not be asked (not configured, offline, no access)."""


@dataclass(frozen=True)
class Remote:
    """Where the history ref is shared: a remote of the repository, and its credentials."""

    name: str
    # Environment of fetch and push (an HTTP header from a token; empty: git's own credentials).
    env: Mapping[str, str] | None = None

    def tracking(self, store: RefStore) -> str:
        """The local ref that holds what the last fetch saw of the remote's ref."""
        return f"refs/ferrox/fetched/{self.name}/{store.ref.removeprefix('refs/')}"


@dataclass(frozen=True)
class Pulled:
    """The outcome of a pull: the remote's tip (None: it has no history) and the local tip."""

    remote_tip: str | None
    local_tip: str | None


@dataclass(frozen=True)
class Pushed:
    """The outcome of a push: the commit the remote's ref now holds, and the attempts it took."""

    tip: str | None
    attempts: int
    changed: bool


def token_auth(store: RefStore, remote: str, token: str) -> dict[str, str] | None:
    """git's environment carrying ``token`` as an HTTP header for an https remote (GitHub's
    ``x-access-token`` form), never on a command line; None for other remotes or no token."""
    if not token:
        return None
    url = store.git(["remote", "get-url", "--", remote]).stdout.strip()
    if not url.startswith("https://"):
        return None
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{url}.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        "GIT_TERMINAL_PROMPT": "0",
    }


def fetch(store: RefStore, remote: Remote) -> str | None:
    """Fetches the remote's ref into the tracking ref; its tip, or None when it has none."""
    env = {"GIT_TERMINAL_PROMPT": "0", **(remote.env or {})}
    listed = store.git(
        ["ls-remote", "--exit-code", "--refs", "--", remote.name, store.ref], env=env
    )
    if listed.returncode == 2:  # the remote answered: no such ref (no history pushed yet)
        return None
    if listed.returncode != 0:
        raise Unreachable(f"cannot reach git remote {remote.name!r}: {listed.tail(2)}")
    tracking = remote.tracking(store)
    done = store.git(
        ["fetch", "--no-tags", "--quiet", "--", remote.name, f"+{store.ref}:{tracking}"], env=env
    )
    if done.returncode != 0:
        raise Unreachable(f"cannot fetch {store.ref} from {remote.name!r}: {done.tail(2)}")
    return store.tip(tracking)


def integrate(store: RefStore, theirs: str | None) -> str | None:
    """Brings the fetched commit into the local ref: a fast forward, or a merge of the lines."""
    ours = store.tip()
    if theirs is None or ours == theirs:
        return ours
    store.read(theirs)  # a corrupt fetched history is named before it reaches the local ref
    if ours is None or store.is_ancestor(ours, theirs):
        store.update(theirs, ours)
        return theirs
    if store.is_ancestor(theirs, ours):
        return ours
    files = merge(store.read(theirs), store.read(ours))
    merged = store.commit(files, (theirs, ours), "Merge benchmark history")
    store.update(merged, ours)
    return merged


def pull(store: RefStore, remote: Remote) -> Pulled:
    """Fetches the remote's history and merges it into the local ref."""
    theirs = fetch(store, remote)
    return Pulled(theirs, integrate(store, theirs))


def record(store: RefStore, lines: Mapping[str, tuple[str, ...]], message: str) -> str | None:
    """Adds ``lines`` (per file) to the local ref as one commit; the tip (unchanged if nothing
    was new)."""
    ours = store.tip()
    current = store.read(ours)
    files = merge(current, lines)
    if files == current:
        return ours
    added = [
        line for name, mine in files.items() for line in mine if line not in current.get(name, ())
    ]
    commits = sorted({str(json.loads(line)["environment"]["commit"])[:12] for line in added})
    message = f"{message}: {len(added)} run(s) of {', '.join(commits)}"
    new = store.commit(files, (ours,) if ours else (), message)
    store.update(new, ours)
    return new


def push(
    store: RefStore,
    remote: Remote,
    *,
    attempts: int = ATTEMPTS,
    pause: Callable[[float], None] = time.sleep,
) -> Pushed:
    """Pushes the local ref (never forced); a rejected push re-fetches, merges and retries."""
    for attempt in range(1, attempts + 1):
        pulled = pull(store, remote)
        if pulled.local_tip is None or pulled.local_tip == pulled.remote_tip:
            return Pushed(pulled.remote_tip, attempt, changed=False)
        env = {"GIT_TERMINAL_PROMPT": "0", **(remote.env or {})}
        done = store.git(
            ["push", "--porcelain", "--", remote.name, f"{pulled.local_tip}:{store.ref}"], env=env
        )
        if done.returncode == 0:
            return Pushed(pulled.local_tip, attempt, changed=True)
        said = done.stdout + done.stderr
        if not any(sign in said for sign in _REJECTED):
            raise Unreachable(f"cannot push {store.ref} to {remote.name!r}: {done.tail(3)}")
        pause(0.2 * attempt)  # another writer won the race: fetch its lines and go again
    raise RefError(
        f"the push of {store.ref} to {remote.name!r} was rejected {attempts} times (other "
        "writers kept pushing first); run `ferrox bench history push` again"
    )


def lines_of_file(path: Path) -> dict[str, tuple[str, ...]]:
    """The local history file's records by fingerprint file (a torn last line is left out)."""
    try:
        found = jsonl.read_records(path)
    except jsonl.JsonLinesError as exc:
        raise RefError(str(exc)) from exc
    grouped: dict[str, list[str]] = {}
    for number, raw in enumerate(found.records, start=1):
        try:
            fingerprint = run_from_dict(raw).environment.fingerprint
        except ValueError as exc:
            raise RefError(f"{path}:{number}: corrupt history record ({exc})") from None
        grouped.setdefault(file_for(fingerprint), []).append(canonical(raw))
    return {name: tuple(lines) for name, lines in grouped.items()}


def export(store: RefStore, path: Path, *, timeout: float = jsonl.LOCK_TIMEOUT_S) -> int:
    """Writes the union of the local file and the local ref into the file (atomically, under
    the history's lock); returns how many lines the file gained."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(path) + ".lock", timeout=timeout):
            before = lines_of_file(path)
            files = merge(before, store.read(store.tip()))
            lines = sorted(
                (line for lines in files.values() for line in lines),
                key=timestamp_of,
            )
            scratch = path.with_name(path.name + ".tmp")
            with scratch.open("w", encoding="utf-8") as handle:
                handle.write("".join(line + "\n" for line in lines))
                handle.flush()
                os.fsync(handle.fileno())
            scratch.replace(path)
    except Timeout as exc:
        raise RefError(f"could not lock {path} within {timeout:g} s") from exc
    return len(lines) - sum(len(v) for v in before.values())
