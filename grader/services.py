"""Django side of grading: load an exercise, grade a stored submission, record the verdict."""

from __future__ import annotations

import logging

from exercises.models import Exercise, Submission
from exercises.services import give_up_grading, record_grading_result, start_grading
from grader.grading import (
    ExerciseBroken,
    ExerciseSpec,
    KnownMistake,
    SelfCheckReport,
    grade,
    self_check,
)

logger = logging.getLogger(__name__)

EXERCISE_BROKEN = (
    "This exercise cannot be graded right now: its own reference solution fails its tests. "
    "That is our mistake, not yours, and it does not count as an attempt."
)


def exercise_spec(exercise: Exercise) -> ExerciseSpec:
    """Return the plain grader's description of `exercise` and its known mistakes."""
    mistakes = tuple(
        KnownMistake(slug=m.slug, title=m.title, code=m.code, message=m.message)
        for m in exercise.mistakes.all()
    )
    return ExerciseSpec(
        slug=exercise.slug,
        entry_point=exercise.entry_point,
        reference_code=exercise.reference_code,
        cases_code=exercise.cases_code,
        mistakes=mistakes,
        rtol=exercise.rtol,
        atol=exercise.atol,
        time_limit_ms=exercise.time_limit_ms,
        memory_mb=exercise.memory_mb,
        returns=tuple(exercise.returns or ()),
    )


def grade_submission(*, submission_id: int) -> bool:
    """Grade one stored submission; False when it was already final (a duplicate message)."""
    submission = start_grading(submission_id=submission_id)
    if submission is None:
        return False
    exercise = Exercise.objects.prefetch_related("mistakes").get(id=submission.exercise_id)
    spec = exercise_spec(exercise)
    try:
        verdict = grade(spec, submission.code, visible_only=submission.kind == Submission.Kind.RUN)
    except ExerciseBroken:
        logger.exception("exercise %s cannot grade submission %s", exercise.slug, submission_id)
        give_up_grading(submission_id=submission_id, message=EXERCISE_BROKEN)
        return False
    return record_grading_result(
        submission_id=submission_id, verdict=verdict, exercise_version=spec.version
    )


# --- Reference check (authoring: the admin's "check reference" and import_course) ----------


def check_exercise_reference(*, exercise_id: int) -> SelfCheckReport:
    """Self-check the exercise as stored now (in the sandbox) and record the report."""
    from exercises.authoring import record_reference_check

    exercise = Exercise.objects.prefetch_related("mistakes").get(id=exercise_id)
    spec = exercise_spec(exercise)
    report = self_check(spec)
    record_reference_check(exercise_id=exercise_id, version=spec.version, report=report.to_dict())
    return report
