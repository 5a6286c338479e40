"""``pipeline`` (``nox -s ci``): every default step, in dependency order, in parallel, cached.

Each part is a complete step run as ``ferrox run <part>`` would run it (its own settings,
reports and exit code). Steps are grouped into waves by their ``requires`` (the same data nox's
``requires=`` is generated from); a wave's steps run in threads, at most ``jobs`` at once (the
work happens in the tools' processes). Steps that build in cargo's target directory
(``Step.uses_target_dir``) run one at a time: cargo's own lock covers a build but not what
follows it (nextest listing and running the test binaries while clippy's build rewrites the
target directory fails with "No such file or directory"), so they hold one lock for the
project's target directory (a composite's parts too: security's cargo-geiger takes it while its
other scanners run). Those steps form one lane, a single worker, so the other workers stay free
for the steps that do not build (fmt, the other scanners, the Python steps). A part
whose inputs (``ferrox.incremental.inputs``) match its last passing run is not run again: its
stored reports stand (``--no-cache`` forces every part). Steps that do not apply to the project
(Rust steps without a Cargo.toml) are left out and named.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ferrox import report
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import FerroxError, UsageError
from ferrox.executor import execute
from ferrox.incremental import cache, inputs
from ferrox.incremental.order import waves
from ferrox.model import GateCheck, Status, StepResult
from ferrox.pins import find_pin_file
from ferrox.steps import all_steps, default_steps
from ferrox.steps.interface import Step, Variant

NAME = "pipeline"


@dataclass(frozen=True)
class PipelineSettings:
    """``[pipeline]``: which steps run, how many at once, and the cache.

    (``[ci]`` configures the generated workflows, hence the step's own name.)
    """

    steps: tuple[str, ...] = setting((), "the steps to run (default: those a bare `nox` runs)")
    skip: tuple[str, ...] = setting((), "steps never to run")
    jobs: int = setting(os.cpu_count() or 1, "steps run at the same time", minimum=1, maximum=64)
    cache: bool = setting(True, "skip a step whose inputs match its last passing run")

    def __post_init__(self) -> None:
        # At load, so a misspelt step stops `ferrox run ci` before anything runs.
        available = part_steps()
        for key, names in (("steps", self.steps), ("skip", self.skip)):
            if unknown := [name for name in names if name not in available]:
                raise SettingError(
                    key, f"unknown step(s) {', '.join(map(repr, unknown))}", choices=list(available)
                )


def part_steps() -> dict[str, Step]:
    """Every step the pipeline can run: all registered steps but itself."""
    return {name: step for name, step in all_steps().items() if name != NAME}


def chosen_steps(settings: PipelineSettings) -> list[Step]:
    """The steps this configuration runs, in registry order."""
    available = part_steps()
    defaults = [name for name in default_steps() if name != NAME]
    wanted = settings.steps or tuple(defaults)
    return [available[name] for name in available if name in wanted and name not in settings.skip]


@dataclass
class _Run:
    """What the parts share while the pipeline runs."""

    ctx: Context
    shared: inputs.Shared | None
    cancelled: threading.Event
    # False (--no-cache): every step runs; passing runs still record their entries.
    use_cache: bool = True


def run(ctx: Context) -> StepResult:
    """Runs the chosen steps wave by wave and folds their verdicts into one (worst wins)."""
    settings: PipelineSettings = ctx.settings
    candidates = chosen_steps(settings)
    chosen = {step.name: step for step in candidates if step.applies(ctx.root)}
    not_applicable = [step.name for step in candidates if step.name not in chosen]
    if not chosen:
        raise UsageError(f"pipeline: no step applies to {ctx.root} (no Cargo.toml, no Python)")
    # One target directory per project, so one lock (ferrox.executor holds it around such a step).
    ctx = dataclasses.replace(ctx, target_dir_lock=threading.Lock())
    state = _Run(ctx, _shared(ctx, chosen), threading.Event(), use_cache=settings.cache)
    results: dict[str, StepResult] = {}
    with ThreadPoolExecutor(
        max_workers=settings.jobs, thread_name_prefix="ferrox-pipeline"
    ) as pool:
        try:
            for wave in waves({name: step.requires for name, step in chosen.items()}):
                ready = [
                    chosen[name] for name in wave if _requirements_passed(chosen[name], results)
                ]
                for parts in pool.map(lambda lane: _run_lane(state, lane), lanes(ready)):
                    results.update((part.step, part) for part in parts)
        except KeyboardInterrupt:
            # Parts already running finish their reports whole; none of them records a cache
            # entry after this, and no part starts.
            state.cancelled.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    skipped = [name for name in chosen if name not in results]
    combined = combine([results[name] for name in chosen if name in results], skipped)
    return dataclasses.replace(combined, extra={**combined.extra, "not_applicable": not_applicable})


def lanes(steps: list[Step]) -> list[list[Step]]:
    """The wave's steps as units of work: those using the target directory in one lane, in order.

    Each of them would wait for the target directory's lock anyway; queued as separate tasks,
    the waiting ones would hold workers that steps without a build could use.
    """
    building = [step for step in steps if step.uses_target_dir]
    others = [[step] for step in steps if not step.uses_target_dir]
    return [building, *others] if building else others


def _run_lane(state: _Run, lane: list[Step]) -> list[StepResult]:
    return [_run_part(state, step) for step in lane]


def _requirements_passed(step: Step, results: dict[str, StepResult]) -> bool:
    return all(results[name].status is Status.PASS for name in step.requires if name in results)


def _shared(ctx: Context, chosen: dict[str, Step]) -> inputs.Shared | None:
    cache_dir = ctx.report_dir / cache.CACHE_DIR
    # Outputs are not inputs: the reports, and cargo's target directory (build products that
    # are not ignored in a repository without a .gitignore for them).
    outputs = [ctx.report_dir, cache_dir, inputs.cargo_target_dir(ctx.root, ctx.runner.env)]
    files = inputs.files_digest(ctx.runner, ctx.root, exclude=outputs)
    if files is None:
        return None  # not a git repository: every part runs
    needs_cargo = any(_uses_cargo(step) for step in chosen.values())
    return inputs.Shared(
        files=files,
        pins=inputs.pins_digest(find_pin_file(ctx.root)),
        toolchain=(inputs.toolchain_digest(ctx.runner, ctx.root, cache_dir) if needs_cargo else ""),
        environment=inputs.environment_digest(ctx.runner.env),
    )


def _run_part(state: _Run, step: Step) -> StepResult:
    ctx = state.ctx.for_part(step.name, step.settings)
    key = None
    why = "--no-cache"
    if state.shared is not None and ctx.config is not None:
        key = inputs.step_key(
            state.shared,
            step=step.name,
            settings=ctx.settings,
            global_settings=ctx.config.globals,
            fix=ctx.fix,
            extra_args=ctx.extra_args,
        )
        hit, why = cache.lookup(ctx.report_dir, step.name, key) if state.use_cache else (None, why)
        if hit is not None:
            return StepResult(
                step=step.name,
                tool=hit.tool,
                status=Status.PASS,
                summary=f"cached: {hit.summary}",
                metrics=hit.metrics,
                extra={"cached": True},
            )
    else:
        why = "no key (not a git repository)"
    cache.forget(ctx.report_dir, step.name)
    try:
        result = execute(step, ctx)
    except FerroxError as exc:
        # A part's usage or configuration error (exit 2) is that part's failure to give a
        # verdict; the other parts and their reports carry on.
        result = _no_verdict(step, f"exit {exc.exit_code}: {ctx.runner.masker.mask(str(exc))}")
    # Why it ran instead of coming from the cache: in the pipeline's report.
    result = dataclasses.replace(result, extra={**result.extra, "cache_miss": why})
    written = report.write_reports(
        result,
        root=ctx.root,
        report_dir=ctx.report_dir,
        env=ctx.runner.env,
        masker=ctx.runner.masker,
    )
    if key is not None and result.status is Status.PASS and not state.cancelled.is_set():
        cache.store(
            ctx.report_dir,
            step=step.name,
            key=key,
            tool=result.tool,
            summary=result.summary,
            metrics=result.metrics,
            reports=written,
        )
    return result


def _no_verdict(step: Step, message: str) -> StepResult:
    return StepResult(
        step=step.name, tool=step.report_tool, status=Status.ERROR, summary=message, error=message
    )


def _uses_cargo(step: Step) -> bool:
    # Whether rustc's and cargo's versions belong in the key: a composite uses cargo when a
    # step it covers does (security runs cargo-audit and cargo-geiger).
    if step.covers_tag is not None:
        covered = [s for s in all_steps().values() if step.covers_tag in s.tags and s is not step]
        return any(_uses_cargo(part) for part in covered)
    return step.needs_cargo or "rust" in step.tags


def combine(parts: list[StepResult], skipped: list[str]) -> StepResult:
    """One result over the parts: ERROR if a part gave no verdict, else FAIL if a gate failed."""
    status = Status.worst(part.status for part in parts)
    cached = sorted(part.step for part in parts if part.extra.get("cached"))
    failed = [part for part in parts if part.status is not Status.PASS]
    lines = [
        f"{len(parts) - len(failed)} of {len(parts)} steps passed"
        + (f" ({len(cached)} from the cache: {', '.join(cached)})" if cached else ""),
        *(
            f"{part.step}: {part.status.value} (exit {part.status.exit_code})"
            + (f": {part.error.splitlines()[0]}" if part.error else "")
            for part in failed
        ),
    ]
    if skipped:
        lines.append(f"not run (a required step failed): {', '.join(skipped)}")
    return StepResult(
        step=NAME,
        tool="ferrox",
        status=status,
        summary="; ".join(lines),
        findings=tuple(finding for part in parts for finding in part.findings),
        metrics={
            "steps": len(parts),
            "cached": len(cached),
            "failed": sum(part.status is Status.FAIL for part in parts),
            "errors": sum(part.status is Status.ERROR for part in parts),
        },
        gates=tuple(
            GateCheck(
                name=f"{part.step}.exit",
                actual=part.status.exit_code,
                limit=0,
                passed=part.status is Status.PASS,
                description=f"{part.step}: {part.summary}",
            )
            for part in parts
        ),
        error="\n".join(f"{part.step}: {part.error}" for part in parts if part.error) or None,
        extra={
            "skipped": skipped,
            "cached": cached,
            "ran": {
                part.step: part.extra.get("cache_miss") for part in parts if part.step not in cached
            },
        },
        # One SARIF run per step, each step's result in the JSON report (as security does).
        parts=tuple(parts),
    )


def _tools(settings: PipelineSettings) -> tuple[str, ...]:
    tools: dict[str, None] = {}
    for step in chosen_steps(settings):
        tools.update(dict.fromkeys(step.tools()))
    return tuple(tools)


STEP = Step(
    name=NAME,
    description="Run the whole pipeline: every default step, in order, in parallel, cached.",
    report_tool="ferrox",
    settings=PipelineSettings,
    run=run,
    tags=("pipeline",),
    needs_cargo=False,
    required_tools=(),
    tools_for=_tools,
    applies=lambda _root: True,
    # A bare `nox` runs the steps as sessions of their own already.
    default=False,
    # `nox -s ci`: the name the issue and the designs use (`[ci]` is the workflows' table).
    variants=(Variant("ci", "Run the whole pipeline (the `pipeline` step).", ()),),
)
