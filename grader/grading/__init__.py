"""Grade a learner's code against an exercise's reference, and check that an exercise is sound.

Plain Python: no Django. `spec` holds what grading works on and returns, `prepare` runs the
trusted code once per exercise version (cached), `judge` grades a learner's code, and
`reference_check` checks an exercise before it is published.
"""

from grader.grading.judge import grade
from grader.grading.prepare import ExpectedOutputsCache, expected_outputs
from grader.grading.reference_check import SelfCheckReport, self_check
from grader.grading.spec import (
    DEFAULT_ATOL,
    DEFAULT_MEMORY_MB,
    DEFAULT_RTOL,
    DEFAULT_TIME_LIMIT_MS,
    ExerciseBroken,
    ExerciseSpec,
    KnownMistake,
    TestResult,
    Verdict,
)
from grader.sandbox import SandboxUnavailable

__all__ = [
    "DEFAULT_ATOL",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_RTOL",
    "DEFAULT_TIME_LIMIT_MS",
    "ExerciseBroken",
    "ExerciseSpec",
    "ExpectedOutputsCache",
    "KnownMistake",
    "SandboxUnavailable",
    "SelfCheckReport",
    "TestResult",
    "Verdict",
    "expected_outputs",
    "grade",
    "self_check",
]
