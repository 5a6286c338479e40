"""``ferrox ci parity`` warns when a workflow's ``env:`` differs from a step's pinned variable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ferrox.ci.parity import EnvMismatch, env_mismatches

Call = Callable[..., Any]
NOXFILE = "import ferrox.nox\n\nferrox.nox.register()\n"
WORKFLOW = """\
name: ci
on: push
env:
  RUST_BACKTRACE: 1
  CARGO_INCREMENTAL: "0"
jobs:
  test:
    runs-on: ubuntu-latest
    env:
      RUSTFLAGS: -D warnings
    steps:
      - run: nox -s test
        env:
          TZ: Europe/Paris
"""
PINS = {"test": {"RUST_BACKTRACE": "0", "CARGO_INCREMENTAL": "0", "RUSTFLAGS": "", "TZ": "UTC"}}


def test_each_env_level_is_compared_with_the_pins(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(WORKFLOW)
    found = env_mismatches(tmp_path, PINS)
    assert found == [
        EnvMismatch("ci.yml", "workflow", "RUST_BACKTRACE", "1", "test", "0"),
        EnvMismatch("ci.yml", "job test", "RUSTFLAGS", "-D warnings", "test", ""),
        EnvMismatch("ci.yml", "job test step 1", "TZ", "Europe/Paris", "test", "UTC"),
    ]


def test_parity_prints_a_warning_and_still_passes(
    ferrox: Call, fresh_crate: Callable[[str], Path]
) -> None:
    demo = fresh_crate("demo")
    (demo / "noxfile.py").write_text(NOXFILE)
    assert ferrox("init", "--workflows", "-C", str(demo)).code == 0
    ci_yml = demo / ".github" / "workflows" / "ci.yml"
    text = ci_yml.read_text()
    assert "CARGO_TERM_COLOR: always\n" in text
    ci_yml.write_text(
        text.replace(
            "CARGO_TERM_COLOR: always\n", "CARGO_TERM_COLOR: always\n  RUST_BACKTRACE: full\n", 1
        )
    )
    done = ferrox("ci", "parity", "-C", str(demo))
    assert done.code == 0, done.out + done.err
    assert (
        "ci.yml workflow: RUST_BACKTRACE='full' but ferrox runs test with RUST_BACKTRACE='0'"
        in (" ".join(done.out.split()))
    )
