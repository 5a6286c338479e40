"""ferrox's own sessions: it dogfoods itself on the demo workspace in examples/demo.

nox -s demo    # the main job: every available step on examples/demo, then where the reports are
nox -s tests   # pytest with ferrox's coverage gate (>= 90%)
nox -s lint    # ruff (lint + format) and mypy --strict
"""

from __future__ import annotations

from pathlib import Path

import nox

import ferrox.nox
from ferrox.cli import main as ferrox_cli
from ferrox.engine import run_step
from ferrox.steps import default_steps

ROOT = Path(__file__).parent
DEMO = ROOT / "examples" / "demo"
PYPROJECT = nox.project.load_toml("pyproject.toml")

# The external tools the test suite runs for real, installed (or reused at their pinned version)
# by the tests session so that a fresh CI machine gets them. cargo-geiger and cargo-tarpaulin are
# source builds (minutes each on a fresh machine, then reused from the tools home).
TEST_TOOLS = (
    "cargo-nextest",
    "cargo-llvm-cov",
    "llvm-tools-preview",
    "cargo-tarpaulin",
    "cargo-audit",
    "cargo-geiger",
    "bandit",
    "pip-audit",
    "safety",
    "detect-secrets",
    "hadolint",
    "cargo-outdated",  # the health step's real run (reads the crates index)
    "cargo-zigbuild",  # the build step's cross linker (a wheel with zig beside it)
    # The Python steps: quality (ruff, mypy), package (build, twine; maturin for PyO3 projects).
    "ruff",
    "mypy",
    "build",
    "twine",
    "maturin",
)

# `nox -s demo` answers fast: the quick steps (their one tool is a wheel, seconds) give their
# verdicts first; then the security tools are installed (cargo-geiger is a source build of
# minutes on a fresh machine) and the other steps run. examples/demo is a Rust workspace: no
# Python scanners.
QUICK_STEPS = ("fmt", "clippy", "test")
QUICK_TOOLS = ("cargo-nextest",)
DEMO_TOOLS = (*QUICK_TOOLS, "cargo-audit", "cargo-geiger", "detect-secrets")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]

# fmt, clippy, test and tools, run on the demo workspace: the same sessions a user's repo gets.
ferrox.nox.register(root=DEMO)


@nox.session(tags=["python", "ci"])
def tests(session: nox.Session) -> None:
    """Run ferrox's test suite (real cargo, clippy, nextest) with the coverage gate."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "test"))
    # valgrind, chromium, qemu-user, busybox-static and docker-registry from the OS's packages
    session.run("python", "ci/bootstrap.py")
    # The docker tests build the demo's static binary.
    session.run("rustup", "target", "add", "x86_64-unknown-linux-musl", external=True)
    session.run("ferrox", "tools", "install", "-C", str(ROOT), *TEST_TOOLS)
    # The release publishers' real cargo registry (cargo-http-registry): a source build of
    # minutes on a fresh machine, then reused from the tools home.
    session.run("python", "tests/release/cargo_registry.py")
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
    session.run("ruff", "check", "src", "tests", "benchmarks", "ci", "noxfile.py", "tasks.py")
    session.run(
        "ruff", "format", "--check", "src", "tests", "benchmarks", "ci", "noxfile.py", "tasks.py"
    )
    session.run("mypy", "src")


@nox.session(venv_backend="none", tags=["rust", "demo"])
def demo(session: nox.Session) -> None:
    """Run every available step on examples/demo and print where the reports are."""
    # Composite steps (security) run their parts, so the parts are not run twice.
    steps = list(default_steps())
    quick = [name for name in steps if name in QUICK_STEPS]
    outcomes = {}
    # Each stage first gets the pinned tools it uses (reused when already installed).
    for tools, names in ((QUICK_TOOLS, quick), (DEMO_TOOLS, [n for n in steps if n not in quick])):
        if ferrox_cli(["tools", "install", "-C", str(ROOT), *tools]):
            session.error("ferrox tools install failed")
        outcomes |= {name: run_step(name, DEMO) for name in names}
    session.log("reports:")
    for name, outcome in outcomes.items():
        for kind, path in outcome.reports.items():
            session.log(f"  {name:<7} {kind:<9} {path.relative_to(ROOT)}")
    failed = [name for name, outcome in outcomes.items() if outcome.exit_code]
    if failed:
        session.error(f"steps that did not pass: {', '.join(failed)}")
