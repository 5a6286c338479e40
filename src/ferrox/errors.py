"""The error hierarchy: each error carries the exit code the CLI maps it to.

Gate failures are not errors: a step that ran and found problems returns a result whose status is
``fail`` (exit 1). Errors mean the step could not give an honest verdict at all.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import Protocol

EXIT_PASS = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_TOOL = 3


class FerroxError(Exception):
    """Base of every error ferrox reports to a user; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_TOOL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nhint: {self.hint}"


class UsageError(FerroxError):
    """The command line or the repository is not something ferrox can work on (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file is unreadable or holds a key, type or value ferrox cannot accept."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        choices: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        where = ", ".join(part for part in (file, f"key {key!r}" if key else None) if part)
        text = f"{where}: {message}" if where else message
        if choices:
            text += f" (valid: {', '.join(choices)})"
        super().__init__(text, hint=hint)
        self.file = file
        self.key = key
        self.choices = tuple(choices)


class ToolError(FerroxError):
    """An external tool could not give a trustworthy answer (exit 3)."""

    exit_code = EXIT_TOOL

    def __init__(
        self,
        message: str,
        *,
        tool: str,
        argv: Sequence[str] = (),
        returncode: int | None = None,
        output_tail: str = "",
        hint: str | None = None,
    ) -> None:
        text = message
        if output_tail.strip():
            text += "\n" + _indent(output_tail.strip())
        super().__init__(text, hint=hint)
        self.tool = tool
        self.argv = tuple(argv)
        self.returncode = returncode


class ToolMissing(ToolError):
    """The tool is not installed (or not on PATH)."""


class ToolTimeout(ToolError):
    """The tool ran longer than its configured timeout and was killed."""


class ToolCrashed(ToolError):
    """The tool was killed by a signal or exited in a way that leaves no usable output."""


class ToolOutputError(ToolError):
    """The tool's output could not be parsed, or contradicts its exit status."""

    @classmethod
    def of(cls, done: _Finished, message: str, tool: str) -> ToolOutputError:
        """The error for a finished command whose output gives no verdict, with its tail."""
        return cls(
            message, tool=tool, argv=done.argv, returncode=done.returncode, output_tail=done.tail()
        )


class _Finished(Protocol):
    """What ToolOutputError.of needs of a finished command (tools.Completed)."""

    @property
    def argv(self) -> tuple[str, ...]: ...
    @property
    def returncode(self) -> int: ...
    def tail(self, lines: int = ...) -> str: ...


def _indent(text: str, prefix: str = "  | ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


class SystemFault(FerroxError):
    """The machine failed under ferrox (disk full, I/O error): no verdict can be delivered."""

    exit_code = EXIT_TOOL


# An OS error with one of these causes is the user's setup: a path that is a file where a
# directory is wanted, missing, unwritable, read-only, a symlink loop. Anything else (no space
# left, I/O error) is the machine's.
_SETUP_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.EEXIST,
        errno.EROFS,
        errno.ELOOP,
        errno.ENAMETOOLONG,
    }
)


def from_os_error(exc: OSError, doing: str) -> FerroxError:
    """A one-line error for an OS error met while ``doing`` something: exit 2 or exit 3.

    Exit 2 when the cause is the user's setup (see ``_SETUP_ERRNOS``), else exit 3.
    """
    where = f" ({exc.filename})" if exc.filename else ""
    message = f"{doing}: {exc.strerror or exc}{where}"
    if exc.errno in _SETUP_ERRNOS:
        return UsageError(message)
    return SystemFault(message)
