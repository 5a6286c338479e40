"""Runs one step end to end: config, context, the step, gates, reports. Adapters call this."""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from ferrox import report
from ferrox.config import ProjectConfig, find_source, load_config
from ferrox.context import Context
from ferrox.errors import FerroxError, UsageError
from ferrox.executor import execute
from ferrox.masking import Masker
from ferrox.model import StepResult
from ferrox.report import github, terminal
from ferrox.rust.workspace import require_manifest
from ferrox.steps import Step, all_steps, get_step
from ferrox.tools import ToolRunner


@dataclass(frozen=True)
class RunOptions:
    """How to run a step, as given on a command line or in nox posargs."""

    report_dir: Path | None = None
    fix: bool = False
    verbose: bool = False
    extra_args: tuple[str, ...] = ()
    # Settings given on the command line (``--base REF``), over the configuration file's.
    overrides: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """A finished step and the report files written for it."""

    result: StepResult
    reports: dict[str, Path]

    @property
    def exit_code(self) -> int:
        """0 pass, 1 gate failed, 3 tool error."""
        return self.result.status.exit_code


def project_root(root: Path) -> Path:
    """``root`` made absolute with its symlinks resolved; a loop or a non-directory is exit 2."""
    try:
        resolved = root.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop, before Python 3.13
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"{root} is not a directory ({reason})") from None
    if not resolved.is_dir():
        raise UsageError(f"{root} is not a directory")
    return resolved


def load_project(root: Path) -> ProjectConfig:
    """The validated configuration of the project at ``root``."""
    root = project_root(root)
    return load_config(root, {name: step.settings for name, step in all_steps().items()})


def masker_for(config: ProjectConfig, env: Mapping[str, str]) -> Masker:
    """The masker for a project's configured secret names and this environment."""
    return Masker.from_environment(env, config.globals.mask_env)


def error_masker(root: Path, env: Mapping[str, str]) -> Masker:
    """The masker for an error message, even when the configuration itself is the error.

    ``mask_env`` (and the release's ``token_env``) are read leniently from the configuration
    table (the rest of it may be what failed to load), so those variables' values are masked in
    every error message too.
    """
    names: list[str] = []
    try:
        table = find_source(root).table
    except (FerroxError, OSError, RuntimeError):  # unreadable: mask what the names say
        table = {}
    release = table.get("release")
    for section, key in [(table, "mask_env"), (release, "token_env")]:
        if not isinstance(section, Mapping):
            continue
        value = section.get(key, section.get(key.replace("_", "-")))
        values = value if isinstance(value, list) else [value]
        names += [name for name in values if isinstance(name, str)]
    return Masker.from_environment(env, names)


def run_step(
    name: str,
    root: Path,
    options: RunOptions = RunOptions(),
    *,
    env: Mapping[str, str] | None = None,
    console: Console | None = None,
) -> Outcome:
    """Runs the named step on the project at ``root``; usage and config errors propagate."""
    env = dict(os.environ if env is None else env)
    step = get_step(name)
    root = project_root(root)
    config = load_project(root)
    masker = masker_for(config, env)
    if step.needs_cargo:
        require_manifest(root)
    report_dir = (root / (options.report_dir or Path(config.globals.report_dir))).resolve()
    # In Actions the tool's progress output goes to the log, folded in the step's group.
    in_actions = github.in_actions(env)
    runner = ToolRunner(env=env, masker=masker, echo_stderr=options.verbose or in_actions)
    ctx = Context(
        root=root,
        settings=_with_overrides(step, config.for_step(step.name, step.settings), options),
        runner=runner,
        report_dir=report_dir,
        fix=options.fix,
        extra_args=options.extra_args,
        config=config,
    )
    if in_actions:  # hide the secrets in the whole job log, fold the tool's output
        _emit([*github.add_mask_lines(masker.secrets), github.group_start(f"ferrox {step.name}")])
    try:
        # Masked once, on the raw values, before any sink renders (and escapes) them.
        result = masker.mask_value(execute(step, ctx))
    finally:
        if in_actions:
            _emit([github.GROUP_END])
    console = console or Console(highlight=False)
    try:
        reports = report.write_reports(
            result, root=root, report_dir=report_dir, env=env, masker=masker
        )
    except FerroxError:
        # The verdict is shown even when its reports cannot be written; the error decides
        # the exit code (2: the setup is wrong, 3: the machine failed).
        terminal.show(console, result, {})
        raise
    terminal.show(console, result, reports)
    if in_actions:
        prefix = github.repository_prefix(root, env)
        _emit(github.annotation_lines(result, masker.mask(prefix)))
        outputs = masker.mask_value(github.step_outputs(result, reports))
        github.write_outputs(outputs, env)
    return Outcome(result, reports)


def _emit(lines: list[str]) -> None:
    # Workflow commands go to stdout, each on its own line, flushed before the tool writes more.
    for line in lines:
        print(line, flush=True)


# Overrides whose command-line option is not the setting's name.
_OPTION_NAMES = {"cache": "--no-cache"}


def _with_overrides(step: Step, settings: Any, options: RunOptions) -> Any:
    """The settings with command-line overrides applied; an override the step lacks is misuse."""
    if not options.overrides:
        return settings
    known = {f.name for f in fields(settings)}
    hints = typing.get_type_hints(type(settings))
    for key, value in options.overrides:
        option = _OPTION_NAMES.get(key, f"--{key.replace('_', '-')}")
        if key not in known:
            raise UsageError(f"{option} does not apply to the {step.name} step")
        # The option is shared by every step with that setting, so its choices are the step's.
        choices = typing.get_args(hints[key]) if typing.get_origin(hints[key]) is Literal else ()
        if choices and value not in choices:
            raise UsageError(
                f"{option} {value!r} is not a {step.name} {key}; choose from "
                + ", ".join(map(str, choices))
            )
    return replace(settings, **dict(options.overrides))
