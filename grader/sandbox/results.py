"""What a sandboxed run takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


class SandboxUnavailable(RuntimeError):
    """The sandbox itself could not run the job: infrastructure, never the learner's fault."""


@dataclass(frozen=True)
class Limits:
    """Limits of one run (all calls of one job together).

    `output_bytes` caps the encoded results (return values and arguments after the calls);
    `stdout_bytes` caps what is kept of the printed text, both what the calls and the
    module's loading wrote to sys.stdout/sys.stderr together and, separately, what was
    written to file descriptors 1 and 2 directly (the rest is dropped).
    """

    time_limit_s: float = 2.0
    memory_mb: int = 512
    output_bytes: int = 64 * 1024
    stdout_bytes: int = 64 * 1024


@dataclass
class CallOutcome:
    """The outcome of one call of the entry point.

    Everything here is reported by the sandboxed code's process: on a hidden case it may
    carry the case's inputs (the learner controls the process), so callers show
    `exception` and `stdout` only for visible cases; `exception_type` is then one of
    Python's built-in exception names and `exception_line` a line number, to be checked.
    """

    ok: bool
    value: Any = None
    exception: str | None = None
    args_after: list[Any] | None = None
    # The nearest built-in exception class of what the call raised, e.g. "ValueError".
    exception_type: str | None = None
    # The line of the submission where it was raised, when known.
    exception_line: int | None = None
    # What this call wrote to sys.stdout and sys.stderr, capped.
    stdout: str = ""


ErrorKind = Literal["load", "timeout", "memory", "output", "crash", "exit", "channel"]


@dataclass
class RunResult:
    """The outcome of one run: status "ok" (every call attempted) or "error" (with a sentence).

    `error_kind` says which: "load" (the module could not be loaded or lacks the entry
    point; the sentence quotes the code's own exception), "timeout", "memory", "output"
    (results too large), "crash" (killed by a signal), "exit" (the process ended before
    returning its results) or "channel" (the results were unreadable).

    `load_stdout` is what the module wrote to sys.stdout/sys.stderr while it loaded, before
    any call; `stdout` is what reached file descriptors 1 and 2 directly (os.write, C code,
    sys.__stdout__) at any time during the run, so it cannot be attributed to one call.
    """

    status: Literal["ok", "error"]
    error: str | None = None
    outcomes: list[CallOutcome] = field(default_factory=list)
    stdout: str = ""
    duration_ms: float = 0.0
    error_kind: ErrorKind | None = None
    load_stdout: str = ""


@dataclass
class StagedResult:
    """The outcome of a staged run: the visible calls, then the hidden ones in the same child.

    `shown` was complete before the hidden calls reached the child, so nothing in it can
    depend on them. `hidden` is None when they never ran (the visible stage failed); its
    outcomes, error and timing came from a process that held hidden inputs. `hidden_printed`
    says whether the child printed anything once it had them (what is never shown).
    """

    shown: RunResult
    hidden: RunResult | None = None
    hidden_printed: bool = False
