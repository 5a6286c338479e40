"""The changelog follows the file it edits: heading shape, version spelling, references, blank
lines; a second section for the same version is refused unless amended in place."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from github_fake import FakeGitHub
from release_repo import Repo, release_config

from ferrox.cli import main
from ferrox.errors import UsageError
from ferrox.release.changelog_file import place, read_style

NOTES = "### Fixes\n\n- a fix (abc1234)\n"
KEEP_A_CHANGELOG = """# Changelog

## [Unreleased]

## [2.13.1] - 2024-05-01

### Fixed

- old fix


## [2.13.0] - 2024-04-01

- older

[unreleased]: https://github.com/o/r/compare/v2.13.1...HEAD
[2.13.1]: https://github.com/o/r/compare/v2.13.0...v2.13.1
[2.13.0]: https://github.com/o/r/releases/tag/v2.13.0
"""


def _place(existing: str | None, version: str = "2.13.2", **kw: object) -> str:
    options: dict[str, object] = {
        "version": version,
        "tag": f"v{version}",
        "date": "2024-06-01",
        "compare": "https://remote/compare/v2.13.1...v2.13.2",
        "amend": False,
        "title": "# Changelog\n",
    }
    options.update(kw)
    return place(existing, NOTES, **options)  # type: ignore[arg-type]


def test_bare_versions_references_and_blank_lines_follow_the_file() -> None:
    text = _place(KEEP_A_CHANGELOG)
    assert text == KEEP_A_CHANGELOG.replace(
        "## [2.13.1] - 2024-05-01",
        "## [2.13.2] - 2024-06-01\n\n### Fixes\n\n- a fix (abc1234)\n\n\n## [2.13.1] - 2024-05-01",
    ).replace(
        "[unreleased]: https://github.com/o/r/compare/v2.13.1...HEAD\n",
        "[unreleased]: https://github.com/o/r/compare/v2.13.2...HEAD\n"
        "[2.13.2]: https://github.com/o/r/compare/v2.13.1...v2.13.2\n",
    )
    assert read_style(KEEP_A_CHANGELOG).blank_lines == 2


@pytest.mark.parametrize(
    ("newest", "expected"),
    [
        # git-cliff's own file: its link shape (two dots) and host, the versions moved on
        ("## [2.13.1](https://x/compare/v2.13.0..v2.13.1) - 2024-05-01",
         "## [2.13.2](https://x/compare/v2.13.1..v2.13.2) - 2024-06-01"),
        ("## [v2.13.1](https://x/releases/v2) - 2024-05-01",
         "## [v2.13.2](https://remote/compare/v2.13.1...v2.13.2) - 2024-06-01"),
        ("## 2.13.1 - 2024-05-01", "## 2.13.2 - 2024-06-01"),
        ("## v2.13.1 (2024-05-01)", "## v2.13.2 (2024-06-01)"),
        ("# [2.13.1] - 2024-05-01", "# [2.13.2] - 2024-06-01"),
    ],
)  # fmt: skip
def test_heading_shape_and_version_spelling(newest: str, expected: str) -> None:
    level = newest.split(" ", 1)[0]
    existing = f"# Changelog\n\n{newest}\n\n- old\n\n{level} 2.13.0\n\n- older\n"
    text = _place(existing)
    assert text.startswith(f"# Changelog\n\n{expected}\n\n")
    assert (
        f"{expected}\n\n{'#' * (len(level) + 1)} Fixes\n\n- a fix (abc1234)\n\n{newest}\n" in text
    )
    assert text.endswith(f"{newest}\n\n- old\n\n{level} 2.13.0\n\n- older\n")


def test_a_section_is_separated_from_the_next_heading() -> None:
    text = _place("# Changelog\n\n## [v2.13.1] - 2024-05-01\n- old\n")
    assert "- a fix (abc1234)\n\n## [v2.13.1]" in text


def test_existing_section_for_the_version_is_refused() -> None:
    with pytest.raises(UsageError, match=r"already has a section for 2\.13\.1 \(line 5.*--amend"):
        _place(KEEP_A_CHANGELOG, "2.13.1")


def test_amend_rewrites_the_section_in_place() -> None:
    text = _place(KEEP_A_CHANGELOG, "2.13.1", amend=True)
    assert text == KEEP_A_CHANGELOG.replace(
        "## [2.13.1] - 2024-05-01\n\n### Fixed\n\n- old fix\n",
        "## [2.13.1] - 2024-06-01\n\n### Fixes\n\n- a fix (abc1234)\n",
    )
    last = "# Log\n\n## [2.0.0] - 2024-01-01\n\n- old\n"
    assert _place(last, "2.0.0", amend=True) == (
        "# Log\n\n## [2.0.0] - 2024-01-01\n\n### Fixes\n\n- a fix (abc1234)\n".replace(
            "2024-01-01", "2024-06-01"
        )
    )


def test_new_file_and_file_without_releases() -> None:
    assert _place(None).startswith("# Changelog\n\n## [v2.13.2](https://remote/")
    assert _place(None, default_prefix="").startswith("# Changelog\n\n## [2.13.2](https://remote/")
    assert _place("# Log\n") == (
        "# Log\n\n## [v2.13.2](https://remote/compare/v2.13.1...v2.13.2) - 2024-06-01\n\n" + NOTES
    )


def test_cli_refuses_a_second_section_unless_amended(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    (repo.path / "CHANGELOG.md").write_text("# Changelog\n\n## [0.2.0] - 2026-01-01\n\n- draft\n")
    repo.git("add", "CHANGELOG.md")
    repo.git("commit", "-q", "-m", "docs: a drafted section")
    args = ["release", "v0.2.0", "--dry-run", "--json", "-C", str(repo.path)]
    assert main(args) == 2
    assert "already has a section for 0.2.0 (line 3" in capsys.readouterr().err
    assert main([*args, "--amend-changelog"]) == 0
    diff = next(
        f for f in json.loads(capsys.readouterr().out)["files"] if f["path"] == "CHANGELOG.md"
    )
    assert "-## [0.2.0] - 2026-01-01" in diff["diff"] and "-- draft" in diff["diff"]
    assert "+### Features" in diff["diff"]
