"""``[[<step>.ignore]]``: advisories accepted for a reason until a date, and what became of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Ignores:
    """A step's ignore entries as of one day: the active ones by id, and the expired ones."""

    active: dict[str, Ignore]
    expired: tuple[Ignore, ...]

    def match(self, ids: Iterable[str]) -> Ignore | None:
        """The active entry for the first of ``ids`` (an advisory's id, then its aliases)."""
        return next((self.active[i] for i in ids if i in self.active), None)


def sort_ignores(entries: Iterable[Ignore], today: dt.date) -> Ignores:
    """Splits entries into active (expiring today or later) and expired ones."""
    entries = tuple(entries)
    return Ignores(
        active={entry.id: entry for entry in entries if entry.expires >= today},
        expired=tuple(entry for entry in entries if entry.expires < today),
    )


def expired_findings(step: str, ignores: Ignores) -> list[Finding]:
    """One error per expired ignore, naming it: it no longer hides its advisory."""
    return [
        Finding(
            rule=f"{step}/expired-ignore",
            message=f"the ignore of {entry.id} expired on {entry.expires} ({entry.reason})",
            level=Level.ERROR,
            detail="renew it with a new reason and date, or fix the dependency",
        )
        for entry in ignores.expired
    ]


def unused_findings(step: str, ignores: Ignores, matched: set[str]) -> list[Finding]:
    """One note per active ignore whose id matched nothing the tool reported."""
    return [
        Finding(
            rule=f"{step}/unused-ignore",
            message=f"the ignore of {entry.id} matches no reported advisory",
            level=Level.NOTE,
        )
        for entry in ignores.active.values()
        if entry.id not in matched
    ]
