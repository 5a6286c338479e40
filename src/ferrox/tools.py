"""The one runner for external tools: lookup, timeouts, process-tree kills, masking, records.

Every external command ferrox starts goes through :class:`ToolRunner`. It never interprets a
tool's exit status as success or failure (each step knows what its tool's codes mean); it turns
the situations where no honest answer exists into errors: the tool is missing, it timed out, it
was killed by a signal.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from plumbum import local

from ferrox import process_tree
from ferrox.errors import ToolCrashed, ToolMissing, ToolTimeout
from ferrox.masking import NO_MASKING, Masker
from ferrox.model import CommandRecord
from ferrox.toolhome import search_path

OUTPUT_TAIL_LINES = 20
# plumbum logs every argv it runs, unmasked, and nox prints those records: silence it, since
# this module is the one place commands are run and reported (masked).
logging.getLogger("plumbum").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Completed:
    """A finished command: exit status and (masked) output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float

    def tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        """The last lines of stderr (or stdout when stderr is empty), for error messages."""
        text = self.stderr if self.stderr.strip() else self.stdout
        return "\n".join(text.strip().splitlines()[-lines:])


class ToolRunner:
    """Runs external programs with one policy for timeouts, environment and secrets."""

    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        masker: Masker = NO_MASKING,
        echo_stderr: bool = False,
        pinned: Mapping[str, str] | None = None,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        # Tools installed in the tools home (pinned versions preferred, else the newest) come
        # before PATH, for lookups and for every child: `cargo audit` then finds a wheel's
        # cargo-audit there.
        self.env["PATH"] = search_path(self.env, pinned or {})
        self.masker = masker
        self.echo_stderr = echo_stderr
        self.records: list[CommandRecord] = []

    def child(self) -> ToolRunner:
        """A runner with the same environment and masking but its own command records.

        A copy, not a new runner: the constructor would scan the tools home again and put its
        directories in front of a PATH that already holds them.
        """
        twin = copy.copy(self)
        twin.env = dict(self.env)
        twin.records = []
        return twin

    def with_env(self, env: Mapping[str, str]) -> ToolRunner:
        """A runner whose children see ``env`` (an empty value removes the variable).

        It shares this runner's command records, so the step's report lists every command.
        """
        twin = copy.copy(self)
        twin.env = {**self.env, **{name: value for name, value in env.items() if value}}
        for name in (name for name, value in env.items() if not value):
            twin.env.pop(name, None)
        return twin

    def which(self, program: str) -> Path | None:
        """The program's path on this runner's PATH, or None."""
        found = shutil.which(program, path=self.env.get("PATH", os.defpath))
        return Path(found) if found else None

    def run(
        self,
        program: str,
        args: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        hint: str | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> Completed:
        """Runs ``program args`` in ``cwd`` and returns its exit status and output.

        ``stdin`` is written to the program's standard input, then closed (a password for
        ``--password-stdin``: never in the argv, which the report records); None: no input.

        Raises ToolMissing, ToolTimeout or ToolCrashed (killed by a signal); any exit code is
        otherwise returned for the caller to interpret.
        """
        path = self.which(program)
        if path is None:
            raise ToolMissing(f"{program} is not installed or not on PATH", tool=program, hint=hint)
        argv = (program, *args)
        shown = self.masker.mask_all(argv)
        command = local[str(path)][list(args)]
        cookie = process_tree.new_cookie()
        start = time.monotonic()
        # plumbum types its Popen as text, but without text mode it is a bytes subprocess.Popen.
        process = cast(
            "subprocess.Popen[bytes]",
            command.popen(
                cwd=str(cwd),
                # The cookie marks every descendant, so a timeout can find and kill them all.
                env={**self.env, **(env or {}), process_tree.COOKIE_VARIABLE: cookie},
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                # A group of its own (killed on timeout, with every descendant found elsewhere).
                new_session=os.name == "posix",
            ),
        )
        if stdin is not None:
            _feed(process, stdin)
        stdout, stderr, timed_out = _collect(
            process, timeout, self.echo_stderr, self.masker, cookie
        )
        duration = time.monotonic() - start
        # After wait() (and the kill on timeout) the exit status is always known.
        returncode: int = process.returncode if process.returncode is not None else -9
        self.records.append(
            CommandRecord(shown, str(cwd), None if timed_out else returncode, round(duration, 3))
        )
        out = self.masker.mask(stdout)
        err = self.masker.mask(stderr)
        completed = Completed(shown, returncode, out, err, duration)
        if timed_out:
            raise ToolTimeout(
                f"{program} timed out after {timeout:g} s and was killed ({' '.join(shown)})",
                tool=program,
                argv=shown,
                output_tail=completed.tail(),
                hint="raise the step's `timeout` setting if the tool legitimately needs longer",
            )
        if returncode < 0:
            raise ToolCrashed(
                f"{program} was killed by signal {_signal_name(-returncode)} ({' '.join(shown)})",
                tool=program,
                argv=shown,
                returncode=returncode,
                output_tail=completed.tail(),
            )
        return completed


def path_arg(relative: str) -> str:
    """A relative path as an argument no option parser can mistake for an option.

    A repository may hold a file named ``-r`` or ``--exclude=x``; ``./-r`` names the same file
    and starts with no dash. (Only ``-`` needs it, and ``-`` alone, which many tools read as
    stdin, gets it too.) For tools that accept ``--``, put file lists after it instead.
    """
    return f"./{relative}" if relative.startswith("-") else relative


def _feed(process: subprocess.Popen[bytes], data: bytes) -> None:
    """Writes ``data`` to the program's stdin and closes it (a program that exits without
    reading it is judged by its exit status, not by the broken pipe)."""
    if process.stdin is None:  # pragma: no cover - asked for a pipe
        return
    try:
        process.stdin.write(data)
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _collect(
    process: subprocess.Popen[bytes], timeout: float, echo: bool, masker: Masker, cookie: str
) -> tuple[str, str, bool]:
    """Reads both pipes to the end (echoing stderr if asked); kills the tree on timeout."""
    chunks: dict[str, list[bytes]] = {"stdout": [], "stderr": []}

    def pump(name: str, pipe: IO[bytes] | None) -> None:
        if pipe is None:  # pragma: no cover - we always ask for pipes
            return
        for line in iter(pipe.readline, b""):
            chunks[name].append(line)
            if echo and name == "stderr":
                sys.stderr.write(masker.mask(line.decode("utf-8", "replace")))
        pipe.close()

    readers = [
        threading.Thread(target=pump, args=("stdout", process.stdout), daemon=True),
        threading.Thread(target=pump, args=("stderr", process.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    # Wait on the pipes, not on the process: Popen.wait(timeout) polls with sleeps of up to
    # 50 ms, which would add that much latency to every fast tool call.
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        for reader in readers:
            reader.join(max(0.0, deadline - time.monotonic()))
        if any(reader.is_alive() for reader in readers):
            raise subprocess.TimeoutExpired(process.args, timeout)
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_tree(process, cookie)
    except BaseException:  # Ctrl-C: never leave cargo running behind us
        _kill_tree(process, cookie)
        raise
    for reader in readers:
        # Grandchildren killed with the group close the pipes; never hang on a stray holder.
        reader.join(timeout=5)
    return (
        b"".join(chunks["stdout"]).decode("utf-8", "replace"),
        b"".join(chunks["stderr"]).decode("utf-8", "replace"),
        timed_out,
    )


def _kill_tree(process: subprocess.Popen[bytes], cookie: str) -> None:
    # Not only the group: nextest's tests and `setsid` daemons live in groups of their own.
    if os.name == "posix":
        process_tree.kill_tree(process.pid, cookie)
    else:  # pragma: no cover - Windows
        process.kill()
    process.wait()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # pragma: no cover - unknown signal number
        return str(number)
