"""The modes' side of the history ref: pull before reading the history, push after appending.

Only when ``history_remote`` names a remote; otherwise the local ``history_file`` is the whole
story (a laptop without a remote, the tests' throw-away repositories).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.bench import compare, history_sync
from ferrox.bench.history_ref import RefError, RefStore
from ferrox.bench.schema import BenchRun
from ferrox.context import Context
from ferrox.errors import ToolOutputError
from ferrox.model import Finding, Level

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def store_of(ctx: Context, settings: BenchSettings) -> RefStore:
    """The history ref of the project's repository."""
    return RefStore(ctx.runner, ctx.root, settings.history_ref, timeout=min(settings.timeout, 300))


def remote_of(ctx: Context, settings: BenchSettings, store: RefStore) -> history_sync.Remote:
    """The configured remote, with the token of ``token_env`` as its credentials (if set)."""
    token = ctx.runner.env.get(settings.token_env, "")
    name = settings.history_remote
    return history_sync.Remote(name, history_sync.token_auth(store, name, token))


def pull(ctx: Context, settings: BenchSettings) -> tuple[str | None, list[Finding]]:
    """Merges the remote's history into the ref and the local file; (remote tip, notes).

    An unreachable remote or a corrupt history is exit 3: appending to (or judging by) a history
    that could not be read would hide the runs it holds.
    """
    if not settings.history_remote:
        return None, []
    store = store_of(ctx, settings)
    try:
        pulled = history_sync.pull(store, remote_of(ctx, settings, store))
        gained = history_sync.export(store, ctx.root / settings.history_file)
    except RefError as exc:
        raise ToolOutputError(
            f"no benchmark history is available: {exc}",
            tool="git",
            hint=f"the history lives on {settings.history_ref} of {settings.history_remote!r}",
        ) from exc
    if pulled.remote_tip is None:
        note = f"{settings.history_remote!r} has no {settings.history_ref} yet: no history to pull"
    else:
        note = (
            f"pulled {settings.history_ref} from {settings.history_remote!r} "
            f"({pulled.remote_tip[:12]}): {gained} run(s) new to {settings.history_file}"
        )
    return pulled.remote_tip, [Finding(rule="bench-history-ref", message=note, level=Level.NOTE)]


def push(ctx: Context, settings: BenchSettings) -> list[Finding]:
    """Records the local file's runs on the ref and pushes it (retrying rejected pushes)."""
    if not (settings.history_remote and settings.push_history):
        return []
    store = store_of(ctx, settings)
    try:
        lines = history_sync.lines_of_file(ctx.root / settings.history_file)
        history_sync.record(store, lines, "Record benchmark runs")
        pushed = history_sync.push(store, remote_of(ctx, settings, store))
    except RefError as exc:
        raise ToolOutputError(f"the benchmark history was not pushed: {exc}", tool="git") from exc
    where = f"{settings.history_ref} on {settings.history_remote!r}"
    message = (
        f"pushed {where} ({(pushed.tip or '')[:12]}, attempt {pushed.attempts})"
        if pushed.changed
        else f"{where} already held every run"
    )
    return [Finding(rule="bench-history-ref", message=message, level=Level.NOTE)]


def baseline_from_history(
    ctx: Context, settings: BenchSettings, runs: tuple[BenchRun, ...], fingerprint: str
) -> bool:
    """Writes the newest baseline run of this machine from the history as the baseline file,
    when the file is missing (a fresh CI runner); whether it wrote one."""
    path: Path = ctx.root / settings.baseline_file
    if path.exists():
        return False
    baselines = [
        run
        for run in runs
        if run.environment.fingerprint == fingerprint and run.metadata.get("kind") == "baseline"
        and compare.MEASURED_KEY in run.metadata
    ]  # fmt: skip
    if not baselines:
        return False
    newest = max(baselines, key=lambda run: run.timestamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(newest.to_dict(), indent=2) + "\n", encoding="utf-8")
    return True
