"""Every command the README shows runs here, on a scratch copy, so a wrong line cannot ship.

A fenced ``sh`` block, or a ``text`` block holding ``$ command`` lines, carries a marker on the
line before it:

- ``<!-- test: run demo -->``: its commands run, in order, in a copy of examples/demo (a git
  repository) whose noxfile.py and tasks.py are the README's own ``<!-- test: file NAME -->``
  blocks;
- ``<!-- test: run crate ... -->``: in a new ``cargo new`` crate with ``git init`` and nothing else;
- ``<!-- test: skip (why) -->``: not run (GitHub, minutes of builds); the reason is required.

Each command must exit 0, or the code its comment names as ``(exit N ...)``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
MARKER = re.compile(r"<!-- test: (run (demo|crate)|skip \(.+\)|file ([\w.]+)) ?.*-->")
FENCE = re.compile(r"^```(\w*)$")


@dataclass(frozen=True)
class Block:
    """One fenced block, the marker before it, and where it starts."""

    line: int
    language: str
    marker: str
    body: list[str]


def blocks() -> list[Block]:
    """The README's fenced blocks with their markers."""
    lines = README.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match and match[1]:
            end = lines.index("```", index + 1)
            previous = lines[index - 1] if index else ""
            found.append(Block(index + 1, match[1], previous, lines[index + 1 : end]))
            index = end
        index += 1
    return found


def shows_commands(block: Block) -> bool:
    """A shell block, or a transcript holding ``$ `` lines."""
    return block.language == "sh" or (
        block.language == "text" and any(line.startswith("$ ") for line in block.body)
    )


def commands(block: Block) -> list[tuple[str, int]]:
    """The block's commands without their comments, each with the exit code it may end with."""
    found = []
    for raw in block.body:
        line = raw[2:] if block.language == "text" and raw.startswith("$ ") else raw
        if block.language == "text" and not raw.startswith("$ "):
            continue
        command, _, comment = line.partition("  #")
        if not command.strip() or command.lstrip().startswith("#"):
            continue
        code = re.search(r"\(exit (\d)", comment)
        found.append((command.strip(), int(code[1]) if code else 0))
    return found


def test_every_command_block_is_marked_run_or_skip_with_a_reason() -> None:
    marked = [b for b in blocks() if shows_commands(b)]
    assert len(marked) > 5
    for block in marked:
        match = MARKER.fullmatch(block.marker.strip())
        assert match and not match[3], f"README.md:{block.line}: no `<!-- test: run|skip -->`"
    runs = [b for b in marked if "test: run" in b.marker]
    assert {b.marker.split()[3] for b in runs} == {"demo", "crate"}


def test_the_parallel_flag_takes_its_argument() -> None:
    """The bug that shipped: `nox --parallel -s ...` (the flag takes a number or auto)."""
    for block in blocks():
        for command, _code in commands(block) if shows_commands(block) else []:
            assert not re.search(r"(--parallel|-j)\s+-", command), command


def _scratch_demo(tmp_path: Path) -> Path:
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns("target"))
    for block in blocks():
        if (match := MARKER.fullmatch(block.marker.strip())) and match[3]:
            (demo / match[3]).write_text("\n".join(block.body) + "\n", encoding="utf-8")
    assert (demo / "noxfile.py").is_file() and (demo / "tasks.py").is_file()
    subprocess.run(["git", "init", "-q"], cwd=demo, check=True)
    return demo


def _scratch_crate(tmp_path: Path) -> Path:
    subprocess.run(["cargo", "new", "-q", "--vcs", "none", "hello"], cwd=tmp_path, check=True)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "hello", check=True)
    return tmp_path / "hello"


@pytest.mark.slow
@pytest.mark.parametrize("where", ["demo", "crate"])
def test_readme_commands_run(where: str, tmp_path: Path) -> None:
    scratch = _scratch_demo(tmp_path) if where == "demo" else _scratch_crate(tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}
    ran = 0
    for block in blocks():
        if not block.marker.startswith(f"<!-- test: run {where}"):
            continue
        for command, code in commands(block):
            argv = shlex.split(command)
            program = shutil.which(argv[0], path=env.get("PATH"))
            assert program, f"README.md:{block.line}: {argv[0]} is not installed"
            done = subprocess.run(
                [program, *argv[1:]], cwd=scratch, env=env, capture_output=True, text=True,
                check=False, timeout=900,
            )  # fmt: skip
            output = done.stdout[-3000:] + done.stderr[-3000:]
            assert done.returncode in {0, code}, f"README.md:{block.line}: {command}\n{output}"
            ran += 1
    assert ran >= 5
