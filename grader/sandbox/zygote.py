"""The worker side: start the zygote, hand it jobs, enforce the deadline, read capped results."""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from . import cgroup, codec
from .pipes import grow_pipe, kill_child, read_chunk, sealed_memfd
from .results import CallOutcome, Limits, RunResult, SandboxUnavailable, StagedResult
from .slots import Slot as _Slot
from .staged import BAD_BLOCK, Stages
from .verdict import SETUP_DONE, from_summary, parse, verdict

RUNNER = Path(__file__).with_name("runner.py")
START_TIMEOUT_S = 20.0
KILL_GRACE_S = 5.0
# Frame headers and per-call records on top of the encoded values and the printed text.
_RESULT_SLACK = 64 * 1024
# However long the visible calls took, the hidden ones get at least this long to run.
MIN_HIDDEN_TIME_S = 0.25


class CasesError(ValueError):
    """A cases.py source did not produce a list of cases."""


def scrubbed_env() -> dict[str, str]:
    """Return the whole environment the zygote starts with: no secret can be inherited."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def namespaces_wanted() -> bool:
    """Return whether the sandbox should try namespaces (UNROLLED_SANDBOX_NAMESPACES=off: no).

    Off is for containers that refuse them (Docker without SYS_ADMIN): the seccomp argument
    filters, Landlock and the per-slot uid then carry the isolation, and sandbox_check says so.
    """
    return os.environ.get("UNROLLED_SANDBOX_NAMESPACES", "on").strip().lower() != "off"


class Sandbox:
    """One warm zygote per OS process; runs untrusted code in a locked-down forked child."""

    _shared: Sandbox | None = None
    _shared_pid = 0
    _shared_lock = threading.Lock()

    def __init__(self, *, namespaces: bool | None = None) -> None:
        self.namespaces = namespaces_wanted() if namespaces is None else namespaces
        self._lock = threading.RLock()
        self._slot: _Slot | None = None
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._owner_pid = os.getpid()
        self.hello: dict[str, Any] = {}
        # Standby children forked ahead by the zygote: (pid, job channel, pidfd).
        self._ready: deque[tuple[int, socket.socket, int]] = deque()
        atexit.register(self.close)

    @classmethod
    def shared(cls) -> Sandbox:
        """Return this process's sandbox (a new one after a fork)."""
        with cls._shared_lock:
            if cls._shared is None or cls._shared_pid != os.getpid():
                cls._shared = cls()
                cls._shared_pid = os.getpid()
            return cls._shared

    # -- zygote life cycle ---------------------------------------------------------------

    def _alive(self) -> bool:
        return (
            self._owner_pid == os.getpid()
            and self._process is not None
            and self._process.poll() is None
            and self._control is not None
        )

    def start(self) -> dict[str, Any]:
        """Start the zygote if it is not running; return what it reported at start-up."""
        with self._lock:
            if self._owner_pid != os.getpid():
                # Forked from the process that started this zygote: the zygote is not ours.
                self._slot, self._process, self._control = None, None, None
                self._ready = deque()
                self._owner_pid = os.getpid()
            if self._alive():
                return self.hello
            self._stop_zygote()
            if self._slot is None:
                self._slot = _Slot()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            uid = self._slot.uid
            config = {
                "scratch": str(self._slot.scratch),
                "uid": uid,
                "gid": uid,
                "namespaces": self.namespaces,
            }
            debug = os.environ.get("UNROLLED_SANDBOX_DEBUG") == "1"
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-B", str(RUNNER), str(theirs.fileno()),
                     json.dumps(config)],
                    env=scrubbed_env(),
                    cwd="/",
                    close_fds=True,
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=None if debug else subprocess.DEVNULL,
                )  # fmt: skip
            except OSError as exc:
                ours.close()
                raise SandboxUnavailable(f"the sandbox could not start: {exc}") from exc
            finally:
                theirs.close()
            cgroup_detail = self._slot.cgroup_detail
            in_cgroup = self._slot.cgroup is not None
            if in_cgroup:
                # Before the runner has imported NumPy, long before it forks anything.
                try:
                    cgroup.attach(self._slot.cgroup, self._process.pid)
                except OSError as exc:
                    cgroup_detail = f"the zygote could not join {self._slot.cgroup}: {exc}"
                    in_cgroup = False
            self._control = ours
            ready, _, _ = select.select([ours], [], [], START_TIMEOUT_S)
            message = self._receive()[0] if ready else None
            if not message or "hello" not in message:
                self._stop_zygote()
                raise SandboxUnavailable("the sandbox did not start (no greeting from the zygote)")
            self.hello = message["hello"]
            self.hello["cgroup"] = cgroup_detail
            self.hello["cgroup_active"] = in_cgroup
            return self.hello

    def _receive(self) -> tuple[dict | None, list[int]]:
        assert self._control is not None
        try:
            data, fds, _, _ = socket.recv_fds(self._control, 65536, 4)
        except OSError:
            return None, []
        if not data:
            return None, fds
        return json.loads(data), fds

    def _stop_zygote(self) -> None:
        while self._ready:
            _, channel, pidfd = self._ready.popleft()
            channel.close()
            os.close(pidfd)
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def close(self) -> None:
        """Stop the zygote and release the slot."""
        with self._lock:
            if self._owner_pid != os.getpid():
                return
            self._stop_zygote()
            if self._slot is not None:
                self._slot.release()
                self._slot = None

    # -- running jobs --------------------------------------------------------------------

    def run(
        self,
        code: str,
        entry_point: str,
        calls: list[list[Any]],
        limits: Limits = Limits(),  # noqa: B008 (frozen dataclass)
    ) -> RunResult:
        """Run `code` in a fresh locked-down child and call `entry_point` once per call."""
        result = self._run_job(code, entry_point, calls, None, limits)
        assert isinstance(result, RunResult)
        return result

    def run_staged(
        self,
        code: str,
        entry_point: str,
        shown_calls: list[list[Any]],
        hidden_calls: list[list[Any]],
        limits: Limits = Limits(),  # noqa: B008 (frozen dataclass)
    ) -> StagedResult:
        """Run the shown calls, then the hidden ones, in one child; the time limit covers both.

        The hidden calls reach the child only once this process holds the shown calls'
        complete results and everything the child printed until then: what the child says
        afterwards is reported as the hidden stage's, never as the shown one's.
        """
        if not hidden_calls:
            return StagedResult(self.run(code, entry_point, shown_calls, limits))
        hidden = codec.join_frames([codec.encode(list(args)) for args in hidden_calls])
        result = self._run_job(code, entry_point, shown_calls, hidden, limits)
        assert isinstance(result, StagedResult)
        return result

    def _run_job(
        self,
        code: str,
        entry_point: str,
        calls: list[list[Any]],
        hidden: bytes | None,
        limits: Limits,
    ) -> RunResult | StagedResult:
        frames = [codec.encode({"code": code, "entry_point": entry_point})]
        frames += [codec.encode(list(args)) for args in calls]
        with self._lock:
            for attempt in range(2):
                self.start()
                try:
                    return self._run_frames(frames, limits, hidden)
                except _ZygoteLost:
                    self._stop_zygote()
                    if attempt:
                        raise SandboxUnavailable("the sandbox stopped during the run") from None
        raise AssertionError("unreachable")

    def make_cases(self, cases_code: str, limits: Limits | None = None) -> list[dict]:
        """Run a cases.py source in the sandbox and return its make_cases() list."""
        limits = limits or Limits(time_limit_s=10.0, memory_mb=1024)
        result = self.run(cases_code, "make_cases", [[]], limits)
        if result.status != "ok":
            raise CasesError(f"cases.py could not run: {result.error}")
        outcome = result.outcomes[0]
        if not outcome.ok:
            raise CasesError(f"make_cases() failed: {outcome.exception}")
        cases = outcome.value
        if type(cases) is not list or not all(type(case) is dict for case in cases):
            raise CasesError("make_cases() must return a list of dicts")
        return cases

    def _handle(self, message: dict | None, fds: list[int]) -> dict | None:
        """Keep a standby announcement; return an exit report; raise if the zygote is gone."""
        if message is None:
            for fd in fds:
                os.close(fd)
            raise _ZygoteLost()
        if "standby" in message and len(fds) == 2:
            self._ready.append((message["standby"], socket.socket(fileno=fds[0]), fds[1]))
            return None
        for fd in fds:
            os.close(fd)
        return message if "exit" in message else None

    def _next_standby(self) -> tuple[int, socket.socket, int]:
        assert self._control is not None
        give_up = time.monotonic() + START_TIMEOUT_S
        while not self._ready:
            remaining = give_up - time.monotonic()
            if remaining <= 0 or not select.select([self._control], [], [], remaining)[0]:
                raise _ZygoteLost()
            self._handle(*self._receive())
        return self._ready.popleft()

    def _run_frames(
        self, frames: list[bytes], limits: Limits, hidden: bytes | None
    ) -> RunResult | StagedResult:
        assert self._control is not None
        payload = codec.join_frames(frames)
        job_fd = sealed_memfd(payload)
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        hidden_r = hidden_w = -1
        header = {
            "cpu_s": max(1, math.ceil(limits.time_limit_s)) + 1,
            "memory_mb": limits.memory_mb,
            "stdout_bytes": limits.stdout_bytes,
        }
        handed = [job_fd, result_w, output_w]
        if hidden is not None:
            header["staged"] = True
            hidden_r, hidden_w = os.pipe2(os.O_CLOEXEC)
            grow_pipe(hidden_w, len(hidden))
            handed.append(hidden_r)
        started = time.monotonic()
        try:
            while True:
                pid, channel, pidfd = self._next_standby()
                try:
                    data = json.dumps(header).encode()
                    socket.send_fds(channel, [data], handed)
                except OSError:
                    os.close(pidfd)  # that standby died; its exit report comes later
                    continue
                finally:
                    channel.close()
                # The zygote forks the replacement now, while this job runs.
                with contextlib.suppress(OSError):
                    self._control.send(json.dumps({"took": pid}).encode())
                break
        except BaseException:
            for fd in (result_r, output_r, hidden_w):
                if fd >= 0:
                    os.close(fd)
            raise
        finally:
            for fd in handed:
                os.close(fd)
        stages = Stages(hidden, hidden_w)
        try:
            return self._collect(pid, pidfd, result_r, output_r, started, header, limits, stages)
        finally:
            # Whatever happened while reading (even a bug here), the child does not outlive
            # its run: killed through its pidfd, its process group through the zygote, which
            # reaps it.
            kill_child(pidfd, self._control, pid)
            os.close(pidfd)
            os.close(result_r)
            os.close(output_r)
            stages.close()

    def _collect(
        self,
        pid: int,
        pidfd: int,
        result_r: int,
        output_r: int,
        started: float,
        header: dict,
        limits: Limits,
        stages: Stages,
    ) -> RunResult | StagedResult:
        assert self._control is not None
        control = self._control
        for fd in (result_r, output_r):
            os.set_blocking(fd, False)
        result = bytearray()
        output = bytearray()
        output_total = 0
        exit_info: dict | None = None
        parsed: tuple[dict, str, list[CallOutcome]] | None = None
        killed_for: str | None = None
        deadline = started + limits.time_limit_s
        open_fds = {result_r, output_r}
        poller = select.poll()
        for fd in (result_r, output_r, control.fileno()):
            poller.register(fd, select.POLLIN)
        result_cap = limits.output_bytes + limits.stdout_bytes + _RESULT_SLACK

        def kill(reason: str) -> None:
            nonlocal killed_for, deadline
            if killed_for is None:
                killed_for = reason
                deadline = time.monotonic() + KILL_GRACE_S
                kill_child(pidfd, control, pid)

        def keep_output(chunk: bytes) -> None:
            nonlocal output_total
            output_total += len(chunk)
            room = limits.stdout_bytes - len(output)
            if room > 0:
                output.extend(chunk[:room])

        while True:
            if stages.staged and stages.shown is None and killed_for is None:
                shown = stages.take_shown(result, limits)
                if shown is BAD_BLOCK:
                    kill("channel")
                elif shown is not None:
                    # Everything the child wrote before its visible results is in the
                    # pipe already: read it as shown text, then hand over the hidden calls.
                    while (chunk := read_chunk(output_r)) and output_r in open_fds:
                        keep_output(chunk)
                    stages.shown_output = (bytes(output), output_total)
                    if stages.deliver():
                        deadline = max(deadline, time.monotonic() + MIN_HIDDEN_TIME_S)
                        if stages.hidden_w >= 0:  # the rest is written as the pipe drains
                            poller.register(stages.hidden_w, select.POLLOUT)
            if not open_fds:
                if stages.shown is not None and not stages.delivered:
                    break  # the shown stage ended the run (a load error): nothing follows
                block = stages.last_block(result)
                if killed_for is None and parsed is None and block:
                    if result[:1] == SETUP_DONE:
                        parsed = parse(block, limits)
                    if parsed is None:
                        kill("channel")  # results were sent, but not in the protocol's form
                if parsed is not None or exit_info is not None:
                    break
            now = time.monotonic()
            if now >= deadline:
                if killed_for is not None:
                    if exit_info is None:
                        raise _ZygoteLost()
                    break  # something still holds a pipe open: stop reading it
                kill("timeout")
                continue
            wait_s = deadline - now
            if exit_info is not None:
                wait_s = min(wait_s, 0.2)  # the child is gone: its pipes close at once
            events = poller.poll(wait_s * 1000)
            if not events and exit_info is not None:
                break
            for fd, _ in events:
                if fd == control.fileno():
                    report = self._handle(*self._receive())
                    if report is not None and report["exit"] == pid:
                        exit_info = report
                    continue
                if fd == stages.hidden_w:
                    if stages.write_some():
                        poller.unregister(fd)
                        stages.close()
                    continue
                chunk = read_chunk(fd)
                if chunk is None:
                    continue
                if not chunk:
                    poller.unregister(fd)
                    open_fds.discard(fd)
                elif fd == result_r:
                    result += chunk
                    # Printed text travels with the results, within its own allowance.
                    if len(result) - stages.block_start > result_cap:
                        kill("result_size")
                        poller.unregister(fd)
                        open_fds.discard(fd)
                elif stages.delivered:
                    stages.hidden_printed = True
                else:
                    keep_output(chunk)
        if exit_info is None:
            # Complete results: whatever the child still does, it ends now.
            kill_child(pidfd, control, pid)
        duration_ms = (time.monotonic() - started) * 1000
        if stages.shown is not None:
            output, output_total = stages.shown_output
        stdout = output.decode("utf-8", "replace")
        if output_total > len(output):
            stdout += f"\n[output truncated: {output_total} bytes printed, {len(output)} kept]"
        if stages.shown is not None:
            shown = from_summary(*stages.shown, limits)
            shown.stdout = stdout
            shown.duration_ms = stages.shown_ms
            if not stages.delivered:
                return StagedResult(shown)
        last = SETUP_DONE + stages.last_block(result) if stages.shown else bytes(result)
        run = verdict(last, parsed, exit_info, killed_for, header, limits, stdout)
        run.duration_ms = duration_ms
        if stages.shown is not None:
            return StagedResult(shown, run, stages.hidden_printed)
        run.stdout = stdout
        return StagedResult(run) if stages.staged else run


class _ZygoteLost(Exception):
    pass
