"""Fixtures of the exercises tests: a small exercise, a learner and API tokens (the pipeline's
tests), and a small course folder (the authoring tests, built in course_folder.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from courses.models import Course, Lesson
from exercises.models import Exercise, KnownMistake
from exercises.services import create_api_token
from tests.exercises.course_folder import SMALL_COURSE, write_tree

REFERENCE = textwrap.dedent(
    """
    import numpy as np

    def add_one(x):
        return x + 1.0
    """
)
CASES = textwrap.dedent(
    """
    import numpy as np

    def make_cases():
        return [
            {"name": "example", "visible": True, "args": [np.arange(3.0)]},
            {"name": "hidden", "visible": False, "args": [np.full((2, 2), 5.0)]},
        ]
    """
)
FORGOT_TO_ADD = textwrap.dedent(
    """
    def add_one(x):
        return x
    """
)
FORGOT_MESSAGE = "Your output equals the input: the + 1 is missing."


def make_exercise(
    slug: str = "add-one", *, published: bool = True, course_published: bool = True
) -> Exercise:
    """Create a tiny published exercise (add one to an array) with one known mistake."""
    course, _ = Course.objects.get_or_create(
        slug=f"course-{slug}", defaults={"title": "Course", "published": course_published}
    )
    lesson, _ = Lesson.objects.get_or_create(
        course=course, slug="lesson", defaults={"title": "Lesson", "body": "Text."}
    )
    exercise = Exercise.objects.create(
        lesson=lesson,
        slug=slug,
        title="Add one",
        entry_point="add_one",
        prompt="Return x + 1.",
        reference_code=REFERENCE,
        cases_code=CASES,
        published=published,
    )
    KnownMistake.objects.create(
        exercise=exercise,
        slug="forgot-to-add",
        title="Forgot to add",
        code=FORGOT_TO_ADD,
        message=FORGOT_MESSAGE,
    )
    return exercise


@pytest.fixture
def exercise(db) -> Exercise:
    return make_exercise()


@pytest.fixture
def api_learner(db) -> User:
    """The learner of these tests, "ada" (tests/conftest.py's `learner` is "alice")."""
    return User.objects.create_user("ada", password="pw-ada-123")


@pytest.fixture
def api_client(db) -> Callable[[User], Client]:
    """Return a test client that sends `user`'s fresh API token on every request."""

    def build(user: User) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")

    return build


@pytest.fixture
def small_course(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tiny", SMALL_COURSE)
