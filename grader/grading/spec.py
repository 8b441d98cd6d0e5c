"""What grading works on and what it returns: the exercise spec, cases, tests and verdicts.

Plain Python: no Django. The defaults below are the only place an exercise's tolerances and
limits default from (the model, the course-folder reader and the spec all use them); their
numbers are those of `Tolerances` and `Limits`, written once there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from grader.compare import ComponentResult, Tolerances
from grader.sandbox.results import Limits

Status = Literal["passed", "failed", "error"]

DEFAULT_RTOL = Tolerances.rtol
DEFAULT_ATOL = Tolerances.atol
DEFAULT_TIME_LIMIT_MS = round(Limits.time_limit_s * 1000)
DEFAULT_MEMORY_MB = Limits.memory_mb


class ExerciseBroken(Exception):
    """The exercise itself cannot grade anything: its cases or its reference fail."""


@dataclass(frozen=True)
class KnownMistake:
    """A typical wrong solution and the message shown when a submission behaves like it.

    `code` is the main variant (`mistakes/<slug>.py`); `variants` holds further ways of writing
    the same mistake as (name, code) pairs (`mistakes/<slug>/<name>.py`). Any variant names it.
    """

    slug: str
    title: str
    code: str
    message: str
    variants: tuple[tuple[str, str], ...] = ()

    def all_variants(self) -> list[tuple[str, str]]:
        """Return every variant as (file name in the course folder, code), the main one first."""
        return [(f"{self.slug}.py", self.code)] + [
            (f"{self.slug}/{name}.py", code) for name, code in self.variants
        ]


@dataclass(frozen=True)
class ExerciseSpec:
    """Everything needed to grade one exercise; `version` identifies it for caching."""

    slug: str
    entry_point: str
    reference_code: str
    cases_code: str
    mistakes: tuple[KnownMistake, ...] = ()
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    time_limit_ms: int = DEFAULT_TIME_LIMIT_MS
    memory_mb: int = DEFAULT_MEMORY_MB
    # Names of the returned components, e.g. ("hs", "ys"); empty means "output[0]", ….
    returns: tuple[str, ...] = ()

    @cached_property
    def version(self) -> str:
        """Return the sha256 of every field: the key of the expected-outputs cache."""
        payload = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def tolerances(self) -> Tolerances:
        """Return the exercise's comparison tolerances."""
        return Tolerances(rtol=self.rtol, atol=self.atol)


@dataclass(frozen=True)
class Case:
    """One test case as built by `cases.py`."""

    name: str
    visible: bool
    args: list[Any]


@dataclass
class TestResult:
    """The verdict on one case: passed only if every returned component passed."""

    __test__ = False  # not a pytest test class

    name: str
    passed: bool
    message: str
    visible: bool
    components: list[ComponentResult] = field(default_factory=list)
    inputs: dict[str, Any] | None = None
    expected: Any = None
    actual: Any = None
    # What the learner's code printed on this case (visible cases only).
    stdout: str = ""

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """Return the case as JSON; `detail` adds components and, if visible, values and output."""
        data: dict[str, Any] = {"name": self.name, "passed": self.passed, "message": self.message}
        if detail:
            data["visible"] = self.visible
            data["components"] = [component.to_dict() for component in self.components]
            if self.visible:
                data["inputs"] = self.inputs
                data["expected"] = self.expected
                data["actual"] = self.actual
                data["stdout"] = self.stdout
        return data


@dataclass
class Verdict:
    """The result of grading one submission."""

    exercise: str
    status: Status
    score: float
    tests: list[TestResult]
    misconception: str | None = None
    misconception_slug: str | None = None
    message: str = ""
    stdout: str = ""
    duration_ms: float = 0.0

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """Return the `manage.py grade --json` object; `detail` adds what pages show."""
        data: dict[str, Any] = {
            "exercise": self.exercise,
            "status": self.status,
            "score": round(self.score, 4),
            "tests": [test.to_dict(detail=detail) for test in self.tests],
            "misconception": self.misconception,
            "duration_ms": round(self.duration_ms, 1),
        }
        if detail:
            data["misconception_slug"] = self.misconception_slug
            data["message"] = self.message
            data["stdout"] = self.stdout
        return data
