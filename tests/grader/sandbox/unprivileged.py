"""Run part of the suite as an unprivileged user, the way `make run` runs on a laptop."""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
NOBODY = 65534


def as_unprivileged_user(
    command: list[str], env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run `command` from the project as `nobody` (or as this user if it is not root)."""
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(PROJECT),
        **env,
    }
    drop = {}
    stage = None
    if os.geteuid() == 0:
        blocked = _first_closed_ancestor(PROJECT)
        if blocked is None:
            drop = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        else:
            stage = tempfile.mkdtemp(prefix="unrolled-unprivileged-")
            command = _readable_view(blocked, stage) + command
    try:
        return subprocess.run(
            command,
            cwd=PROJECT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **drop,
        )
    finally:
        if stage is not None:
            os.rmdir(stage)


def _first_closed_ancestor(path: Path) -> Path | None:
    """Return the first folder above `path` that other users may not enter (e.g. /root)."""
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


def _readable_view(blocked: Path, stage: str) -> list[str]:
    """Return a command prefix that runs the rest as nobody with the project reachable.

    A checkout under a closed folder (a CI clone in /root) cannot be reached by nobody. In a
    private mount namespace, which leaves the machine's own mounts untouched, the closed folder
    is covered by an empty open one holding just the project, then the user is dropped.
    """
    script = (
        'set -e; mount --bind "$1" "$2"; mount -t tmpfs -o mode=0755 unrolled-view "$3"; '
        'mkdir -p "$1"; mount --bind "$2" "$1"; shift 3; '
        f'exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups -- "$@"'
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
            str(PROJECT), stage, str(blocked)]  # fmt: skip
