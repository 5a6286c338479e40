"""The tool runner's fail-closed policy: missing, timed out, killed, masked."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ferrox.errors import ToolCrashed, ToolMissing, ToolTimeout
from ferrox.masking import Masker
from ferrox.tools import ToolRunner
from processes import alive, gone_soon


def test_missing_program_raises_with_the_hint(tmp_path: Path) -> None:
    runner = ToolRunner(env={"PATH": str(tmp_path)})
    with pytest.raises(ToolMissing) as raised:
        runner.run("cargo", ["--version"], cwd=tmp_path, timeout=5, hint="install rustup")
    assert "cargo is not installed" in str(raised.value)
    assert "hint: install rustup" in str(raised.value)
    assert raised.value.exit_code == 3


def test_output_and_exit_code_are_returned(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("tool", "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(7)\n")
    runner = ToolRunner()
    done = runner.run("tool", ["a"], cwd=tmp_path, timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (7, "out\n", "err\n")
    assert runner.records[0].argv == ("tool", "a")
    assert runner.records[0].returncode == 7


def test_timeout_kills_the_whole_process_group(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    pid_file = tmp_path / "child.pid"
    fake_tools(
        "slow",
        f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
        """,
    )
    runner = ToolRunner()
    with pytest.raises(ToolTimeout) as raised:
        runner.run("slow", [], cwd=tmp_path, timeout=2)
    assert "timed out after 2 s" in str(raised.value)
    assert runner.records[0].returncode is None
    child = int(pid_file.read_text())
    # The grandchild (think: rustc under cargo) must be gone too, not left running.
    assert gone_soon(child)


def test_killed_by_signal_is_a_crash(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools(
        "victim",
        "import os, signal\nprint('partial', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n",
    )
    with pytest.raises(ToolCrashed, match="killed by signal SIGKILL") as raised:
        ToolRunner().run("victim", [], cwd=tmp_path, timeout=30)
    assert raised.value.exit_code == 3


def test_secrets_are_masked_in_output_records_and_errors(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools(
        "leaky",
        "import os, sys\nprint(os.environ['API_TOKEN'])\nprint(sys.argv[1], file=sys.stderr)\n",
    )
    env = {**os.environ, "API_TOKEN": "tok-123456789"}
    runner = ToolRunner(env=env, masker=Masker.from_environment(env))
    done = runner.run("leaky", ["--token=tok-123456789"], cwd=tmp_path, timeout=30)
    assert "tok-123456789" not in done.stdout + done.stderr + " ".join(done.argv)
    assert done.stdout == "***\n"
    assert runner.records[0].argv == ("leaky", "--token=***")


def test_stderr_can_be_streamed_while_captured(
    tmp_path: Path, fake_tools: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fake_tools("chatty", "import sys\nprint('Compiling x', file=sys.stderr)\n")
    done = ToolRunner(echo_stderr=True).run("chatty", [], cwd=tmp_path, timeout=30)
    assert done.stderr == "Compiling x\n"
    assert "Compiling x" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="descendants are found through /proc")
@pytest.mark.parametrize("orphaned", [False, True], ids=["child-alive", "child-exited"])
def test_timeout_kills_descendants_in_sessions_of_their_own(
    tmp_path: Path, fake_tools: Callable[[str, str], Path], orphaned: bool
) -> None:
    # nextest puts each test in a process group of its own and a test may `setsid` a daemon:
    # out of reach of a group kill. With `orphaned`, the middle process exits, so the daemon
    # is re-parented to init and no tree walk from the tool finds it (the cookie does).
    pid_file = tmp_path / "daemon.pid"
    daemon = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(300)"
    )
    middle = (
        "import subprocess, sys, time\n"
        # A daemon's output goes elsewhere: nothing but the kill can end it early.
        f"subprocess.Popen([sys.executable, '-c', {daemon!r}], start_new_session=True,\n"
        "    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        + ("" if orphaned else "time.sleep(300)\n")
    )
    fake_tools(
        "nextest-like",
        f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", {middle!r}], start_new_session=True)
        time.sleep(300)
        """,
    )
    with pytest.raises(ToolTimeout):
        ToolRunner().run("nextest-like", [], cwd=tmp_path, timeout=3)
    grandchild = int(pid_file.read_text())
    assert os.getsid(0) != _session(grandchild) or not alive(grandchild)
    assert gone_soon(grandchild), "a descendant in its own session outlived the timeout"


def _session(pid: int) -> int:
    try:
        return os.getsid(pid)
    except ProcessLookupError:
        return -1


def test_tail_prefers_stderr() -> None:
    from ferrox.tools import Completed

    assert Completed(("x",), 1, "o1\no2", "", 0.0).tail(1) == "o2"
    assert Completed(("x",), 1, "o", "e1\ne2", 0.0).tail(5) == "e1\ne2"


def test_a_child_runner_shares_the_setup_but_not_the_records(tmp_path: Path) -> None:
    parent = ToolRunner(env={"PATH": os.defpath, "FERROX_TOOLS_HOME": str(tmp_path)})
    parent.run(sys.executable, ["-c", "pass"], cwd=tmp_path, timeout=60)
    child = parent.child()
    assert child.env == parent.env and child.env is not parent.env
    assert child.masker is parent.masker
    assert child.records == [] and len(parent.records) == 1


def test_stdin_reaches_the_program_and_never_the_record(tmp_path: Path) -> None:
    runner = ToolRunner()
    done = runner.run("cat", [], cwd=tmp_path, timeout=30, stdin=b"password-on-stdin\n")
    assert (done.returncode, done.stdout) == (0, "password-on-stdin\n")
    assert runner.records[0].argv == ("cat",)
    # A program that exits without reading its input is judged by its exit status alone.
    ignored = runner.run("true", [], cwd=tmp_path, timeout=30, stdin=b"x" * (1 << 20))
    assert ignored.returncode == 0
