"""``[release]``: how ``ferrox release`` / ``invoke release`` plans, bumps, tags and publishes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from ferrox.config import SettingError, check_not_option, setting
from ferrox.release.changelog import DEFAULT_SKIP
from ferrox.release.publish_settings import CratesIoSettings, PypiSettings, check_variable
from ferrox.release.refname import ref_problem
from ferrox.release.versioning import tag_for

VERSIONING_MODES = ("lockstep", "independent")
# GitHub's owner and repository names; it reaches the API's URL path with the token.
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+")

# The gates a release runs when the configuration names none: those of these that are registered.
DEFAULT_GATES = ("fmt", "clippy", "test", "security")


@dataclass(frozen=True)
class ReleaseSettings:
    """``[release]``: version bumps, changelog, tag, artifacts and publishers."""

    branch: str = setting("main", "the branch releases are cut from")
    remote: str = setting("origin", "the git remote branch and tag are pushed to")
    tag_prefix: str = setting("v", "prefix of release tags (v1.2.0)")
    gates: tuple[str, ...] = setting(
        ("default",),
        "steps that must pass before anything changes; default: those of fmt, clippy, test, "
        "security that exist and apply to the project",
    )
    changelog: str = setting(
        "CHANGELOG.md", "the changelog file the release notes are prepended to"
    )
    extra_files: tuple[str, ...] = setting(
        (),
        "more files holding the version, as 'path' or 'path:regex' (the regex's group 1 is the "
        'version; default regex matches __version__ = "..." and version = "...")',
    )
    sign: bool = setting(False, "sign the tag (git tag -s with the configured user.signingkey)")
    targets: tuple[str, ...] = setting(
        (), "targets the build step builds the release archives for (default: [build] targets)"
    )
    artifacts: bool = setting(True, "build archives, SHA256SUMS and Python distributions")
    python_isolation: bool = setting(
        True, "build the wheel and sdist in an isolated environment (False: --no-isolation)"
    )
    publishers: tuple[str, ...] = setting(
        ("git", "github"),
        "publishers, in order (git: push branch and tag; crates-io: the workspace's crates; "
        "pypi: wheels and sdist; github: the release, public once every publisher finished; "
        "docker: the images, to [docker] registry)",
    )
    crates_io: CratesIoSettings = setting(CratesIoSettings(), "[release.crates-io] table")  # noqa: RUF009 - frozen: a shared default is safe
    pypi: PypiSettings = setting(PypiSettings(), "[release.pypi] table")  # noqa: RUF009 - frozen: a shared default is safe
    github_repository: str = setting("", "owner/name on GitHub (default: from the remote's URL)")
    api_url: str = setting(
        "https://api.github.com", "GitHub REST API base (Enterprise: .../api/v3)"
    )
    token_env: str = setting("GITHUB_TOKEN", "environment variable holding the GitHub token")
    repository_url: str = setting(
        "", "web URL for commit links in the changelog (default: from the remote's URL)"
    )
    timeout: float = setting(1800.0, "seconds before a build or push is killed", minimum=1)
    versioning: str = setting(
        "",
        "lockstep (one version for the workspace) or independent (each crate its own version "
        "and tag); default: detected (lockstep when every member inherits [workspace.package] "
        "version or all carry the same version)",
    )
    tag_pattern: str = setting(
        "{crate}-v{version}", "tag of a crate's release in independent mode ({crate}, {version})"
    )
    zero_minor_on_feature: bool = setting(
        True, "--bump auto below 1.0: a feature bumps the minor (False: the patch)"
    )
    skip: tuple[str, ...] = setting(
        DEFAULT_SKIP,
        "regexes searched in a commit's message (^ is the subject's start, as in git-cliff's "
        "parsers) that keep it out of the changelog (default: merges, release commits, "
        "dependabot and renovate updates)",
    )

    def __post_init__(self) -> None:
        # At load, so `ferrox run` and the release stop on a typo before any tool or git runs.
        # Imported here: the step registry and the publishers build on this module.
        from ferrox.release.publishers import PUBLISHER_NAMES  # noqa: PLC0415
        from ferrox.steps import all_steps  # noqa: PLC0415

        # Each reaches git's argv (push, ls-remote, tag): never as an option.
        check_not_option("branch", self.branch, "branch")
        check_not_option("remote", self.remote, "remote")
        check_not_option("tag_prefix", self.tag_prefix, "tag prefix")
        check_not_option("targets", self.targets, "target")  # cargo build --target
        if self.gates != ("default",):
            steps = all_steps()
            if unknown := [name for name in self.gates if name not in steps]:
                raise SettingError(
                    "gates",
                    f"gate(s) {', '.join(unknown)} are not ferrox steps",
                    choices=list(steps),
                )
        if unknown := [name for name in self.publishers if name not in PUBLISHER_NAMES]:
            raise SettingError(
                "publishers", f"unknown publisher(s) {', '.join(unknown)}", choices=PUBLISHER_NAMES
            )
        for spec in self.extra_files:
            _check_version_pattern(spec)
        if self.versioning and self.versioning not in VERSIONING_MODES:
            raise SettingError(
                "versioning", f"unknown mode {self.versioning!r}", choices=list(VERSIONING_MODES)
            )
        if "{version}" not in self.tag_pattern or "{crate}" not in self.tag_pattern:
            raise SettingError(
                "tag_pattern", f"{self.tag_pattern!r} must contain {{crate}} and {{version}}"
            )
        check_not_option("tag_pattern", self.tag_pattern, "tag pattern")
        self._check_names_and_paths()
        check_variable("token_env", self.token_env)
        if not re.match(r"https?://", self.api_url):
            raise SettingError("api_url", f"{self.api_url!r} is not an http(s) URL")
        for pattern in self.skip:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SettingError("skip", f"bad regex {pattern!r}: {exc}") from None

    def _check_names_and_paths(self) -> None:
        """Refs git will be given, files the release writes, URLs: checked at load."""
        if "::" in self.remote or "://" in self.remote:
            # A URL here would reach git push as is: ext:: runs commands where it is allowed.
            raise SettingError(
                "remote", f"{self.remote!r} is a URL: name a configured git remote (origin)"
            )
        for key, name in (  # a branch, and tags spelled with a sample crate and version
            ("branch", self.branch),
            ("tag_prefix", f"{self.tag_prefix}1.0.0"),
            ("tag_pattern", tag_for(self.tag_pattern, "crate", "1.0.0")),
        ):
            if (problem := ref_problem(name)) is not None:
                raise SettingError(key, f"{name!r} is not a valid git ref name: {problem}")
        if self.github_repository and not _GITHUB_REPOSITORY.fullmatch(self.github_repository):
            raise SettingError(
                "github_repository", f"{self.github_repository!r} is not 'owner/name'"
            )
        _check_inside("changelog", self.changelog)
        for spec in self.extra_files:
            _check_inside("extra_files", spec.split(":", 1)[0])


def _check_inside(key: str, path: str) -> None:
    """A file the release writes must be a relative path inside the repository."""
    pure = PurePosixPath(path.replace("\\", "/"))
    if not path or pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", path):
        raise SettingError(
            key, f"{path!r} must be a relative path inside the repository (no '..', not absolute)"
        )


def _check_version_pattern(spec: str) -> None:
    """An extra file's own pattern (``path:regex``) must compile and capture the version."""
    _, _, pattern = spec.partition(":")
    if not pattern:
        return  # the default pattern
    try:
        groups = re.compile(pattern).groups
    except re.error as exc:
        raise SettingError("extra_files", f"bad regex {pattern!r}: {exc}") from None
    if groups < 1:
        raise SettingError(
            "extra_files",
            f"{pattern!r} has no group: write 'path:REGEX' with the version in group 1",
        )
