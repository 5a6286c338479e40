"""``ferrox hooks install``: a git pre-push hook that runs a quick benchmark check before main.

The hook is a small Python script run by the interpreter ferrox is installed in (git runs hooks
through its own shell on Windows too, which honours the ``#!`` line). It reads git's pre-push
input (``<local ref> <local sha> <remote ref> <remote sha>`` per line) and, when a push updates
the protected branch, runs the quick benchmark check; a failing gate stops the push.

Which check: without ``--mode``, ``ferrox run bench --mode compare`` when the project has a
stored baseline file at push time (``nox -s bench-baseline``: one build, head against the
baseline, only a critical slowdown stops the push), else the pushed commit against the remote's
current one, ``--mode instructions`` (valgrind installed) or ``paired``, ``--base <remote sha>``.
An explicit ``--mode`` is always used.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import UsageError
from ferrox.tools import ToolRunner

MARKER = "# ferrox pre-push hook"
_TIMEOUT = 60.0

HOOK = """#!{python}
{marker}: `ferrox hooks install` wrote this file; `git push --no-verify` skips it.
import os
import subprocess
import sys

BRANCH = {branch!r}
ROOT = {root!r}
MODE = {mode!r}
# When set (no --mode given): this stored baseline, if present at push time, selects compare mode.
BASELINE = {baseline!r}
ZERO = "0" * 40

for line in sys.stdin:
    parts = line.split()
    if len(parts) != 4 or parts[2] != "refs/heads/" + BRANCH:
        continue
    local_sha, remote_sha = parts[1], parts[3]
    if local_sha == ZERO or remote_sha == ZERO:
        continue  # deleting the branch, or creating it: nothing to compare against
    mode = "compare" if BASELINE and os.path.isfile(BASELINE) else MODE
    print("ferrox: quick benchmark check before pushing to " + BRANCH + " (" + mode + ")")
    command = [sys.executable, "-m", "ferrox", "run", "bench", "-C", ROOT, "--mode", mode]
    if mode != "compare":  # compare mode compares with the stored baseline, not the remote
        command += ["--base", remote_sha]
    code = subprocess.call(command)
    if code != 0:
        print("ferrox: the benchmark gate failed (exit %d); push stopped." % code)
        print("ferrox: see the report above; `git push --no-verify` overrides.")
        sys.exit(1)
"""


@dataclass(frozen=True)
class Installed:
    """Where the hook went and what it runs."""

    path: Path
    mode: str  # the mode given, or the one used when there is no baseline file
    replaced: bool
    baseline: Path | None = None  # with no mode given: the baseline file that selects compare


def install(
    runner: ToolRunner, root: Path, *, branch: str, mode: str | None, force: bool
) -> Installed:
    """Writes the pre-push hook of the repository containing ``root``."""
    done = runner.run("git", ["rev-parse", "--git-path", "hooks"], cwd=root, timeout=_TIMEOUT)
    if done.returncode != 0:
        raise UsageError(f"{root} is not inside a git repository", hint="run `git init` first")
    hooks = Path(done.stdout.strip())
    if not hooks.is_absolute():
        hooks = root / hooks
    path = hooks / "pre-push"
    replaced = path.exists()
    if replaced and MARKER not in path.read_text(encoding="utf-8", errors="replace") and not force:
        raise UsageError(
            f"{path} exists and was not written by ferrox",
            hint="pass --force to replace it, or call ferrox from your own hook",
        )
    chosen = mode or ("instructions" if runner.which("valgrind") else "paired")
    baseline = None if mode else _baseline_file(root)
    python = Path(sys.executable).as_posix()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        HOOK.format(
            python=python,
            marker=MARKER,
            branch=branch,
            root=str(root.resolve()),
            mode=chosen,
            baseline=str(baseline) if baseline else "",
        ),
        encoding="utf-8",
    )
    path.chmod(0o755)
    return Installed(path, chosen, replaced, baseline)


def _baseline_file(root: Path) -> Path:
    """Where the project keeps its stored benchmark baseline (the bench step's setting)."""
    from ferrox.engine import load_project  # noqa: PLC0415 - the config loads only here
    from ferrox.steps.bench import BenchSettings  # noqa: PLC0415

    settings = load_project(root).for_step("bench", BenchSettings)
    return root.resolve() / settings.baseline_file
