"""The pipeline's run order: waves from ``requires``."""

from __future__ import annotations

import pytest

from ferrox.incremental.order import CycleError, waves


def test_independent_steps_share_one_wave() -> None:
    assert waves({"fmt": (), "clippy": (), "test": ()}) == [["fmt", "clippy", "test"]]


def test_a_step_waits_for_its_requirements() -> None:
    order = waves({"health": ("clippy", "audit"), "clippy": (), "audit": ("fmt",), "fmt": ()})
    assert order == [["clippy", "fmt"], ["audit"], ["health"]]


def test_requirements_outside_the_run_are_ignored() -> None:
    assert waves({"health": ("clippy",)}) == [["health"]]


def test_a_cycle_is_an_error() -> None:
    with pytest.raises(CycleError, match="cycle"):
        waves({"a": ("b",), "b": ("a",)})
