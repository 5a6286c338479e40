"""``licenses``: every dependency's license, Rust and Python, judged against an allowlist.

Rust: the ``license`` (SPDX) of each package ``cargo metadata`` resolves from Cargo.lock (all
dependency kinds, the workspace's own members excluded unless asked for). Python: the core
metadata of the distributions installed in the project's environment, read by its interpreter.
Restrictive (GPL, AGPL, LGPL, SSPL), unknown and missing licenses are findings; the gate is 0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from license_expression import ExpressionError

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolError, ToolOutputError
from ferrox.model import Finding, Level, StepResult
from ferrox.project_kind import has_python_dependencies, has_rust_project
from ferrox.rust.workspace import CARGO_HINT, METADATA_TIMEOUT_S
from ferrox.spdx import DEFAULT_ALLOW, DEFAULT_RESTRICTIVE, Verdict
from ferrox.steps.interface import Step

if TYPE_CHECKING:
    from ferrox.python.distributions import Distribution
    from ferrox.rust.lockfile import LockFile
    from ferrox.spdx import Judgement

TOOL = "licenses"
_RULES = {
    Verdict.RESTRICTIVE: "license/restrictive",
    Verdict.NOT_ALLOWED: "license/not-allowed",
    Verdict.UNKNOWN: "license/unknown",
}
_NAME = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class LicensesSettings:
    """``[licenses]``: the allowlist, exemptions and where the dependencies come from."""

    allow: tuple[str, ...] = setting(DEFAULT_ALLOW, "SPDX license ids a dependency may use")
    restrictive: tuple[str, ...] = setting(
        DEFAULT_RESTRICTIVE, "license id prefixes reported as restrictive"
    )
    allow_packages: tuple[str, ...] = setting(
        (), "packages accepted whatever their license (name or name@version), after review"
    )
    allow_license_file: tuple[str, ...] = setting(
        (), "packages whose license-file (no SPDX id) was reviewed and accepted"
    )
    include_workspace: bool = setting(False, "judge the workspace's own crates too")
    offline: Literal["auto", "always", "never"] = setting(
        "auto", "cargo metadata --offline: auto tries offline first, then online"
    )
    python: str = setting(
        "auto",
        "interpreter whose installed distributions are checked; auto: .venv of a Python "
        "project; none: skip Python",
    )
    python_paths: tuple[str, ...] = setting(
        (), "only the distributions under these directories (site-packages), relative to root"
    )
    timeout: float = setting(
        METADATA_TIMEOUT_S, "seconds before cargo metadata is killed", minimum=1, maximum=86400
    )

    def __post_init__(self) -> None:
        from ferrox.spdx import normalise_allowlist  # noqa: PLC0415

        # At load, so a typo ("Apache2", which would allow nothing) stops `ferrox run` first.
        try:
            normalise_allowlist(self.allow)
        except ExpressionError as exc:
            raise SettingError("allow", str(exc)) from None


@dataclass(frozen=True)
class Subject:
    """One dependency to judge: where it is from, its declared license and where to point."""

    ecosystem: str
    name: str
    version: str
    expression: str | None
    note: str
    path: str | None
    line: int | None


def run(ctx: Context) -> StepResult:
    """Judges every Rust and Python dependency's license against the allowlist."""
    from ferrox.spdx import normalise_allowlist  # noqa: PLC0415

    settings: LicensesSettings = ctx.settings
    allow = normalise_allowlist(settings.allow)  # valid: checked when the settings were loaded
    subjects: list[Subject] = []
    if has_rust_project(ctx.root):
        subjects += rust_subjects(ctx, settings)
    python = _python(ctx, settings)
    unchecked: list[Finding] = []
    if python is not None:
        subjects += python_subjects(ctx, settings, python)
    elif settings.python == "auto" and has_python_dependencies(ctx.root):
        unchecked.append(
            Finding(
                rule="license/python-unchecked",
                message="Python dependencies are declared but no environment was given (no "
                ".venv): their licenses are unchecked",
                level=Level.ERROR,
                detail="set [licenses] python to the environment's interpreter, "
                'or python = "none"',
            )
        )
    findings = [*unchecked]
    counts = dict.fromkeys(Verdict, 0)
    for subject in subjects:
        judgement = _judge(subject, settings, allow)
        counts[judgement.verdict] += 1
        if judgement.verdict is not Verdict.ALLOWED:
            findings.append(_finding(subject, judgement))
    checks = (
        gates.at_most("restrictive", counts[Verdict.RESTRICTIVE], 0, "restrictive licenses"),
        gates.at_most(
            "unknown", counts[Verdict.UNKNOWN] + len(unchecked), 0, "unknown or missing licenses"
        ),
        gates.at_most(
            "not_allowed", counts[Verdict.NOT_ALLOWED], 0, "licenses outside the allowlist"
        ),
    )
    rust = sum(1 for s in subjects if s.ecosystem == "rust")
    return StepResult(
        step="licenses",
        tool=TOOL,
        status=gates.verdict(checks),
        summary=(
            f"{len(subjects)} dependencies ({rust} Rust, {len(subjects) - rust} Python): "
            f"{counts[Verdict.RESTRICTIVE]} restrictive, {counts[Verdict.UNKNOWN]} unknown, "
            f"{counts[Verdict.NOT_ALLOWED]} not allowed"
            + ("; Python dependencies unchecked (no environment)" if unchecked else "")
        ),
        findings=tuple(findings),
        metrics={
            "dependencies": len(subjects),
            "rust": rust,
            "python": len(subjects) - rust,
            **{verdict.value.replace("-", "_"): count for verdict, count in counts.items()},
        },
        gates=checks,
    )


def _judge(subject: Subject, settings: LicensesSettings, allow: frozenset[str]) -> Judgement:
    from ferrox.spdx import Judgement, judge  # noqa: PLC0415

    if (
        subject.name in settings.allow_packages
        or f"{subject.name}@{subject.version}" in settings.allow_packages
    ):
        return Judgement(Verdict.ALLOWED, subject.expression or "", "allowed package")
    if (
        subject.expression is None
        and subject.note.startswith("only a license file")
        and subject.name in settings.allow_license_file
    ):
        return Judgement(Verdict.ALLOWED, "", "reviewed license file")
    judgement = judge(subject.expression, allow, settings.restrictive)
    if judgement.verdict is Verdict.UNKNOWN and subject.note and subject.expression is None:
        return Judgement(Verdict.UNKNOWN, "", subject.note)
    return judgement


def _finding(subject: Subject, judgement: Judgement) -> Finding:
    declared = judgement.expression or subject.expression or "none"
    return Finding(
        rule=_RULES[judgement.verdict],
        message=(
            f"{subject.ecosystem} dependency {subject.name} {subject.version}: "
            f"license {declared} ({judgement.reason})"
        ),
        level=Level.ERROR,
        path=subject.path,
        line=subject.line,
        help_uri="https://spdx.org/licenses/",
    )


def rust_subjects(ctx: Context, settings: LicensesSettings) -> list[Subject]:
    """The packages cargo resolves for the workspace (members only when configured)."""
    from ferrox.rust.lockfile import find_lockfile, read_lockfile  # noqa: PLC0415

    lock = read_lockfile(find_lockfile(ctx.root), TOOL)
    data = _metadata(ctx, settings)
    lock_rel = ctx.relative(lock.path)
    try:
        members = set(data["workspace_members"])
        packages: list[dict[str, Any]] = data["packages"]
        subjects = [
            _rust_subject(package, lock, lock_rel)
            for package in packages
            if settings.include_workspace or package["id"] not in members
        ]
    except (KeyError, TypeError) as exc:
        raise ToolOutputError(
            f"cargo metadata printed unexpected output: {exc!r}", tool="cargo"
        ) from exc
    return sorted(subjects, key=lambda s: (s.name, s.version))


def _rust_subject(package: dict[str, Any], lock: LockFile, lock_rel: str) -> Subject:
    license_text = package.get("license")
    # Cargo still accepts the deprecated `MIT/Apache-2.0`, which means MIT OR Apache-2.0.
    expression = license_text.replace("/", " OR ") if isinstance(license_text, str) else None
    license_file = package.get("license_file")
    note = (
        f"only a license file ({license_file}), no SPDX expression"
        if expression is None and license_file
        else ""
    )
    name, version = str(package["name"]), str(package["version"])
    return Subject(
        ecosystem="rust",
        name=name,
        version=version,
        expression=expression,
        note=note or ("" if expression else "no license declared"),
        path=lock_rel,
        line=lock.line_of(name, version),
    )


def _metadata(ctx: Context, settings: LicensesSettings) -> dict[str, Any]:
    """Full ``cargo metadata`` (dependencies resolved from Cargo.lock, which stays untouched)."""
    base = [
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--manifest-path",
        str(ctx.root / "Cargo.toml"),
    ]
    attempts = {"auto": (True, False), "always": (True,), "never": (False,)}[settings.offline]
    failures = []
    for offline in attempts:
        done = ctx.runner.run(
            "cargo",
            [*base, "--offline"] if offline else base,
            cwd=ctx.root,
            timeout=settings.timeout,
            hint=CARGO_HINT,
        )
        if done.returncode == 0:
            try:
                data: dict[str, Any] = json.loads(done.stdout)
            except ValueError as exc:
                raise ToolOutputError.of(
                    done, f"cargo metadata printed invalid JSON ({exc})", "cargo"
                ) from exc
            return data
        failures.append(done)
    last = failures[-1]
    raise ToolError(
        "cargo metadata could not resolve the dependencies, so their licenses are unknown "
        f"(exit {last.returncode})",
        tool="cargo",
        argv=last.argv,
        returncode=last.returncode,
        output_tail=last.tail(),
        hint="check that Cargo.lock is current (cargo update) and the registry is reachable",
    )


def _python(ctx: Context, settings: LicensesSettings) -> Path | str | None:
    if settings.python == "none":
        return None
    if settings.python != "auto":
        candidate = ctx.root / settings.python
        return candidate if candidate.exists() else settings.python
    for venv_python in (Path(".venv") / "bin" / "python", Path(".venv") / "Scripts" / "python.exe"):
        if (ctx.root / venv_python).exists():
            return ctx.root / venv_python
    return None


def python_subjects(ctx: Context, settings: LicensesSettings, python: Path | str) -> list[Subject]:
    """The distributions installed in the interpreter's environment (minus the project itself)."""
    from ferrox.python.distributions import read_distributions  # noqa: PLC0415

    paths = tuple((ctx.root / path).resolve() for path in settings.python_paths)
    for path in paths:
        if not path.is_dir():
            raise ConfigError(f"{path} is not a directory", key="licenses.python_paths")
    own = _own_python_name(ctx.root)
    subjects = [
        _python_subject(ctx, dist)
        for dist in read_distributions(ctx.runner, python, paths, ctx.root)
        if _normal(dist.name) != own
    ]
    return sorted(subjects, key=lambda s: (s.name, s.version))


def _python_subject(ctx: Context, dist: Distribution) -> Subject:
    from ferrox.spdx import judge  # noqa: PLC0415

    path = ctx.relative(dist.metadata_path) if dist.metadata_path else None
    outside = path is None or Path(path).is_absolute()
    best = dist.candidates[0][0] if dist.candidates else None
    # The first declaration that parses wins: `License: MIT License` falls back to classifiers.
    for expression, _source in dist.candidates:
        if judge(expression, frozenset(), ()).verdict is not Verdict.UNKNOWN:
            best = expression
            break
    note = (
        ""
        if dist.candidates
        else (f"classifiers too vague ({dist.vague})" if dist.vague else "no license metadata")
    )
    return Subject(
        ecosystem="python",
        name=dist.name,
        version=dist.version,
        expression=best,
        note=note,
        path=None if outside else path,
        line=1 if not outside else None,
    )


def _own_python_name(root: Path) -> str | None:
    import tomlkit.exceptions  # noqa: PLC0415

    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        document = tomlkit.parse(pyproject.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError):
        return None
    name = document.get("project", {}).get("name")
    return _normal(name) if isinstance(name, str) else None


def _normal(name: str) -> str:
    return _NAME.sub("-", name).lower()


def _applies(root: Path) -> bool:
    return has_rust_project(root) or has_python_dependencies(root)


STEP = Step(
    name="licenses",
    description="Check every Rust and Python dependency's license against an allowlist.",
    report_tool=TOOL,
    settings=LicensesSettings,
    run=run,
    tags=("rust", "python", "security", "ci"),
    needs_cargo=False,
    required_tools=("cargo",),
    applies=_applies,
)
