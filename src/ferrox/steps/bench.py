"""``bench``: benchmarks with a regression gate that can be trusted.

Modes (``mode`` setting, or ``ferrox run bench --mode M``):

* ``paired`` (default): base (the merge-base of ``base`` and HEAD, built in a git worktree) and
  head run interleaved, A B B A ...; each benchmark's change is a paired log-ratio interval.
* ``instructions``: callgrind instruction counts of base and head; a tight, deterministic gate.
* ``history``: run head, append to the history, find change points, draw the dashboard and
  write (or, with ``create_issue``, open) an issue for a regression that persists.
* ``baseline``: like ``history``, and the run also becomes the stored baseline file.
* ``calibrate``: A/A rounds of the paired gate (head against itself): each benchmark's noise
  (spread, bimodality, false alarms) and per-benchmark thresholds above it, printed, and
  written into the configuration with ``--write`` (tomlkit: comments survive).
* ``compare``: run head ``history_runs`` times and compare it with the stored baseline file,
  unpaired (two-sample Hodges-Lehmann shift, Mann-Whitney interval). Runs from two moments drift
  by several percent, so by default only ``critical`` fails (``compare_fail``): a quick check
  (one build) for the pre-push hook, not a replacement for the paired PR gate.

Each mode is a module of ``ferrox.bench.modes``, imported only when the step runs: numpy, scipy
and plotly load then, so the other steps start as fast as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ferrox.bench.waivers import Waiver
from ferrox.config import SettingError, check_not_option, setting
from ferrox.context import Context
from ferrox.model import StepResult
from ferrox.steps.ci_placement import CarriedFile, CiJob
from ferrox.steps.interface import Step, Variant


@dataclass(frozen=True)
class BenchSettings:
    """``[bench]``: mode, base ref, thresholds, sampling budget, history and issue settings."""

    mode: Literal["paired", "instructions", "history", "baseline", "compare", "calibrate"] = (
        setting(
            "paired",
            "gate mode: paired A/B runs, callgrind instruction counts, history, baseline (record "
            "the stored baseline), compare (head against the stored baseline) or calibrate (A/A "
            "rounds: each benchmark's noise and the thresholds it needs)",
        )
    )
    base: str = setting("main", "git ref to compare against (its merge-base with HEAD is built)")
    benches: tuple[str, ...] = setting((), "bench targets to run (default: all in the workspace)")
    run_args: tuple[str, ...] = setting((), "arguments passed to each bench binary on every run")
    criterion_args: tuple[str, ...] = setting(
        ("--warm-up-time", "1", "--measurement-time", "2"),
        "arguments for criterion suites instead of run_args (after --bench --output-format "
        "bencher --noplot)",
    )
    divan_args: tuple[str, ...] = setting(
        (),
        "arguments for divan suites instead of run_args (e.g. --sample-count 50; after --bench "
        "--color never)",
    )
    minor: float = setting(5.0, "percent slowdown that warns", minimum=0.1, maximum=1000)
    major: float = setting(10.0, "percent slowdown that fails the PR", minimum=0.1, maximum=1000)
    critical: float = setting(
        25.0, "percent slowdown that blocks a release", minimum=0.1, maximum=1000
    )
    paired_fail: Literal["minor", "major", "critical"] = setting(
        "major", "least severe level that fails in paired mode (minor, major or critical)"
    )
    compare_fail: Literal["minor", "major", "critical"] = setting(
        "critical",
        "least severe level that fails in compare mode (unpaired runs drift by several percent: "
        "only critical is trustworthy)",
    )
    thresholds: tuple[str, ...] = setting(
        (), "per suite or benchmark overrides: NAME=MINOR,MAJOR,CRITICAL (percent)"
    )
    accept: tuple[Waiver, ...] = setting(
        (),
        "[[bench.accept]] entries: benchmark, reason, expires; a waived regression is reported "
        "but does not fail, an expired waiver fails",
    )
    noise_margin: float = setting(
        1.0, "percent change a regression must clear with confidence", minimum=0, maximum=50
    )
    confidence: float = setting(
        0.95, "confidence level of the intervals", minimum=0.5, maximum=0.999
    )
    correction: Literal["holm", "bh", "none"] = setting(
        "holm", "control of false alarms across benchmarks: Holm (FWER) or Benjamini-Hochberg"
    )
    min_pairs: int = setting(
        10, "interleaved pairs measured at least (>= 5: a rank test needs them)", minimum=5
    )
    max_pairs: int = setting(
        400,
        "interleaved pairs measured at most (the budget usually stops sampling first)",
        minimum=5,
    )
    target_halfwidth: float = setting(
        1.5, "percent half-width of the interval at which sampling stops", minimum=0.01, maximum=50
    )
    budget: float = setting(600.0, "seconds of measuring (not building) at most", minimum=1)
    confirm: bool = setting(True, "re-run flagged benchmarks on fresh pairs to confirm them")
    confirm_pairs: int = setting(10, "fresh pairs added to confirm a flag", minimum=5)
    instruction_threshold: float = setting(
        2.0, "percent more instructions that fails (instructions mode)", minimum=0.01, maximum=1000
    )
    instruction_args: tuple[str, ...] = setting(
        (), "arguments for bench binaries under callgrind (e.g. a fixed iteration count)"
    )
    toggle_collect: str = setting(
        "", "callgrind --toggle-collect pattern; {name} is the benchmark (empty: whole run)"
    )
    calibrate_rounds: int = setting(
        3, "A/A rounds of calibrate mode (they share the measuring budget)", minimum=1
    )
    write_thresholds: bool = setting(
        False, "calibrate mode writes its proposed thresholds into the configuration (--write)"
    )
    history_file: str = setting(".ferrox/bench-history.jsonl", "the append-only history")
    history_remote: str = setting(
        "",
        "git remote whose history_ref holds the history (pulled before history, baseline and "
        "compare modes read it; paired mode fetches it read-only to show main's recent runs "
        "as context; empty: history_file alone)",
    )
    history_ref: str = setting(
        "refs/ferrox/bench-history", "the git ref holding the history, one file per machine"
    )
    push_history: bool = setting(
        False, "after history or baseline mode, push the history ref to history_remote"
    )
    baseline_file: str = setting(
        ".ferrox/bench-baseline.json", "the stored baseline (written by baseline, read by compare)"
    )
    baseline_max_age_days: int = setting(
        14, "days after which compare mode calls the baseline stale (0: no limit)", minimum=0
    )
    history_runs: int = setting(
        5, "runs of head per benchmark in history, baseline and compare modes", minimum=1
    )
    result_files: tuple[str, ...] = setting(
        (), "extra result files to record (criterion dir, pytest-benchmark, hyperfine, callgrind)"
    )
    significance: float = setting(
        0.05, "p-value below which a change point is accepted", minimum=0.001, maximum=0.5
    )
    permutations: int = setting(199, "permutations of the change-point test", minimum=19)
    persist_runs: int = setting(
        3, "runs after a change point before it is called persistent", minimum=1
    )
    create_issue: bool = setting(False, "open a GitHub issue for a persisting regression")
    repository: str = setting("", "OWNER/NAME of the GitHub repository for issues")
    api_url: str = setting("https://api.github.com", "GitHub API base URL")
    token_env: str = setting("GITHUB_TOKEN", "environment variable holding the API token")
    chart_link: str = setting("", "URL of the published dashboard, linked from issues")
    timeout: float = setting(1800.0, "seconds before a build or a run is killed", minimum=1)

    def __post_init__(self) -> None:
        from ferrox.bench.divan import forbidden_divan_args  # noqa: PLC0415 - light module
        from ferrox.bench.thresholds import parse_overrides  # noqa: PLC0415 - light module

        # The base reaches `git merge-base`, bench names cargo's argv: never as options.
        check_not_option("base", self.base, "git ref")
        check_not_option("benches", self.benches, "bench target")
        # Both name checks live beside the ref store: the sync module (filelock, git plumbing)
        # loads only when the history is used, not whenever a configuration is read.
        from ferrox.bench.history_ref import check_ref, check_remote  # noqa: PLC0415

        for key, check, value in (
            ("history_ref", check_ref, self.history_ref),
            ("history_remote", check_remote, self.history_remote),
        ):
            try:
                if value:
                    check(value)
            except ValueError as exc:
                raise SettingError(key, str(exc)) from None
        if not self.minor <= self.major <= self.critical:
            raise SettingError("minor", "need minor <= major <= critical")
        if self.min_pairs > self.max_pairs:
            raise SettingError("min_pairs", "must not exceed max_pairs")
        if self.criterion_args and (forbidden := _forbidden_criterion_args(self.criterion_args)):
            raise SettingError(
                "criterion_args", f"{', '.join(forbidden)} cannot be used: ferrox sets the output, "
                "reads the saved estimates and passes the benchmark filter itself",
            )  # fmt: skip
        if forbidden := forbidden_divan_args(self.divan_args):
            raise SettingError(
                "divan_args", f"{', '.join(forbidden)} cannot be used: ferrox reads divan's table "
                "of timings and passes the benchmark filter itself",
            )  # fmt: skip
        try:
            parse_overrides(self.thresholds)
        except ValueError as exc:
            raise SettingError("thresholds", str(exc)) from None


def _forbidden_criterion_args(args: tuple[str, ...]) -> list[str]:
    # The harness (its parsers) loads only for a configuration that names criterion arguments:
    # every command validates [bench] when the project has one.
    from ferrox.bench.harness import forbidden_criterion_args  # noqa: PLC0415

    return forbidden_criterion_args(args)


def run(ctx: Context) -> StepResult:
    """Runs the configured mode and turns its verdicts into a StepResult."""
    settings: BenchSettings = ctx.settings
    out = ctx.report_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").unlink(missing_ok=True)
    result = _mode(settings.mode)(ctx, settings, out)
    # The step's own details (verdicts, commits, files) beside the common report formats.
    summary = {"status": result.status.value, "summary": result.summary, **result.extra}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return result


def _mode(mode: str) -> Callable[[Context, BenchSettings, Path], StepResult]:
    """The ``run`` of the mode's module, imported now (numpy, scipy and plotly load with it)."""
    if mode == "paired":
        from ferrox.bench.modes import paired  # noqa: PLC0415

        return paired.run
    if mode == "instructions":
        from ferrox.bench.modes import instructions  # noqa: PLC0415

        return instructions.run
    if mode == "compare":
        from ferrox.bench.modes import compare  # noqa: PLC0415

        return compare.run
    if mode == "calibrate":
        from ferrox.bench.modes import calibrate  # noqa: PLC0415

        return calibrate.run
    # history, and baseline (history that also stores its run as the baseline file)
    from ferrox.bench.modes import history  # noqa: PLC0415

    return history.run


# The benchmark files carried in the Actions cache (the same path and prefix in every job that
# carries one, so the post-merge and weekly jobs extend one history).
_HISTORY = CarriedFile(
    "benchmark history", "**/.ferrox/bench-history.jsonl", "ferrox-bench-history-"
)
_BASELINE = CarriedFile(
    "benchmark baseline", "**/.ferrox/bench-baseline.json", "ferrox-bench-baseline-file-"
)

# The post-merge and weekly jobs push the history ref with the job's own token (sent as a header
# by git's environment, never persisted in .git/config by the checkout).
_SHARE = "--history-remote origin --push-history"
_PUSH = (("contents", "write"),)
_TOKEN = (("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),)

STEP = Step(
    name="bench",
    description="Benchmarks with a trusted regression gate (paired A/B, instructions, history).",
    report_tool="bench",
    settings=BenchSettings,
    run=run,
    tags=("rust", "bench", "ci"),
    uses_target_dir=True,
    parallel=False,  # timing runs must not share the CPU with other sessions
    required_tools=("cargo", "git", "valgrind"),
    default=False,  # minutes of measuring: run on purpose (`nox -s bench`), not by plain `nox`
    ci=(
        # A pull request is compared with its target branch: full history, that branch as the
        # base (GITHUB_BASE_REF is read by the shell, never expanded into the script by Actions).
        # It fetches the history ref read-only (contents: read; the token only lets a private
        # repository be fetched) to show main's recent runs beside the paired verdict.
        CiJob(
            events=("pull_request",),
            full_history=True,
            run_args='-- --base "origin/${GITHUB_BASE_REF}" --history-remote origin',
            env=_TOKEN,
        ),
        # After a merge: append to the history, push it to the history ref (the store; the
        # cache only spares the fetch of what it holds) and look for change points. The only
        # jobs that write, in their own workflow: nothing triggered by a pull request can.
        CiJob(
            workflow="bench-baseline",
            job="bench-history",
            events=("push",),
            run_args=f"-- --mode history {_SHARE}",
            carries=(_HISTORY,),
            permissions=_PUSH,
            env=_TOKEN,
        ),
        # Weekly: re-record the stored baseline that compare mode and the pre-push hook read.
        CiJob(
            workflow="bench-baseline",
            session="bench-baseline",
            events=("schedule", "workflow_dispatch"),
            run_args=f"-- {_SHARE}",
            carries=(_HISTORY, _BASELINE),
            permissions=_PUSH,
            env=_TOKEN,
        ),
    ),
    variants=(
        Variant(
            "bench-baseline",
            "Refresh the stored benchmark baseline and append it to the history (run weekly).",
            ("--mode", "baseline"),
        ),
    ),
)
