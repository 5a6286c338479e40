"""``package``: build the wheel and sdist, ``twine check`` them, install the wheel into a fresh
venv and run a smoke command there.

pyproject-build (the ``build`` tool, pinned in the tools home) builds any PEP 517 backend in an
isolated environment. A maturin project is built with the pinned ``maturin`` instead (``maturin
build --release`` and ``maturin sdist``): the extension wheel for this platform, compiled by
cargo. The smoke command runs with the fresh venv's scripts first on PATH; by default it imports
every top-level module the wheel ships.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ferrox import gates
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ToolOutputError
from ferrox.model import Finding, Level, Status, StepResult
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step
from ferrox.toolhome import venv_bin

MATURIN_BACKEND = "maturin"


@dataclass(frozen=True)
class PackageSettings:
    """``[package]``: the smoke command and the interpreter of the fresh venv."""

    timeout: float = setting(1800.0, "seconds before a command is killed", minimum=1, maximum=86400)
    interpreter: str = setting("python3", "interpreter of the fresh venv the wheel goes into")
    smoke: tuple[str, ...] = setting(
        (), "command run in the fresh venv (default: import each top-level module of the wheel)"
    )
    sdist: bool = setting(True, "build and check an sdist too")
    strict: bool = setting(True, "twine check --strict (warnings fail too)")

    def __post_init__(self) -> None:
        from ferrox.python import settings_checks  # noqa: PLC0415

        settings_checks.check_interpreters("interpreter", (self.interpreter,))


def run(ctx: Context) -> StepResult:
    """Builds, checks, installs and smoke-tests the project's distributions."""
    from ferrox.python.wheels import build_backend  # noqa: PLC0415

    settings: PackageSettings = ctx.settings
    pyproject = ctx.root / "pyproject.toml"
    if not _has_pyproject(ctx.root):
        return StepResult(
            step="package",
            tool=STEP.report_tool,
            status=Status.PASS,
            summary="skipped: no pyproject.toml with a [build-system] build-backend",
            extra={"skipped": True},
        )
    out = ctx.report_dir / "package"
    dist = out / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    maturin = build_backend(pyproject.read_text(encoding="utf-8")) == MATURIN_BACKEND
    version = _build_maturin(ctx, settings, dist) if maturin else _build(ctx, settings, dist)
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or (settings.sdist and len(sdists) != 1):
        raise ToolOutputError(
            f"the build left {len(wheels)} wheel(s) and {len(sdists)} sdist(s) in {dist}",
            tool="maturin" if maturin else "pyproject-build",
        )
    check_failures = _twine_check(ctx, settings, [*wheels, *sdists])
    smoke_failures = _smoke(ctx, settings, wheels[0], out / "smoke-venv")
    checks = (
        gates.at_most("twine", len(check_failures), 0, "distributions failing twine check"),
        gates.at_most("smoke", len(smoke_failures), 0, "failed installs or smoke commands"),
    )
    return StepResult(
        step="package",
        tool="pyproject-build" if not maturin else "maturin",
        status=gates.verdict(checks),
        summary=f"built {', '.join(p.name for p in (*wheels, *sdists))}",
        findings=(*check_failures, *smoke_failures),
        metrics={
            "wheels": len(wheels),
            "sdists": len(sdists),
            "twine_failures": len(check_failures),
            "smoke_failures": len(smoke_failures),
            "wheel_bytes": wheels[0].stat().st_size,
        },
        gates=checks,
        tool_version=version,
        extra={"maturin": maturin, "artifacts": [p.name for p in (*wheels, *sdists)]},
    )


def _build(ctx: Context, settings: PackageSettings, dist: Path) -> str:
    from ferrox.python import envs, scanners  # noqa: PLC0415

    version = scanners.check_version(ctx, "pyproject-build", ">=1")
    kinds = ["--wheel", "--sdist"] if settings.sdist else ["--wheel"]
    done = ctx.runner.run(
        "pyproject-build",
        [*kinds, "--outdir", str(dist), str(ctx.root)],
        cwd=ctx.root,
        timeout=settings.timeout,
        env=envs.PIP_ENV,
        hint=scanners.TOOLS_HINT,
    )
    if done.returncode != 0:
        raise ToolOutputError.of(
            done, f"the build failed (exit {done.returncode})", "pyproject-build"
        )
    return version


def _build_maturin(ctx: Context, settings: PackageSettings, dist: Path) -> str:
    from ferrox.python import scanners  # noqa: PLC0415

    version = scanners.check_version(ctx, "maturin", ">=1")
    commands = [["build", "--release", "--out", str(dist)]]
    if settings.sdist:
        commands.append(["sdist", "--out", str(dist)])
    for args in commands:
        done = ctx.runner.run(
            "maturin", args, cwd=ctx.root, timeout=settings.timeout, hint=scanners.TOOLS_HINT
        )
        if done.returncode != 0:
            raise ToolOutputError.of(done, f"maturin {args[0]} exited {done.returncode}", "maturin")
    return version


def _twine_check(ctx: Context, settings: PackageSettings, files: list[Path]) -> list[Finding]:
    from ferrox.python import scanners  # noqa: PLC0415

    # Names relative to dist/ (a distribution's name starts with a letter or digit, never '-'),
    # and a wide terminal: twine's rich output would otherwise wrap long paths mid-name.
    args = ["check", *(["--strict"] if settings.strict else []), *(p.name for p in files)]
    done = ctx.runner.run(
        "twine",
        args,
        cwd=files[0].parent,
        timeout=settings.timeout,
        hint=scanners.TOOLS_HINT,
        env={"NO_COLOR": "1", "COLUMNS": "1000"},
    )
    text = _plain(done.stdout + done.stderr)
    failed = [p for p in files if f"Checking {p.name}: FAILED" in text]
    passed = [p for p in files if f"Checking {p.name}: PASSED" in text]
    # twine exits 1 for failed checks; a file neither passed nor failed was never checked.
    if done.returncode not in (0, 1) or len(failed) + len(passed) != len(files):
        raise ToolOutputError.of(done, f"twine check exited {done.returncode}", "twine")
    if bool(failed) != (done.returncode == 1):
        raise ToolOutputError.of(done, "twine check's exit code and output disagree", "twine")
    return [
        Finding(
            rule="twine-check",
            message=f"{path.name} fails twine check",
            detail=_plain(done.tail(8)),
            level=Level.ERROR,
            path=None,
        )
        for path in failed
    ]


def _smoke(ctx: Context, settings: PackageSettings, wheel: Path, venv: Path) -> list[Finding]:
    from ferrox.python import envs  # noqa: PLC0415
    from ferrox.python.wheels import top_level_modules  # noqa: PLC0415

    program = envs.program_for(settings.interpreter)
    try:
        envs.fresh_venv(ctx.runner, program, venv, settings.timeout, [str(wheel)])
    except ToolOutputError as exc:
        # The wheel's own metadata (a bad dependency, a wrong Python tag) is the usual cause.
        return [_smoke_finding("wheel-install", f"{wheel.name} does not install", str(exc))]
    if settings.smoke:
        argv = list(settings.smoke)
    else:
        modules = top_level_modules(wheel)
        if not modules:
            return [_smoke_finding("wheel-empty", f"{wheel.name} ships no importable module", "")]
        argv = ["python", "-c", "; ".join(f"import {name}" for name in modules)]
    scripts = venv_bin(venv)
    # The venv's scripts first: `python`, `pip` and the wheel's console scripts are its own.
    path = f"{scripts}{_pathsep()}{ctx.runner.env.get('PATH', '')}"
    smoke_runner = ctx.runner.child()
    smoke_runner.env["PATH"] = path
    smoke_runner.env["VIRTUAL_ENV"] = str(venv)
    # Run outside the project so the source tree cannot shadow the installed wheel.
    done = smoke_runner.run(argv[0], argv[1:], cwd=venv, timeout=settings.timeout)
    ctx.runner.records.extend(smoke_runner.records)
    if done.returncode != 0:
        return [
            _smoke_finding(
                "smoke-failed",
                f"smoke command exited {done.returncode}: {' '.join(argv)}",
                done.tail(8),
            )
        ]
    return []


def _smoke_finding(rule: str, message: str, tail: str) -> Finding:
    return Finding(rule=rule, message=message, level=Level.ERROR, detail=tail or None)


def _plain(text: str) -> str:
    # twine colours its verdicts when it thinks it has a terminal.
    import re  # noqa: PLC0415

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _pathsep() -> str:
    import os  # noqa: PLC0415

    return os.pathsep


def _has_pyproject(root: Path) -> bool:
    from ferrox.python.wheels import build_backend  # noqa: PLC0415

    return (root / "pyproject.toml").is_file() and bool(
        build_backend((root / "pyproject.toml").read_text(encoding="utf-8"))
    )


STEP = Step(
    name="package",
    description="Build wheel and sdist, twine check, install into a fresh venv and smoke-test.",
    report_tool="pyproject-build",
    settings=PackageSettings,
    run=run,
    tags=("python", "package"),
    # Opt-in: a bare `nox` in a Rust repository (whose noxfile is Python) must not run it.
    default=False,
    needs_cargo=False,
    required_tools=("build", "twine"),
    applies=_has_pyproject,
    # Its own optional workflow (`[ci] workflows = [..., "python"]`): a Rust-only project's
    # generated ci.yml must not gain Python jobs that have nothing to run.
    ci=(CiJob(workflow="python"),),
)
