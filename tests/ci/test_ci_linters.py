"""actionlint and zizmor, run for real, report nothing on every workflow ferrox generates."""

from __future__ import annotations

from pathlib import Path

import pytest
from ci_helpers import actionlint, default_inputs, findings, full_inputs, release_inputs, zizmor

from ferrox.ci.plan import plan
from ferrox.ci.render import render_workflow

REPO_WORKFLOWS = Path(__file__).parents[2] / ".github" / "workflows"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every workflow of the scenarios (the release that pushes images too), plus this repository's own, as files."""
    paths = sorted(REPO_WORKFLOWS.glob("*.yml"))
    scenarios = (
        ("default", default_inputs()),
        ("full", full_inputs()),
        ("images", release_inputs(("git", "github", "docker"))),
    )
    for name, inputs in scenarios:
        directory = tmp_path_factory.mktemp(name) / ".github" / "workflows"
        directory.mkdir(parents=True)
        for wf in plan(inputs).workflows:
            path = directory / wf.file
            path.write_text(render_workflow(wf), encoding="utf-8")
            paths.append(path)
    return paths


def test_actionlint_finds_nothing(generated: list[Path]) -> None:
    done = actionlint(generated)
    assert findings(done) == [], done.stdout
    assert done.returncode == 0, done.stderr


def test_zizmor_finds_nothing(generated: list[Path]) -> None:
    done = zizmor(generated)
    assert findings(done) == [], done.stdout
    assert done.returncode == 0, done.stderr


def test_both_linters_catch_a_careless_workflow(tmp_path: Path) -> None:
    """The gate can fail: an unpinned action and event data expanded inside run: are caught."""
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    bad = directory / "bad.yml"
    bad.write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  x:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
        "      - run: echo ${{ matrix.nope }}\n",
        encoding="utf-8",
    )
    zizmor_found = findings(zizmor([bad]))
    ids = {str(f.get("ident")) for f in zizmor_found if isinstance(f, dict)}
    assert {"unpinned-uses", "template-injection", "artipacked"} <= ids, ids
    actionlint_found = findings(actionlint([bad]))
    kinds = {str(f.get("kind")) for f in actionlint_found if isinstance(f, dict)}
    assert "expression" in kinds, actionlint_found


def test_this_repositorys_own_workflows_are_clean() -> None:
    workflows = sorted((Path(__file__).parents[2] / ".github" / "workflows").glob("*.yml"))
    assert {path.name for path in workflows} >= {"ci.yml", "security.yml", "release.yml"}
    for done in (actionlint(workflows), zizmor(workflows)):
        assert findings(done) == [], done.stdout
        assert done.returncode == 0, done.stderr
