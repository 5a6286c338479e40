"""Calibrated thresholds written with tomlkit: comments and every other byte survive."""

from __future__ import annotations

from pathlib import Path

from ferrox.bench.calibration_write import write_thresholds
from ferrox.config import load_config
from ferrox.steps.bench import BenchSettings
from ferrox.steps.fmt import FmtSettings

FERROX_TOML = """\
# the project's settings
[bench]
# measure longer on this runner
budget = 120  # seconds
thresholds = [
    "checksum/adler32_64k=5,10,25",  # kept by hand
    "other=7,14,30",
]

# the next table's comment
[fmt]
timeout = 60
"""


def test_entries_are_replaced_or_appended_and_comments_survive(tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text(FERROX_TOML, encoding="utf-8")
    written = write_thresholds(
        tmp_path,
        {"checksum/adler32_64k": "checksum/adler32_64k=4,8,20", "new/one": "new/one=3,6,15"},
    )
    assert written == tmp_path / "ferrox.toml"
    text = written.read_text(encoding="utf-8")
    assert text == FERROX_TOML.replace(
        '"checksum/adler32_64k=5,10,25"', '"checksum/adler32_64k=4,8,20"'
    ).replace('    "other=7,14,30",\n', '    "other=7,14,30",\n    "new/one=3,6,15",\n')
    config = load_config(tmp_path, {"bench": BenchSettings, "fmt": FmtSettings})
    assert "new/one=3,6,15" in config.for_step("bench", BenchSettings).thresholds


def test_a_pyproject_without_a_bench_table_gets_one_under_tool_ferrox(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\n\n[tool.ferrox]\n# ferrox settings\nreport_dir = "out"\n'
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    write_thresholds(tmp_path, {"s/b": "s/b=3,6,15"})
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(pyproject)
    assert '[tool.ferrox.bench]\nthresholds = [\n    "s/b=3,6,15",\n]\n' in text
    settings = load_config(tmp_path, {"bench": BenchSettings}).for_step("bench", BenchSettings)
    assert settings.thresholds == ("s/b=3,6,15",)


def test_a_bench_table_with_keys_gets_thresholds_after_its_last_key(tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text(
        "[bench]\nbudget = 60\n\n# coverage settings\n[coverage]\nthreshold = 80\n",
        encoding="utf-8",
    )
    write_thresholds(tmp_path, {"s/b": "s/b=3,6,15"})
    assert (tmp_path / "ferrox.toml").read_text(encoding="utf-8") == (
        '[bench]\nbudget = 60\nthresholds = [\n    "s/b=3,6,15",\n]\n\n'
        "# coverage settings\n[coverage]\nthreshold = 80\n"
    )
