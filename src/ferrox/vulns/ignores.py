"""``[[<step>.ignore]]``: advisories accepted for a reason until a date, and what became of them.

The same idea serves other acceptances (``[[bench.accept]]``: a benchmark's regression waived
until a date): anything with a ``key``, a ``reason`` and an ``expires`` date is sorted, matched
and reported by the code below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from ferrox.config import SettingError
from ferrox.model import Finding, Level


@dataclass(frozen=True)
class Ignore:
    """One ignore entry: an advisory accepted for a reason until a date."""

    id: str = field(metadata={"help": "advisory id, e.g. RUSTSEC-2019-0009"})
    reason: str = field(metadata={"help": "why the advisory does not apply or is accepted"})
    expires: dt.date = field(metadata={"help": "the date the ignore stops applying"})

    def __post_init__(self) -> None:
        for name in ("id", "reason"):
            if not getattr(self, name).strip():
                raise SettingError(name, "must not be empty")

    @property
    def key(self) -> str:
        """What the entry matches: the advisory id."""
        return self.id


class Acceptance(Protocol):
    """An entry accepted for a reason until a date (an ignore, a benchmark waiver)."""

    @property
    def key(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def expires(self) -> dt.date: ...


E = TypeVar("E", bound=Acceptance)


@dataclass(frozen=True)
class Ignores(Generic[E]):
    """A step's entries as of one day: the active ones by key, and the expired ones."""

    active: dict[str, E]
    expired: tuple[E, ...]

    def match(self, ids: Iterable[str]) -> E | None:
        """The active entry for the first of ``ids`` (an advisory's id, then its aliases)."""
        return next((self.active[i] for i in ids if i in self.active), None)


def sort_ignores(entries: Iterable[E], today: dt.date) -> Ignores[E]:
    """Splits entries into active (expiring today or later) and expired ones."""
    entries = tuple(entries)
    return Ignores(
        active={entry.key: entry for entry in entries if entry.expires >= today},
        expired=tuple(entry for entry in entries if entry.expires < today),
    )


def expired_findings(
    step: str,
    ignores: Ignores[E],
    *,
    kind: str = "ignore",
    fix: str = "renew it with a new reason and date, or fix the dependency",
) -> list[Finding]:
    """One error per expired entry, naming it: it no longer hides what it accepted."""
    return [
        Finding(
            rule=f"{step}/expired-{kind}",
            message=f"the {kind} of {entry.key} expired on {entry.expires} ({entry.reason})",
            level=Level.ERROR,
            detail=fix,
        )
        for entry in ignores.expired
    ]


def unused_findings(
    step: str,
    ignores: Ignores[E],
    matched: set[str],
    *,
    kind: str = "ignore",
    what: str = "reported advisory",
) -> list[Finding]:
    """One note per active entry whose key matched nothing the tool reported."""
    return [
        Finding(
            rule=f"{step}/unused-{kind}",
            message=f"the {kind} of {entry.key} matches no {what}",
            level=Level.NOTE,
        )
        for entry in ignores.active.values()
        if entry.key not in matched
    ]
