"""The release tests' fixtures; the helpers they share live in ``release_repo``.

Test modules import helpers from ``release_repo``, never ``from conftest import``: another
directory's conftest.py may be the module named ``conftest`` when they are collected.
"""

from release_repo import cargo_target, git_env, github, make_repo

__all__ = ["cargo_target", "git_env", "github", "make_repo"]
