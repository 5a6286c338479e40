"""The ``ferrox release`` command behind the CLI, the invoke task and the ``publish`` session."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ferrox.engine import load_project
from ferrox.errors import EXIT_PASS, EXIT_USAGE, UsageError
from ferrox.masking import Masker
from ferrox.release import artifacts, flow
from ferrox.release.flow import Release, Request
from ferrox.release.plan import ReleasePlan
from ferrox.release.publish_settings import url_password
from ferrox.release.publishers import get_publishers
from ferrox.release.settings import ReleaseSettings
from ferrox.release.version import parse_version
from ferrox.tools import ToolRunner


@dataclass(frozen=True)
class Options:
    """``ferrox release`` arguments."""

    root: Path
    version: str | None = None
    bump: str | None = None
    dry_run: bool = False
    json: bool = False
    resume: bool = False
    ci: bool = False
    publish: bool = False
    targets: tuple[str, ...] = ()
    amend_changelog: bool = False


def url_passwords(settings: ReleaseSettings) -> list[str]:
    """Passwords written into the configured URLs (``https://user:pw@host/``): masked too."""
    urls = (settings.pypi.repository_url, settings.pypi.simple_url, settings.crates_io.index,
            settings.api_url)  # fmt: skip
    return [password for url in urls if (password := url_password(url))]


def run_release(options: Options, console: Console, env: Mapping[str, str] | None = None) -> int:
    """Runs ``ferrox release`` and returns its exit code; FerroxErrors propagate to the CLI."""
    env = dict(os.environ if env is None else env)
    if options.targets and not options.publish:
        raise UsageError(
            "--target only applies with --publish (a local release builds [release] targets)"
        )
    root = options.root.resolve()
    config = load_project(root)
    settings = config.for_step("release", ReleaseSettings)
    # The token's variable is masked whatever its name (GITHUB_TOKEN already looks secret).
    masker = Masker.from_environment(
        env, (*config.globals.mask_env, settings.token_env, settings.pypi.token_env)
    ).including(url_passwords(settings))
    quiet = options.json

    def say(message: str) -> None:
        if not quiet:
            console.print(escape(masker.mask(message)))

    release = Release(
        root=root,
        settings=settings,
        runner=ToolRunner(env=env, masker=masker),
        env=env,
        masker=masker,
        report_dir=(root / config.globals.report_dir).resolve(),
        say=say,
        console=console,
    )
    if options.publish:
        return _publish_tag(release, options.targets)
    if options.resume:
        pending = flow.resume_pending(release)
        if pending is not None:
            say(f"resuming the publication of {pending.tag}")
            with _sigterm_as_interrupt():
                flow.publish(release, pending)
            _summary(options, pending.tag, pending.assets)
            return EXIT_PASS
    plan = flow.plan_release(
        release,
        Request(
            options.version,
            options.bump,
            options.dry_run,
            options.resume,
            options.ci,
            amend_changelog=options.amend_changelog,
        ),
    )
    if options.dry_run:
        problems = flow.preflight(release, plan)
        publishing = [] if problems else flow.describe_publishing(release, plan)
        if options.json:
            data = {**plan.to_data(), "publishing": publishing, "problems": problems}
            print(json.dumps(masker.mask_data(data), indent=2))  # masked before escaping
        else:
            console.print(
                escape(masker.mask(render_plan(plan, publishing, problems))), highlight=False
            )
        # A problem that would stop the real release makes the dry run a failed pre-check.
        return EXIT_USAGE if problems else EXIT_PASS
    say(f"releasing {plan.tag} (previous: {plan.previous_tag or 'none'})")
    with _sigterm_as_interrupt():
        flow.execute(release, plan, bump=options.bump)
    built = release.assets_dir(plan.tag)
    _summary(
        options, plan.tag, tuple(sorted(str(p) for p in built.iterdir())) if built.is_dir() else ()
    )
    return EXIT_PASS


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """CI cancels a job with SIGTERM: handle it like Ctrl-C, so the transaction rolls back."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _summary(options: Options, tag: str, assets: tuple[str, ...]) -> None:
    """With --json: what was released, as data."""
    if options.json:
        print(json.dumps({"released": tag, "assets": list(assets)}, indent=2))


def render_plan(plan: ReleasePlan, publishing: list[str], problems: list[str]) -> str:
    """The dry run's text: what changes, what runs, what gets published."""
    lines = [
        f"release {plan.tag} (previous: {plan.previous_tag or 'none'}) from {plan.branch} at "
        f"{plan.head[:12]}" + (" [CI mode: plan, bump, tag, push]" if plan.ci else ""),
        f"versioning: {plan.versioning}",
        *[
            f"  {c.name} {c.old} -> {c.new} ({c.tag}, {len(c.entries)} commit(s) since "
            f"{c.previous_tag or 'the start'})"
            for c in plan.crates
        ],
        f"gates: {', '.join(plan.gates) or '(none)'}",
        "files:",
        *[f"  {'A' if e.before is None else 'M'} {e.path}" for e in plan.edits],
        "",
        *[edit.diff() for edit in plan.edits],
        "commands:",
        *[f"  {command}" for command in plan.commands],
        "publish:",
        *[f"  {line}" for line in publishing],
        "assets:",
        *[f"  {asset}" for asset in plan.assets or ("(none)",)],
        "",
        *[f"problem (a real release would stop here): {problem}" for problem in problems],
        "dry run: nothing was changed",
    ]
    return "\n".join(lines)


def _publish_tag(release: Release, targets: tuple[str, ...]) -> int:
    """CI's tag workflow: publish the build step's archives for the tag at HEAD to the GitHub
    release (``targets``: a native runner building and adding its own)."""
    git = release.git
    prefix = release.settings.tag_prefix
    env_tag = release.env.get("GITHUB_REF_NAME", "")
    tags = [env_tag] if env_tag else [t for t in git.tags_at_head() if t.startswith(prefix)]
    if len(tags) != 1 or git.tag_commit(tags[0]) != git.head():
        raise UsageError(
            f"publish runs on a release tag: HEAD carries {len(tags)} tag(s) {tags} "
            f"with prefix {prefix!r}"
        )
    tag = tags[0]
    version = parse_version(tag, prefix)
    notes = git.out("tag", "--list", "--format=%(contents:body)", tag) + "\n"
    if targets:
        # A native runner ([ci] targets): its own targets, with a checksum file of their own.
        assets = flow.build_assets(
            release, tag, targets, False, checksums=f"SHA256SUMS-{'-'.join(targets)}"
        )
    else:
        # The build-archives job's archives (downloaded into [build] dist_dir), checked against
        # their SHA256SUMS; built here by the build step when there are none. The wheel and
        # sdist come from the local release flow, where one machine builds them once.
        build = artifacts.build_settings(release.root)
        assets = flow.build_assets(
            release, tag, artifacts.release_targets(build, release.settings.targets), False,
            prebuilt=version.text,
        )  # fmt: skip
    # The push and the registries are the local release's (in_tag_workflow); the images are
    # pushed once, by the main publish job, not by each native runner.
    publishers = [
        publisher
        for publisher in get_publishers(release.settings.publishers)
        if publisher.in_tag_workflow and not (targets and publisher.name == "docker")
    ]
    job = flow.publish_job(
        release,
        tag=tag,
        branch=release.settings.branch,
        notes=notes,
        prerelease=version.prerelease,
        assets=tuple(assets),
    )
    for publisher in publishers:
        publisher.publish(job)
        publisher.finish(job)  # each runner's assets are complete once it has uploaded them
    return EXIT_PASS
