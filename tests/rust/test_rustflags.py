"""Where rustc flags come from, and which of them silence lints for the whole build."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.rust.rustflags import lint_caps, silences_lints


@pytest.mark.parametrize(
    ("flags", "silenced"),
    [
        (["--cap-lints", "allow"], True),
        (["--cap-lints=warn"], True),
        (["-A", "warnings"], True),
        (["-Awarnings"], True),
        (["--allow=warnings"], True),
        (["-A", "clippy::pedantic"], False),  # a later -D/-W of ferrox's wins over it
        (["-C", "target-cpu=native", "-g"], False),
        ([], False),
    ],
)
def test_silencing_flags(flags: list[str], silenced: bool) -> None:
    assert silences_lints(flags) is silenced


def test_every_source_is_named(tmp_path: Path) -> None:
    project = tmp_path / "outer" / "project"
    project.mkdir(parents=True)
    (tmp_path / "outer" / ".cargo").mkdir()
    (tmp_path / "outer" / ".cargo" / "config.toml").write_text(
        '[target.x86_64-unknown-linux-gnu]\nrustflags = ["--cap-lints", "allow"]\n'
    )
    home = tmp_path / "cargo-home"
    home.mkdir()
    (home / "config.toml").write_text('[build]\nrustflags = "-A warnings"\n')
    env = {
        "CARGO_HOME": str(home),
        "RUSTFLAGS": "-g",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS": "--cap-lints=allow",
    }
    found = lint_caps(project, env)
    assert any(
        "outer/.cargo/config.toml (target.x86_64-unknown-linux-gnu.rustflags)" in f for f in found
    )
    assert any("cargo-home/config.toml (build.rustflags)" in f for f in found)
    assert any(f.startswith("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS") for f in found)
    assert not any(f.startswith("RUSTFLAGS") for f in found)


def test_an_unreadable_config_is_left_to_cargo(tmp_path: Path) -> None:
    (tmp_path / ".cargo").mkdir()
    (tmp_path / ".cargo" / "config.toml").write_text("[build\n")
    assert lint_caps(tmp_path, {"CARGO_HOME": str(tmp_path / "none")}) == []
