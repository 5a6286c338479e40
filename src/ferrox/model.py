"""The data every step produces: immutable, serialisable, free of behaviour."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Level(str, enum.Enum):
    """How serious a finding is, in SARIF's vocabulary."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Status(str, enum.Enum):
    """The verdict of a step; ``exit_code`` is what the CLI returns for it."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    ERROR = "error"

    @property
    def exit_code(self) -> int:
        """0 pass, 1 gate failed, 3 tool error."""
        return {Status.PASS: 0, Status.FAIL: 1, Status.ERROR: 3}[self]

    @staticmethod
    def worst(statuses: Iterable[Status]) -> Status:
        """ERROR if any part gave no verdict, else FAIL if any gate failed, else PASS.

        A missing verdict outranks a failed gate: the findings there are then incomplete.
        """
        found = set(statuses)
        return next((s for s in (Status.ERROR, Status.FAIL) if s in found), Status.PASS)


@dataclass(frozen=True)
class Finding:
    """One problem a tool reported, located where the tool could say.

    ``path`` is relative to the project root, with forward slashes, so reports are portable.
    """

    rule: str
    message: str
    level: Level = Level.ERROR
    path: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    help_uri: str | None = None
    detail: str | None = None
    # A CVSS base score (0-10) when the advisory has one: GitHub code scanning ranks by it.
    security_severity: float | None = None

    @property
    def location(self) -> str:
        """``path:line:column`` as far as known, or an empty string."""
        if self.path is None:
            return ""
        parts = [self.path] + [str(n) for n in (self.line, self.column) if n is not None]
        return ":".join(parts)


@dataclass(frozen=True)
class GateCheck:
    """One threshold a step's result was held against."""

    name: str
    actual: float
    limit: float
    passed: bool
    description: str


@dataclass(frozen=True)
class CommandRecord:
    """An external command that ran, with secrets already masked."""

    argv: tuple[str, ...]
    cwd: str
    returncode: int | None
    duration_s: float


class TestOutcome(str, enum.Enum):
    """The outcome of one test case."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestCase:
    """One test that ran (or was skipped), for JUnit output and test findings."""

    __test__ = False  # not a pytest test class, despite the name

    suite: str
    name: str
    outcome: TestOutcome
    duration_s: float = 0.0
    message: str = ""
    output: str = ""


@dataclass(frozen=True)
class Table:
    """A table a step reports beside its findings (coverage per crate and per file)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class StepResult:
    """Everything a step learned: what the adapters render and the gates judged."""

    step: str
    tool: str
    status: Status
    summary: str
    findings: tuple[Finding, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    gates: tuple[GateCheck, ...] = ()
    commands: tuple[CommandRecord, ...] = ()
    tests: tuple[TestCase, ...] = ()
    tool_version: str | None = None
    error: str | None = None
    started_at: str = ""
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    # The results of the steps a composite step (``security``) ran, each complete on its own.
    parts: tuple[StepResult, ...] = ()
    # Shown in the terminal, the Markdown report (and job summary) and the JSON report.
    tables: tuple[Table, ...] = ()
    # Values a workflow can read: ``<step>-<name>`` in ``$GITHUB_OUTPUT`` and the JSON report.
    outputs: dict[str, str] = field(default_factory=dict)
