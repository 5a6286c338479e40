"""ferrox's own sessions: it dogfoods itself on the demo workspace in examples/demo.

nox -s demo    # the main job: every available step on examples/demo, then where the reports are
nox -s tests   # pytest with ferrox's coverage gate (>= 90%)
nox -s lint    # ruff (lint + format) and mypy --strict
"""

from __future__ import annotations

from pathlib import Path

import nox

import ferrox.nox
from ferrox.engine import run_step
from ferrox.steps import all_steps

ROOT = Path(__file__).parent
DEMO = ROOT / "examples" / "demo"
PYPROJECT = nox.project.load_toml("pyproject.toml")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]

# fmt, clippy, test and tools, run on the demo workspace: the same sessions a user's repo gets.
ferrox.nox.register(root=DEMO)


@nox.session(tags=["python", "ci"])
def tests(session: nox.Session) -> None:
    """Run ferrox's test suite (real cargo, clippy, nextest) with the coverage gate."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run(
        "pytest",
        "--cov=ferrox",
        "--cov-report=term-missing:skip-covered",
        "--cov-report=xml:target/coverage.xml",
        "--cov-fail-under=90",
        "--junitxml=target/pytest-junit.xml",
        *session.posargs,
    )


@nox.session(tags=["python", "ci", "lint"])
def lint(session: nox.Session) -> None:
    """Lint and type-check ferrox: ruff check, ruff format --check, mypy --strict."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py", "tasks.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py", "tasks.py")
    session.run("mypy", "src")


@nox.session(venv_backend="none", tags=["rust", "demo"])
def demo(session: nox.Session) -> None:
    """Run every available step on examples/demo and print where the reports are."""
    outcomes = {name: run_step(name, DEMO) for name, step in all_steps().items() if step.default}
    session.log("reports:")
    for name, outcome in outcomes.items():
        for kind, path in outcome.reports.items():
            session.log(f"  {name:<7} {kind:<9} {path.relative_to(ROOT)}")
    failed = [name for name, outcome in outcomes.items() if outcome.exit_code]
    if failed:
        session.error(f"steps that did not pass: {', '.join(failed)}")
