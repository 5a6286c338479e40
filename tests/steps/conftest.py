"""Fixtures of the step tests: one copy of the Python fixture projects per module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

PYTHON = Path(__file__).parents[1] / "fixtures" / "python"


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the fixture projects (outside any git repository)."""
    destination = tmp_path_factory.mktemp("python")
    shutil.copytree(PYTHON, destination, dirs_exist_ok=True)
    return destination
