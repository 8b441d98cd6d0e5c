"""Reads behind the learner pages: what to show for a course, a lesson and its questions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Choice, Course, Lesson, Question, QuestionAttempt, QuestionMistake
from .numeric import (
    PoolState,
    format_prompt,
    learner_seed,
    learner_variant,
    pool_state,
    worked_solution,
)
from .runs import taught_courses

# A numeric question's worked solution shows once it is answered right, or after this many tries.
SOLUTION_AFTER_TRIES = 3


def visible_courses(user: AbstractBaseUser) -> QuerySet[Course]:
    """Return the courses `user` may read: published ones, and the ones they teach."""
    if getattr(user, "is_superuser", False):
        return Course.objects.all()
    if getattr(user, "is_staff", False):
        # Staff alone is no right to another course's drafts: every LMS instructor is staff.
        return Course.objects.filter(Q(published=True) | Q(id__in=taught_courses(user)))
    return Course.objects.filter(published=True)


def get_course(user: AbstractBaseUser, course_slug: str) -> Course:
    """Return a readable course by slug or raise Http404."""
    return get_object_or_404(visible_courses(user), slug=course_slug)


def get_lesson(user: AbstractBaseUser, course_slug: str, lesson_slug: str) -> Lesson:
    """Return a readable lesson by course and lesson slug or raise Http404."""
    return get_object_or_404(
        Lesson.objects.select_related("course").filter(course__in=visible_courses(user)),
        course__slug=course_slug,
        slug=lesson_slug,
    )


@dataclass
class ChoiceView:
    choice: Choice
    chosen: bool = False


@dataclass
class QuestionView:
    question: Question
    prompt: str
    choices: list[ChoiceView] = field(default_factory=list)
    last_attempt: QuestionAttempt | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    problem: str = ""
    # Numeric only: the numbers are still being computed by the workers.
    preparing: bool = False
    tries: int = 0
    solution: str = ""
    mistake: QuestionMistake | None = None
    error: str = ""
    typed: str = ""

    @property
    def chosen_feedback(self) -> list[ChoiceView]:
        return [view for view in self.choices if view.chosen]


def question_view(
    user: AbstractBaseUser,
    question: Question,
    attempt: QuestionAttempt | None = None,
    tries: int = 0,
) -> QuestionView:
    """Build what a learner sees of one question: prompt, shuffled options, last answer."""
    user_id = user.pk if user.is_authenticated else None
    seed = learner_seed(user_id, question.pk)
    view = QuestionView(question=question, prompt=question.prompt, last_attempt=attempt)
    view.tries = tries
    if question.kind == Question.Kind.NUMERIC:
        _fill_numeric(view, question, user_id, attempt)
        return view
    chosen = set(attempt.chosen.values_list("id", flat=True)) if attempt else set()
    choices = list(question.choices.all())
    # The same learner always sees the same order; different learners see different ones.
    random.Random(seed).shuffle(choices)
    view.choices = [ChoiceView(choice=c, chosen=c.id in chosen) for c in choices]
    return view


def _fill_numeric(
    view: QuestionView, question: Question, user_id: int | None, attempt: QuestionAttempt | None
) -> None:
    # Reads stored numbers only: the workers computed them (a page never runs question code).
    variant = learner_variant(question, user_id)
    if variant is None:
        if pool_state(question) == PoolState.FAILED:
            view.problem = "This question cannot be shown right now; the course team has been told."
        else:
            view.preparing = True
            view.problem = (
                "This question's numbers are being prepared. Reload the page in a minute."
            )
        return
    view.parameters = variant.parameters
    view.prompt = format_prompt(question.prompt, variant.parameters)
    if attempt is not None and attempt.mistake and not attempt.is_correct:
        view.mistake = next((m for m in question.mistakes.all() if m.slug == attempt.mistake), None)
    shows_solution = attempt is not None and (
        attempt.is_correct or view.tries >= SOLUTION_AFTER_TRIES
    )
    if shows_solution:
        view.solution = worked_solution(question, variant)


def lesson_questions(user: AbstractBaseUser, lesson: Lesson) -> list[QuestionView]:
    """Return the views of a lesson's questions, each with the learner's last attempt."""
    questions = list(lesson.questions.prefetch_related("choices", "mistakes"))
    last: dict[int, QuestionAttempt] = {}
    tries: dict[int, int] = {}
    solved: set[int] = set()
    if user.is_authenticated:
        for attempt in QuestionAttempt.objects.filter(user=user, question__in=questions):
            last.setdefault(attempt.question_id, attempt)
            tries[attempt.question_id] = tries.get(attempt.question_id, 0) + 1
            if attempt.is_correct:
                solved.add(attempt.question_id)
    views = []
    for question in questions:
        # Solved once is solved: the worked solution stays after a later wrong try.
        count = tries.get(question.id, 0)
        if question.id in solved:
            count = max(count, SOLUTION_AFTER_TRIES)
        views.append(question_view(user, question, last.get(question.id), count))
    return views


def get_question(user: AbstractBaseUser, question_id: int) -> Question:
    """Return a question in a readable course or raise Http404."""
    return get_object_or_404(
        Question.objects.select_related("lesson__course").filter(
            lesson__course__in=visible_courses(user)
        ),
        pk=question_id,
    )


def lesson_neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """Return the previous and next lessons of the same course."""
    siblings = list(lesson.course.lessons.only("id", "slug", "title", "course_id", "order"))
    index = next((i for i, other in enumerate(siblings) if other.id == lesson.id), None)
    if index is None:
        raise Http404
    previous = siblings[index - 1] if index > 0 else None
    following = siblings[index + 1] if index + 1 < len(siblings) else None
    for neighbour in (previous, following):
        if neighbour is not None:
            neighbour.course = lesson.course
    return previous, following
