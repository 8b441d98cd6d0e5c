"""Django side of grading: load an exercise, grade a stored submission, record the verdict."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import datetime

from exercises.models import Exercise, KnownMistake, Submission
from exercises.services import give_up_grading, record_grading_result, start_grading
from grader.grading import (
    ExerciseBroken,
    ExerciseSpec,
    SelfCheckReport,
    grade,
    self_check,
)
from grader.grading import KnownMistake as SpecMistake

logger = logging.getLogger(__name__)

EXERCISE_BROKEN = (
    "This exercise cannot be graded right now: its own reference solution fails its tests. "
    "That is our mistake, not yours, and it does not count as an attempt."
)


MISTAKE_FIELDS = ("slug", "title", "code", "message")


def exercise_spec(exercise: Exercise) -> ExerciseSpec:
    """Return the plain grader's description of `exercise` and its known mistakes."""
    mistakes = tuple(
        SpecMistake(slug=m.slug, title=m.title, code=m.code, message=m.message)
        for m in exercise.mistakes.all()
    )
    return _spec(exercise, mistakes)


def _spec(exercise: Exercise, mistakes: tuple[SpecMistake, ...]) -> ExerciseSpec:
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


class SpecCache:
    """The specs of recently graded exercises in this process, keyed by what they are made of.

    The key is the exercise's id and `updated_at` plus its known mistakes' rows, so an edit
    to the exercise or to any of its mistakes (which does not always touch the exercise's
    `updated_at`) gives a new spec. A hit saves building the spec and hashing its version.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple, ExerciseSpec] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, exercise: Exercise) -> ExerciseSpec:
        """Return the spec of `exercise` as stored now (one query for its known mistakes)."""
        rows = tuple(
            KnownMistake.objects.filter(exercise_id=exercise.id)
            .order_by("order", "id")
            .values_list(*MISTAKE_FIELDS)
        )
        updated_at: datetime = exercise.updated_at
        key = (exercise.id, updated_at, rows)
        with self._lock:
            spec = self._entries.get(key)
            if spec is not None:
                self._entries.move_to_end(key)
                return spec
        spec = _spec(exercise, tuple(SpecMistake(*row) for row in rows))
        spec.version  # noqa: B018 -- hash once, outside the lock, then every hit reuses it
        with self._lock:
            self._entries[key] = spec
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return spec

    def clear(self) -> None:
        """Forget every spec."""
        with self._lock:
            self._entries.clear()


specs = SpecCache()


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
