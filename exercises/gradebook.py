"""The gradebook of a run: one row per learner, one column per graded item; overrides.

An exercise counts its best or last graded submission (the item's policy; best without
one), each with the late penalty it was accepted with. A question counts its best answer.
A staff override replaces the computed grade; every override is kept, the newest applies.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from courses.models import Enrollment, Question, QuestionAttempt, Run
from exercises.grade_events import grade_changed
from exercises.models import Exercise, GradeOverride, ItemPolicy, Submission
from exercises.stats import spreadsheet_safe


@dataclass
class Cell:
    score: float | None = None
    overridden: bool = False
    late: bool = False


@dataclass
class Row:
    user_id: int
    username: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(cell.score or 0.0 for cell in self.cells)


@dataclass
class Gradebook:
    run: Run
    columns: list[str]
    exercises: list[Exercise]
    rows: list[Row]


def graded(run: Run):
    """Return the run's submissions that carry a grade (final, not our platform's fault)."""
    return (
        Submission.objects.filter(run=run, kind=Submission.Kind.SUBMIT, status__in=Submission.FINAL)
        .exclude(fault=Submission.Fault.PLATFORM)
        .order_by("created_at", "id")
    )


def exercise_grade(submissions: list[Submission], counting: str) -> Cell:
    """Return the grade of one learner's graded submissions of one item, penalties applied."""
    if not submissions:
        return Cell()
    scored = [(s, (s.score or 0.0) * (1.0 - s.late_penalty)) for s in submissions]
    if counting == ItemPolicy.Counting.LAST:
        chosen, score = scored[-1]
    else:
        chosen, score = max(scored, key=lambda pair: pair[1])
    return Cell(score=score, late=chosen.late_penalty > 0)


def current_grade(run: Run, user_id: int, exercise: Exercise) -> float | None:
    """Return one learner's grade of one item in `run` now (override first); None: no grade."""
    override = GradeOverride.objects.filter(run=run, user_id=user_id, exercise=exercise).first()
    if override is not None:
        return override.score
    policy = ItemPolicy.objects.filter(run=run, exercise=exercise).first()
    counting = policy.counting if policy else ItemPolicy.Counting.BEST
    return exercise_grade(
        list(graded(run).filter(user_id=user_id, exercise=exercise)), counting
    ).score


def run_learners(run: Run) -> QuerySet:
    """Return the run's learners: enrolled as learners or with work in it, never its staff.

    Nobody enrolls in a course's default run: its learners are those who worked there.
    """
    enrolled = Enrollment.objects.filter(run=run, role=Enrollment.Role.LEARNER)
    answered = QuestionAttempt.objects.filter(run=run)
    submitted = Submission.objects.filter(run=run, kind=Submission.Kind.SUBMIT)
    staff = Enrollment.objects.filter(run=run).exclude(role=Enrollment.Role.LEARNER)
    return (
        get_user_model()
        .objects.filter(
            Q(id__in=enrolled.values("user_id"))
            | Q(id__in=answered.values("user_id"))
            | Q(id__in=submitted.values("user_id"))
        )
        .exclude(id__in=staff.values("user_id"))
    )


def run_gradebook(run: Run) -> Gradebook:
    """Return the run's gradebook: its learners (enrolled or active) and every graded item."""
    course = run.course
    questions = list(
        Question.objects.filter(lesson__course=course).order_by("lesson__order", "order", "id")
    )
    exercises = list(
        Exercise.objects.filter(lesson__course=course).order_by("lesson__order", "order", "id")
    )
    counting = dict(ItemPolicy.objects.filter(run=run).values_list("exercise_id", "counting"))
    best_answer: dict[tuple[int, int], float] = {}
    for user_id, question_id, score in QuestionAttempt.objects.filter(run=run).values_list(
        "user_id", "question_id", "score"
    ):
        key = (user_id, question_id)
        best_answer[key] = max(score, best_answer.get(key, 0.0))
    by_item: dict[tuple[int, int], list[Submission]] = {}
    for submission in graded(run).only("user_id", "exercise_id", "score", "late_penalty"):
        by_item.setdefault((submission.user_id, submission.exercise_id), []).append(submission)
    overrides: dict[tuple[int, int], float] = {}
    for user_id, exercise_id, score in GradeOverride.objects.filter(run=run).values_list(
        "user_id", "exercise_id", "score"
    ):
        overrides.setdefault((user_id, exercise_id), score)  # newest first
    names = dict(run_learners(run).values_list("id", "username"))
    rows = []
    for user_id, username in names.items():
        row = Row(user_id=user_id, username=username)
        for question in questions:
            row.cells.append(Cell(score=best_answer.get((user_id, question.id))))
        for exercise in exercises:
            if (user_id, exercise.id) in overrides:
                row.cells.append(Cell(score=overrides[(user_id, exercise.id)], overridden=True))
                continue
            rule = counting.get(exercise.id, ItemPolicy.Counting.BEST)
            row.cells.append(exercise_grade(by_item.get((user_id, exercise.id), []), rule))
        rows.append(row)
    rows.sort(key=lambda row: row.username)
    columns = [f"question:{q.slug}" for q in questions] + [f"exercise:{e.slug}" for e in exercises]
    return Gradebook(run=run, columns=columns, exercises=exercises, rows=rows)


def run_gradebook_csv(run: Run) -> str:
    """Return the run's gradebook as CSV (cells that a spreadsheet would run are neutralised)."""
    book = run_gradebook(run)
    out = io.StringIO()
    # Rows end with CRLF (RFC 4180): the writer then quotes a cell holding a CR, which a
    # "\n" terminator leaves bare, and a spreadsheet would start a new row at it.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["learner", "total", *map(spreadsheet_safe, book.columns)])
    for row in book.rows:
        writer.writerow(
            [
                spreadsheet_safe(row.username),
                f"{row.total:.4g}",
                *("" if cell.score is None else f"{cell.score:.4g}" for cell in row.cells),
            ]
        )
    return out.getvalue()


def learner_submissions(run: Run, user_id: int) -> list[Submission]:
    """Return one learner's submissions in the run, newest first (the drill-down)."""
    return list(
        Submission.objects.filter(run=run, user_id=user_id)
        .select_related("exercise")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def override_grade(
    *,
    run: Run,
    user: AbstractBaseUser,
    exercise: Exercise,
    score: float,
    reason: str,
    set_by: AbstractBaseUser,
) -> GradeOverride:
    """Record a staff grade for one learner and item; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason for the override: it is kept with the grade.")
    if not 0.0 <= score <= 1.0:
        raise ValidationError("The grade is a fraction from 0 to 1 (0.85 for 85 %).")
    if exercise.lesson.course_id != run.course_id:
        raise ValidationError("That exercise is not part of this run's course.")
    if not run_learners(run).filter(pk=user.pk).exists():
        raise ValidationError(f"{user} is not a learner of this run.")
    override = GradeOverride.objects.create(
        run=run, user=user, exercise=exercise, score=score, reason=reason[:2000], set_by=set_by
    )
    transaction.on_commit(
        lambda: grade_changed.send(
            sender=GradeOverride, run=run, user_id=user.pk, exercise=exercise
        )
    )
    return override
