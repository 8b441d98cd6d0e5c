"""Run untrusted code (learner, reference, variant) in a locked-down child of a warm zygote."""

from .results import CallOutcome, Limits, RunResult, SandboxUnavailable, StagedResult
from .zygote import CasesError, Sandbox

__all__ = [
    "CallOutcome",
    "CasesError",
    "Limits",
    "RunResult",
    "Sandbox",
    "SandboxUnavailable",
    "StagedResult",
]
