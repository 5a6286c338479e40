"""The nox adapter: ``ferrox.nox.register()`` in a noxfile defines one session per step.

A user's whole noxfile::

    import ferrox.nox

    ferrox.nox.register()

``nox -l`` then lists the steps with their descriptions, ``nox -t rust`` selects by tag, and
``nox -s fmt -- --fix`` passes options (and, after a second ``--``, tool arguments) through.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import nox

from ferrox.cli import add_run_options, main, run_options, split_extra
from ferrox.engine import error_masker, run_step
from ferrox.errors import FerroxError, from_os_error
from ferrox.sessions import PUBLISH
from ferrox.steps import Step, all_steps, default_steps
from ferrox.steps.interface import Variant


def register(root: str | Path | None = None, *, steps: Iterable[str] | None = None) -> list[str]:
    """Defines a nox session for each step (all by default) plus ``tools``; returns their names.

    ``root`` is the project directory, relative to the noxfile (default: the noxfile's directory).
    """
    available = all_steps()
    defaults = default_steps()
    chosen = list(steps) if steps is not None else list(available)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        raise ValueError(f"unknown ferrox step(s) {unknown}; steps: {', '.join(available)}")
    for name in chosen:
        _define(available[name], root, default=name in defaults)
    _define_tools(root)
    _define_publish(root)
    variants = [(name, variant) for name in chosen for variant in available[name].variants]
    for name, variant in variants:
        _define_variant(name, variant, root)
    return [*chosen, "tools", "publish", *(variant.name for _, variant in variants)]


def _define(step: Step, root: str | Path | None, *, default: bool) -> None:
    def session(session: nox.Session) -> None:
        _run_in_session(session, step.name, root)

    _register(
        session,
        name=step.name,
        doc=step.description,
        tags=list(step.tags),
        requires=list(step.requires),
        allow_parallel=step.parallel,
        default=default,
    )


def _define_tools(root: str | Path | None) -> None:
    def session(session: nox.Session) -> None:
        code = main(["tools", "install", "-C", str(_root(root)), *session.posargs])
        if code:
            session.error(f"ferrox tools install failed (exit {code})")

    _register(
        session,
        name="tools",
        doc="Install the pinned external tools (cargo-nextest, cargo-audit ...).",
        tags=["setup"],
        requires=[],
        allow_parallel=False,
        default=False,
    )


def _define_publish(root: str | Path | None) -> None:
    def session(session: nox.Session) -> None:
        code = main(["release", "--publish", "-C", str(_root(root)), *session.posargs])
        if code:
            session.error(f"ferrox release --publish failed (exit {code})")

    _register(
        session,
        name=PUBLISH.name,
        doc=PUBLISH.description,
        tags=list(PUBLISH.tags),
        requires=[],
        allow_parallel=False,
        default=False,
    )


def _define_variant(step: str, variant: Variant, root: str | Path | None) -> None:
    def session(session: nox.Session) -> None:
        code = main(["run", step, "-C", str(_root(root)), *variant.options, *session.posargs])
        if code:
            shown = " ".join(["run", step, *variant.options])
            session.error(f"ferrox {shown} failed (exit {code})")

    _register(
        session,
        name=variant.name,
        doc=variant.description,
        tags=[step],
        requires=[],
        allow_parallel=False,
        default=False,
    )


def _register(
    function: Callable[[nox.Session], None],
    *,
    name: str,
    doc: str,
    tags: list[str],
    requires: list[str],
    allow_parallel: bool,
    default: bool = True,
) -> None:
    function.__doc__ = doc  # nox -l shows the docstring's first line
    function.__name__ = function.__qualname__ = name
    decorator: Any = nox.session(
        name=name,
        venv_backend="none",  # Rust steps need no virtualenv
        tags=tags,
        requires=requires or None,
        allow_parallel=allow_parallel,
        default=default,
    )
    decorator(function)


def _run_in_session(session: nox.Session, step: str, root: str | Path | None) -> None:
    parser = argparse.ArgumentParser(prog=f"nox -s {step} --", add_help=True, exit_on_error=False)
    add_run_options(parser)
    own, extra = split_extra(session.posargs)
    try:
        options = run_options(parser.parse_args(own), extra)
    except (argparse.ArgumentError, SystemExit) as exc:
        session.error(f"bad arguments for {step}: {exc}")
    try:
        outcome = run_step(step, _root(root), options)
    except (FerroxError, OSError) as exc:
        failure = exc if isinstance(exc, FerroxError) else from_os_error(exc, "could not complete")
        # Masked like every other output: an error message can quote a tool's output.
        message = error_masker(_root(root), os.environ).mask(str(failure))
        session.error(f"{step}: {message} (exit {failure.exit_code})")
    if outcome.exit_code != 0:
        session.error(f"{step}: {outcome.result.status.value} (exit {outcome.exit_code})")


def _root(root: str | Path | None) -> Path:
    # nox runs sessions from the noxfile's directory, so relative roots are relative to it.
    return Path.cwd() if root is None else Path(root).resolve()
