"""The invoke adapter (src/ferrox/tasks.py): a task per registered step, through the real invoke."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from invoke.program import Program

import fake_step
import ferrox.steps
import ferrox.tasks
from ferrox.cli import build_parser
from ferrox.steps import all_steps, default_steps
from test_adapters import invoke, nox

TASKS = "from ferrox.tasks import namespace\n"
FAKE_TASKS = (
    "import fake_step\n\nfake_step.register()\n\n"
    "from ferrox.tasks import build_namespace\n\nnamespace = build_namespace()\n"
)


@pytest.fixture
def fake_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fake step in this process's registry, for as long as the test runs."""
    monkeypatch.setitem(sys.modules, f"ferrox.steps.{fake_step.NAME}", fake_step)
    monkeypatch.setattr(ferrox.steps, "_MODULES", (*ferrox.steps._MODULES, fake_step.NAME))
    yield


@pytest.fixture
def fake_project(tmp_path: Path) -> Path:
    """A project whose tasks.py registers the fake step before building the collection."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(Path(fake_step.__file__), project / "fake_step.py")
    (project / "tasks.py").write_text(FAKE_TASKS)
    return project


def test_every_registered_step_and_variant_is_a_task() -> None:
    namespace = ferrox.tasks.build_namespace()
    steps = all_steps()
    variants = {variant.name for step in steps.values() for variant in step.variants}
    assert set(namespace.tasks) == {*steps, *variants, "check", "doctor", "tools", "release"}
    assert "bench-baseline" in variants


def test_a_step_added_to_the_registry_gets_its_task(fake_registered: None, tmp_path: Path) -> None:
    namespace = ferrox.tasks.build_namespace()
    task = namespace.tasks[fake_step.NAME]
    assert task.__doc__ is not None
    assert task.__doc__.startswith("[test] Measure test coverage")
    # Its `mode` setting is a run option (like bench's --mode), with the setting's help.
    assert "the verdict the fake tool gives" in task.help["mode"]
    assert "one of: pass, fail, crash" in task.help["mode"]
    reports = tmp_path / "reports"
    argv = ["invoke", fake_step.NAME, "--root", str(tmp_path), "--report-dir", str(reports)]
    program = Program(namespace=namespace)
    with pytest.raises(SystemExit) as exited:
        program.run([*argv, "--mode", "fail", "--", "-x", "y"])
    assert exited.value.code == 1
    report = json.loads((reports / f"{fake_step.NAME}.json").read_text())
    assert report["status"] == "fail"
    assert report["summary"] == "fail with ['-x', 'y']"
    program.run(argv)  # a pass returns: no SystemExit
    assert json.loads((reports / f"{fake_step.NAME}.json").read_text())["status"] == "pass"


def test_a_step_that_clashes_with_a_built_in_task_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check = all_steps()["clippy"].__class__(**{**vars(all_steps()["clippy"]), "name": "check"})
    monkeypatch.setattr(ferrox.tasks, "all_steps", lambda: {"check": check})
    with pytest.raises(ValueError, match="'check' clashes with the invoke task"):
        ferrox.tasks.build_namespace()


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ((), 0),
        (("--mode", "fail"), 1),  # the gate failed
        (("--mode", "nope"), 2),  # not a choice: a usage error, as `ferrox run` says
        (("--mode", "crash"), 3),  # the tool gave no verdict
    ],
)
def test_invoke_exits_with_the_step_code(
    fake_project: Path, options: tuple[str, ...], code: int
) -> None:
    done = invoke(fake_project, fake_step.NAME, *options)
    assert done.returncode == code, done.stdout + done.stderr
    if code == 2:
        assert "--mode 'nope' is not a fake-coverage mode; choose from pass, fail, crash" in (
            done.stderr
        )


def test_a_config_error_exits_2_naming_the_key(fake_project: Path) -> None:
    (fake_project / "ferrox.toml").write_text(f'[{fake_step.NAME}]\nmode = "sometimes"\n')
    done = invoke(fake_project, fake_step.NAME)
    assert done.returncode == 2
    assert "mode" in done.stderr and "sometimes" in done.stderr


def test_tool_arguments_after_double_dash_keep_their_boundaries(fake_project: Path) -> None:
    done = invoke(fake_project, fake_step.NAME, "--", "--skip", "slow test", "--", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((fake_project / "target/ferrox" / f"{fake_step.NAME}.json").read_text())
    assert report["summary"] == "pass with ['--skip', 'slow test', '--', '-q']"


def test_a_value_starting_with_a_dash_is_not_another_option() -> None:
    # invoke itself refuses `--report-dir=--fix`; the arguments handed to `ferrox run` carry each
    # value glued to its option all the same, so none could ever be read as another option.
    flags = ferrox.tasks.step_flags(all_steps()["bench"])
    arguments = ferrox.tasks._run_arguments(flags, {"report_dir": "--fix", "base": "-x"})
    parsed = build_parser().parse_args(["run", "bench", *arguments])
    assert parsed.report_dir == Path("--fix") and parsed.base == "-x"
    assert parsed.fix is False


def test_invoke_list_groups_tasks_by_tag(fake_project: Path) -> None:
    listing = invoke(fake_project, "--list")
    assert listing.returncode == 0, listing.stderr
    lines = {line.split()[0]: line for line in listing.stdout.splitlines() if line.startswith("  ")}
    assert "[lint] Lint Rust code with clippy" in lines["clippy"]
    assert "[test] Measure test coverage" in lines[fake_step.NAME]
    assert "[security]" in lines["audit"] and "[bench]" in lines["bench-baseline"]
    assert "[setup]" in lines["tools"] and "[release]" in lines["release"]
    assert "step" not in lines


def test_a_task_help_names_its_options_exit_codes_and_reports(fake_project: Path) -> None:
    text = invoke(fake_project, "--help", "bench").stdout
    for expected in ("--base=STRING", "--mode=STRING", "--create-issue", "--report-dir"):
        assert expected in text
    assert "git ref to compare against" in text  # the setting's own help
    assert "Exit codes: 0 pass, 1 gate failed, 2 usage or config error" in text
    assert "REPORT_DIR/bench.json" in text
    clippy = invoke(fake_project, "--help", "clippy").stdout
    assert "--base" not in clippy  # bench's options only where the settings have them


def test_check_runs_the_ci_steps_a_bare_nox_runs(tmp_path: Path) -> None:
    (tmp_path / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
    sessions = json.loads(nox(tmp_path, "--list", "--json").stdout)
    from_nox = [s["name"] for s in sessions if "ci" in s["tags"]]
    assert ferrox.tasks.check_steps() == from_nox
    assert set(from_nox) <= set(default_steps())
    assert "bench" not in from_nox  # opt-in, like a bare nox


def test_check_exits_with_the_worst_code(
    fake_registered: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[list[str]] = []
    codes = iter([1, 3, 0])

    def fake_main(argv: list[str]) -> int:
        calls.append(argv)
        return next(codes)

    monkeypatch.setattr(ferrox.tasks, "check_steps", lambda: ["fmt", "clippy", "test"])
    monkeypatch.setattr(ferrox.tasks, "main", fake_main)
    program = Program(namespace=ferrox.tasks.build_namespace())
    with pytest.raises(SystemExit) as exited:
        program.run(["invoke", "check", "--root", str(tmp_path)])
    assert exited.value.code == 3
    assert [argv[1] for argv in calls] == ["fmt", "clippy", "test"]  # all ran despite failures


def test_shell_completion_offers_the_tasks_and_their_flags(fake_project: Path) -> None:
    names = invoke(fake_project, "--complete", "--", "invoke").stdout.split()
    assert {"clippy", "bench-baseline", fake_step.NAME, "check"} <= set(names)
    flags = invoke(fake_project, "--complete", "--", "invoke", "bench", "-").stdout.split()
    assert {"--base", "--mode", "--report-dir", "--root"} <= set(flags)


def test_the_readme_shows_the_real_task_list() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("$ invoke --list\nAvailable tasks:\n\n", 1)[1].split("\n\n", 1)[0]
    shown = dict(line.strip().split(maxsplit=1) for line in block.splitlines())
    namespace = ferrox.tasks.build_namespace()
    real = {name: (task.__doc__ or "").splitlines()[0] for name, task in namespace.tasks.items()}
    assert {name: " ".join(text.split()) for name, text in shown.items()} == real


def test_a_namespace_built_for_a_root_runs_there(fake_registered: None, tmp_path: Path) -> None:
    # As ferrox.nox.register(root=...): ferrox's own tasks.py points the tasks at examples/demo.
    program = Program(namespace=ferrox.tasks.build_namespace(root=tmp_path))
    program.run(["invoke", fake_step.NAME])
    assert (tmp_path / "target" / "ferrox" / f"{fake_step.NAME}.json").is_file()
    with pytest.raises(SystemExit) as exited:
        program.run(["invoke", "check", "--root", str(tmp_path / "missing")])
    assert exited.value.code == 2  # --root still wins: not a directory, a usage error
