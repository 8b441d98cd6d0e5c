"""A cgroup v2 per sandbox slot, where the machine allows it (root, memory and pids controllers).

RLIMIT_AS bounds what a job maps, not what the kernel allocates on its behalf (page tables,
pipe buffers, tmpfs pages); a cgroup's memory.max counts those too, and pids.max bounds its
threads. The zygote and every child of the slot live in the slot's cgroup.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

MEMORY_MAX = 2 * 1024**3
PIDS_MAX = 64
NEEDED = ("memory", "pids")


def _unified_mount() -> Path | None:
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            fields = line.split()
            separator = fields.index("-")
            if fields[separator + 1] == "cgroup2":
                return Path(fields[4])
    return None


def _own_cgroup() -> str | None:
    with open("/proc/self/cgroup") as cgroups:
        for line in cgroups:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


def slot_cgroup(index: int) -> tuple[Path | None, str]:
    """Create (or reuse) the slot's cgroup; return it, or None and the reason there is none."""
    if os.geteuid() != 0:
        return None, "needs root"
    mount, own = _unified_mount(), _own_cgroup()
    if mount is None or own is None:
        return None, "no cgroup v2 hierarchy mounted"
    parent = mount / own.lstrip("/")
    try:
        available = (parent / "cgroup.controllers").read_text().split()
        missing = [name for name in NEEDED if name not in available]
        if missing:
            return None, (
                f"cgroup v2 at {parent} lacks the {' and '.join(missing)} controller "
                f"(available: {' '.join(available) or 'none'})"
            )
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if not all(name in enabled for name in NEEDED):
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{n}" for n in NEEDED))
        path = parent / f"unrolled-sandbox-slot-{index}"
        path.mkdir(exist_ok=True)
        (path / "memory.max").write_text(str(MEMORY_MAX))
        with contextlib.suppress(OSError):  # absent without swap accounting
            (path / "memory.swap.max").write_text("0")
        (path / "pids.max").write_text(str(PIDS_MAX))
    except OSError as exc:
        return None, f"cgroup v2 at {parent} could not be set up: {exc}"
    return (
        path,
        f"{path}: memory.max {MEMORY_MAX >> 20} MiB (kernel memory included), pids.max {PIDS_MAX}",
    )


def attach(path: Path, pid: int) -> None:
    """Move a process (the zygote, before it forks anything) into the slot's cgroup."""
    (path / "cgroup.procs").write_text(str(pid))


def remove(path: Path) -> None:
    """Remove the slot's cgroup once its processes are gone."""
    with contextlib.suppress(OSError):
        path.rmdir()
