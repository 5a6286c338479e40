"""Which kinds of project a directory holds decides which scanners a composite step runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.project_kind import (
    has_python_dependencies,
    has_python_project,
    has_rust_project,
    python_sources,
)


def test_rust_project_needs_a_cargo_manifest(tmp_path: Path) -> None:
    assert not has_rust_project(tmp_path)
    (tmp_path / "Cargo.toml").write_text("[package]\n")
    assert has_rust_project(tmp_path)


def test_python_project_from_markers_requirements_or_sources(tmp_path: Path) -> None:
    assert not has_python_project(tmp_path)
    (tmp_path / "requirements-dev.txt").write_text("")
    assert has_python_project(tmp_path)
    (tmp_path / "requirements-dev.txt").unlink()
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "gen.py").write_text("")
    assert has_python_project(tmp_path)


def test_python_sources_skip_build_and_environment_dirs(tmp_path: Path) -> None:
    for skipped in ("target", ".venv", ".nox", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.py").write_text("")
    assert python_sources(tmp_path) == []
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    assert python_sources(tmp_path) == [tmp_path / "a.py", tmp_path / "b.py"]
    assert python_sources(tmp_path, limit=1) == [tmp_path / "a.py"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"noxfile.py": "", "tasks.py": ""}, False),
        ({"pyproject.toml": "[tool.ferrox]\nreport_dir = 'x'\n"}, False),
        ({"pyproject.toml": "[project]\nname = 'p'\ndependencies = []\n"}, False),
        ({"pyproject.toml": "[project]\nname = 'p'\ndependencies = ['rich']\n"}, True),
        ({"pyproject.toml": "[project.optional-dependencies]\ndev = ['pytest']\n"}, True),
        ({"pyproject.toml": "[project\n"}, True),
        ({"requirements.txt": ""}, True),
        ({"setup.cfg": ""}, True),
    ],
    ids=["scripts", "ferrox-config", "empty-deps", "deps", "extras", "unreadable", "reqs", "setup"],
)
def test_python_dependencies_need_a_declaration(
    tmp_path: Path, files: dict[str, str], expected: bool
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert has_python_dependencies(tmp_path) is expected
