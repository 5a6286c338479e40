"""The invoke adapter: ``from ferrox.tasks import namespace`` in a user's tasks.py.

One task per registered step (``invoke clippy``, ``invoke bench --base main``), built from the
same registry as the nox sessions, so a step added later gets its task with no code here. Each
takes the options ``ferrox run STEP`` takes for that step, and tool arguments after ``--``
(``invoke test -- my_filter``). ``invoke check`` runs what a bare ``nox`` runs; ``invoke release
v1.2.0`` cuts a release; ``doctor`` and ``tools`` check and install the pinned tools.
``build_namespace(root=...)`` points the step tasks at another project directory.

invoke sorts ``--list`` by name, so each task's one-line help starts with its group (the tag nox
groups it under: lint, test, security, bench, release, setup): ``clippy  [lint] Lint Rust ...``.
Sub-collections would group the list too, but would make the commands ``invoke lint.clippy``.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import Task, task

from ferrox.cli import SETTING_OPTIONS, main
from ferrox.steps import Step, all_steps, default_steps
from ferrox.steps.interface import Variant

# Tags that say where a step applies rather than what it is for; the group is its other tag.
_PLACE_TAGS = ("rust", "python", "ci")

EXIT_CODES = (
    "Exit codes: 0 pass, 1 gate failed, 2 usage or config error,\n"
    "3 tool error (missing, crashed, timed out, unparseable output)."
)


@dataclass(frozen=True)
class Flag:
    """One task option: invoke shows the parameter ``name`` as ``--name``."""

    name: str
    default: Any
    help: str


_COMMON_FLAGS = (
    Flag("root", ".", "project directory (default: the current directory)"),
    Flag("report_dir", None, "where reports go (default: the report_dir setting, target/ferrox)"),
    Flag("fix", False, "fix what the step can fix (fmt formats; geiger rewrites its baseline)"),
    Flag("verbose", False, "stream the tool's progress output"),
)


def group_of(step: Step) -> str:
    """The tag nox groups a step under (lint, test, security ...): its first non-place tag."""
    return next((tag for tag in step.tags if tag not in _PLACE_TAGS), "other")


def common_flags(root: str | Path | None = None) -> tuple[Flag, ...]:
    """The options of every step task; ``root`` is the default of ``--root``."""
    if root is None:
        return _COMMON_FLAGS
    given = Flag("root", str(root), f"project directory (default: {root})")
    return (given, *_COMMON_FLAGS[1:])


def step_flags(
    step: Step, fixed: tuple[str, ...] = (), root: str | Path | None = None
) -> tuple[Flag, ...]:
    """The options of a step's task: the common run options, then the settings it lets a run
    override (``--base``, ``--mode`` ...) with the settings' own help, minus those ``fixed``."""
    hints = typing.get_type_hints(step.settings)
    own = []
    for spec in fields(step.settings):
        option = "--" + spec.name.replace("_", "-")
        if spec.name not in SETTING_OPTIONS or option in fixed:
            continue
        hint = hints[spec.name]
        text = spec.metadata.get("help", "") or spec.name
        if typing.get_origin(hint) is Literal:
            text += f" (one of: {', '.join(str(choice) for choice in typing.get_args(hint))})"
        text += f"; default: [{step.name}] {spec.name} in the config, else {spec.default}"
        own.append(Flag(spec.name, False if hint is bool else None, text))
    return (*common_flags(root), *own)


def build_namespace(root: str | Path | None = None) -> Collection:
    """The collection a tasks.py exposes: a task per registered step and variant, and the rest.

    ``root`` is the project directory the step tasks and ``check`` default to (as
    ``ferrox.nox.register(root=...)``); without it, the directory invoke runs in.
    """
    collection = Collection()
    for step in all_steps().values():
        flags = step_flags(step, root=root)
        collection.add_task(_step_task(step.name, step.name, (), flags, _step_doc(step)))
        for variant in step.variants:
            flags = step_flags(step, fixed=variant.options, root=root)
            doc = _variant_doc(step, variant)
            collection.add_task(_step_task(variant.name, step.name, variant.options, flags, doc))
    checked = _check_task(check_steps(), common_flags(root))
    for fixed in (checked, doctor, install_tools, release):
        if fixed.name in collection.tasks:  # a step may not take a built-in task's name
            raise ValueError(f"the ferrox step {fixed.name!r} clashes with the invoke task")
        collection.add_task(fixed)
    return collection


def _step_task(
    name: str, step: str, preset: tuple[str, ...], flags: tuple[Flag, ...], doc: str
) -> Task[Any]:
    def body(c: Context, **given: Any) -> None:
        argv = ["run", step, *preset, *_run_arguments(flags, given)]
        _exit_with(_call([*argv, "--", *tool_arguments(c)]))

    body.__doc__ = doc
    body.__name__ = body.__qualname__ = name
    return _task(body, name, flags)


def _task(body: Callable[..., None], name: str, flags: tuple[Flag, ...]) -> Task[Any]:
    parameters = [inspect.Parameter("c", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default) for f in flags
    ]
    # invoke reads a task's options from its signature: this one is made from the registry.
    body.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return Task(body, name=name, help={f.name: f.help for f in flags})


def _run_arguments(flags: tuple[Flag, ...], given: dict[str, Any]) -> list[str]:
    """``ferrox run`` options for the flags given; values ride in ``--key=value`` form so that
    one starting with a dash is never read as another option."""
    arguments = ["-C", str(Path(given.get("root") or ".").resolve())]
    for flag in flags:
        value = given.get(flag.name, flag.default)
        if flag.name == "root" or value is None or value is False:
            continue
        option = "--" + flag.name.replace("_", "-")
        arguments.append(option if value is True else f"{option}={value}")
    return arguments


def tool_arguments(c: Context) -> list[str]:
    """The arguments after ``--``, exactly as typed.

    invoke hands a task only ``c.remainder``, the words joined by spaces, which loses the
    boundaries of an argument holding a space (``-- --skip "slow test"``); when that string is
    the tail of this process's own command line, the words come from there instead.
    """
    remainder = c.remainder
    if not remainder:
        return []
    argv = sys.argv[1:]
    if "--" in argv:
        tail = argv[argv.index("--") + 1 :]
        if " ".join(tail) == remainder:
            return tail
    return remainder.split()


def _step_doc(step: Step) -> str:
    return _doc(step, step.description, f"ferrox run {step.name}", f"nox -s {step.name}")


def _variant_doc(step: Step, variant: Variant) -> str:
    shown = " ".join(["ferrox run", step.name, *variant.options])
    return _doc(step, variant.description, shown, f"nox -s {variant.name}")


def _doc(step: Step, description: str, cli: str, nox: str) -> str:
    # nox takes ferrox's options after `--` (`nox -s fmt -- --fix`), invoke as flags (`--fix`).
    description = description.replace("`-- --", "`--")
    # invoke --list shows the first line; --help shows it all.
    return "\n".join(
        [
            f"[{group_of(step)}] {description}",
            "",
            f"Same as `{cli}` and `{nox}` (tags: {', '.join(step.tags)}).",
            "Arguments after `--` go to the tool untouched: "
            f"invoke {nox.rsplit(maxsplit=1)[-1]} [options] -- ARGS.",
            f"Reports: REPORT_DIR/{step.name}.json, .md and .sarif (.junit.xml when tests ran);",
            "REPORT_DIR is --report-dir, else the report_dir setting (target/ferrox).",
            EXIT_CODES,
        ]
    )


def _call(arguments: list[str]) -> int:
    try:
        return main(arguments)
    except SystemExit as exc:  # argparse rejected an option value (a --mode choice): usage, 2
        return exc.code if isinstance(exc.code, int) else 2


def _exit_with(code: int) -> None:
    # invoke exits with the code of an Exit, so `invoke clippy` exits as `ferrox run clippy` does.
    if code:
        raise Exit(code=code)


def check_steps() -> list[str]:
    """The steps ``invoke check`` runs: every step tagged ci that a bare ``nox`` runs."""
    return [name for name, step in default_steps().items() if "ci" in step.tags]


def _check_task(names: list[str], common: tuple[Flag, ...]) -> Task[Any]:
    flags = tuple(f for f in common if f.name != "fix")

    def check(_: Context, **given: Any) -> None:
        codes = [_call(["run", name, *_run_arguments(flags, given)]) for name in names]
        _exit_with(max(codes, default=0))

    check.__doc__ = "\n".join(
        [
            "[ci] Run every step tagged ci that a bare `nox` runs; exit with the worst code.",
            "",
            f"The steps: {', '.join(names)}. All run even when one fails.",
            "Reports: REPORT_DIR/STEP.json, .md and .sarif for each step.",
            EXIT_CODES,
        ]
    )
    return _task(check, "check", flags)


@task(help={"root": "project directory"})  # type: ignore[untyped-decorator,unused-ignore]
def doctor(_: Any, root: str = ".") -> None:
    """[setup] Show each tool's path and version against its pin."""
    _exit_with(_call(["doctor", "-C", str(Path(root))]))


@task(name="tools", help={"root": "project directory"})  # type: ignore[untyped-decorator,unused-ignore]
def install_tools(_: Any, root: str = ".") -> None:
    """[setup] Install the pinned external tools that are missing."""
    _exit_with(_call(["tools", "install", "-C", root]))


# invoke's positional arguments cannot be optional, so what --bump/--resume/--publish say on
# `ferrox release` is a word in the same place here: `invoke release auto`, `invoke release resume`.
_RELEASE_WORDS = {
    "auto": ["--bump", "auto"],
    "major": ["--bump", "major"],
    "minor": ["--bump", "minor"],
    "patch": ["--bump", "patch"],
    "resume": ["--resume"],
    "publish": ["--publish"],
}


@task(  # type: ignore[untyped-decorator,unused-ignore]
    help={
        "tag": "the version (v1.2.0, v1.2.0-rc.1), or auto|major|minor|patch, resume, publish",
        "dry_run": "print the plan (diffs, commands, tag, assets) and change nothing",
        "json": "with --dry-run: print the plan as JSON",
        "ci": "only plan, bump, tag and push; the tag workflow builds and publishes",
        "amend_changelog": "rewrite the changelog's existing section for this version",
        "root": "project directory",
    },
)
def release(  # noqa: PLR0917 - invoke maps each parameter to a flag
    _: Any,
    tag: str,
    dry_run: bool = False,
    json: bool = False,
    ci: bool = False,
    amend_changelog: bool = False,
    root: str = ".",
) -> None:
    """[release] Cut a release: gates, version bump, changelog, commit, tag, artifacts, publish."""
    arguments = ["release", *_RELEASE_WORDS.get(tag, [tag]), "-C", root]
    flags = {
        "--dry-run": dry_run,
        "--json": json,
        "--ci": ci,
        "--amend-changelog": amend_changelog,
    }
    arguments += [flag for flag, on in flags.items() if on]
    _exit_with(_call(arguments))


namespace = build_namespace()
