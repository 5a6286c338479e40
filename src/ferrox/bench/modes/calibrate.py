"""Calibrate mode: A/A rounds of the paired gate (head against itself), each benchmark's noise,
and per-benchmark thresholds proposed above it (written to the configuration only when asked:
``write_thresholds``, or ``--write``). Not a gate: it passes unless it could not measure."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.bench import calibrate, paired
from ferrox.bench import runner as bench_runner
from ferrox.bench.calibration_write import write_thresholds
from ferrox.bench.modes import results
from ferrox.bench.modes.paired import plan_of
from ferrox.bench.modes.runs import recognise, run_side
from ferrox.context import Context
from ferrox.model import Finding, Level, Status, StepResult, Table

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings


def run(ctx: Context, settings: BenchSettings, out: Path) -> StepResult:
    """Runs ``calibrate_rounds`` A/A rounds and reports the noise and the proposal."""
    head = _head(ctx, settings)
    keys = sorted(run_side(ctx, settings, head))  # warm-up: discovers the benchmarks
    # The rounds share the measuring budget; confirmation runs are the gate's, not noise.
    plan = replace(
        plan_of(settings), confirm=False, budget_s=settings.budget / settings.calibrate_rounds
    )
    table = results.thresholds(settings)

    def sampler(_side: str, wanted: Sequence[str]) -> dict[str, float]:
        return run_side(ctx, settings, head, None if list(wanted) == keys else wanted)

    measured = []
    for _ in range(settings.calibrate_rounds):
        samples = paired.interleave(sampler, keys, plan)
        measured.append(calibrate.Round(samples, paired.judge(samples, plan, table)))
    found = calibrate.noise(measured)
    current = {n.key: table.for_key(n.key) for n in found}
    proposed = calibrate.proposals(found, current, table.default, plan.margin)
    entries = {key: calibrate.override(key, limits) for key, limits in proposed.items()}
    written = None
    if settings.write_thresholds and entries:
        written = write_thresholds(ctx.root, entries)
    markdown = render(found, entries, rounds=settings.calibrate_rounds, written=written)
    (out / "calibration.md").write_text(markdown, encoding="utf-8")
    return StepResult(
        step="bench",
        tool="bench",
        status=Status.PASS,
        summary=f"{len(found)} benchmark(s) over {settings.calibrate_rounds} A/A round(s): "
        f"{sum(n.false_alarms for n in found)} false alarm(s) at the current thresholds, "
        f"{sum(n.bimodal for n in found)} bimodal; {len(entries)} threshold(s) proposed"
        + (f", written to {ctx.relative(written)}" if written else ""),
        findings=tuple(_findings(found, entries, written is not None)),
        metrics={
            "benchmarks": len(found),
            "false_alarms": sum(n.false_alarms for n in found),
            "bimodal": sum(n.bimodal for n in found),
            "proposed": len(entries),
        },
        tables=(_table(found, entries),),
        extra={
            "mode": "calibrate",
            "rounds": settings.calibrate_rounds,
            "noise": [_noise_json(n) for n in found],
            "proposed_thresholds": sorted(entries.values()),
            "written_to": str(written) if written else None,
            "markdown": str(out / "calibration.md"),
        },
    )


def _head(ctx: Context, settings: BenchSettings) -> bench_runner.Checkout:
    # Harnesses from Cargo.lock before anything is built, as the other timed modes do.
    harnesses = recognise(ctx, settings, ctx.root)
    binaries = bench_runner.build_benches(
        ctx.runner, ctx.root, benches=settings.benches, target_dir=None, timeout=settings.timeout
    )
    return bench_runner.Checkout("head", ctx.root, "", binaries, harnesses)


def _columns(n: calibrate.Noise, entries: dict[str, str]) -> tuple[str, ...]:
    proposal = entries.get(n.key, "").partition("=")[2].replace(",", " / ")
    return (
        n.key,
        str(n.pairs),
        f"{n.cv:.2%}",
        f"{n.pair_spread:.2%}",
        f"{n.worst_aa:.2%}",
        str(n.false_alarms),
        _bimodality(n),
        proposal or "keep",
    )


def _bimodality(n: calibrate.Noise) -> str:
    if math.isnan(n.bimodality):
        return "n/a"
    return f"{n.bimodality:.2f}" + (" (bimodal)" if n.bimodal else "")


_HEADER = (
    "benchmark", "pairs", "CV", "pair spread", "worst A/A end", "false alarms",
    "bimodality", "proposed minor / major / critical %",
)  # fmt: skip


def _table(found: Sequence[calibrate.Noise], entries: dict[str, str]) -> Table:
    return Table("Calibration (A/A)", _HEADER, tuple(_columns(n, entries) for n in found))


def render(
    found: Sequence[calibrate.Noise], entries: dict[str, str], *, rounds: int, written: Path | None
) -> str:
    """``calibration.md``: the noise table and the proposal as TOML."""
    lines = [
        f"#### Calibration: {rounds} A/A round(s), head against itself",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += ["| " + " | ".join(_columns(n, entries)) + " |" for n in found]
    lines += ["", "Proposed for `[bench]`:" if entries else "No threshold change proposed."]
    if entries:
        lines += ["", "```toml", "thresholds = " + json.dumps(sorted(entries.values())), "```"]
        lines.append(
            f"\nWritten to `{written.name}`." if written else "\nNot written (`--write` writes it)."
        )
    return "\n".join(lines) + "\n"


def _findings(
    found: Sequence[calibrate.Noise], entries: dict[str, str], written: bool
) -> list[Finding]:
    notes = [
        Finding(
            rule="bench-calibrate-bimodal",
            message=f"{n.key}: its times look bimodal (coefficient {n.bimodality:.2f} > 0.555): "
            "the machine switches between speeds; paired intervals widen, the instruction "
            "gate is steadier",
            level=Level.WARNING,
        )
        for n in found
        if n.bimodal
    ]
    notes += [
        Finding(
            rule="bench-calibrate-false-alarm",
            message=f"{n.key}: {n.false_alarms} A/A round(s) flagged a regression with no change "
            "at the current thresholds",
            level=Level.WARNING,
        )
        for n in found
        if n.false_alarms
    ]
    verb = "written" if written else "proposed"
    notes += [
        Finding(rule="bench-calibrate-threshold", message=f"{verb}: {e}", level=Level.NOTE)
        for e in sorted(entries.values())
    ]
    return notes


def _noise_json(n: calibrate.Noise) -> dict[str, object]:
    return {
        "benchmark": n.key,
        "pairs": n.pairs,
        "cv": n.cv,
        "pair_spread": n.pair_spread,
        "worst_aa": n.worst_aa,
        "false_alarms": n.false_alarms,
        "bimodality": None if math.isnan(n.bimodality) else n.bimodality,
        "bimodal": n.bimodal,
    }
