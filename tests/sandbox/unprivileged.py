"""Run part of the suite as an unprivileged user, the way `make run` runs on a laptop."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
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
    if os.geteuid() == 0:
        drop = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
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
