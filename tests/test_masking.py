"""Secret masking."""

from __future__ import annotations

from ferrox.masking import Masker


def test_values_of_secret_named_variables_are_masked() -> None:
    masker = Masker.from_environment(
        {
            "GITHUB_TOKEN": "ghp_abcdef123456",
            "MY_API_KEY": "k3y-value",
            "DB_PASSWORD": "hunter22",
            "HOME": "/root",
        }
    )
    text = masker.mask("token ghp_abcdef123456 key k3y-value pw hunter22 home /root")
    assert text == "token *** key *** pw *** home /root"


def test_configured_names_are_masked_too() -> None:
    masker = Masker.from_environment({"DEPLOY_URL": "https://user:pw@example.com"}, ["deploy_url"])
    assert masker.mask("push to https://user:pw@example.com") == "push to ***"


def test_short_values_are_not_masked() -> None:
    masker = Masker.from_environment({"FEATURE_KEY": "1"})
    assert masker.mask("exit 1") == "exit 1"


def test_longest_secret_wins() -> None:
    masker = Masker.from_environment({"A_TOKEN": "abcd", "B_TOKEN": "abcdefgh"})
    assert masker.mask("abcdefgh") == "***"


def test_nested_data_is_masked() -> None:
    masker = Masker(("s3cret",))
    assert masker.mask_data({"a": ["x s3cret", 3, ("s3cret",)], "b": None}) == {
        "a": ["x ***", 3, ["***"]],
        "b": None,
    }
