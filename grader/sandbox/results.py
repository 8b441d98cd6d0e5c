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
    `stdout_bytes` caps what is kept of the printed text (the rest is read and dropped).
    """

    time_limit_s: float = 2.0
    memory_mb: int = 512
    output_bytes: int = 64 * 1024
    stdout_bytes: int = 64 * 1024


@dataclass
class CallOutcome:
    """The outcome of one call of the entry point."""

    ok: bool
    value: Any = None
    exception: str | None = None
    args_after: list[Any] | None = None


@dataclass
class RunResult:
    """The outcome of one run: status "ok" (every call attempted) or "error" (with a sentence)."""

    status: Literal["ok", "error"]
    error: str | None = None
    outcomes: list[CallOutcome] = field(default_factory=list)
    stdout: str = ""
    duration_ms: float = 0.0
