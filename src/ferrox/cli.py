"""The ``ferrox`` command: a thin adapter that maps every outcome to a documented exit code.

Exit codes: 0 pass, 1 a gate failed, 2 usage or configuration error, 3 tool error (missing,
crashed, timed out, unparseable output), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ferrox import __version__
from ferrox.engine import RunOptions, load_project, masker_for, run_step
from ferrox.errors import EXIT_PASS, EXIT_TOOL, FerroxError
from ferrox.masking import Masker
from ferrox.steps import all_steps
from ferrox.tools import ToolRunner

EXIT_INTERRUPTED = 130


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
    _add_hooks(commands)
    return parser


def _add_hooks(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hooks = commands.add_parser("hooks", help="manage git hooks")
    actions = hooks.add_subparsers(dest="hooks_command", required=True, metavar="ACTION")
    install = actions.add_parser(
        "install", help="add a pre-push hook running a quick benchmark check before main"
    )
    _add_root(install)
    install.add_argument("--branch", default="main", help="the protected branch (default: main)")
    install.add_argument(
        "--mode", choices=("instructions", "paired"),
        help="bench mode the hook runs (default: instructions when valgrind is installed)",
    )  # fmt: skip
    install.add_argument("--force", action="store_true", help="replace a hook ferrox did not write")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``ferrox run`` and the nox sessions' posargs."""
    parser.add_argument("--report-dir", type=Path, help="where reports go (default: target/ferrox)")
    parser.add_argument("--fix", action="store_true", help="fix what the step can fix (fmt)")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="stream the tool's progress output"
    )
    bench = parser.add_argument_group("bench")
    bench.add_argument("--base", metavar="REF", help="bench: compare against this git ref")
    bench.add_argument(
        "--mode", choices=("paired", "instructions", "history", "baseline"), help="bench: gate mode"
    )
    bench.add_argument(
        "--create-issue", action="store_true", default=None,
        help="bench: open a GitHub issue for a persisting regression (history mode)",
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
            for key in ("base", "mode", "create_issue")
            if (value := getattr(namespace, key, None)) is not None
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parses arguments, dispatches, and turns errors into exit codes."""
    own, extra = split_extra(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(own)
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return _dispatch(args, extra, console)
    except FerroxError as exc:
        masker = Masker.from_environment(os.environ)
        errors.print(f"[bold red]ferrox: error:[/] {escape(masker.mask(str(exc)))}")
        return exc.exit_code
    except KeyboardInterrupt:
        errors.print("[bold red]ferrox: interrupted[/]")
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace, extra: tuple[str, ...], console: Console) -> int:
    if args.command == "run":
        return run_step(args.step, args.root, run_options(args, extra), console=console).exit_code
    if args.command == "list":
        return _list(console, as_json=args.json)
    if args.command == "doctor":
        return _doctor(console, args.root, as_json=args.json)
    if args.command == "hooks":
        return _hooks_install(console, args)
    return _install(console, args.root, tuple(args.names), dry_run=args.dry_run)


def _hooks_install(console: Console, args: argparse.Namespace) -> int:
    from ferrox.hooks import install  # noqa: PLC0415 - only this command needs it

    done = install(ToolRunner(), args.root, branch=args.branch, mode=args.mode, force=args.force)
    verb = "replaced" if done.replaced else "installed"
    console.print(
        f"{verb} {escape(str(done.path))}: pushes to {escape(args.branch)} first run "
        f"`ferrox run bench --mode {done.mode} --base <remote {escape(args.branch)}>`"
    )
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
                "tools": list(s.tools),
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

    from ferrox.pins import find_pin_file, load_pins, survey  # noqa: PLC0415

    config = load_project(root)
    runner = ToolRunner(masker=masker_for(config, os.environ))
    pins = load_pins(find_pin_file(root))
    states = survey(runner, pins, root)
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
        print(json.dumps({"pin_file": str(pins.path), "tools": rows}, indent=2))
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
    return EXIT_PASS if all(s.ok for s in states) else EXIT_TOOL


def _install(console: Console, root: Path, names: tuple[str, ...], *, dry_run: bool) -> int:
    from ferrox.pins import find_pin_file, load_pins, plan_install, survey  # noqa: PLC0415

    config = load_project(root)
    runner = ToolRunner(masker=masker_for(config, os.environ), echo_stderr=True)
    pins = load_pins(find_pin_file(root))
    actions = plan_install(pins, survey(runner, pins, root), names)
    if not actions:
        console.print(f"all pinned tools are installed at their pinned versions ({pins.path})")
        return EXIT_PASS
    for action in actions:
        console.print(f"[bold]{action.name}[/]: {action.reason} -> {escape(' '.join(action.argv))}")
        if dry_run:
            continue
        program, *arguments = action.argv
        done = runner.run(program, arguments, cwd=root, timeout=3600)
        if done.returncode != 0:
            raise FerroxError(
                f"installing {action.name} failed (exit {done.returncode}):\n{done.tail()}"
            )
    return EXIT_PASS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
