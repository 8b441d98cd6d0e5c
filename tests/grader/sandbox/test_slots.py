"""Scaling out: sandboxes sharing a slot registry never share a slot, a uid or a scratch path."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from grader.sandbox import zygote

BASE_DIR = Path(__file__).resolve().parents[3]
HOLD_A_SLOT = textwrap.dedent(
    """
    import sys, time
    from grader.sandbox import zygote
    slot = zygote._Slot()
    print(slot.index, slot.scratch, flush=True)
    sys.stdin.read()
    slot.release()
    """
)


def test_workers_sharing_a_registry_take_distinct_slots(tmp_path, monkeypatch):
    # Each process stands for one worker container; the folder is the volume they share.
    monkeypatch.setenv("UNROLLED_SANDBOX_STATE_DIR", str(tmp_path))
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD_A_SLOT],
            cwd=BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(3)
    ]
    try:
        taken = [worker.stdout.readline().split() for worker in workers]
    finally:
        for worker in workers:
            worker.stdin.close()
            worker.wait(timeout=10)
    indices = {int(index) for index, _ in taken}
    assert len(indices) == 3, taken
    assert len({scratch for _, scratch in taken}) == 3
    assert all(scratch.startswith(str(tmp_path)) for _, scratch in taken)


def test_a_released_slot_is_taken_again(tmp_path, monkeypatch):
    monkeypatch.setenv("UNROLLED_SANDBOX_STATE_DIR", str(tmp_path))
    first = zygote._Slot()
    second = zygote._Slot()
    assert first.index != second.index
    index = first.index
    first.release()
    third = zygote._Slot()
    assert third.index == index
    second.release()
    third.release()
