"""``ferrox bench history pull`` and ``push``: the history ref by hand, on a laptop or any CI."""

from __future__ import annotations

from pathlib import Path

from ferrox.bench import history_sync
from ferrox.bench.history_ref import RefError, RefStore, check_remote
from ferrox.config import ProjectConfig
from ferrox.errors import ToolOutputError, UsageError
from ferrox.tools import ToolRunner


def sync(
    runner: ToolRunner, root: Path, config: ProjectConfig, action: str, remote: str | None
) -> str:
    """Pulls or pushes the history ref; returns what happened, raises exit 3 when it could not.

    pull: fetch the remote's ref, merge it into the local ref and the local history file.
    push: record the local file's runs on the ref, push it; a rejected push is retried.
    """
    from ferrox.steps.bench import BenchSettings  # noqa: PLC0415 - the step imports this layer

    settings = config.for_step("bench", BenchSettings)
    name = remote or settings.history_remote or "origin"
    try:
        check_remote(name)
    except ValueError as exc:
        raise UsageError(f"--remote: {exc}") from None
    root = root.resolve()
    store = RefStore(runner, root, settings.history_ref)
    token = runner.env.get(settings.token_env, "")
    target = history_sync.Remote(name, history_sync.token_auth(store, name, token))
    path = root / settings.history_file
    try:
        if action == "pull":
            pulled = history_sync.pull(store, target)
            gained = history_sync.export(store, path)
            if pulled.remote_tip is None:
                return (
                    f"no benchmark history is available: {name!r} has no {store.ref} yet "
                    f"({settings.history_file} left as it was)"
                )
            return (
                f"pulled {store.ref} from {name!r} ({pulled.remote_tip[:12]}): {gained} run(s) "
                f"new to {settings.history_file}"
            )
        history_sync.record(store, history_sync.lines_of_file(path), "Record benchmark runs")
        pushed = history_sync.push(store, target)
    except RefError as exc:
        raise ToolOutputError(str(exc), tool="git") from exc
    if not pushed.changed:
        return f"{name!r} already holds every run of {settings.history_file} on {store.ref}"
    return f"pushed {store.ref} to {name!r} ({(pushed.tip or '')[:12]}, attempt {pushed.attempts})"
