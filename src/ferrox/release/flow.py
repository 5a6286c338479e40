"""The release transaction: plan, gates, local steps under a journal, then publishers.

A failure (or Ctrl-C) before publishing rolls back every local step: files byte for byte, no
commit, no tag. A crash leaves the journal, and the next run rolls back first. Once the first
publisher has put something outside, a failure leaves the journal in the ``publishing`` phase
and ``--resume`` runs the (idempotent) publishers again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from ferrox.engine import RunOptions, run_step
from ferrox.errors import EXIT_GATE_FAILED, EXIT_TOOL, FerroxError, UsageError
from ferrox.masking import Masker
from ferrox.release import actions, artifacts, bench_gate, journal, refname
from ferrox.release.faults import checkpoint
from ferrox.release.git import Git
from ferrox.release.journal import Journal
from ferrox.release.plan import ReleasePlan, compute_plan, read_text
from ferrox.release.publishers import PublishJob, get_publishers
from ferrox.release.settings import ReleaseSettings
from ferrox.rust.workspace import load_workspace
from ferrox.tools import ToolRunner


class ReleaseFailed(FerroxError):
    """A gate failed or a step broke; everything local was rolled back.

    Exit 1, or the exit code of the error behind it (2 usage, 3 tool).
    """

    exit_code = EXIT_GATE_FAILED

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        super().__init__(message)
        if isinstance(cause, FerroxError):
            self.exit_code = cause.exit_code
        elif cause is not None:  # disk full, permissions, a bug: no verdict, not a failed gate
            self.exit_code = EXIT_TOOL


@dataclass(frozen=True)
class Request:
    """What the user asked for on the command line."""

    version: str | None = None
    bump: str | None = None
    dry_run: bool = False
    resume: bool = False
    ci: bool = False
    amend_changelog: bool = False


@dataclass(frozen=True)
class Release:
    """The project, its settings and the means to act on it."""

    root: Path
    settings: ReleaseSettings
    runner: ToolRunner
    env: Mapping[str, str]
    masker: Masker
    report_dir: Path
    say: Callable[[str], None]
    console: Console | None = None

    @property
    def journal_path(self) -> Path:
        """Where the journal lives (inside the report directory, which git status ignores)."""
        return self.report_dir / journal.JOURNAL_NAME

    @property
    def git(self) -> Git:
        """git in the project."""
        return Git(self.runner, self.root, self.settings.timeout)

    def assets_dir(self, tag: str) -> Path:
        """Where the release's artifacts are built."""
        return self.report_dir / "release" / tag

    def ignored(self) -> tuple[str, ...]:
        """Paths the clean-tree check ignores: ferrox's own output directory."""
        try:
            return (self.report_dir.resolve().relative_to(self.root.resolve()).as_posix(),)
        except ValueError:
            return ()

    def checkpoint(self, step: str) -> None:
        """The fault-injection hook (tests only; see ferrox.release.faults)."""
        checkpoint(self.env, step)


def plan_release(release: Release, request: Request) -> ReleasePlan:
    """The plan, after recovering from an interrupted release if needed."""
    pending = _read_journal(release)
    if pending is not None:
        if request.dry_run:
            raise UsageError(
                f"an interrupted release of {pending.tag} is pending; run with --resume "
                f"(journal: {release.journal_path})"
            )
        if _is_publishing(release, pending):
            raise UsageError(
                f"{pending.tag} is partly published; run `ferrox release --resume` to finish it"
            )
        release.say(f"rolling back the interrupted release of {pending.tag}")
        rollback(release, pending)
        if request.resume and not request.version and not request.bump:
            # Independent versioning plans from a bump (a tag is no version); lockstep from
            # the version it was releasing.
            bump = pending.extra.get("bump")
            request = (
                replace(request, bump=str(bump)) if bump else replace(request, version=pending.tag)
            )
    elif request.resume:
        raise UsageError("nothing to resume: no interrupted release was found")
    plan = compute_plan(
        release.root,
        release.settings,
        release.runner,
        requested=request.version,
        bump_kind=request.bump,
        ci=request.ci,
        ignore=release.ignored(),
        amend_changelog=request.amend_changelog,
    )
    problems = preflight(release, plan)
    if problems and not request.dry_run:
        raise UsageError("\n".join(problems))
    return plan


def preflight(release: Release, plan: ReleasePlan) -> list[str]:
    """What would stop the publishers (a missing token ...), checked before anything changes."""
    problems = []
    for publisher in get_publishers(plan.publishers):
        try:
            publisher.preflight(
                publish_job(
                    release,
                    tag=plan.tag,
                    branch=plan.branch,
                    notes=plan.notes,
                    prerelease=plan.prerelease,
                    assets=(),
                )
            )
        except UsageError as exc:
            problems.append(str(exc))
    return problems


def _read_journal(release: Release) -> Journal | None:
    """The pending journal, once it is shown to be this machine's own: rollback writes the
    files it names and ``--resume`` uploads the assets it names, so a journal committed to the
    repository (or naming anything outside it) would write or publish what an attacker chose."""
    pending = journal.read(release.journal_path)
    if pending is None:
        return None
    path = release.journal_path
    try:
        relative = path.resolve().relative_to(release.root.resolve()).as_posix()
    except ValueError:
        relative = None
    if relative is not None and release.git.out("ls-files", "--", relative):
        raise UsageError(
            f"the release journal {relative} is committed to the repository: it is ferrox's "
            "local state, never repository content; remove it from git (`git rm --cached`) "
            "and delete the file"
        )
    assets = release.assets_dir(pending.tag).resolve()
    problems = [
        f"file {name!r} is outside the repository"
        for name in pending.files
        if not _inside(release.root, name)
    ]
    problems += [
        f"asset {name!r} is not in {assets}"
        for name in pending.assets
        if not Path(name).resolve().is_relative_to(assets)
    ]
    problems += [
        f"tag {tag!r}: {problem}"
        for tag in (pending.tag, *(tag for tag, _ in _more_tags(pending)))
        if (problem := refname.ref_problem(tag)) is not None
    ]
    if problems:
        raise UsageError(
            f"the release journal {path} cannot be this release's own ({'; '.join(problems)}); "
            "inspect the repository and delete it"
        )
    return pending


def _inside(root: Path, name: str) -> bool:
    """Whether a journal's file is a regular path inside the repository (no symlink on the way)."""
    pure = Path(name)
    if pure.is_absolute() or ".." in pure.parts:
        return False
    current = root
    for part in pure.parts:
        current = current / part
        if current.is_symlink():
            return False
    return current.resolve().is_relative_to(root.resolve())


def resume_pending(release: Release) -> Journal | None:
    """The journal of a partly published release, if that is what is pending."""
    pending = _read_journal(release)
    if pending is not None and _is_publishing(release, pending):
        return pending
    return None


def execute(release: Release, plan: ReleasePlan, *, bump: str | None = None) -> None:
    """Runs gates, local steps and publishers; rolls back on any failure before publishing.
    ``bump``: the ``--bump`` asked for, which a crashed independent release is planned again
    with."""
    files = {edit.path: journal.encode(_raw(release.root / edit.path)) for edit in plan.edits}
    state = Journal(
        version=plan.version,
        tag=plan.tag,
        branch=plan.branch,
        remote=release.settings.remote,
        head_before=plan.head,
        files=files,
        notes=plan.notes,
        publishers=plan.publishers,
        prerelease=plan.prerelease,
        extra={
            **({"more_tags": [list(pair) for pair in plan.more_tags]} if plan.more_tags else {}),
            **({"bump": bump} if plan.crates and bump else {}),
        },
    )
    try:
        release.checkpoint("plan")
        _run_gates(release, plan)
        state = _local_steps(release, plan, state)
    except BaseException as exc:  # Ctrl-C included: undo, then report
        rollback(release, state)
        if isinstance(exc, KeyboardInterrupt):
            release.say("interrupted: rolled back, no file changed, no commit, no tag")
            raise
        if isinstance(exc, FerroxError):
            raise ReleaseFailed(
                release.masker.mask(f"{exc}\nrolled back: no file changed, no commit, no tag"),
                cause=exc,
            ) from exc
        raise ReleaseFailed(
            release.masker.mask(f"{exc!r}\nrolled back: no file changed, no commit, no tag"),
            cause=exc,
        ) from exc
    publish(release, state)


def publish(release: Release, state: Journal) -> None:
    """Runs the publishers; a failure leaves the journal for ``--resume`` (or rolls back if
    nothing left the machine)."""
    state = replace(state, phase=journal.PUBLISHING)
    journal.write(release.journal_path, state)
    assets = tuple(Path(path) for path in state.assets)
    missing = [str(path) for path in assets if not path.is_file()]
    if missing:
        raise UsageError(f"release assets are missing: {', '.join(missing)}")
    progress = _Progress(release, state)
    try:
        publishers = get_publishers(state.publishers)
        jobs = []
        # Independent versioning: every crate's tag is published, the first with the assets;
        # the registries publish the workspace once (with the first tag), git and GitHub per tag.
        tags = [(state.tag, state.notes, assets)]
        tags += [(tag, notes, ()) for tag, notes in _more_tags(state)]
        for index, (tag, notes, tag_assets) in enumerate(tags):
            job = replace(
                publish_job(
                    release,
                    tag=tag,
                    branch=state.branch,
                    notes=notes,
                    prerelease=state.prerelease,
                    assets=tag_assets,
                ),
                record=progress.record,
            )
            chosen = [p for p in publishers if index == 0 or p.per_tag]
            for publisher in chosen:
                publisher.publish(job)
            jobs.append((job, chosen))
        # Only now: the GitHub releases leave draft once everything else is out.
        for job, chosen in jobs:
            for publisher in chosen:
                publisher.finish(job)
    except BaseException as exc:
        if not _is_publishing(release, state):
            rollback(release, state)
            message = "rolled back: nothing was published, no commit, no tag"
        else:
            message = f"{state.tag} is partly published; run `ferrox release --resume` to finish"
        if isinstance(exc, KeyboardInterrupt):
            release.say(message)
            raise
        raise ReleaseFailed(release.masker.mask(f"{exc}\n{message}"), cause=exc) from exc
    journal.remove(release.journal_path)
    release.say(f"released {state.tag}")


class _Progress:
    """Writes each publisher's finished items into the journal (``extra["published"]``), so an
    interrupted release shows how far it got; ``--resume`` relies on the registries themselves."""

    def __init__(self, release: Release, state: Journal) -> None:
        self.release = release
        self.state = state

    def record(self, publisher: str, item: str) -> None:
        published = {k: list(v) for k, v in self.state.extra.get("published", {}).items()}
        done = published.setdefault(publisher, [])
        if item not in done:
            done.append(item)
            self.state = replace(self.state, extra={**self.state.extra, "published": published})
            journal.write(self.release.journal_path, self.state)


def rollback(release: Release, state: Journal) -> None:
    """Undoes the local steps: tag, commit, staged and written files, artifacts, journal."""
    git = release.git
    if git.branch() != state.branch:
        raise UsageError(
            f"an interrupted release of {state.tag} must be rolled back on branch "
            f"{state.branch!r}; check it out and run again (journal: {release.journal_path})"
        )
    head = git.head()
    if head != state.head_before and not _is_release_commit(git, state):
        raise UsageError(
            f"HEAD moved since the interrupted release of {state.tag} (expected "
            f"{state.head_before[:12]} or its release commit); inspect the repository and delete "
            f"{release.journal_path}"
        )
    for tag in (state.tag, *(tag for tag, _ in _more_tags(state))):
        if git.tag_commit(tag) is not None:
            git.run("tag", "-d", tag)
    paths = list(state.files)
    if head != state.head_before:
        git.run("reset", "--quiet", "--mixed", state.head_before)
    elif paths:  # unstage what `git add` may have staged
        git.run("reset", "--quiet", "--", *paths, check=False)
    for path in paths:
        target = release.root / path
        before = state.before(path)
        if before is None:
            target.unlink(missing_ok=True)
        elif not target.is_file() or target.read_bytes() != before:
            target.write_bytes(before)
    shutil.rmtree(release.assets_dir(state.tag), ignore_errors=True)
    journal.remove(release.journal_path)


def _is_release_commit(git: Git, state: Journal) -> bool:
    """Whether HEAD is this release's commit, right on top of where the release started."""
    parent = git.run("rev-parse", "--verify", "--quiet", "HEAD^", check=False).stdout.strip()
    return parent == state.head_before and git.out(
        "log", "-1", "--format=%s"
    ) == actions.commit_message(state.tag)


def _is_publishing(release: Release, state: Journal) -> bool:
    """Whether anything may have left the machine: the tag is on the remote, or a non-git
    publisher started."""
    if state.phase != journal.PUBLISHING:
        return False
    if "git" in state.publishers and state.publishers[0] == "git":
        return release.git.remote_has_tag(state.remote, state.tag)
    return True


def _run_gates(release: Release, plan: ReleasePlan) -> None:
    for gate in plan.gates:
        options = RunOptions()
        why = ""
        if gate == bench_gate.GATE:
            if plan.previous_tag is None:
                release.say(bench_gate.skipped_note())
                continue
            release.say(f"gate bench: {bench_gate.command(plan.previous_tag)}")
            options = RunOptions(overrides=bench_gate.overrides(plan.previous_tag))
            why = f"; a critical slowdown since {plan.previous_tag} blocks the release"
        outcome = run_step(gate, release.root, options, env=release.env, console=release.console)
        if outcome.exit_code != 0:
            failed = ReleaseFailed(
                f"gate {gate} did not pass ({outcome.result.summary}"
                f"{why if outcome.exit_code == EXIT_GATE_FAILED else ''}); nothing was changed",
            )
            failed.exit_code = outcome.exit_code  # 1 a gate failed, 3 it gave no verdict
            raise failed


def _local_steps(release: Release, plan: ReleasePlan, state: Journal) -> Journal:
    root = release.root
    git = release.git
    state = _record(release, state, "bump")
    for edit in plan.edits:
        if edit.path not in ("Cargo.lock", release.settings.changelog):
            (root / edit.path).write_bytes(edit.after.encode("utf-8"))
    if plan.lock_expected is not None:
        from ferrox.release.bump import update_lock  # noqa: PLC0415

        update_lock(release.runner, root, plan.lock_expected, release.settings.timeout)
    release.checkpoint("bump")
    state = _record(release, state, "changelog")
    for edit in plan.edits:
        if edit.path == release.settings.changelog:
            (root / edit.path).write_bytes(edit.after.encode("utf-8"))
    release.checkpoint("changelog")
    state = _record(release, state, "commit")
    git.run(*actions.stage([edit.path for edit in plan.edits]).args)
    git.run(*actions.commit(plan.tag).args)
    release.say(f"committed {plan.commit_message}")
    release.checkpoint("commit")
    state = _record(release, state, "tag")
    for tag, notes in ((plan.tag, plan.notes), *plan.more_tags):
        git.run(*actions.tag(tag, notes, sign=release.settings.sign).args)
        release.say(f"tagged {tag}")
    release.checkpoint("tag")
    if plan.archives or plan.python_dist:
        state = _record(release, state, "artifacts")
        built = _build_artifacts(release, plan)
        state = replace(state, assets=tuple(str(path) for path in built))
        journal.write(release.journal_path, state)
        release.say(f"built {len(built)} asset(s) in {release.assets_dir(plan.tag)}")
        release.checkpoint("artifacts")
    return state


def build_assets(
    release: Release,
    tag: str,
    targets: tuple[str, ...],
    python_dist: bool,
    checksums: str = artifacts.CHECKSUMS,
    *,
    prebuilt: str | None = None,
) -> list[Path]:
    """The build step's archives for the targets (``prebuilt``: the version whose archives an
    earlier build step run left, used when present), Python distributions if asked, and
    SHA256SUMS over them all."""
    out = release.assets_dir(tag)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    built: list[Path] = []
    if (targets or prebuilt) and _has_binaries(release):
        found = artifacts.built_archives(release.root, prebuilt, out) if prebuilt else None
        if found is None:
            found = artifacts.build_archives(
                release.root, targets, out, env=release.env, console=release.console
            )
        built += found
    if python_dist:
        built += artifacts.build_python(
            release.runner, release.root, out, isolation=release.settings.python_isolation,
            timeout=release.settings.timeout,
        )  # fmt: skip
    if built:
        built.append(artifacts.write_checksums(out, built, checksums))
    return built


def _has_binaries(release: Release) -> bool:
    """Whether the project is a Cargo workspace with a binary to archive."""
    if not (release.root / "Cargo.toml").is_file():
        return False
    return bool(load_workspace(release.runner, release.root).binaries)


def _build_artifacts(release: Release, plan: ReleasePlan) -> list[Path]:
    targets = tuple(dict.fromkeys(archive.target for archive in plan.archives))
    return build_assets(release, plan.tag, targets, plan.python_dist)


def _more_tags(state: Journal) -> list[tuple[str, str]]:
    """The other crates' tags and notes of an independent release (none in lockstep)."""
    return [(str(tag), str(notes)) for tag, notes in state.extra.get("more_tags", [])]


def _record(release: Release, state: Journal, step: str) -> Journal:
    state = state.with_step(step)
    journal.write(release.journal_path, state)
    return state


def _raw(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def publish_job(
    release: Release,
    *,
    tag: str,
    branch: str,
    notes: str,
    prerelease: bool,
    assets: tuple[Path, ...],
) -> PublishJob:
    return PublishJob(
        root=release.root,
        tag=tag,
        branch=branch,
        notes=notes,
        prerelease=prerelease,
        assets=assets,
        settings=release.settings,
        runner=release.runner,
        env=release.env,
        masker=release.masker,
        checkpoint=release.checkpoint,
        say=release.say,
        cache_dir=release.report_dir / "publish-cache",
    )


def describe_publishing(release: Release, plan: ReleasePlan) -> list[str]:
    """What the publishers would do, for the dry run."""
    assets = tuple(release.assets_dir(plan.tag) / name for name in plan.assets)
    job = publish_job(
        release,
        tag=plan.tag,
        branch=plan.branch,
        notes=plan.notes,
        prerelease=plan.prerelease,
        assets=assets,
    )
    publishers = get_publishers(plan.publishers)
    lines = [line for publisher in publishers for line in publisher.describe(job)]
    for tag, notes in plan.more_tags:  # independent versioning: git and GitHub act per tag
        other = replace(job, tag=tag, notes=notes, assets=())
        lines += [
            line
            for publisher in publishers
            if publisher.per_tag
            for line in publisher.describe(other)
        ]
    return lines


__all__ = ["Release", "ReleaseFailed", "Request", "execute", "plan_release", "publish", "read_text"]
