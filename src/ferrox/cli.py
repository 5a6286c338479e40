"""The ``ferrox`` command: a thin adapter that maps every outcome to a documented exit code.

Exit codes: 0 pass, 1 a gate failed, 2 usage or configuration error, 3 tool error (missing,
crashed, timed out, unparseable output), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from ferrox import __version__
from ferrox.engine import RunOptions, error_masker, load_project, masker_for, run_step
from ferrox.errors import EXIT_GATE_FAILED, EXIT_PASS, EXIT_TOOL, FerroxError, from_os_error
from ferrox.steps import all_steps
from ferrox.tools import ToolRunner

EXIT_INTERRUPTED = 130

# Run options that override a step setting of the same name; they apply to the steps whose
# settings have that key (the invoke adapter gives those steps' tasks the same flags).
SETTING_OPTIONS = (
    "base",
    "mode",
    "create_issue",
    "cache",
    "history_remote",
    "push_history",
    "write_thresholds",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="ferrox",
        description="Run a Rust repository's CI steps the same way on a laptop and in CI.",
        epilog="exit codes: 0 pass, 1 gate failed, 2 usage/config error, 3 tool error",
    )
    parser.add_argument("--version", action="version", version=f"ferrox {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run one step and write its reports")
    run.add_argument("step", help="the step to run (see `ferrox list`)")
    _add_root(run)
    add_run_options(run)

    listing = commands.add_parser("list", help="list the steps")
    listing.add_argument("--json", action="store_true", help="print the steps as JSON")

    doctor = commands.add_parser("doctor", help="show each tool's path and version against its pin")
    _add_root(doctor)
    doctor.add_argument("--json", action="store_true", help="print the survey as JSON")

    tools = commands.add_parser("tools", help="manage the pinned external tools")
    tool_commands = tools.add_subparsers(dest="tools_command", required=True, metavar="ACTION")
    install = tool_commands.add_parser(
        "install", help="install pinned tools that are missing or at another version"
    )
    _add_root(install)
    install.add_argument("names", nargs="*", metavar="TOOL", help="only these tools (default: all)")
    install.add_argument(
        "--dry-run", action="store_true", help="print the commands without running them"
    )
    _add_ci_parsers(commands)
    _add_release(commands)
    _add_hooks(commands)
    _add_bench(commands)
    return parser


def _add_bench(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser("bench", help="the benchmark history shared on a git ref")
    topics = bench.add_subparsers(dest="bench_command", required=True, metavar="TOPIC")
    history = topics.add_parser("history", help="pull or push the benchmark history ref")
    actions = history.add_subparsers(dest="history_action", required=True, metavar="ACTION")
    for action, what in (
        ("pull", "fetch the history ref and merge it into the local history file"),
        ("push", "record the local history file on the ref and push it (retries a rejection)"),
    ):
        parser = actions.add_parser(action, help=what)
        _add_root(parser)
        parser.add_argument(
            "--remote", metavar="NAME",
            help="the git remote (default: [bench] history_remote, else origin)",
        )  # fmt: skip


def _add_ci_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init", help="write noxfile.py, tasks.py, config, ci/requirements.txt and workflows"
    )
    _add_root(init)
    init.add_argument("--force", action="store_true", help="overwrite files that differ")
    init.add_argument(
        "--check", action="store_true", help="exit 1 with a diff when the workflows drifted"
    )
    init.add_argument("--workflows", action="store_true", help="only .github/workflows/")
    init.add_argument(
        "--requirements", action="store_true", help="only ci/requirements.txt ([ci] requirements)"
    )
    matrix = commands.add_parser("matrix", help="the test and build matrices from [ci]")
    _add_root(matrix)
    matrix.add_argument("--json", action="store_true", help="print them as JSON")
    ci = commands.add_parser("ci", help="checks of the generated workflows")
    ci_commands = ci.add_subparsers(dest="ci_command", required=True, metavar="CHECK")
    parity = ci_commands.add_parser(
        "parity", help="workflows call only sessions nox knows, and every `ci` session"
    )
    _add_root(parity)
    cache = commands.add_parser("cache-key", help="the cargo cache key of this project")
    _add_root(cache)
    cache.add_argument("--explain", action="store_true", help="also print each input's digest")


def _add_release(commands: Any) -> None:
    release = commands.add_parser(
        "release", help="cut a release: bump, changelog, commit, tag, artifacts, publish"
    )
    release.add_argument("version", nargs="?", help="the version to release, e.g. v1.2.0")
    release.add_argument(
        "--bump", choices=("auto", "major", "minor", "patch"),
        help="take the next version from the latest tag (auto: from conventional commits)",
    )  # fmt: skip
    release.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    release.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")
    release.add_argument("--resume", action="store_true", help="finish an interrupted release")
    release.add_argument(
        "--amend-changelog", action="store_true",
        help="rewrite the changelog's existing section for this version (default: refuse)",
    )  # fmt: skip
    release.add_argument(
        "--ci", action="store_true", help="only plan, bump, tag and push (CI builds and publishes)"
    )
    release.add_argument(
        "--publish", action="store_true",
        help="CI's tag workflow: publish the build step's archives for the tag at HEAD",
    )  # fmt: skip
    release.add_argument(
        "--target", action="append", default=[], metavar="TRIPLE",
        help="with --publish: build this target here (a native runner) and add it (repeatable)",
    )  # fmt: skip
    _add_root(release)


def _release(console: Console, args: argparse.Namespace) -> int:
    from ferrox.release.command import Options, run_release  # noqa: PLC0415 - lazy import

    options = Options(
        root=args.root, version=args.version, bump=args.bump, dry_run=args.dry_run,
        json=args.json, resume=args.resume, ci=args.ci, publish=args.publish,
        targets=tuple(args.target), amend_changelog=args.amend_changelog,
    )  # fmt: skip
    return run_release(options, console)


def _add_hooks(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hooks = commands.add_parser("hooks", help="manage git hooks")
    actions = hooks.add_subparsers(dest="hooks_command", required=True, metavar="ACTION")
    install = actions.add_parser(
        "install", help="add a pre-push hook running a quick benchmark check before main"
    )
    _add_root(install)
    install.add_argument("--branch", default="main", help="the protected branch (default: main)")
    install.add_argument(
        "--mode", choices=("instructions", "paired", "compare"),
        help="bench mode the hook runs (default: compare when the project has a stored baseline "
        "at push time, else instructions when valgrind is installed, else paired)",
    )  # fmt: skip
    install.add_argument("--force", action="store_true", help="replace a hook ferrox did not write")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``ferrox run`` and the nox sessions' posargs."""
    parser.add_argument("--report-dir", type=Path, help="where reports go (default: target/ferrox)")
    parser.add_argument(
        "--fix",
        action="store_true",
        help="fix what the step can fix (fmt formats; geiger rewrites its baseline)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="stream the tool's progress output"
    )
    bench = parser.add_argument_group("bench")
    bench.add_argument("--base", metavar="REF", help="bench: compare against this git ref")
    bench.add_argument(
        "--mode",
        metavar="MODE",
        # Any step with a `mode` setting takes it; the engine checks the value against its choices.
        help="bench: gate mode (paired, instructions, history, baseline, compare, calibrate)",
    )
    bench.add_argument(
        "--create-issue", action="store_true", default=None,
        help="bench: open a GitHub issue for a persisting regression (history mode)",
    )  # fmt: skip
    bench.add_argument(
        "--history-remote", metavar="REMOTE",
        help="bench: the git remote whose history ref holds the benchmark history",
    )  # fmt: skip
    bench.add_argument(
        "--push-history", action="store_true", default=None,
        help="bench: push the history ref after history or baseline mode (the post-merge job)",
    )  # fmt: skip
    bench.add_argument(
        "--write", dest="write_thresholds", action="store_true", default=None,
        help="bench: calibrate mode writes its proposed thresholds into the configuration",
    )  # fmt: skip
    pipeline = parser.add_argument_group("ci")
    pipeline.add_argument(
        "--no-cache", dest="cache", action="store_false", default=None,
        help="ci: run every step, even those whose inputs match a passing run",
    )  # fmt: skip


def split_extra(argv: Sequence[str]) -> tuple[list[str], tuple[str, ...]]:
    """Splits ``[ferrox args] -- [tool args]``: what follows ``--`` goes to the tool untouched."""
    args = list(argv)
    if "--" not in args:
        return args, ()
    index = args.index("--")
    return args[:index], tuple(args[index + 1 :])


def run_options(namespace: argparse.Namespace, extra: tuple[str, ...] = ()) -> RunOptions:
    """RunOptions from parsed arguments and the tool arguments after ``--``."""
    return RunOptions(
        # Relative to where the command was typed; the config's report_dir is relative to -C.
        report_dir=namespace.report_dir.resolve() if namespace.report_dir else None,
        fix=namespace.fix,
        verbose=namespace.verbose,
        extra_args=extra,
        overrides=tuple(
            (key, value)
            for key in SETTING_OPTIONS
            if (value := getattr(namespace, key, None)) is not None
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parses arguments, dispatches, and turns errors into exit codes."""
    own, extra = split_extra(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(own)
    # A reader that stops early (`ferrox run fmt | head -1`) must not turn the step's verdict
    # into a crash: stdout writes after the pipe closed are dropped, the exit code stays.
    with contextlib.redirect_stdout(ClosedPipeGuard(sys.stdout)) as stdout:
        code = _main(args, extra)
        stdout.flush()
    return code


def _main(args: argparse.Namespace, extra: tuple[str, ...]) -> int:
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return _dispatch(args, extra, console)
    except FerroxError as exc:
        return _report_error(errors, args, str(exc), exc.exit_code)
    except OSError as exc:  # the machine, not ferrox: one line, never a traceback
        failure = from_os_error(exc, "ferrox could not complete")
        return _report_error(errors, args, str(failure), failure.exit_code)
    except KeyboardInterrupt:
        errors.print("[bold red]ferrox: interrupted[/]")
        return EXIT_INTERRUPTED


def _report_error(errors: Console, args: argparse.Namespace, message: str, code: int) -> int:
    masker = error_masker(getattr(args, "root", None) or Path.cwd(), os.environ)
    errors.print(f"[bold red]ferrox: error:[/] {escape(masker.mask(message))}")
    return code


class ClosedPipeGuard(io.TextIOBase):
    """stdout that survives its reader going away: later writes are dropped, not raised.

    As Python's documentation on SIGPIPE recommends, the closed descriptor is pointed at
    ``os.devnull``, so the interpreter's own flush at exit does not fail either.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        """Writes through until the reader is gone."""
        if not self.closed_pipe:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        """Flushes through until the reader is gone."""
        if not self.closed_pipe:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal (rich asks, to choose colours)."""
        return self.stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The wrapped stream's encoding."""
        return getattr(self.stream, "encoding", "utf-8") or "utf-8"

    def fileno(self) -> int:
        """The wrapped stream's descriptor."""
        return self.stream.fileno()

    def _reader_gone(self) -> None:
        self.closed_pipe = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):  # not a real descriptor (tests)
            pass


def _dispatch(args: argparse.Namespace, extra: tuple[str, ...], console: Console) -> int:
    """Each subcommand's handler; ``run`` alone also takes the tool arguments after ``--``."""
    if args.command == "run":
        return run_step(args.step, args.root, run_options(args, extra), console=console).exit_code
    if args.command in CI_COMMANDS:
        return _ci_command(console, args)
    handlers: dict[str, Callable[[], int]] = {
        "list": lambda: _list(console, as_json=args.json),
        "release": lambda: _release(console, args),
        "doctor": lambda: _doctor(console, args.root, as_json=args.json),
        "hooks": lambda: _hooks_install(console, args),
        "bench": lambda: _bench_history(console, args),
        "tools": lambda: _install(console, args.root, tuple(args.names), dry_run=args.dry_run),
    }
    return handlers[args.command]()


def _hooks_install(console: Console, args: argparse.Namespace) -> int:
    from ferrox.hooks import install  # noqa: PLC0415 - only this command needs it

    done = install(ToolRunner(), args.root, branch=args.branch, mode=args.mode, force=args.force)
    verb = "replaced" if done.replaced else "installed"
    branch = escape(args.branch)
    check = f"`ferrox run bench --mode {done.mode} --base <remote {branch}>`"
    if done.mode == "compare":
        check = "`ferrox run bench --mode compare` (against the stored baseline)"
    if done.baseline is not None:
        check = (
            f"`ferrox run bench --mode compare` when {escape(str(done.baseline))} exists "
            f"(`nox -s bench-baseline` records it), else {check}"
        )
    console.print(f"{verb} {escape(str(done.path))}: pushes to {branch} first run {check}")
    return EXIT_PASS


def _bench_history(console: Console, args: argparse.Namespace) -> int:
    from ferrox.bench.history_commands import sync  # noqa: PLC0415 - only this command needs it

    config = load_project(args.root)
    runner = ToolRunner(masker=masker_for(config, os.environ))
    console.print(escape(sync(runner, args.root, config, args.history_action, args.remote)))
    return EXIT_PASS


def _add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C", dest="root", type=Path, default=Path.cwd(), metavar="DIR",
        help="the project directory (default: the current directory)",
    )  # fmt: skip


def _list(console: Console, *, as_json: bool) -> int:
    steps = all_steps()
    if as_json:
        data = [
            {
                "name": s.name,
                "description": s.description,
                "tags": list(s.tags),
                "tools": list(s.required_tools),
            }
            for s in steps.values()
        ]
        print(json.dumps(data, indent=2))
        return EXIT_PASS
    for step in steps.values():
        console.print(
            f"[bold]{step.name:<8}[/] {escape(step.description)} [dim]({', '.join(step.tags)})[/]"
        )
    return EXIT_PASS


def _doctor(console: Console, root: Path, *, as_json: bool) -> int:
    # Imported here: `ferrox run` is the hot path and needs neither.
    from rich.table import Table  # noqa: PLC0415 - lazy: keeps `ferrox run` start-up short

    from ferrox.build.profile import release_profile_suggestions  # noqa: PLC0415
    from ferrox.pins import find_pin_file, load_pins, survey  # noqa: PLC0415

    config = load_project(root)
    pins = load_pins(find_pin_file(root))
    runner = ToolRunner(masker=masker_for(config, os.environ), pinned=pins.versions)
    states = survey(runner, pins, root)
    advice = [str(s) for s in release_profile_suggestions(root / "Cargo.toml")]
    if as_json:
        rows = [
            {
                "tool": s.name,
                "pinned": s.pinned,
                "found": s.found,
                "path": str(s.path) if s.path else None,
                "status": s.status,
            }
            for s in states
        ]
        document = {"pin_file": str(pins.path), "tools": rows, "release_profile": advice}
        print(json.dumps(document, indent=2))
    else:
        table = Table(title=f"tools (pins: {pins.path})", title_justify="left")
        for column in ("tool", "pinned", "found", "path", "status"):
            table.add_column(column, overflow="fold")
        style = {"ok": "green", "missing": "red", "mismatch": "yellow"}
        for s in states:
            table.add_row(
                s.name, s.pinned or "-", s.found or "-", str(s.path or "-"),
                f"[{style[s.status]}]{s.status}[/]",
            )  # fmt: skip
        console.print(table)
        if not all(s.ok for s in states):
            console.print("run [bold]ferrox tools install[/] (or [bold]nox -s tools[/]) to fix")
        if advice:
            # Advice, not a failure: smaller release binaries (the build step's size budget).
            console.print("Cargo.toml [bold]\\[profile.release][/] could shrink binaries with:")
            for line in advice:
                console.print(f"  {line}", markup=False)
    return EXIT_PASS if all(s.ok for s in states) else EXIT_TOOL


def _install(console: Console, root: Path, names: tuple[str, ...], *, dry_run: bool) -> int:
    from ferrox.pins import find_pin_file, load_pins, perform, plan_install, survey  # noqa: PLC0415
    from ferrox.toolhome import tools_home  # noqa: PLC0415

    config = load_project(root)
    pins = load_pins(find_pin_file(root))
    masker = masker_for(config, os.environ)
    runner = ToolRunner(masker=masker, echo_stderr=True, pinned=pins.versions)
    actions = plan_install(pins, survey(runner, pins, root), names)
    if not actions:
        console.print(f"all pinned tools are installed at their pinned versions ({pins.path})")
        return EXIT_PASS
    if any(action.venv for action in actions):
        console.print(f"tools home: {escape(str(tools_home(runner.env)))}")
    for action in actions:
        console.print(f"[bold]{action.name}[/]: {action.reason} -> {escape(' '.join(action.argv))}")
        if dry_run:
            continue
        # A fresh runner each time: it must see what the previous installs put in the tools home.
        runner = ToolRunner(masker=masker, echo_stderr=True, pinned=pins.versions)
        perform(action, runner, root, lambda text: console.print(escape(text)))
    return EXIT_PASS


CI_COMMANDS = ("init", "matrix", "ci", "cache-key")


def _ci_command(console: Console, args: argparse.Namespace) -> int:
    if args.command == "init":
        only = {k for k in ("workflows", "requirements") if getattr(args, k)}
        return _init(console, args.root, force=args.force, check=args.check, only=only)
    if args.command == "matrix":
        return _matrix(console, args.root, as_json=args.json)
    if args.command == "ci":
        return _parity(console, args.root)
    return _cache_key(console, args.root, explain=args.explain)


def _init(console: Console, root: Path, *, force: bool, check: bool, only: set[str]) -> int:
    from ferrox.ci import files  # noqa: PLC0415 - jinja2 loads only for init
    from ferrox.sessions import session_steps  # noqa: PLC0415

    config = load_project(root)
    steps = {**all_steps(), **session_steps()}  # publish is a session the workflows call too
    inputs = files.inputs_for(root, config, steps)
    runner = ToolRunner(masker=masker_for(config, os.environ))
    unchecked = files.check_extra_sessions(root, inputs.ci, runner)
    workflows, notes = files.workflow_files(inputs, root)
    notes = (*notes, *([unchecked] if unchecked else []))
    if check:
        drifted = files.drift(root, workflows)
        for written in drifted:
            console.print(escape(written.diff), end="")
        if drifted:
            console.print(
                "workflows differ from the config: [bold]ferrox init --force --workflows[/] "
                "regenerates them"
            )
            return EXIT_GATE_FAILED
        console.print(f"{len(workflows)} workflow(s) in sync with the config")
        return EXIT_PASS
    scaffold: list[files.PlannedFile] = []
    more: list[str] = []
    runner = ToolRunner(masker=masker_for(config, os.environ))
    if not only:
        # The config section has a table per step the loader knows: sessions (publish) have none.
        scaffold, more = files.scaffold_files(root, inputs, all_steps(), runner)
    elif "requirements" in only:
        scaffold, more = files.requirements_files(root, inputs.ci, runner)
    if only and "workflows" not in only:
        workflows, notes = [], ()
    results = files.apply(root, [*scaffold, *workflows], force=force)
    for written in results:
        console.print(f"{written.outcome:<9} {written.path.as_posix()}")
        if written.diff:
            console.print(escape(written.diff), end="")
    for note in (*notes, *more):
        console.print(f"note: {escape(note)}")
    if any(w.outcome == "differs" for w in results):
        console.print("existing files left as they are: [bold]ferrox init --force[/] replaces them")
        return EXIT_GATE_FAILED
    return EXIT_PASS


def _matrix(console: Console, root: Path, *, as_json: bool) -> int:
    from ferrox.ci.matrix import matrices  # noqa: PLC0415
    from ferrox.ci.settings import CiSettings  # noqa: PLC0415
    from ferrox.steps.build import BuildSettings  # noqa: PLC0415

    config = load_project(root)
    data = matrices(config.for_step("ci", CiSettings), config.for_step("build", BuildSettings))
    if as_json:
        print(json.dumps(data, indent=2))
        return EXIT_PASS
    for name, matrix in data.items():
        console.print(f"[bold]{name}[/]")
        for row in matrix["include"]:
            console.print("  " + "  ".join(f"{k}={v}" for k, v in row.items()))
    return EXIT_PASS


def _parity(console: Console, root: Path) -> int:
    from ferrox.ci.parity import check_parity, env_mismatches  # noqa: PLC0415
    from ferrox.pinned_env import for_settings  # noqa: PLC0415

    config = load_project(root)
    runner = ToolRunner(masker=masker_for(config, os.environ))
    steps = all_steps()
    report = check_parity(root.resolve(), runner, steps)
    pinned = {
        name: for_settings(step.pinned_env, config.for_step(name, step.settings))
        for name, step in steps.items()
        if step.pinned_env
    }
    for found in env_mismatches(root.resolve(), pinned):
        pin = f"{found.name}={found.pinned!r}" if found.pinned else f"{found.name} unset"
        # Workflow content is the repository's: escaped, never read as markup.
        message = (
            f"{found.workflow} {found.scope}: {found.name}={found.value!r} but ferrox runs "
            f"{found.step} with {pin} (pinned; [{found.step}] env overrides it)"
        )
        console.print(f"[yellow]env[/]      {escape(message)}")
    for call in report.unknown:
        console.print(
            f"[red]unknown[/]  {call.workflow} job {call.job}: `nox -s {call.session}` "
            "is not a session of noxfile.py"
        )
    for name in report.uncalled:
        console.print(f"[red]uncalled[/] session {name} is tagged ci but no workflow runs it")
    if report.ok:
        console.print(
            f"parity: {len(report.calls)} nox call(s) in the workflows, all known to nox; "
            f"all {len(report.marked)} ci session(s) called"
        )
        return EXIT_PASS
    return EXIT_GATE_FAILED


def _cache_key(console: Console, root: Path, *, explain: bool) -> int:
    from ferrox.ci.cache_key import cache_key  # noqa: PLC0415

    config = load_project(root)
    key = cache_key(root.resolve(), config, ToolRunner(masker=masker_for(config, os.environ)))
    print(key.key)
    if explain:
        for part in key.parts:
            console.print(f"  {part.digest[:16]}  {escape(part.name)}")
    return EXIT_PASS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
