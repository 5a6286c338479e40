"""Versioning rules: requirements keep their style, modes are detected, tags are per crate."""

from __future__ import annotations

import pytest

from ferrox.errors import UsageError
from ferrox.release import versioning


@pytest.mark.parametrize(
    ("requirement", "new", "written"),
    [
        ("=0.3.1", "0.3.2", "=0.3.2"),  # exact stays exact and always moves
        ("0.3.1", "0.3.2", "0.3.2"),  # a full version is the minimum built against: moves
        ("^0.3.1", "0.4.0", "^0.4.0"),  # caret stays caret
        ("~1.2.3", "1.2.4", "~1.2.4"),  # tilde stays tilde
        ("0.3", "0.3.9", None),  # a partial range still met: left alone
        ("0.3", "0.4.0", "0.4"),  # left: same precision
        ("^1", "1.9.0", None),
        ("1", "2.0.0", "2"),
        ("~1.2", "1.2.7", None),
        ("~1.2", "1.3.0", "~1.3"),
        ("0.0", "0.1.0", "0.1"),
        ("0.3", "0.3.1-rc.1", "0.3.1-rc.1"),  # no partial requirement matches a pre-release
        (">=1, <3", "4.0.0", None),  # compound: cargo judges it on the edited copy
        ("1.*", "2.0.0", None),
    ],
)
def test_rewrite_requirement(requirement: str, new: str, written: str | None) -> None:
    assert versioning.rewrite_requirement(requirement, new) == written


def test_detect_modes() -> None:
    inherit = '[package]\nname = "a"\nversion.workspace = true\n'
    own = '[package]\nname = "b"\nversion = "5.0.7"\n'
    assert versioning.detect({"a": inherit, "c": inherit}, {"a": "1.0.0", "c": "1.0.0"}) == (
        versioning.LOCKSTEP
    )
    assert versioning.detect({"a": own, "b": own}, {"a": "1.0.0", "b": "1.0.0"}) == "lockstep"
    assert versioning.detect({"a": inherit, "b": own}, {"a": "1.48.0", "b": "5.0.7"}) == (
        versioning.INDEPENDENT
    )


def test_crate_tags_and_pathspecs() -> None:
    tags = ["core-v0.3.1", "core-v0.10.0", "core-cli-v9.0.0", "core-vbad", "v1.0.0"]
    latest = versioning.latest_crate_version(tags, "{crate}-v{version}", "core")
    assert latest is not None and latest.text == "0.10.0"
    assert versioning.tag_for("{crate}@{version}", "core", "1.0.0") == "core@1.0.0"
    assert versioning.crate_pathspecs(".", [".", "crates/a"]) == (".", ":(exclude)crates/a")
    assert versioning.crate_pathspecs("crates/a", [".", "crates/a", "crates/b"]) == ("crates/a",)


def test_never_lower() -> None:
    versioning.never_lower("x", "0.3.160", "0.4.0")
    with pytest.raises(UsageError, match=r"x is at 5\.0\.7: releasing it as 1\.48\.0 would lower"):
        versioning.never_lower("x", "5.0.7", "1.48.0")
