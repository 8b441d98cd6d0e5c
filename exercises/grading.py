"""Grading a stored submission and checking an exercise's reference: rows in, grader out, rows.

The grader library (`grader/`) knows nothing of the database; these services fetch what it
needs, call it, and record what it says through the guarded updates of `exercises.services`.
"""

from __future__ import annotations

import logging

from exercises.authoring import record_reference_check
from exercises.models import Exercise, Submission
from exercises.services import give_up_grading, record_grading_result, start_grading
from exercises.specs import exercise_spec, specs
from grader.grading import ExerciseBroken, SelfCheckReport, grade, self_check

logger = logging.getLogger(__name__)

EXERCISE_BROKEN = (
    "This exercise cannot be graded right now: its own reference solution fails its tests. "
    "That is our mistake, not yours: it does not count as an attempt, and your code will be "
    "graded again once the exercise is fixed."
)


def grade_submission(*, submission_id: int) -> bool:
    """Grade one stored submission; False when it was already final (a duplicate message)."""
    submission = start_grading(submission_id=submission_id)
    if submission is None:
        return False
    exercise = submission.exercise
    spec = specs.get(exercise)
    try:
        verdict = grade(spec, submission.code, visible_only=submission.kind == Submission.Kind.RUN)
    except ExerciseBroken:
        logger.exception("exercise %s cannot grade submission %s", exercise.slug, submission_id)
        give_up_grading(submission_id=submission_id, message=EXERCISE_BROKEN)
        return False
    recorded = record_grading_result(
        submission_id=submission_id, verdict=verdict, exercise_version=spec.version
    )
    if recorded:
        # One line per verdict stored (a duplicate delivery stores none): the fault tests
        # count them to prove no submission is graded twice.
        logger.info("submission %s graded: %s", submission_id, verdict.status)
    return recorded


def check_exercise_reference(*, exercise_id: int) -> SelfCheckReport:
    """Self-check the exercise as stored now (in the sandbox) and record the report."""
    exercise = Exercise.objects.prefetch_related("mistakes").get(id=exercise_id)
    spec = exercise_spec(exercise)
    report = self_check(spec)
    record_reference_check(exercise_id=exercise_id, version=spec.version, report=report.to_dict())
    return report
