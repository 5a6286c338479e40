"""The pinned environment: overrides from config, and what the report shows."""

from __future__ import annotations

import pytest

from ferrox.pinned_env import effective, for_report, parse_overrides
from ferrox.tools import ToolRunner


def test_overrides_replace_pins_and_empty_means_unset() -> None:
    pins = (("RUST_BACKTRACE", "0"), ("RUSTFLAGS", ""))
    env = effective(pins, parse_overrides(["RUSTFLAGS=-C debuginfo=0", "TZ=Europe/Paris"]))
    assert env == {"RUST_BACKTRACE": "0", "RUSTFLAGS": "-C debuginfo=0", "TZ": "Europe/Paris"}
    assert for_report({"A": "", "B": "1"}) == {"A": None, "B": "1"}


@pytest.mark.parametrize("entry", ["NOVALUE", "1BAD=x", "PATH=/usr/bin", "=x"])
def test_bad_overrides_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match=r"NAME=VALUE|cannot be pinned"):
        parse_overrides([entry])


def test_twice_the_same_name_is_refused() -> None:
    with pytest.raises(ValueError, match="set twice"):
        parse_overrides(["TZ=UTC", "TZ=CET"])


def test_a_pinned_runner_sets_and_removes_variables_and_shares_records() -> None:
    runner = ToolRunner(env={"PATH": "/usr/bin:/bin", "RUST_BACKTRACE": "1", "RUSTFLAGS": "-g"})
    pinned = runner.with_env({"RUST_BACKTRACE": "0", "RUSTFLAGS": ""})
    assert pinned.env["RUST_BACKTRACE"] == "0"
    assert "RUSTFLAGS" not in pinned.env
    assert runner.env["RUST_BACKTRACE"] == "1"  # the original is untouched
    assert pinned.records is runner.records
