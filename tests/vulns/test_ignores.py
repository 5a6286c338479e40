"""vulns.ignores: entries with a reason and an expiry date, matched by id or alias."""

from __future__ import annotations

import datetime as dt

import pytest

from ferrox.config import SettingError
from ferrox.vulns.ignores import Ignore, expired_findings, sort_ignores, unused_findings

TODAY = dt.date(2026, 6, 1)


def test_an_entry_needs_an_id_and_a_reason() -> None:
    with pytest.raises(SettingError) as raised:
        Ignore("X-1", "  ", TODAY)
    assert (raised.value.key, raised.value.message) == ("reason", "must not be empty")
    with pytest.raises(SettingError, match="id: must not be empty"):
        Ignore("", "why", TODAY)


def test_an_entry_applies_through_its_expiry_day() -> None:
    today = Ignore("A", "until today", TODAY)
    yesterday = Ignore("B", "until yesterday", TODAY - dt.timedelta(days=1))
    ignores = sort_ignores([today, yesterday], TODAY)
    assert ignores.active == {"A": today}
    assert ignores.expired == (yesterday,)
    assert ignores.match(["B"]) is None  # an expired ignore hides nothing


def test_an_advisory_matches_by_id_or_alias() -> None:
    ignores = sort_ignores([Ignore("CVE-1", "alias", TODAY)], TODAY)
    assert ignores.match(["GHSA-1", "CVE-1"]) == Ignore("CVE-1", "alias", TODAY)
    assert ignores.match(["GHSA-2"]) is None


def test_expired_and_unused_entries_are_named() -> None:
    ignores = sort_ignores(
        [Ignore("OLD", "waiting", dt.date(2020, 1, 1)), Ignore("NEW", "r", TODAY)], TODAY
    )
    [expired] = expired_findings("safety", ignores)
    assert expired.rule == "safety/expired-ignore"
    assert expired.message == "the ignore of OLD expired on 2020-01-01 (waiting)"
    assert expired.level.value == "error"
    [unused] = unused_findings("safety", ignores, matched=set())
    assert (unused.rule, unused.level.value) == ("safety/unused-ignore", "note")
    assert unused_findings("safety", ignores, matched={"NEW"}) == []
