"""The health formula: the design's default weights, each term, clamping, unmeasured inputs."""

from __future__ import annotations

import pytest

from ferrox.health.score import Inputs, Weights, compute


def test_a_healthy_quiet_free_repository_scores_100() -> None:
    score = compute(Inputs(clippy_warnings=0, vulnerabilities=0, outdated=0, recent_commits=3))
    assert score.value == 100
    assert score.adjustments == ()
    assert score.unmeasured == ()


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (Inputs(clippy_warnings=50), 100),  # the limit itself costs nothing
        (Inputs(clippy_warnings=51), 85),
        (Inputs(vulnerabilities=2), 80),  # -10 per vulnerability
        (Inputs(outdated=10), 100),
        (Inputs(outdated=11), 90),
        (Inputs(recent_commits=0), 95),
        (Inputs(recent_commits=9), 100),
        (Inputs(recent_commits=10), 100),  # +5, clamped at 100
        (Inputs(clippy_warnings=60, recent_commits=10), 90),
        (Inputs(vulnerabilities=20), 0),  # clamped at 0
    ],
)
def test_each_term_of_the_default_formula(inputs: Inputs, expected: int) -> None:
    assert compute(inputs).value == expected


def test_weights_come_from_settings() -> None:
    weights = Weights(vulnerability_penalty=3, quiet_days=30)
    score = compute(Inputs(vulnerabilities=2, recent_commits=0), weights)
    assert score.value == 100 - 6 - 5
    assert "last 30 days" in score.adjustments[1].reason


def test_unmeasured_inputs_are_named_and_cost_nothing() -> None:
    score = compute(Inputs(clippy_warnings=0))
    assert score.value == 100
    assert score.unmeasured == ("vulnerabilities", "outdated", "recent_commits")
