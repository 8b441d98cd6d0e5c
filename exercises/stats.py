"""Reads for instructors' statistics on exercises, and the gradebook of a course."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model

from courses.models import Course, Question, QuestionAttempt
from exercises.models import Exercise, KnownMistake, Submission

TOP = 5


@dataclass
class ExerciseStats:
    """How learners fared on one exercise (SUBMIT submissions; runs of the examples left out)."""

    exercise: Exercise
    learners_submitted: int = 0
    learners_passed: int = 0
    submissions: int = 0
    median_attempts_to_pass: float | None = None
    median_grading_ms: float | None = None
    misconceptions: list[tuple[str, str, int]] = field(default_factory=list)
    failing_components: list[tuple[str, int]] = field(default_factory=list)

    @property
    def pass_rate(self) -> float | None:
        """Return learners who passed / learners who submitted (None: nobody submitted)."""
        if not self.learners_submitted:
            return None
        return self.learners_passed / self.learners_submitted


def grading_ms(submission: Submission) -> float | None:
    """Return how long grading took: graded_at − started_at, else the grader's duration_ms."""
    if submission.graded_at and submission.started_at:
        return (submission.graded_at - submission.started_at).total_seconds() * 1000
    return submission.duration_ms


def exercise_stats(exercise: Exercise, runs=None) -> ExerciseStats:
    """Return pass rate, attempts until pass, grading time, misconceptions, failing parts
    (of the submissions in `runs` only, if given)."""
    stats = ExerciseStats(exercise=exercise)
    submitted = Submission.objects.filter(
        exercise=exercise, kind=Submission.Kind.SUBMIT, status__in=Submission.FINAL
    )
    if runs is not None:
        submitted = submitted.filter(run__in=runs)
    submissions = list(
        submitted
        # Failures on our side never count as a learner's attempt.
        .exclude(status=Submission.Status.ERROR, fault=Submission.Fault.PLATFORM)
        .order_by("created_at", "id")
        .only(
            "user_id", "status", "created_at", "started_at", "graded_at", "duration_ms",
            "misconception_slug", "tests",
        )
    )  # fmt: skip
    stats.submissions = len(submissions)
    attempts: dict[int, int] = {}
    attempts_to_pass: dict[int, int] = {}
    misconceptions: Counter[str] = Counter()
    components: Counter[str] = Counter()
    times = []
    for submission in submissions:
        user = submission.user_id
        attempts[user] = attempts.get(user, 0) + 1
        if submission.status == Submission.Status.PASSED and user not in attempts_to_pass:
            attempts_to_pass[user] = attempts[user]
        if submission.misconception_slug:
            misconceptions[submission.misconception_slug] += 1
        components.update(_failing_components(submission.tests))
        ms = grading_ms(submission)
        if ms is not None:
            times.append(ms)
    stats.learners_submitted = len(attempts)
    stats.learners_passed = len(attempts_to_pass)
    if attempts_to_pass:
        stats.median_attempts_to_pass = statistics.median(attempts_to_pass.values())
    if times:
        stats.median_grading_ms = statistics.median(times)
    titles = dict(KnownMistake.objects.filter(exercise=exercise).values_list("slug", "title"))
    stats.misconceptions = [
        (slug, titles.get(slug, slug), count) for slug, count in misconceptions.most_common(TOP)
    ]
    stats.failing_components = components.most_common(TOP)
    return stats


def _failing_components(tests: object) -> set[str]:
    """Return the names of the returned components that failed in one submission."""
    failing: set[str] = set()
    if not isinstance(tests, list):
        return failing
    for test in tests:
        if not isinstance(test, dict):
            continue
        for component in test.get("components") or ():
            if isinstance(component, dict) and not component.get("passed", True):
                failing.add(str(component.get("name")))
    return failing


@dataclass
class GradebookRow:
    username: str
    first_activity: datetime
    last_activity: datetime
    scores: list[float | None]


def gradebook(course: Course) -> tuple[list[str], list[GradebookRow]]:
    """Return the gradebook columns and one row per learner: best score per item."""
    questions = list(
        Question.objects.filter(lesson__course=course).order_by("lesson__order", "order", "id")
    )
    exercises = list(
        Exercise.objects.filter(lesson__course=course).order_by("lesson__order", "order", "id")
    )
    columns = [f"question:{q.slug}" for q in questions] + [f"exercise:{e.slug}" for e in exercises]
    best: dict[int, dict[str, float]] = {}
    seen: dict[int, list[datetime]] = {}

    def note(user_id: int, key: str, score: float | None, when: datetime) -> None:
        scores = best.setdefault(user_id, {})
        if score is not None and score > scores.get(key, -1.0):
            scores[key] = score
        times = seen.setdefault(user_id, [when, when])
        times[0], times[1] = min(times[0], when), max(times[1], when)

    for user_id, question_id, score, when in QuestionAttempt.objects.filter(
        question__lesson__course=course
    ).values_list("user_id", "question_id", "score", "created_at"):
        note(user_id, f"q{question_id}", score, when)
    for user_id, exercise_id, score, status, fault, when in Submission.objects.filter(
        exercise__lesson__course=course, kind=Submission.Kind.SUBMIT
    ).values_list("user_id", "exercise_id", "score", "status", "fault", "created_at"):
        # A platform fault is no score at all: the submission waits to be graded again.
        graded = status in Submission.FINAL and fault != Submission.Fault.PLATFORM
        note(user_id, f"e{exercise_id}", score if graded else None, when)
    names = dict(get_user_model().objects.filter(id__in=seen).values_list("id", "username"))
    keys = [f"q{q.id}" for q in questions] + [f"e{e.id}" for e in exercises]
    rows = [
        GradebookRow(
            username=names[user_id],
            first_activity=seen[user_id][0],
            last_activity=seen[user_id][1],
            scores=[best.get(user_id, {}).get(key) for key in keys],
        )
        for user_id in seen
    ]
    rows.sort(key=lambda row: row.username)
    return columns, rows


# A spreadsheet reads a cell that starts with one of these as a formula (or, for a tab or
# carriage return, may drop it and read what follows): such cells get a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def spreadsheet_safe(cell: str) -> str:
    """Return `cell` so that no spreadsheet reads it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def gradebook_csv(course: Course) -> str:
    """Return the course's gradebook as CSV: learner, first and last activity, best scores."""
    columns, rows = gradebook(course)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180: a cell holding a CR is quoted
    writer.writerow(["learner", "first_activity", "last_activity", *map(spreadsheet_safe, columns)])
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(row.username),
                row.first_activity.isoformat(timespec="seconds"),
                row.last_activity.isoformat(timespec="seconds"),
                *("" if score is None else f"{score:.4g}" for score in row.scores),
            ]
        )
    return out.getvalue()
