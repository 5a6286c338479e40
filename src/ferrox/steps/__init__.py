"""The step registry: each pipeline step is one module exporting a ``STEP``.

Adding a step is adding a module and naming it in ``_MODULES``; the CLI, the nox sessions, the
invoke tasks and config validation all read this registry.
"""

from __future__ import annotations

import difflib
import importlib

from ferrox.errors import UsageError
from ferrox.steps.interface import Step

_MODULES = (
    "fmt",
    "clippy",
    "test",
    "audit",
    "geiger",
    "licenses",
    "secrets",
    "bandit",
    "pip_audit",
    "safety",
    "security",
    "coverage",
    "bench",
    "build",
    "docker",
    "py_tests",
    "quality",
    "package",
    "health",
    "pipeline",
)


def all_steps() -> dict[str, Step]:
    """Every registered step by name, in pipeline order."""
    steps: dict[str, Step] = {}
    for module_name in _MODULES:
        step: Step = importlib.import_module(f"ferrox.steps.{module_name}").STEP
        steps[step.name] = step
    return steps


def default_steps() -> dict[str, Step]:
    """The steps a bare ``nox`` (and the demo job) runs.

    A composite stands in for its parts, and opt-in steps (``default=False``, e.g. bench) wait
    to be asked for.
    """
    steps = all_steps()
    covered = {step.covers_tag: name for name, step in steps.items() if step.covers_tag}
    return {
        name: step
        for name, step in steps.items()
        if step.default and not any(covered.get(tag, name) != name for tag in step.tags)
    }


def get_step(name: str) -> Step:
    """The named step; a usage error listing the steps (and the likely one) otherwise."""
    steps = all_steps()
    if name in steps:
        return steps[name]
    close = difflib.get_close_matches(name, list(steps), n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"unknown step {name!r}{suggestion} (steps: {', '.join(steps)})")


__all__ = ["Step", "all_steps", "default_steps", "get_step"]
