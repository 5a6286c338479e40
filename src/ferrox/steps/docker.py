"""``docker``: builds the cpu, gpu and minimal images, gates their size, smoke-runs them, tags them.

Per variant (``[docker] variants``): ``scripts/docker/Dockerfile.<variant>`` is built from a
context holding only the static binary, with buildx when its plugin exists, else the classic
builder (the report says which and why). The image is built by ID; it is tagged
(``<image>-<variant>:<tag>``: ``{version}``, ``{sha}``, and ``latest`` with ``--release``) only
after its gates pass: size within ``budget_mb``, and the smoke runs (the image with ``--version``,
its HEALTHCHECK command) exit 0. hadolint lints the Dockerfiles first. A build that fails is a gate
failure (exit 1) whose finding holds the builder's last lines; no daemon is exit 3.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.docker import binary as static
from ferrox.docker import hadolint, images
from ferrox.docker.variants import VARIANTS, CpuVariant, GpuVariant, MinimalVariant, VariantName
from ferrox.errors import ConfigError, UsageError
from ferrox.model import Finding, GateCheck, Level, StepResult
from ferrox.project_kind import has_rust_project
from ferrox.steps.build import BuildSettings
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step

if TYPE_CHECKING:
    from ferrox.docker import builder as docker_builder
    from ferrox.docker.variants import VariantSettings

# A repository path as docker accepts it (lower case components separated by /).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
# The image table: builder, why, and per variant its ID, size, budget, build time, smoke runs, tags.
IMAGES_REPORT = "docker-images.json"
# A failed build's last lines shown under the summary (the finding's detail holds more).
SUMMARY_BUILD_LINES = 4
# Short docker commands (inspect, tag, run of a smoke command).
_QUICK = 120.0


@dataclass(frozen=True)
class DockerSettings:
    """``[docker]``: which images to build, from where, and each variant's table."""

    variants: tuple[VariantName, ...] = setting(VARIANTS, "the images to build (cpu, gpu, minimal)")
    dockerfile_dir: str = setting(
        "scripts/docker", "directory of the Dockerfile.<variant> files, relative to the root"
    )
    image: str = setting("", "image name; each variant is <image>-<variant> (default: the binary)")
    binary: str = setting("", "the bin target the images run (default: the workspace's first)")
    builder: Literal["auto", "buildx", "classic"] = setting(
        "auto", "auto: buildx when its plugin exists, else the classic docker build"
    )
    smoke_args: tuple[str, ...] = setting(
        ("--version",), "arguments of the smoke run (the image must exit 0 with them)"
    )
    hadolint: bool = setting(True, "lint the Dockerfiles with hadolint (any finding fails)")
    source_url: str = setting(
        "", "the OCI source label (default: the git remote `origin`, without credentials)"
    )
    timeout: float = setting(1800.0, "seconds before one build is killed", minimum=1, maximum=86400)
    registry: str = setting(
        "",
        "where the release's docker publisher pushes: host[:port][/namespace] "
        "(ghcr.io/owner; log in with `docker login` first, or set token_env)",
    )
    token_env: str = setting(
        "",
        "the environment variable holding the registry's password or token (GITHUB_TOKEN for "
        "ghcr.io in the release workflow): the publisher logs in with it, in a docker config of "
        "its own removed afterwards; empty: docker is logged in already",
    )
    username_env: str = setting(
        "GITHUB_ACTOR", "the environment variable holding the registry user name (with token_env)"
    )
    cpu: CpuVariant = setting(CpuVariant(), "the cpu image")  # noqa: RUF009 - frozen: a shared default is safe
    gpu: GpuVariant = setting(GpuVariant(), "the gpu image")  # noqa: RUF009 - frozen: a shared default is safe
    minimal: MinimalVariant = setting(MinimalVariant(), "the minimal image")  # noqa: RUF009 - frozen: a shared default is safe

    def __post_init__(self) -> None:
        if not self.variants:
            raise SettingError("variants", "name at least one image", choices=VARIANTS)
        if len(set(self.variants)) != len(self.variants):
            raise SettingError("variants", "names an image twice")
        if self.image and not _IMAGE_NAME.match(self.image):
            raise SettingError(
                "image", f"{self.image!r} is not an image name (lower case, e.g. ferrox-test/demo)"
            )
        if Path(self.dockerfile_dir).is_absolute():
            raise SettingError("dockerfile_dir", "must be relative to the project root")
        for key in ("token_env", "username_env"):
            if (value := getattr(self, key)) and not _ENV_NAME.match(value):
                raise SettingError(key, f"{value!r} is not an environment variable name")
        if self.token_env and not self.username_env:
            raise SettingError("username_env", "token_env needs a user name variable too")
        if self.registry and not _registry_pattern().match(self.registry):
            raise SettingError(
                "registry", f"{self.registry!r} is not host[:port][/namespace], e.g. ghcr.io/owner"
            )

    def variant(self, name: VariantName) -> VariantSettings:
        """The settings table of one variant."""
        table: VariantSettings = getattr(self, name)
        return table


@dataclass(frozen=True)
class ImageReport:
    """What happened to one variant: built or not, its size, smoke runs and tags."""

    variant: VariantName
    image_id: str | None
    size_mb: float | None
    budget_mb: float
    build_s: float
    smoke: tuple[images.SmokeRun, ...]
    tags: tuple[str, ...]
    # A failed build's last lines, shown under the summary.
    build_tail: str = ""

    def row(self) -> dict[str, object]:
        """The report's table row."""
        return {
            "variant": self.variant,
            "image_id": self.image_id,
            "size_mb": self.size_mb,
            "budget_mb": self.budget_mb,
            "build_s": round(self.build_s, 2),
            "smoke": {run.what: run.returncode for run in self.smoke},
            "tags": list(self.tags),
        }


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _registry_pattern() -> re.Pattern[str]:
    # Imported when a registry is set: loading the step registry must stay cheap.
    from ferrox.docker.publish import REGISTRY  # noqa: PLC0415

    return REGISTRY


def parse_options(args: tuple[str, ...]) -> bool:
    """Whether ``--release`` was given (tag ``latest`` too); anything else is a usage error."""
    unknown = [arg for arg in args if arg != "--release"]
    if unknown:
        raise UsageError(f"docker: unknown option(s) {' '.join(unknown)} (valid: --release)")
    return "--release" in args


def run(ctx: Context) -> StepResult:
    """Lints, builds, gates and tags each configured image."""
    import tempfile  # noqa: PLC0415

    from ferrox.docker import builder as docker_builder  # noqa: PLC0415

    settings: DockerSettings = ctx.settings
    release = parse_options(ctx.extra_args)
    dockerfiles = _dockerfiles(ctx, settings)
    builder = docker_builder.detect_builder(ctx.runner, ctx.root, _QUICK, settings.builder)
    findings: list[Finding] = []
    if settings.hadolint:
        findings += hadolint.lint(
            ctx.runner, ctx.root, list(dockerfiles.values()), ctx.relative, _QUICK
        )
    lint_findings = len(findings)
    source = ctx.config.source.describe() if ctx.config is not None else "(defaults)"
    build = _build_settings(ctx)
    binary = static.static_binary(
        ctx.runner,
        ctx.root,
        ctx.workspace,
        wanted=settings.binary,
        source=source,
        timeout=settings.timeout,
        profile=build.profile,
        features=build.features,
    )
    labels = {
        "VERSION": binary.version,
        "REVISION": _git(ctx, ["rev-parse", "HEAD"]) or "unknown",
        "SOURCE": settings.source_url or _origin_url(ctx) or "unknown",
    }
    sha = _git(ctx, ["rev-parse", "--short=12", "HEAD"])
    reports: list[ImageReport] = []
    with tempfile.TemporaryDirectory(prefix="ferrox-docker-context-") as scratch:
        context = Path(scratch)
        shutil.copy2(binary.path, context / binary.name)
        for variant in settings.variants:
            report, problems = _image(
                ctx, settings=settings, builder=builder, variant=variant,
                dockerfile=dockerfiles[variant], context=context, labels=labels, binary=binary,
                sha=sha, release=release,
            )  # fmt: skip
            reports.append(report)
            findings += problems
    checks = _gates(settings, reports, lint_findings)
    table = {
        "builder": builder.kind,
        "builder_reason": builder.reason,
        "images": [report.row() for report in reports],
    }
    # The image table (the JSON report has no place for it): next to the step's reports.
    ctx.report_dir.mkdir(parents=True, exist_ok=True)
    (ctx.report_dir / IMAGES_REPORT).write_text(json.dumps(table, indent=2) + "\n", "utf-8")
    return StepResult(
        step="docker",
        tool="docker",
        status=gates.verdict(checks),
        summary=_summary(builder, reports),
        findings=tuple(findings),
        metrics=_metrics(reports, lint_findings),
        gates=checks,
        tool_version=builder.server_version,
        extra={**table, "binary": str(binary.path)},
    )


def _build_settings(ctx: Context) -> BuildSettings:
    """``[build]``: the images carry the build step's binary (its profile and features)."""
    if ctx.config is None:
        return BuildSettings()
    return ctx.config.for_step("build", BuildSettings)


def _dockerfiles(ctx: Context, settings: DockerSettings) -> dict[VariantName, Path]:
    """Each configured variant's Dockerfile; a missing one is a configuration error."""
    from ferrox.docker.dockerfiles import dockerfile_name  # noqa: PLC0415

    found: dict[VariantName, Path] = {}
    directory = ctx.root / settings.dockerfile_dir
    for variant in settings.variants:
        path = directory / dockerfile_name(variant)
        if not path.is_file():
            raise ConfigError(
                f"{ctx.relative(path)} does not exist",
                file=ctx.config.source.describe() if ctx.config is not None else None,
                key="docker.variants",
                choices=VARIANTS,
                hint="`ferrox init` writes it when [ci] docker = true; or set [docker] variants",
            )
        found[variant] = path.resolve()
    return found


def _image(
    ctx: Context,
    *,
    settings: DockerSettings,
    builder: docker_builder.Builder,
    variant: VariantName,
    dockerfile: Path,
    context: Path,
    labels: dict[str, str],
    binary: static.StaticBinary,
    sha: str | None,
    release: bool,
) -> tuple[ImageReport, list[Finding]]:
    """Builds, measures, smoke-runs and (when all passed) tags one variant."""
    from ferrox.docker import builder as docker_builder  # noqa: PLC0415

    table = settings.variant(variant)
    outcome = docker_builder.build(
        ctx.runner,
        builder,
        root=ctx.root,
        dockerfile=dockerfile,
        context=context,
        build_arguments={"BASE_IMAGE": table.base, **labels},
        platform=table.platforms[0] if builder.kind == "buildx" else None,
        timeout=settings.timeout,
    )
    where = ctx.relative(dockerfile)
    if outcome.image_id is None:
        last = outcome.output_tail.splitlines()[-1] if outcome.output_tail.strip() else ""
        finding = Finding(
            rule="docker-build",
            message=f"the {variant} image did not build (base {table.base}): {last}",
            path=where,
            detail=outcome.output_tail,
        )
        report = ImageReport(variant, None, None, table.budget_mb, outcome.seconds, (), ())
        return replace(report, build_tail=outcome.output_tail), [finding]
    image_id = outcome.image_id
    size_mb = images.size_bytes(ctx.runner, ctx.root, image_id, _QUICK) / images.MB
    smoke = images.smoke_runs(ctx.runner, ctx.root, image_id, settings.smoke_args, _QUICK)
    problems = [
        Finding(
            rule="docker-smoke",
            message=f"the {variant} image's {run.what} exited {run.returncode}",
            path=where,
            detail=run.output_tail,
        )
        for run in smoke
        if not run.passed
    ]
    if size_mb > table.budget_mb:
        problems.append(
            Finding(
                rule="docker-size",
                message=f"the {variant} image is {size_mb:.1f} MB, over its {table.budget_mb:g} MB",
                level=Level.ERROR,
                path=where,
            )
        )
    tags: tuple[str, ...] = ()
    if problems:
        # An image that failed its gates gets no tag; the untagged layers are removed too.
        images.remove(ctx.runner, ctx.root, [image_id], _QUICK)
    else:
        tags = _tag(
            ctx, settings=settings, variant=variant, table=table, image_id=image_id,
            binary=binary, sha=sha, release=release,
        )  # fmt: skip
    report = ImageReport(variant, image_id, round(size_mb, 3), table.budget_mb, outcome.seconds,
                         tuple(smoke), tags)  # fmt: skip
    return report, problems


def image_name(settings: DockerSettings, variant: VariantName, binary: str) -> str:
    """``<image>-<variant>``: the repository each variant's tags live in."""
    return f"{settings.image or binary.lower()}-{variant}"


def tag_names(table: VariantSettings, version: str, sha: str | None, *, release: bool) -> list[str]:
    """The tags of one image: the templates (a ``{sha}`` one only in a git checkout), ``latest``."""
    from ferrox.docker.variants import render_tag  # noqa: PLC0415

    names = [
        render_tag(template, version=version, sha=sha or "")
        for template in table.tags
        if sha or "{sha}" not in template
    ]
    if release:
        names.append("latest")
    return list(dict.fromkeys(names))


def _tag(
    ctx: Context,
    *,
    settings: DockerSettings,
    variant: VariantName,
    table: VariantSettings,
    image_id: str,
    binary: static.StaticBinary,
    sha: str | None,
    release: bool,
) -> tuple[str, ...]:
    name = image_name(settings, variant, binary.name)
    tags = tag_names(table, binary.version, sha, release=release)
    references = [f"{name}:{tag}" for tag in tags]
    for reference in references:
        images.tag(ctx.runner, ctx.root, image_id, reference, _QUICK)
    return tuple(references)


def _gates(
    settings: DockerSettings, reports: list[ImageReport], lint_findings: int
) -> tuple[GateCheck, ...]:
    checks: list[GateCheck] = []
    if settings.hadolint:
        checks.append(gates.at_most("hadolint", lint_findings, 0, "hadolint findings"))
    for report in reports:
        v = report.variant
        built = report.image_id is not None
        checks.append(gates.at_least(f"{v}_built", int(built), 1, f"{v} image built"))
        if report.size_mb is not None:
            checks.append(
                gates.at_most(f"{v}_size_mb", report.size_mb, report.budget_mb, f"{v} size (MB)")
            )
        if built:
            failed = sum(1 for run in report.smoke if not run.passed)
            checks.append(gates.at_most(f"{v}_smoke_failures", failed, 0, f"{v} smoke runs failed"))
    return tuple(checks)


def _metrics(reports: list[ImageReport], lint_findings: int) -> dict[str, float]:
    metrics: dict[str, float] = {"hadolint_findings": lint_findings}
    for report in reports:
        metrics[f"{report.variant}_build_s"] = round(report.build_s, 3)
        if report.size_mb is not None:
            metrics[f"{report.variant}_size_mb"] = report.size_mb
    return metrics


def _summary(builder: docker_builder.Builder, reports: list[ImageReport]) -> str:
    parts = [
        f"{r.variant} {r.size_mb:.1f}/{r.budget_mb:g} MB"
        if r.size_mb is not None
        else f"{r.variant} not built"
        for r in reports
    ]
    text = f"{builder.kind} builder ({builder.reason}): " + ", ".join(parts)
    for report in reports:
        if report.build_tail:
            tail = report.build_tail.splitlines()[-SUMMARY_BUILD_LINES:]
            text += f"\n  {report.variant} build, last lines:\n" + "\n".join(
                f"    | {line}" for line in tail
            )
    return text


def _git(ctx: Context, args: list[str]) -> str | None:
    """git's answer in the project root, or None outside a git checkout (or without git)."""
    if ctx.runner.which("git") is None:
        return None
    done = ctx.runner.run("git", args, cwd=ctx.root, timeout=_QUICK)
    text = done.stdout.strip()
    return text if done.returncode == 0 and text else None


def _origin_url(ctx: Context) -> str | None:
    """The ``origin`` remote's URL without credentials (they must not end up in a label)."""
    url = _git(ctx, ["remote", "get-url", "origin"])
    if url is None:
        return None
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url)


STEP = Step(
    name="docker",
    description="Build the cpu, gpu and minimal images; gate size and smoke runs; tag them.",
    report_tool="docker",
    settings=DockerSettings,
    run=run,
    # Not tagged `ci`: its job exists only where [ci] docker = true (see `ci` below).
    tags=("docker",),
    uses_target_dir=True,
    parallel=False,  # builds take both cores
    required_tools=("cargo", "docker", "hadolint"),
    applies=has_rust_project,
    # Minutes of image building: run on purpose (`nox -s docker`), not by plain `nox`.
    default=False,
    # Only projects that asked for Dockerfiles ([ci] docker = true) get the job. GitHub's
    # runners have buildx, so the job builds with it.
    ci=(CiJob(when_ci="docker", rust_targets=(static.MUSL_TARGET,)),),
)
