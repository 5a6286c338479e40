"""``geiger``: unsafe Rust, split into the workspace's own crates (budgeted) and dependencies.

cargo-geiger is run once per workspace member (``--manifest-path``, which it wants absolute),
so virtual workspaces work; the reports are merged by package. An own crate may use as much
unsafe as the committed baseline (``ci/geiger-baseline.json``) records, plus ``budget``;
``ferrox run geiger --fix`` rewrites the baseline from the current counts. An own crate
geiger could not measure, or an own source file it did not scan, fails the gate: an unmeasured
crate is not a safe one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox import gates
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolOutputError
from ferrox.files import write_text_atomic
from ferrox.model import Finding, Level, StepResult
from ferrox.rust.workspace import CARGO_HINT, Package
from ferrox.steps.interface import Step

TOOL = "cargo-geiger"
CATEGORIES = ("functions", "exprs", "item_impls", "item_traits", "methods")
BASELINE_VERSION = 1
_UNSAFE_LINE = re.compile(r"\bunsafe\s*(\{|fn\b|impl\b|trait\b|extern\b)")


@dataclass(frozen=True)
class GeigerSettings:
    """``[geiger]``: the baseline file and how much unsafe the own crates may add to it."""

    baseline: str = setting(
        "ci/geiger-baseline.json", "committed unsafe counts per own crate (--fix rewrites it)"
    )
    budget: int = setting(0, "unsafe uses an own crate may add beyond its baseline", minimum=0)
    dependency_budget: int = setting(
        -1, "unsafe uses all dependencies together may have (-1: not gated)", minimum=-1
    )
    require_pinned_version: bool = setting(True, "refuse a cargo-geiger other than the pinned one")
    timeout: float = setting(
        1800.0, "seconds before cargo geiger is killed", minimum=1, maximum=86400
    )
    extra_args: tuple[str, ...] = setting((), "extra arguments passed to cargo geiger")


@dataclass(frozen=True)
class Usage:
    """One package's unsafe counts (code the build uses) as geiger measured them."""

    name: str
    version: str
    source: str
    used: dict[str, int]
    unused: int
    forbids_unsafe: bool

    @property
    def unsafe(self) -> int:
        """All unsafe items the build uses."""
        return sum(self.used.values())


@dataclass(frozen=True)
class GeigerReport:
    """Everything geiger measured in one or more runs."""

    packages: dict[tuple[str, str], Usage]
    without_metrics: frozenset[tuple[str, str]]
    unscanned_files: frozenset[str]


def parse_report(text: str) -> GeigerReport:
    """Reads ``cargo geiger --output-format Json``; anything else is a ToolOutputError."""
    try:
        data = json.loads(text)
        packages = {}
        for entry in data["packages"]:
            ident = entry["package"]["id"]
            unsafety = entry["unsafety"]
            usage = Usage(
                name=str(ident["name"]),
                version=str(ident["version"]),
                source=next(iter(ident["source"])),
                used={c: int(unsafety["used"][c]["unsafe_"]) for c in CATEGORIES},
                unused=sum(int(unsafety["unused"][c]["unsafe_"]) for c in CATEGORIES),
                forbids_unsafe=bool(unsafety["forbids_unsafe"]),
            )
            packages[(usage.name, usage.version)] = usage
        without = frozenset(
            (str(p["name"]), str(p["version"])) for p in data["packages_without_metrics"]
        )
        files = frozenset(str(f) for f in data["used_but_not_scanned_files"])
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration) as exc:
        raise ToolOutputError(
            f"cargo geiger printed output that is not a geiger JSON report ({exc!r})",
            tool=TOOL,
            output_tail=text[-400:],
        ) from exc
    return GeigerReport(packages, without, files)


def merge(reports: list[GeigerReport]) -> GeigerReport:
    """One report for the workspace: each package once, every gap kept."""
    packages: dict[tuple[str, str], Usage] = {}
    for report in reports:
        packages.update(report.packages)
    without = frozenset().union(*(r.without_metrics for r in reports)) - set(packages)
    files = frozenset().union(*(r.unscanned_files for r in reports))
    return GeigerReport(packages, frozenset(without), frozenset(files))


def run(ctx: Context) -> StepResult:
    """Runs cargo geiger on each member and gates the own crates' unsafe against the baseline."""
    from ferrox.rust.cargo_subcommand import check_subcommand  # noqa: PLC0415

    settings: GeigerSettings = ctx.settings
    baseline_path = ctx.root / settings.baseline
    baseline = read_baseline(baseline_path)
    version = check_subcommand(
        ctx.runner, ctx.root, "geiger", require_pin=settings.require_pinned_version
    )
    workspace = ctx.workspace
    reports = [_scan(ctx, settings, member) for member in workspace.members]
    report = merge(reports)
    own = {(m.name, m.version): m for m in workspace.members}
    if ctx.fix:
        current = {
            m.name: report.packages[key].used for key, m in own.items() if key in report.packages
        }
        write_baseline(baseline_path, current)
        baseline = read_baseline(baseline_path)
    return _result(ctx, settings, report, own, baseline=baseline, version=version)


def _scan(ctx: Context, settings: GeigerSettings, member: Package) -> GeigerReport:
    manifest = member.manifest_path.resolve()
    done = ctx.runner.run(
        "cargo",
        [
            "geiger",
            "--output-format",
            "Json",
            "--manifest-path",
            str(manifest),
            *settings.extra_args,
            *ctx.extra_args,
        ],
        cwd=ctx.root,
        timeout=settings.timeout,
        hint=CARGO_HINT,
    )
    if done.returncode != 0 or not done.stdout.strip():
        message = f"cargo geiger exited {done.returncode} without a report for {member.name}"
        raise ToolOutputError.of(done, message, TOOL)
    return parse_report(done.stdout)


def _result(
    ctx: Context,
    settings: GeigerSettings,
    report: GeigerReport,
    own: dict[tuple[str, str], Package],
    *,
    baseline: dict[str, dict[str, int]],
    version: str,
) -> StepResult:
    from ferrox.rust.lockfile import package_lines  # noqa: PLC0415

    findings: list[Finding] = []
    over_budget = own_unsafe = forbidding = 0
    for key, member in sorted(own.items()):
        usage = report.packages.get(key)
        if usage is None:
            continue
        own_unsafe += usage.unsafe
        forbidding += usage.forbids_unsafe
        allowed = baseline.get(member.name, {})
        extra = sum(max(0, usage.used[c] - allowed.get(c, 0)) for c in CATEGORIES)
        if extra > settings.budget:
            over_budget += 1
            findings.append(
                _own_finding(
                    ctx, member, usage, allowed=allowed, extra=extra, budget=settings.budget
                )
            )
    unscanned = []
    for key, member in sorted(own.items()):
        if key in report.without_metrics or key not in report.packages:
            unscanned.append(
                Finding(
                    rule="unsafe/unmeasured-crate",
                    message=f"cargo-geiger could not measure the workspace crate {member.name} "
                    f"{member.version}",
                    level=Level.ERROR,
                    path=ctx.relative(member.manifest_path),
                    line=1,
                    detail="an unmeasured crate is not a safe one: check that it builds",
                )
            )
    roots = [m.directory.resolve() for m in own.values()]
    for file in sorted(report.unscanned_files):
        path = Path(file).resolve()
        if any(path.is_relative_to(root) for root in roots):
            unscanned.append(
                Finding(
                    rule="unsafe/unscanned-file",
                    message=f"cargo-geiger did not scan {ctx.relative(path)}, which the build uses",
                    level=Level.ERROR,
                    path=ctx.relative(path),
                    line=1,
                )
            )
    dependencies = [u for key, u in sorted(report.packages.items()) if key not in own]
    dependency_unsafe = sum(u.unsafe for u in dependencies)
    lock = ctx.workspace.root / "Cargo.lock"
    lines = package_lines(lock.read_text(encoding="utf-8")) if lock.is_file() else {}
    for usage in dependencies:
        if usage.unsafe:
            findings.append(
                Finding(
                    rule="unsafe/dependency",
                    message=f"dependency {usage.name} {usage.version} uses unsafe "
                    f"{usage.unsafe} time(s) ({_counts(usage.used)})",
                    level=Level.NOTE,
                    path=ctx.relative(lock) if lines else None,
                    line=lines.get((usage.name, usage.version)),
                )
            )
    findings += unscanned
    checks = [
        gates.at_most(
            "own_over_budget",
            over_budget,
            0,
            f"own crates beyond baseline + budget ({settings.budget})",
        ),
        gates.at_most(
            "unmeasured", len(unscanned), 0, "own crates or files geiger could not measure"
        ),
    ]
    if settings.dependency_budget >= 0:
        checks.append(
            gates.at_most(
                "dependency_unsafe",
                dependency_unsafe,
                settings.dependency_budget,
                "unsafe uses in dependencies",
            )
        )
    dependency_gaps = len(report.without_metrics) - sum(
        1 for key in report.without_metrics if key in own
    )
    return StepResult(
        step="geiger",
        tool=TOOL,
        status=gates.verdict(checks),
        summary=(
            f"own crates: {own_unsafe} unsafe use(s) in {len(own)} crate(s), {over_budget} over "
            f"budget; dependencies: {dependency_unsafe} in "
            f"{sum(1 for u in dependencies if u.unsafe)} of {len(dependencies)}"
        ),
        findings=tuple(findings),
        metrics={
            "own_crates": len(own),
            "own_unsafe": own_unsafe,
            "own_forbid_unsafe": forbidding,
            "own_over_budget": over_budget,
            "unmeasured": len(unscanned),
            "dependencies": len(dependencies),
            "dependency_unsafe": dependency_unsafe,
            "dependencies_unmeasured": dependency_gaps,
        },
        gates=tuple(checks),
        tool_version=version,
    )


def _own_finding(
    ctx: Context,
    member: Package,
    usage: Usage,
    *,
    allowed: dict[str, int],
    extra: int,
    budget: int,
) -> Finding:
    path, line = _first_unsafe_line(member)
    return Finding(
        rule="unsafe/own-crate",
        message=(
            f"{member.name} uses unsafe {usage.unsafe} time(s) ({_counts(usage.used)}): {extra} "
            f"beyond its baseline ({_counts(allowed) or 'none'}), budget {budget}"
        ),
        level=Level.ERROR,
        path=ctx.relative(path),
        line=line,
        detail="remove the unsafe code, or accept it by refreshing the baseline: "
        "ferrox run geiger --fix",
    )


def _first_unsafe_line(member: Package) -> tuple[Path, int]:
    """Where a reviewer should look first: the first ``unsafe`` in the crate's sources.

    geiger counts per crate, not per line; this is a pointer for SARIF, not a second count.
    """
    for source in sorted(member.directory.rglob("*.rs")):
        if "target" in source.relative_to(member.directory).parts:
            continue
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, text in enumerate(lines, start=1):
            code = text.split("//", 1)[0]
            if _UNSAFE_LINE.search(code):
                return source, number
    return member.manifest_path, 1


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items() if count)


def read_baseline(path: Path) -> dict[str, dict[str, int]]:
    """Crate name -> unsafe counts per category; no file means no unsafe is accepted."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != BASELINE_VERSION:
            raise ValueError(f"version must be {BASELINE_VERSION}")
        crates: dict[str, Any] = data["crates"]
        return {
            str(name): {c: int(counts.get(c, 0)) for c in CATEGORIES}
            for name, counts in crates.items()
        }
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"not a geiger baseline ({exc}); rewrite it with `ferrox run geiger --fix`",
            file=str(path),
        ) from exc


def write_baseline(path: Path, crates: dict[str, dict[str, int]]) -> None:
    """Writes the baseline: only crates (and categories) that use unsafe are listed."""
    listed = {
        name: {c: n for c, n in counts.items() if n}
        for name, counts in sorted(crates.items())
        if any(counts.values())
    }
    document = {"version": BASELINE_VERSION, "crates": listed}
    write_text_atomic(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


STEP = Step(
    name="geiger",
    description="Count unsafe Rust in the workspace's crates (budgeted) and its dependencies.",
    report_tool=TOOL,
    settings=GeigerSettings,
    run=run,
    tags=("rust", "security", "ci"),
    uses_target_dir=True,
    required_tools=("cargo", "cargo-geiger"),
)
