"""Release-profile suggestions: what a workspace's [profile.release] lacks for small binaries."""

from __future__ import annotations

from pathlib import Path

from ferrox.build.profile import release_profile_suggestions

REPO = Path(__file__).parents[2]


def _manifest(tmp_path: Path, profile: str) -> Path:
    path = tmp_path / "Cargo.toml"
    path.write_text(f"[workspace]\nmembers = []\n\n[profile.release]\n{profile}", encoding="utf-8")
    return path


def test_every_setting_is_suggested_for_the_demo() -> None:
    found = release_profile_suggestions(REPO / "examples" / "demo" / "Cargo.toml")
    assert [s.setting for s in found] == [
        "lto = true",
        "codegen-units = 1",
        "strip = true",
        'panic = "abort"',
    ]
    assert str(found[0]) == "lto = true (now: unset)"


def test_a_tuned_profile_needs_nothing(tmp_path: Path) -> None:
    profile = 'lto = "fat"\ncodegen-units = 1\nstrip = "symbols"\npanic = "abort"\n'
    assert release_profile_suggestions(_manifest(tmp_path, profile)) == []


def test_wrong_values_are_named(tmp_path: Path) -> None:
    found = release_profile_suggestions(_manifest(tmp_path, "lto = false\ncodegen-units = 16\n"))
    assert [str(s) for s in found][:2] == [
        "lto = true (now: False)",
        "codegen-units = 1 (now: 16)",
    ]


def test_an_unreadable_manifest_gives_no_advice(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text("[profile\n")
    assert release_profile_suggestions(tmp_path / "Cargo.toml") == []
    assert release_profile_suggestions(tmp_path / "missing.toml") == []
