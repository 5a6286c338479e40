"""``ferrox ci parity``: workflows vs ``nox --list --json`` (nox run for real), both ways."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ci_helpers import registry, step

from ferrox.ci.parity import _covered, nox_list, unknown_sessions
from ferrox.errors import ToolOutputError
from ferrox.tools import Completed, ToolRunner

Call = Callable[..., Any]
NOXFILE = "import ferrox.nox\n\nferrox.nox.register()\n"


@pytest.fixture
def project(ferrox: Call, fresh_crate: Callable[[str], Path]) -> Path:
    demo = fresh_crate("demo")
    (demo / "noxfile.py").write_text(NOXFILE)
    assert ferrox("init", "--workflows", "-C", str(demo)).code == 0
    return demo


def test_generated_workflows_are_in_parity(ferrox: Call, project: Path) -> None:
    done = ferrox("ci", "parity", "-C", str(project))
    assert done.code == 0, done.out + done.err
    assert "all known to nox" in done.out


def test_a_call_of_an_unknown_session_is_reported(ferrox: Call, project: Path) -> None:
    ci_yml = project / ".github" / "workflows" / "ci.yml"
    # fmt: run by ci.yml alone (monitoring runs clippy too, before health).
    ci_yml.write_text(ci_yml.read_text().replace("run: nox -s fmt", "run: nox -s fnt"))
    done = ferrox("ci", "parity", "-C", str(project))
    assert done.code == 1
    assert "ci.yml job fmt: `nox -s fnt` is not a session of noxfile.py" in done.out
    assert "session fmt is tagged ci but no workflow runs it" in done.out


def test_a_ci_session_no_workflow_calls_is_reported(ferrox: Call, project: Path) -> None:
    (project / "noxfile.py").write_text(
        NOXFILE + "\nimport nox\n\n\n@nox.session(tags=['ci'])\ndef extra(session):\n    pass\n"
    )
    done = ferrox("ci", "parity", "-C", str(project))
    assert done.code == 1
    assert "uncalled session extra is tagged ci" in done.out


def test_parity_needs_a_noxfile_and_valid_yaml(ferrox: Call, project: Path) -> None:
    (project / ".github" / "workflows" / "bad.yml").write_text("jobs: [\n")
    assert ferrox("ci", "parity", "-C", str(project)).code == 2
    (project / "noxfile.py").unlink()
    done = ferrox("ci", "parity", "-C", str(project))
    assert done.code == 2 and "no noxfile.py" in done.err


def test_a_broken_noxfile_is_a_tool_error(ferrox: Call, project: Path) -> None:
    (project / "noxfile.py").write_text("raise SystemExit('broken on purpose')\n")
    done = ferrox("ci", "parity", "-C", str(project))
    assert done.code == 3 and "nox --list failed" in done.err


def test_composite_and_required_steps_count_as_called() -> None:
    steps = registry(
        step("audit", "rust", "security", "ci"),
        step("security", "security", "ci", covers_tag="security"),
        step("report", "ci"),
    )
    steps["lint-all"] = replace(step("lint-all", "ci"), requires=("fmt", "clippy"))
    covered = _covered({"security", "lint-all"}, steps)
    assert {"security", "audit", "lint-all", "fmt", "clippy"} <= covered
    assert "report" not in covered and "test" not in covered


class _Canned(ToolRunner):
    """A runner answering every call with one canned nox result (to inject bad output)."""

    def __init__(self, returncode: int, stdout: str) -> None:
        super().__init__()
        self.done = Completed(("nox",), returncode, stdout, "", 0.0)

    def run(self, program: str, args: Sequence[str], **_kwargs: Any) -> Completed:
        return self.done


@pytest.mark.parametrize(
    ("returncode", "stdout", "message"),
    [
        (1, "", "nox --list failed"),
        (0, "not json", "printed no JSON"),
        (0, "{}", "not print a list"),
    ],
)
def test_nox_list_output_it_cannot_use_is_a_tool_error(
    tmp_path: Path, returncode: int, stdout: str, message: str
) -> None:
    with pytest.raises(ToolOutputError, match=message):
        nox_list(_Canned(returncode, stdout), tmp_path, ["-t", "ci"])
    assert unknown_sessions(_Canned(1, ""), tmp_path, []) == set()


def test_an_option_like_session_name_never_reaches_nox(tmp_path: Path) -> None:
    class _Refuse(_Canned):
        def run(self, program: str, args: Sequence[str], **_kwargs: Any) -> Completed:
            raise AssertionError(f"nox was run with {args}")

    found = unknown_sessions(_Refuse(0, ""), tmp_path, ["-f", "--help"])
    assert found == {"-f", "--help"}
