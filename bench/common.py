"""What the stack benchmarks share: percentiles, manage.py, a production-like environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def manage(env: dict[str, str], *args: str) -> None:
    """Run `python manage.py <args>` with `env`, quietly; fail loudly."""
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def production_env(workdir: Path) -> dict[str, str]:
    """Return settings as a deployment has them (DEBUG off), over plain HTTP on loopback."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UNROLLED_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
