"""``build``: the release binaries for every target, smoke-run, size-gated, archived, checksummed.

One Linux box builds the designs' five targets: plain cargo for the host (and its musl twin),
cargo-zigbuild for the others, ``cross`` where configured. A missing standard library is added
with ``rustup target add``. Each binary then runs (``smoke_args``) where this host can run it:
natively, aarch64 Linux under qemu-user, Windows under wine when present; the report says per
target whether it ran and why not. Archives (tar.gz, zip for Windows) hold the binary, README
and LICENSE, and ``SHA256SUMS`` lists them; both are reproducible (path remapping,
``SOURCE_DATE_EPOCH``, sorted members with fixed times and owners) and written all-or-nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ferrox import gates
from ferrox.build import archive
from ferrox.build.targets import DEFAULT_TRIPLES, BuildTarget
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolOutputError
from ferrox.model import Finding, GateCheck, Level, StepResult
from ferrox.rust.workspace import CARGO_HINT, Package
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step

_TRIPLE = re.compile(r"[a-z0-9_.]+(?:-[a-z0-9_.]+){1,4}")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_MB = 1024 * 1024


@dataclass(frozen=True)
class BuildSettings:
    """``[build]``: the targets, how to smoke-run them, the size budget, where archives go."""

    targets: tuple[str, ...] = setting(DEFAULT_TRIPLES, "Rust target triples to build")
    libc: Literal["musl", "gnu"] = setting("musl", "the libc of the Linux targets")
    cross: tuple[str, ...] = setting((), "targets built with `cross` instead of cargo-zigbuild")
    bins: tuple[str, ...] = setting((), "binaries to ship (empty: every binary of the workspace)")
    profile: str = setting("release", "the cargo profile to build with")
    features: tuple[str, ...] = setting((), "cargo features enabled for every target")
    smoke_args: tuple[str, ...] = setting(("--version",), "arguments of each binary's smoke run")
    max_binary_mb: float = setting(16.0, "size budget of each binary in MiB", minimum=0)
    # Under the report directory by default: CI uploads that directory, archives included.
    dist_dir: str = setting(
        "target/ferrox/dist", "where archives and SHA256SUMS go (from the root)"
    )
    verify_reproducible: bool = setting(
        False, "build each target a second time in another target dir and compare SHA-256"
    )
    timeout: float = setting(3600.0, "seconds before one target's build is killed", minimum=1)
    extra_args: tuple[str, ...] = setting((), "extra arguments passed to each build command")

    def __post_init__(self) -> None:
        for key, values, pattern in (
            ("targets", self.targets, _TRIPLE),
            ("cross", self.cross, _TRIPLE),
            ("bins", self.bins, _NAME),
            ("profile", (self.profile,), _NAME),
        ):
            for value in values:
                if not pattern.fullmatch(value):
                    raise SettingError(key, f"{value!r} is not a valid {key[:-1]} name")
        if not self.targets:
            raise SettingError("targets", "needs at least one target triple")
        unknown = sorted(set(self.cross) - set(self.targets))
        if unknown:
            raise SettingError("cross", f"{unknown[0]!r} is not in targets", choices=self.targets)


@dataclass(frozen=True)
class Shipped:
    """One binary of one target: where it is, how big, its smoke run, its archive."""

    target: BuildTarget
    bin: str
    size: int
    smoke: str
    smoke_detail: str
    archive: Path | None
    sha256: str
    reproducible: bool | None = None


def run(ctx: Context) -> StepResult:
    """Builds, smoke-runs, size-gates and archives every configured target."""
    from ferrox.build.cargo_build import (  # noqa: PLC0415
        build_target,
        source_date_epoch,
    )
    from ferrox.build.profile import release_profile_suggestions  # noqa: PLC0415
    from ferrox.build.targets import check_triples, plan_targets, with_libc  # noqa: PLC0415

    settings: BuildSettings = ctx.settings
    host, known = _rustc_facts(ctx)
    triples = with_libc(settings.targets, settings.libc)
    source = ctx.config.source.describe() if ctx.config is not None else "(defaults)"
    check_triples(triples, known, file=source, key="build.targets")
    packages = _binaries(ctx, settings, source)
    targets = plan_targets(triples, host, with_libc(settings.cross, settings.libc))
    epoch = source_date_epoch(ctx.runner, ctx.root)
    target_dir = ctx.workspace.target_dir
    dist = ctx.root / settings.dist_dir
    shipped: list[Shipped] = []
    findings: list[Finding] = []
    failed: list[str] = []
    metrics: dict[str, float] = {}
    for target in targets:
        built = build_target(
            ctx.runner, ctx.root, target, target_dir=target_dir, profile=settings.profile,
            bins=tuple(packages), features=settings.features,
            extra_args=(*settings.extra_args, *ctx.extra_args), epoch=epoch,
            timeout=settings.timeout,
        )  # fmt: skip
        outcome, command, env, out = built.outcome, built.command, built.env, built.out_dir
        metrics[f"build_s:{target.triple}"] = round(outcome.seconds, 2)
        if not outcome.ok:
            failed.append(target.triple)
            findings.append(
                Finding(
                    rule="build/failed",
                    message=f"the build for {target.triple} failed ({target.strategy})",
                    detail=outcome.tail,
                )
            )
            continue
        repro_env = {**env, "CARGO_TARGET_DIR": str(target_dir / "ferrox-repro")}
        for name, package in packages.items():
            binary = out / target.binary_name(name)
            if not binary.is_file():
                raise ToolOutputError(
                    f"{command[0]} reported success but {binary} does not exist",
                    tool=command[0],
                )
            again = None
            if settings.verify_reproducible:
                again = _rebuilt_same(
                    ctx,
                    settings=settings,
                    command=command,
                    env=repro_env,
                    target=target,
                    binary=binary,
                )
            shipped.append(
                _ship(
                    ctx,
                    settings=settings,
                    target=target,
                    host=host,
                    binary=binary,
                    name=name,
                    package=package,
                    dist=dist,
                    epoch=epoch,
                    reproducible=again,
                )
            )
    archives = [s.archive for s in shipped if s.archive is not None]
    if archives:
        archive.write_checksums(dist / "SHA256SUMS", archives)
    missing = release_profile_suggestions(ctx.workspace.root / "Cargo.toml")
    advice = "[profile.release] could add: " + "; ".join(str(m) for m in missing) if missing else ""
    return _result(
        settings,
        advice=advice or None,
        shipped=shipped,
        failed=failed,
        findings=findings,
        metrics=metrics,
    )


def _rustc_facts(ctx: Context) -> tuple[str, tuple[str, ...]]:
    from ferrox.build.targets import parse_host, parse_target_list  # noqa: PLC0415

    version = ctx.runner.run("rustc", ["-vV"], cwd=ctx.root, timeout=60.0, hint=CARGO_HINT)
    host = parse_host(version.stdout) if version.returncode == 0 else None
    listed = ctx.runner.run("rustc", ["--print", "target-list"], cwd=ctx.root, timeout=60.0)
    known = parse_target_list(listed.stdout) if listed.returncode == 0 else ()
    if host is None or not known:
        raise ToolOutputError.of(listed, "rustc did not report its host and targets", "rustc")
    return host, known


def _binaries(ctx: Context, settings: BuildSettings, source: str) -> dict[str, Package]:
    """Binary name -> its package: the configured ones (checked), else every workspace binary."""
    available = dict(ctx.workspace.binaries)
    for name in settings.bins:
        if name not in available:
            raise ConfigError(
                f"no binary {name!r} in the workspace",
                file=source,
                key="build.bins",
                choices=sorted(available),
            )
    chosen = settings.bins or tuple(sorted(available))
    if not chosen:
        raise ConfigError("the workspace has no binary to build", file=source, key="build.bins")
    return {name: available[name] for name in chosen}


def _rebuilt_same(
    ctx: Context,
    *,
    settings: BuildSettings,
    command: tuple[str, list[str]],
    env: dict[str, str],
    target: BuildTarget,
    binary: Path,
) -> bool | None:
    """Builds again in a second target dir; whether the binary's bytes are the same."""
    from ferrox.build.cargo_build import profile_dir, run_build  # noqa: PLC0415

    outcome = run_build(ctx.runner, command, cwd=ctx.root, env=env, timeout=settings.timeout)
    if not outcome.ok:
        return None
    second = (
        Path(env["CARGO_TARGET_DIR"]) / target.triple / profile_dir(settings.profile) / binary.name
    )
    return second.is_file() and archive.sha256_file(second) == archive.sha256_file(binary)


def _ship(
    ctx: Context,
    *,
    settings: BuildSettings,
    target: BuildTarget,
    host: str,
    binary: Path,
    name: str,
    package: Package,
    dist: Path,
    epoch: int,
    reproducible: bool | None,
) -> Shipped:
    from ferrox.build.smoke import launcher_for, smoke_run  # noqa: PLC0415

    launcher = launcher_for(target, host, ctx.runner)
    smoke = smoke_run(binary, launcher, settings.smoke_args, ctx.runner, ctx.root)
    stem = f"{name}-{package.version}-{target.triple}"
    members = [archive.Member(f"{stem}/{binary.name}", binary, executable=True)]
    members += [archive.Member(f"{stem}/{doc.name}", doc) for doc in _docs(ctx, package)]
    if target.is_windows:
        path = dist / f"{stem}.zip"
        archive.write_zip(path, members, epoch)
    else:
        path = dist / f"{stem}.tar.gz"
        archive.write_tar_gz(path, members, epoch)
    return Shipped(
        target=target,
        bin=name,
        size=binary.stat().st_size,
        smoke=smoke.label,
        smoke_detail=smoke.detail,
        archive=path,
        sha256=archive.sha256_file(path),
        reproducible=reproducible,
    )


def _docs(ctx: Context, package: Package) -> list[Path]:
    """README and LICENSE files of the package, else of the workspace root."""
    for directory in (package.directory, ctx.workspace.root):
        found = sorted(
            p
            for p in directory.iterdir()
            if p.is_file() and p.name.upper().startswith(("README", "LICENSE", "COPYING"))
        )
        if found:
            return found
    return []


def _result(
    settings: BuildSettings,
    *,
    advice: str | None,
    shipped: list[Shipped],
    failed: list[str],
    findings: list[Finding],
    metrics: dict[str, float],
) -> StepResult:
    budget = settings.max_binary_mb
    checks: list[GateCheck] = [
        gates.at_most("failed_builds", len(failed), 0, "targets whose build failed"),
        gates.at_most(
            "smoke_failures",
            sum(1 for s in shipped if s.smoke == "failed"),
            0,
            "binaries whose smoke run failed",
        ),
    ]
    for item in shipped:
        size_mb = round(item.size / _MB, 3)
        key = f"{item.bin}:{item.target.triple}"
        metrics[f"size_bytes:{key}"] = item.size
        checks.append(gates.at_most(f"size_mb:{key}", size_mb, budget, f"MiB of {key}"))
        if size_mb > budget:
            findings.append(
                Finding(
                    rule="build/over-budget",
                    message=f"{key} is {size_mb:.2f} MiB, over the {budget:g} MiB budget",
                    detail=advice,
                )
            )
        # One line per binary: built how, how big, and its smoke run (passed, failed, or not
        # run and why), so the report answers "what was verified where".
        findings.append(
            Finding(
                rule="build/smoke-failed" if item.smoke == "failed" else "build/built",
                message=f"{key}: built with {item.target.strategy}, {size_mb:.2f} MiB, "
                f"smoke run {item.smoke}: {item.smoke_detail}",
                level=Level.ERROR if item.smoke == "failed" else Level.NOTE,
                detail=f"{item.archive.name if item.archive else ''} sha256 {item.sha256}",
            )
        )
        if item.reproducible is False:
            findings.append(
                Finding(
                    rule="build/not-reproducible",
                    message=f"{key}: a second build gave a different binary",
                    level=Level.WARNING,
                )
            )
    metrics["targets"] = len(shipped) + len(failed)
    metrics["failed_builds"] = len(failed)
    metrics["smoke_passed"] = sum(1 for s in shipped if s.smoke == "passed")
    metrics["smoke_not_run"] = sum(1 for s in shipped if s.smoke == "not run")
    table = [_row(item) for item in shipped] + [{"target": t, "built": False} for t in failed]
    summary = (
        f"{len(shipped)} binary(ies) built for {len({s.target.triple for s in shipped})} "
        f"target(s), {len(failed)} failed; smoke: {int(metrics['smoke_passed'])} passed, "
        f"{int(metrics['smoke_not_run'])} not run"
    )
    return StepResult(
        step="build",
        tool="cargo",
        status=gates.verdict(checks),
        summary=summary,
        findings=tuple(findings),
        metrics=metrics,
        gates=tuple(checks),
        extra={"targets": table},
    )


def _row(item: Shipped) -> dict[str, Any]:
    return {
        "target": item.target.triple,
        "bin": item.bin,
        "strategy": item.target.strategy,
        "built": True,
        "size_bytes": item.size,
        "smoke": item.smoke,
        "smoke_detail": item.smoke_detail,
        "archive": item.archive.name if item.archive else None,
        "sha256": item.sha256,
        "reproducible": item.reproducible,
    }


STEP = Step(
    name="build",
    description="Cross-build release binaries for every target, smoke-run, archive, checksum.",
    report_tool="cargo",
    settings=BuildSettings,
    run=run,
    tags=("rust", "release"),
    uses_target_dir=True,
    required_tools=("cargo", "cargo-zigbuild"),
    default=False,
    parallel=False,
    # On v* tags, one Linux runner cross-builds every target; the archives travel in the
    # uploaded report directory. No cargo cache: release artifacts must not be built from a
    # cache another run could have poisoned.
    ci=(CiJob(workflow="release", job="build-archives", cargo_cache=False),),
)
