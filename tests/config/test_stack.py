"""`make run`'s supervisor: how long it waits before restarting a program that died."""

from __future__ import annotations

import sys
import time

import pytest

from config.stack import RESTART_BACKOFF_MAX_S, STABLE_AFTER_S, Service, Stack

DIES_AT_ONCE = [sys.executable, "-c", "raise SystemExit(3)"]


def supervise_once(stack: Stack) -> None:
    """Run one round of the supervisor's loop."""
    rounds = iter([False, True])
    stack.supervise(lambda: next(rounds))


@pytest.fixture
def stack():
    stack = Stack()
    yield stack
    stack.stop(grace_s=0.1)


def died(stack: Stack, *, restarts: int, ran_for_s: float) -> Service:
    service = stack.add(Service("flaky", DIES_AT_ONCE))
    service.proc.wait(timeout=30)
    service.restarts = restarts
    service.started_at = time.monotonic() - ran_for_s
    return service


def test_a_crash_loop_backs_off_longer_each_time(stack, capsys):
    service = died(stack, restarts=3, ran_for_s=0.5)
    before = time.monotonic()
    supervise_once(stack)
    assert service.proc is None and service.restarts == 4
    assert service.next_start - before == pytest.approx(min(RESTART_BACKOFF_MAX_S, 4.0), abs=0.5)
    assert "flaky exited with status 3; restarting it in 4.0 s" in capsys.readouterr().err


def test_a_program_that_ran_a_while_restarts_at_once_again(stack, capsys):
    service = died(stack, restarts=5, ran_for_s=STABLE_AFTER_S + 1)
    before = time.monotonic()
    supervise_once(stack)
    assert service.restarts == 1
    assert service.next_start - before == pytest.approx(0.5, abs=0.3)
    assert "restarting it in 0.5 s" in capsys.readouterr().err
