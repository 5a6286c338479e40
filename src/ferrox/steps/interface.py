"""The step contract: ``run(ctx) -> StepResult``; it raises only when no honest verdict exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.config import setting
from ferrox.context import Context
from ferrox.model import StepResult
from ferrox.pinned_env import Pins
from ferrox.project_kind import has_rust_project
from ferrox.steps.ci_placement import CiJob


@dataclass(frozen=True)
class Variant:
    """A named way to run a step with fixed options: its own nox session (``bench-baseline``)."""

    name: str
    description: str
    # Options given to ``ferrox run STEP`` before the session's own arguments.
    options: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """A named pipeline step and how the adapters should present it."""

    name: str
    description: str
    # The tool its results are reported under (StepResult.tool, SARIF's driver name).
    report_tool: str
    settings: type[Any]
    run: Callable[[Context], StepResult]
    tags: tuple[str, ...] = ()
    # Steps whose results this one needs first (nox's `requires=`); most steps are independent.
    requires: tuple[str, ...] = ()
    # Whether nox's --parallel may run it beside other sessions.
    parallel: bool = True
    needs_cargo: bool = True
    # Whether it builds in cargo's target directory (clippy, test, geiger ...): such steps run one
    # at a time in a pipeline. Cargo's own lock covers a build, not what follows it (nextest
    # running test binaries that a concurrent build replaces). Steps that only read the sources
    # or Cargo.lock (fmt, audit, licenses) do not.
    uses_target_dir: bool = False
    # The pinned tools (ci/tools.toml) to install before it runs.
    required_tools: tuple[str, ...] = ("cargo",)
    # When the tools depend on its settings (coverage's backend): settings -> tools.
    tools_for: Callable[[Any], tuple[str, ...]] | None = None
    # Whether the step has anything to look at in a project (composite steps such as `security`
    # skip the ones that do not apply: Rust scanners need a Cargo.toml, Python ones Python files).
    applies: Callable[[Path], bool] = has_rust_project
    # A composite step runs every step with this tag; a bare `nox` then runs the composite alone.
    covers_tag: str | None = None
    # Whether plain `nox` (and `nox -s demo`) runs it; slow opt-in steps such as bench say no.
    default: bool = True
    # The jobs it contributes to the generated CI workflows; none: it runs in no workflow itself.
    ci: tuple[CiJob, ...] = ()
    # Extra sessions that run it with fixed options; never run by a bare `nox`.
    variants: tuple[Variant, ...] = ()
    # The environment variables that change its verdict and the value it runs with ('' = unset);
    # its config may override them. `ferrox ci parity` warns when a workflow sets them otherwise.
    pinned_env: Pins = ()

    def tools(self, settings: Any = None) -> tuple[str, ...]:
        """The pinned tools it needs with these settings (its defaults when None)."""
        if self.tools_for is None:
            return self.required_tools
        return self.tools_for(self.settings() if settings is None else settings)


@dataclass(frozen=True)
class CargoStepSettings:
    """Settings shared by the steps that drive cargo."""

    timeout: float = setting(1800.0, "seconds before the tool is killed", minimum=1, maximum=86400)
    extra_args: tuple[str, ...] = setting((), "extra arguments passed to the cargo command")
