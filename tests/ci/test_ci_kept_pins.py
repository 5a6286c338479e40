"""A Dependabot bump of a pinned action is not drift; an older, unpinned or other action is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ferrox.ci.actions import action_pins
from ferrox.ci.kept_pins import keep_newer_pins

CHECKOUT = action_pins()["checkout"]
NEWER_SHA = "1" * 40


def _bump(text: str, sha: str, version: str) -> str:
    return text.replace(
        f"uses: {CHECKOUT.uses} # {CHECKOUT.version}", f"uses: {CHECKOUT.repo}@{sha} # {version}"
    )


def test_init_check_accepts_a_newer_pin_of_the_same_action(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    demo = fresh_crate("demo")
    (demo / "ferrox.toml").write_text('[ci]\nferrox_source = "checkout"\n')
    assert ferrox("init", "--workflows", "-C", str(demo)).code == 0
    ci_yml = demo / ".github" / "workflows" / "ci.yml"
    generated = ci_yml.read_text()
    assert f"uses: {CHECKOUT.uses} # {CHECKOUT.version}" in generated
    # What Dependabot does: the SHA and the comment of a newer release.
    ci_yml.write_text(_bump(generated, NEWER_SHA, "v99.0.0"))
    check = ferrox("init", "--check", "-C", str(demo))
    assert check.code == 0, check.out
    # Regenerating keeps the bump too (init and --check agree).
    assert ferrox("init", "--workflows", "--force", "-C", str(demo)).code == 0
    assert f"{CHECKOUT.repo}@{NEWER_SHA} # v99.0.0" in ci_yml.read_text()
    # An older release, or a tag instead of a SHA, is drift.
    for sha, version in ((NEWER_SHA, "v1.0.0"), ("v99", "v99.0.0")):
        ci_yml.write_text(_bump(generated, sha, version))
        assert ferrox("init", "--check", "-C", str(demo)).code == 1, (sha, version)


def test_only_the_same_action_keeps_its_pin() -> None:
    generated = f"        uses: {CHECKOUT.uses} # {CHECKOUT.version}\n"
    bumped = f"        uses: {CHECKOUT.repo}@{NEWER_SHA} # v99.0.0\n"
    assert keep_newer_pins(generated, bumped) == bumped
    other = f"        uses: someone/checkout@{NEWER_SHA} # v99.0.0\n"
    assert keep_newer_pins(generated, other) == generated
    assert keep_newer_pins(generated, "no uses here\n") == generated
