"""Stand-in base images for machines that cannot pull one.

A root filesystem holding Debian's static busybox (``busybox-static``: a shell and the usual
commands) is packed with :mod:`tarfile` and ``docker import``ed under a local name such as
``ferrox-local/bookworm-slim-standin:test``. ``FROM`` that name then builds like ``FROM`` the real
base: the cpu and gpu Dockerfiles are built for real on it (without Debian's libc or CUDA's
libraries: a stand-in, not the base; the images' sizes are the stand-in's).
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from pathlib import Path

from ferrox.errors import ToolError, ToolMissing
from ferrox.tools import ToolRunner

BUSYBOX_HINT = "install Debian's busybox-static (python ci/bootstrap.py does)"
# The commands the Dockerfiles' HEALTHCHECK CMD-SHELL form and a debugging user reach for.
APPLETS = ("sh", "ls", "cat", "echo", "env", "id", "ps", "wget", "true", "false", "test")


def rootfs_tar(busybox: Path, destination: Path) -> Path:
    """A tar of a minimal root filesystem: /bin/busybox, its applet links, /etc/passwd, /tmp."""
    with tarfile.open(destination, "w") as tar:
        for directory in ("bin", "etc", "tmp", "usr", "usr/local", "usr/local/bin"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        tar.add(str(busybox), arcname="bin/busybox")
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        passwd = b"root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/tmp:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(passwd))
    return destination


def import_standin(
    runner: ToolRunner, root: Path, reference: str, *, timeout: float = 120.0
) -> str:
    """Imports a busybox root filesystem as ``reference``; returns the image ID."""
    busybox = runner.which("busybox")
    if busybox is None:
        raise ToolMissing("busybox is not installed", tool="busybox", hint=BUSYBOX_HINT)
    with tempfile.TemporaryDirectory(prefix="ferrox-standin-") as scratch:
        tar = rootfs_tar(Path(shutil.which(str(busybox)) or busybox), Path(scratch) / "rootfs.tar")
        done = runner.run("docker", ["import", str(tar), reference], cwd=root, timeout=timeout)
    if done.returncode != 0 or not done.stdout.strip().startswith("sha256:"):
        raise ToolError(
            f"docker import of the stand-in {reference} failed",
            tool="docker",
            argv=done.argv,
            returncode=done.returncode,
            output_tail=done.tail(),
        )
    return done.stdout.strip()
