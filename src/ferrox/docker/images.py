"""What the gates need to know about a built image, and its tags: size, smoke runs, tagging."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import ToolError, ToolOutputError
from ferrox.tools import ToolRunner

MB = 1_000_000


@dataclass(frozen=True)
class SmokeRun:
    """One smoke command run in a throwaway container."""

    what: str
    argv: tuple[str, ...]
    returncode: int
    output_tail: str

    @property
    def passed(self) -> bool:
        """Whether it exited 0."""
        return self.returncode == 0


def size_bytes(runner: ToolRunner, root: Path, image: str, timeout: float) -> int:
    """The image's uncompressed size, as ``docker image ls`` shows it."""
    done = runner.run(
        "docker", ["image", "inspect", "--format", "{{.Size}}", image], cwd=root, timeout=timeout
    )
    text = done.stdout.strip()
    if done.returncode != 0 or not text.isdigit():
        raise ToolOutputError.of(done, f"docker image inspect gave no size for {image}", "docker")
    return int(text)


def health_command(runner: ToolRunner, root: Path, image: str, timeout: float) -> tuple[str, ...]:
    """The image's HEALTHCHECK test (``CMD`` or ``CMD-SHELL`` form); empty when it has none."""
    done = runner.run(
        "docker",
        ["image", "inspect", "--format", "{{json .Config.Healthcheck}}", image],
        cwd=root,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"docker image inspect failed for {image}", "docker")
    try:
        data = json.loads(done.stdout)
    except ValueError as exc:
        message = f"unreadable healthcheck of {image}: {exc}"
        raise ToolOutputError.of(done, message, "docker") from None
    test = data.get("Test") if isinstance(data, dict) else None
    if not isinstance(test, list) or not all(isinstance(part, str) for part in test):
        return ()
    return tuple(test)


def smoke_runs(
    runner: ToolRunner, root: Path, image: str, smoke_args: tuple[str, ...], timeout: float
) -> list[SmokeRun]:
    """Runs the image with ``smoke_args`` and runs its health command; both must exit 0."""
    runs = [
        _run(
            runner,
            root,
            image,
            "run " + " ".join(smoke_args),
            args=[image, *smoke_args],
            timeout=timeout,
        )
    ]
    test = health_command(runner, root, image, timeout)
    if not test or test[0] == "NONE":
        runs.append(SmokeRun("HEALTHCHECK", (), 1, "the image declares no HEALTHCHECK"))
    elif test[0] == "CMD" and len(test) > 1:
        args = ["--entrypoint", test[1], image, *test[2:]]
        runs.append(_run(runner, root, image, "health command", args=args, timeout=timeout))
    elif test[0] == "CMD-SHELL" and len(test) == 2:
        args = ["--entrypoint", "/bin/sh", image, "-c", test[1]]
        runs.append(_run(runner, root, image, "health command", args=args, timeout=timeout))
    else:
        runs.append(SmokeRun("HEALTHCHECK", test, 1, f"unexpected HEALTHCHECK test {test!r}"))
    return runs


def _run(
    runner: ToolRunner, root: Path, image: str, what: str, *, args: list[str], timeout: float
) -> SmokeRun:
    # No network, no new privileges, removed afterwards: a smoke run touches nothing.
    argv = ["run", "--rm", "--network", "none", "--security-opt", "no-new-privileges", *args]
    done = runner.run("docker", argv, cwd=root, timeout=timeout)
    if done.returncode == 125:  # the engine could not start the container at all
        raise ToolError(
            f"docker could not start a container of {image}",
            tool="docker",
            argv=done.argv,
            returncode=done.returncode,
            output_tail=done.tail(),
        )
    return SmokeRun(what, done.argv, done.returncode, done.tail(5))


def tag(runner: ToolRunner, root: Path, image: str, reference: str, timeout: float) -> None:
    """Gives ``image`` (an ID) the ``reference`` (``name:tag``)."""
    done = runner.run("docker", ["tag", image, reference], cwd=root, timeout=timeout)
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"docker tag {reference} failed", "docker")


def remove(runner: ToolRunner, root: Path, references: list[str], timeout: float) -> None:
    """Removes images or tags, ignoring those already gone."""
    if references:
        runner.run("docker", ["image", "rm", "--force", *references], cwd=root, timeout=timeout)
