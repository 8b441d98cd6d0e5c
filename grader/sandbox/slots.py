"""The slot registry: an index per live sandbox, held by an flock, with its uid and scratch path."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from . import cgroup
from .results import SandboxUnavailable

# Slot i runs as uid SLOT_UID_BASE + i. Slot indices come from flocks in state_dir(), so they
# are unique among all the sandboxes sharing that folder: every worker on one host (several
# containers from `docker compose up --scale worker=N` share a kernel, hence the uids) must
# share it (UNROLLED_SANDBOX_STATE_DIR, a volume mounted in each), or take disjoint uid ranges
# (UNROLLED_SANDBOX_UID_BASE, e.g. 61000 + 256 × host-wide instance number).
SLOT_UID_BASE = int(os.environ.get("UNROLLED_SANDBOX_UID_BASE", "61000"))
MAX_SLOTS = 256


def state_dir() -> Path:
    """Return the directory holding slot locks and scratch directories."""
    shared = os.environ.get("UNROLLED_SANDBOX_STATE_DIR")
    if shared:
        return Path(shared)
    if os.geteuid() == 0:
        return Path("/run/unrolled-sandbox")
    return Path(tempfile.gettempdir()) / f"unrolled-sandbox-{os.geteuid()}"


class Slot:
    """An index unique among the live sandboxes of this machine, held by an flock."""

    def __init__(self) -> None:
        base = state_dir()
        base.mkdir(mode=0o711, parents=True, exist_ok=True)
        os.chmod(base, 0o711 if os.geteuid() == 0 else 0o700)
        for index in range(MAX_SLOTS):
            fd = os.open(base / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.index = index
            self.lock_fd = fd
            self.scratch = base / f"slot-{index}"
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch.mkdir(mode=0o711)
            os.chmod(self.scratch, 0o711)
            self.cgroup, self.cgroup_detail = cgroup.slot_cgroup(index)
            return
        raise SandboxUnavailable(f"all {MAX_SLOTS} sandbox slots are in use")

    @property
    def uid(self) -> int | None:
        return SLOT_UID_BASE + self.index if os.geteuid() == 0 else None

    def release(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.cgroup is not None:
            cgroup.remove(self.cgroup)
        os.close(self.lock_fd)
