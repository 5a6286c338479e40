"""``[release.crates-io]`` and ``[release.pypi]``: where the registry publishers publish.

Kept apart from ``settings`` (which imports the publisher registry lazily) so the publishers can
import these without a cycle.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from ferrox.config import SettingError, check_not_option, setting

CRATES_IO = "crates-io"
_REGISTRY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def url_password(url: str) -> str | None:
    """The password in a URL's user info, if any."""
    try:
        return urllib.parse.urlsplit(url.removeprefix("sparse+")).password
    except ValueError:
        return None


def redact_url(url: str) -> str:
    """The URL without the password it may carry (``https://user:***@host/``), for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    user, at, host = authority.rpartition("@")
    if not at:
        return url
    return f"{scheme}://{user.split(':', 1)[0]}:***@{host}{slash}{path}"


def check_variable(key: str, name: str) -> None:
    """A SettingError unless ``name`` is an environment variable's name."""
    if not _VARIABLE.fullmatch(name):
        raise SettingError(key, f"{name!r} is not an environment variable name (A-Z, 0-9, _)")


@dataclass(frozen=True)
class CratesIoSettings:
    """``[release.crates-io]``: the cargo registry the ``crates-io`` publisher publishes to."""

    registry: str = setting(
        CRATES_IO,
        "cargo registry name (crates-io, or a [registries.NAME] of the cargo configuration); "
        "its token comes from CARGO_REGISTRY_TOKEN (crates-io) or CARGO_REGISTRIES_<NAME>_TOKEN",
    )
    index: str = setting(
        "",
        "the registry's index URL (sparse+https://..., a git URL or file://...; default: "
        "cargo's configuration for the registry, https://index.crates.io/ for crates-io)",
    )
    verify: bool = setting(True, "cargo publish builds each packaged crate (False: --no-verify)")
    max_wait: float = setting(
        900.0,
        "seconds the publisher waits out HTTP 429 in total before it stops (exit 3, resumable)",
        minimum=0,
    )

    def __post_init__(self) -> None:
        # Reaches cargo's argv (--registry) and an environment variable's name.
        check_not_option("registry", self.registry, "registry name")
        if not _REGISTRY_NAME.fullmatch(self.registry):
            raise SettingError(
                "registry", f"{self.registry!r} is not a cargo registry name (letters, digits, - _)"
            )

    @property
    def token_env(self) -> str:
        """The variable cargo reads the registry's token from."""
        if self.registry == CRATES_IO:
            return "CARGO_REGISTRY_TOKEN"
        return f"CARGO_REGISTRIES_{self.registry.upper().replace('-', '_')}_TOKEN"


@dataclass(frozen=True)
class PypiSettings:
    """``[release.pypi]``: the package index the ``pypi`` publisher uploads wheels and sdists to."""

    repository_url: str = setting(
        "https://upload.pypi.org/legacy/", "upload URL (TestPyPI: https://test.pypi.org/legacy/)"
    )
    token_env: str = setting(
        "PYPI_TOKEN", "environment variable holding the API token (sent as user __token__)"
    )
    username: str = setting("__token__", "user name sent with the token")
    simple_url: str = setting(
        "",
        "the index's simple API, read to skip files it has (default: PyPI's and TestPyPI's for "
        "their upload URLs, else /simple/ on the upload URL's host)",
    )

    def __post_init__(self) -> None:
        check_variable("token_env", self.token_env)
        for key in ("repository_url", "simple_url"):
            value = getattr(self, key)
            check_not_option(key, value, "URL")
            if (value or key == "repository_url") and not re.match(r"https?://", value):
                raise SettingError(key, f"{value!r} is not an http(s) URL")

    @property
    def index_url(self) -> str:
        """The simple API the publisher reads before uploading."""
        if self.simple_url:
            return self.simple_url.rstrip("/") + "/"
        known = {
            "upload.pypi.org": "https://pypi.org/simple/",
            "test.pypi.org": "https://test.pypi.org/simple/",
        }
        parsed = urllib.parse.urlsplit(self.repository_url)
        return known.get(parsed.hostname or "", f"{parsed.scheme}://{parsed.netloc}/simple/")
