"""Check that an exercise is sound: its reference passes every case, each mistake is caught.

The "check reference" action of the admin and `import_course` run it before publishing.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from grader.compare import all_finite, compare_output, find_mutation
from grader.grading.judge import elapsed_ms, judge, mistakes_matching
from grader.grading.prepare import PreparedExercise, PreparedMistake, expected_outputs
from grader.grading.spec import ExerciseSpec
from grader.sandbox import Sandbox


@dataclass
class CaseCheck:
    """Whether the reference passes one case through the grading comparison."""

    name: str
    visible: bool
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return the case check as a JSON-friendly dict."""
        return dataclasses.asdict(self)


@dataclass
class MistakeCheck:
    """Whether one variant of a known mistake is rejected by the cases and recognised as itself.

    `recognised` needs the variant to be named by its own mistake and by no other one, so that
    each mistake stays distinguishable from the others; `shadowed_by` names the other one.
    """

    slug: str
    title: str
    rejected: bool
    recognised: bool
    exposed_by: list[str]
    shadowed_by: str | None = None
    problem: str | None = None
    variant: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the mistake check as a JSON-friendly dict."""
        return dataclasses.asdict(self)


@dataclass
class SelfCheckReport:
    """The "check reference" result for one exercise."""

    exercise: str
    problem: str | None
    cases: list[CaseCheck]
    mistakes: list[MistakeCheck]
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Return whether the reference passes every case and every mistake is caught and named."""
        return (
            self.problem is None
            and bool(self.cases)
            and all(case.passed for case in self.cases)
            and all(m.rejected and m.recognised for m in self.mistakes)
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-friendly dict (shown as a table in the admin)."""
        return {
            "exercise": self.exercise,
            "ok": self.ok,
            "problem": self.problem,
            "cases": [case.to_dict() for case in self.cases],
            "mistakes": [mistake.to_dict() for mistake in self.mistakes],
            "duration_ms": round(self.duration_ms, 1),
        }


def self_check(spec: ExerciseSpec, *, sandbox: Sandbox | None = None) -> SelfCheckReport:
    """Check that the reference passes every case and each known mistake is rejected and named."""
    started = time.perf_counter()
    prepared = expected_outputs.get(spec, sandbox or Sandbox.shared())
    report = SelfCheckReport(spec.slug, prepared.problem, [], [])
    if prepared.reference is None or prepared.reference.status != "ok":
        report.duration_ms = elapsed_ms(started)
        return report
    report.cases = [_check_reference_case(prepared, index) for index in range(len(prepared.cases))]
    if prepared.problem is None:
        report.mistakes = [_check_mistake(prepared, entry) for entry in prepared.mistakes]
    report.duration_ms = elapsed_ms(started)
    return report


def _check_reference_case(prepared: PreparedExercise, index: int) -> CaseCheck:
    case = prepared.cases[index]
    outcome = prepared.reference.outcomes[index]  # type: ignore[union-attr]
    if not outcome.ok:
        return CaseCheck(
            case.name, case.visible, False, f"The reference raised {outcome.exception}."
        )
    results = compare_output(
        outcome.value,
        outcome.value,
        returns=prepared.spec.returns,
        tolerances=prepared.spec.tolerances,
        visible=True,
    )
    failed = [result for result in results if not result.passed]
    if failed:
        return CaseCheck(case.name, case.visible, False, f"Reference: {failed[0].message}")
    if not all_finite(outcome.value):
        return CaseCheck(case.name, case.visible, False, "The reference returned NaN or inf.")
    mutation = find_mutation(case.args, outcome.args_after, prepared.arg_names)
    if mutation is not None:
        return CaseCheck(case.name, case.visible, False, f"The reference mutates: {mutation}")
    return CaseCheck(case.name, case.visible, True, "")


def _check_mistake(prepared: PreparedExercise, entry: PreparedMistake) -> MistakeCheck:
    mistake = entry.mistake
    if entry.run.status != "ok":
        return MistakeCheck(
            mistake.slug,
            mistake.title,
            True,
            False,
            [],
            problem=entry.run.error or "did not run",
            variant=entry.variant,
        )
    indices = list(range(len(prepared.cases)))
    tests, _, _, mutated = judge(prepared, indices, entry.run.outcomes)
    exposed_by = [test.name for test in tests if not test.passed]
    matched = []
    if exposed_by:
        matched = mistakes_matching(prepared, indices, entry.run.outcomes, mutated)
    others = [m.slug for m in matched if m.slug != mistake.slug]
    recognised = bool(matched) and matched[0].slug == mistake.slug and not others
    return MistakeCheck(
        mistake.slug,
        mistake.title,
        bool(exposed_by),
        recognised,
        exposed_by,
        others[0] if others else None,
        variant=entry.variant,
    )
