"""Statistics per question and exercise, and the gradebook CSV, on a known set of attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.demo import ensure_instructors_group
from courses.models import Choice, Course, Enrollment, Lesson, Question, QuestionAttempt
from courses.runs import default_run
from courses.stats import question_stats
from exercises.gradebook import run_gradebook_csv
from exercises.models import Exercise, KnownMistake, Submission
from exercises.stats import exercise_stats, gradebook_csv
from tests.factories import teach

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def failing(*names: str) -> list[dict[str, Any]]:
    components = [{"name": name, "passed": False, "message": "differs"} for name in names]
    return [{"name": "example", "passed": False, "message": "", "components": components}]


@pytest.fixture
def world() -> dict[str, Any]:
    course = Course.objects.create(slug="c", title="C")
    lesson = Lesson.objects.create(course=course, slug="l", title="L", body="", order=1)
    question = Question.objects.create(lesson=lesson, slug="q", prompt="?", order=1)
    a, b, c = (
        Choice.objects.create(question=question, text=t, is_correct=t == "A", order=i)
        for i, t in enumerate("ABC")
    )
    numeric = Question.objects.create(lesson=lesson, slug="n", prompt="?", order=2, kind="numeric")
    exercise = Exercise.objects.create(
        lesson=lesson, slug="e", title="E", entry_point="f", prompt="p",
        reference_code="def f(): pass", cases_code="def make_cases(): pass", order=1,
    )  # fmt: skip
    Exercise.objects.create(
        lesson=lesson, slug="e2", title="E2", entry_point="f", prompt="p",
        reference_code="def f(): pass", cases_code="def make_cases(): pass", order=2,
    )  # fmt: skip
    KnownMistake.objects.create(
        exercise=exercise, slug="m1", title="Mistake one", message="m", code=""
    )
    users = {name: User.objects.create_user(name) for name in ("alice", "bob", "carol", "dave")}

    def attempt(user: str, chosen: Choice, minute: int) -> None:
        row = QuestionAttempt.objects.create(
            user=users[user], question=question, is_correct=chosen.is_correct,
            score=1.0 if chosen.is_correct else 0.0,
        )  # fmt: skip
        row.chosen.set([chosen])
        QuestionAttempt.objects.filter(pk=row.pk).update(created_at=at(minute))

    attempt("alice", b, 1)
    attempt("alice", a, 2)
    attempt("bob", a, 3)
    attempt("carol", c, 4)

    def submit(user: str, minute: int, status: str, score: float | None, ms: int | None = None,
               kind: str = "submit", **fields: Any) -> None:  # fmt: skip
        row = Submission.objects.create(
            user=users[user], exercise=exercise, code="", kind=kind, status=status, score=score,
            **fields,
        )  # fmt: skip
        started = at(minute)
        Submission.objects.filter(pk=row.pk).update(
            created_at=started,
            started_at=started if ms is not None else None,
            graded_at=started + timedelta(milliseconds=ms) if ms is not None else None,
        )

    submit("alice", 10, "failed", 0.5, 10, misconception_slug="m1", tests=failing("y"))
    submit("alice", 11, "failed", 0.25, 20, tests=failing("y"))
    submit("alice", 12, "passed", 1.0, 30)
    submit("bob", 13, "failed", 0.3, 999, kind="run", misconception_slug="m1")
    submit("bob", 14, "passed", 1.0, 40)
    submit("carol", 15, "failed", 0.5, 50, misconception_slug="m1", tests=failing("y", "z"))
    # Our fault, told by the field (whatever the message says): never an attempt.
    submit("carol", 16, "error", 0.0, 999, fault="platform", message="Any words at all.")
    submit("carol", 17, "failed", 0.25, 60, misconception_slug="m1", tests=failing("z"))
    submit("dave", 18, "queued", None)
    return {"course": course, "question": question, "exercise": exercise, "numeric": numeric}


def test_question_stats(world: dict[str, Any]) -> None:
    stats = question_stats(world["question"])
    assert stats.attempts == 4
    assert stats.learners == 3
    assert stats.first_try_correct == 1
    assert stats.first_try_correct_share == pytest.approx(1 / 3)
    assert [(row.choice.text, row.count, row.share) for row in stats.choices] == [
        ("A", 2, 0.5),
        ("B", 1, 0.25),
        ("C", 1, 0.25),
    ]
    assert question_stats(world["numeric"]).first_try_correct_share is None


def test_exercise_stats(world: dict[str, Any]) -> None:
    stats = exercise_stats(world["exercise"])
    assert stats.submissions == 6  # runs, unfinished ones and our own failures left out
    assert (stats.learners_passed, stats.learners_submitted) == (2, 3)
    assert stats.pass_rate == pytest.approx(2 / 3)
    assert stats.median_attempts_to_pass == 2  # alice 3, bob 1
    assert stats.median_grading_ms == pytest.approx(35.0)
    assert stats.misconceptions == [("m1", "Mistake one", 3)]
    assert stats.failing_components == [("y", 3), ("z", 2)]


def test_gradebook_csv(world: dict[str, Any]) -> None:
    assert gradebook_csv(world["course"]).splitlines() == [
        "learner,first_activity,last_activity,question:q,question:n,exercise:e,exercise:e2",
        "alice,2026-01-01T10:01:00+00:00,2026-01-01T10:12:00+00:00,1,,1,",
        "bob,2026-01-01T10:03:00+00:00,2026-01-01T10:14:00+00:00,1,,1,",
        "carol,2026-01-01T10:04:00+00:00,2026-01-01T10:17:00+00:00,0,,0.5,",
        "dave,2026-01-01T10:18:00+00:00,2026-01-01T10:18:00+00:00,,,,",
    ]


def test_statistics_pages_for_instructors(world: dict[str, Any]) -> None:
    instructor = User.objects.create_user("teacher", is_staff=True)
    instructor.groups.add(ensure_instructors_group())
    teach(instructor, world["course"], role=Enrollment.Role.TA)  # a TA sees the numbers too
    client = Client()
    client.force_login(instructor)
    page = client.get(f"/admin/exercises/exercise/{world['exercise'].pk}/stats/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 of 3 learners (67%)" in text and "35.0 ms" in text and "Mistake one (m1)" in text
    page = client.get(f"/admin/courses/question/{world['question'].pk}/stats/")
    assert "1 of 3 (33%)" in page.content.decode()
    run = default_run(world["course"])
    csv = client.get(f"/admin/exercises/itempolicy/gradebook/{run.pk}.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode() == run_gradebook_csv(run)
    assert csv.content.decode().splitlines()[1:] == [
        "alice,2,1,,1,",
        "bob,2,1,,1,",
        "carol,0.5,0,,0.5,",
        "dave,0,,,,",
    ]
    # Staff who teach no run of the course see none of it, even with the group's permissions.
    bare = User.objects.create_user("bare", is_staff=True)
    bare.groups.add(ensure_instructors_group())
    client.force_login(bare)
    assert client.get(f"/admin/exercises/exercise/{world['exercise'].pk}/stats/").status_code == 404
    csv = client.get(f"/admin/exercises/itempolicy/gradebook/{run.pk}.csv")
    assert csv.status_code == 404
