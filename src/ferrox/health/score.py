"""The health score: 100, minus a penalty per problem, plus a bonus for activity, in 0..100.

The default weights are the monitoring design's formula; every weight and limit is a setting.
An input that was not measured (no report, no git history) neither costs nor earns points, and
is listed so a reader sees what the score does not know.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    """The formula's weights and limits (the ``[health]`` settings hold the same names)."""

    clippy_warning_limit: int = 50
    clippy_penalty: int = 15
    vulnerability_penalty: int = 10
    outdated_limit: int = 10
    outdated_penalty: int = 10
    quiet_days: int = 7
    quiet_penalty: int = 5
    active_commits: int = 10
    active_bonus: int = 5


@dataclass(frozen=True)
class Inputs:
    """What the score is computed from; None: not measured."""

    clippy_warnings: int | None = None
    vulnerabilities: int | None = None
    outdated: int | None = None
    # Commits within the last ``quiet_days`` days.
    recent_commits: int | None = None


@dataclass(frozen=True)
class Adjustment:
    """One term of the score: why, and how many points (negative: a penalty)."""

    reason: str
    points: int


@dataclass(frozen=True)
class Score:
    """The score, the terms that made it, and the inputs that were not measured."""

    value: int
    adjustments: tuple[Adjustment, ...]
    unmeasured: tuple[str, ...]


def compute(inputs: Inputs, weights: Weights = Weights()) -> Score:
    """The score of ``inputs`` under ``weights``, clamped to 0..100."""
    terms: list[Adjustment] = []
    unmeasured = [name for name, value in vars(inputs).items() if value is None]
    w = weights
    if inputs.clippy_warnings is not None and inputs.clippy_warnings > w.clippy_warning_limit:
        terms.append(
            Adjustment(
                f"{inputs.clippy_warnings} clippy warnings (> {w.clippy_warning_limit})",
                -w.clippy_penalty,
            )
        )
    if inputs.vulnerabilities:
        terms.append(
            Adjustment(
                f"{inputs.vulnerabilities} known vulnerabilities",
                -w.vulnerability_penalty * inputs.vulnerabilities,
            )
        )
    if inputs.outdated is not None and inputs.outdated > w.outdated_limit:
        terms.append(
            Adjustment(
                f"{inputs.outdated} outdated dependencies (> {w.outdated_limit})",
                -w.outdated_penalty,
            )
        )
    if inputs.recent_commits is not None:
        if inputs.recent_commits == 0:
            terms.append(Adjustment(f"no commit in the last {w.quiet_days} days", -w.quiet_penalty))
        elif inputs.recent_commits >= w.active_commits:
            terms.append(
                Adjustment(
                    f"{inputs.recent_commits} commits in the last {w.quiet_days} days "
                    f"(high activity, >= {w.active_commits})",
                    w.active_bonus,
                )
            )
    value = max(0, min(100, 100 + sum(term.points for term in terms)))
    return Score(value, tuple(terms), tuple(unmeasured))
