"""Reads behind the learner pages: what to show for a course, a lesson and its questions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Choice, Course, Lesson, Question, QuestionAttempt
from .numeric import QuestionCodeError, format_prompt, learner_seed, numeric_instance


def visible_courses(user: AbstractBaseUser) -> QuerySet[Course]:
    """Return the courses `user` may read: published ones, or all for staff."""
    if getattr(user, "is_staff", False):
        return Course.objects.all()
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
    error: str = ""
    typed: str = ""

    @property
    def chosen_feedback(self) -> list[ChoiceView]:
        return [view for view in self.choices if view.chosen]


def question_view(
    user: AbstractBaseUser, question: Question, attempt: QuestionAttempt | None = None
) -> QuestionView:
    """Build what a learner sees of one question: prompt, shuffled options, last answer."""
    seed = learner_seed(user.pk if user.is_authenticated else None, question.pk)
    view = QuestionView(question=question, prompt=question.prompt, last_attempt=attempt)
    if question.kind == Question.Kind.NUMERIC:
        try:
            instance = numeric_instance(question, seed)
        except QuestionCodeError as exc:
            view.problem = f"This question cannot be shown right now ({exc})."
        else:
            view.parameters = instance.parameters
            view.prompt = format_prompt(question.prompt, instance.parameters)
        return view
    chosen = set(attempt.chosen.values_list("id", flat=True)) if attempt else set()
    choices = list(question.choices.all())
    # The same learner always sees the same order; different learners see different ones.
    random.Random(seed).shuffle(choices)
    view.choices = [ChoiceView(choice=c, chosen=c.id in chosen) for c in choices]
    return view


def lesson_questions(user: AbstractBaseUser, lesson: Lesson) -> list[QuestionView]:
    """Return the views of a lesson's questions, each with the learner's last attempt."""
    questions = list(lesson.questions.prefetch_related("choices"))
    last: dict[int, QuestionAttempt] = {}
    if user.is_authenticated:
        for attempt in QuestionAttempt.objects.filter(user=user, question__in=questions):
            last.setdefault(attempt.question_id, attempt)
    return [question_view(user, q, last.get(q.id)) for q in questions]


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
