"""A fresh clone with a virtual environment built from requirements.txt alone.

What a newcomer gets from `git clone … && make run`, and what the Docker image installs: the
test requirements (pytest and its dependencies) are absent, so a runtime import that only
they satisfy fails here as it would for that newcomer.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.stack import BASE_DIR


def copy_checkout(destination: Path) -> None:
    """Copy the files a clone of this checkout would hold (tracked and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR, check=True, capture_output=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = BASE_DIR / name
        if not source.is_file():
            continue  # deleted in the work tree but not yet in the index
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


@pytest.fixture(scope="session")
def fresh_clone() -> Iterator[Path]:
    """Return a copy of the checkout whose `.venv` holds requirements.txt only."""
    # Under the project's var/ rather than pytest's 0700 temporary root: the sandbox's
    # unprivileged uid must be able to read this venv's interpreter and NumPy.
    root = BASE_DIR / "var" / f"fresh-clone-{uuid.uuid4().hex[:8]}"
    root.mkdir(parents=True)
    try:
        copy_checkout(root)
        # The Makefile's own rule, so the test installs exactly what `make run` installs.
        built = subprocess.run(
            ["make", "--no-print-directory", ".venv/.installed"],
            cwd=root, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
