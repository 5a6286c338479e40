"""Logging docker in to the release's registry for the pushes, and only for them.

``docker login`` gets the token on its standard input (never in an argv, an environment the
report shows or a workflow expression) and writes it into a docker config directory of ferrox's
own (``DOCKER_CONFIG``, created 0700), which is removed when the pushes are done: the token
never lands in the user's ``~/.docker/config.json`` and outlives nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ferrox.docker.publish import check_registry
from ferrox.errors import ToolError
from ferrox.tools import ToolRunner


def registry_host(registry: str) -> str:
    """The host[:port] of ``host[:port][/namespace]`` (what docker logs in to)."""
    check_registry(registry)
    return registry.split("/", 1)[0]


@contextmanager
def logged_in(
    runner: ToolRunner, root: Path, registry: str, *, username: str, token: str, timeout: float
) -> Iterator[ToolRunner]:
    """A runner whose docker commands are logged in to ``registry``'s host."""
    host = registry_host(registry)  # validated: it starts with [a-z0-9], never an option
    with tempfile.TemporaryDirectory(prefix="ferrox-docker-config-") as config:
        inner = runner.with_env({"DOCKER_CONFIG": config})
        inner.masker = runner.masker.including([token])
        done = inner.run(
            "docker",
            # `--username=` keeps a user name that starts with a dash from becoming an option.
            ["login", f"--username={username}", "--password-stdin", host],
            cwd=root,
            timeout=timeout,
            stdin=token.encode(),
        )
        if done.returncode != 0:
            raise ToolError(
                f"docker login {host} failed (exit {done.returncode}): nothing was pushed",
                tool="docker",
                argv=done.argv,
                returncode=done.returncode,
                output_tail=done.tail(),
                hint="is the token in [docker] token_env valid for this registry?",
            )
        yield inner
