"""Reads of the LMS connection: what the deep-linking picker offers an instructor."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from courses.models import Lesson
from exercises.models import Exercise
from exercises.outline import visible_exercises


def linkable_exercises(user: AbstractBaseUser) -> QuerySet[Exercise]:
    """Return the exercises the LMS may link: published, in a published course."""
    return visible_exercises(user).filter(published=True, lesson__course__published=True)


def linkable_lessons(user: AbstractBaseUser) -> QuerySet[Lesson]:
    """Return the lessons of published courses, their linkable exercises in `open_exercises`."""
    return (
        Lesson.objects.filter(course__published=True)
        .select_related("course")
        .order_by("course__order", "course__title", "order", "id")
        .prefetch_related(
            Prefetch("exercises", queryset=linkable_exercises(user), to_attr="open_exercises")
        )
    )
