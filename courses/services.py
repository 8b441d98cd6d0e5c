"""Every write to a learner's course data: answers to questions, lessons read."""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Lesson, LessonRead, Question, QuestionAttempt
from .numeric import PoolState, is_close, learner_variant, pool_state, recognised_mistake
from .runs import current_run

# The largest number a learner can type that we still compare; beyond it is a typo.
MAX_NUMERIC_MAGNITUDE = 1e300


def score_choices(question: Question, chosen_ids: set[int]) -> float:
    """Return the score of a choice answer.

    Single choice: 1 if the chosen option is correct, else 0. Multiple choice (partial
    credit): max(0, (correct chosen − wrong chosen) / number of correct options).
    """
    correct = {c.id for c in question.choices.all() if c.is_correct}
    if question.kind == Question.Kind.SINGLE:
        return 1.0 if chosen_ids and chosen_ids <= correct else 0.0
    if not correct:
        return 1.0 if not chosen_ids else 0.0
    right = len(chosen_ids & correct)
    wrong = len(chosen_ids - correct)
    return max(0.0, (right - wrong) / len(correct))


PREPARING_MESSAGE = (
    "This question's numbers are being prepared; reload the page in a minute to answer it."
)
FAILED_MESSAGE = "This question cannot be answered right now; the course team has been told."


def numeric_unavailable_message(question: Question) -> str:
    """Say why a numeric question has no numbers to show yet, in the learner's terms."""
    if pool_state(question) == PoolState.FAILED:
        return FAILED_MESSAGE
    return PREPARING_MESSAGE


def parse_numeric(raw: str) -> float:
    """Return the number a learner typed, or raise ValidationError saying what is wrong."""
    text = (raw or "").strip().replace("−", "-").replace(",", "")
    if not text:
        raise ValidationError("Type a number before checking your answer.")
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(
            f"“{raw[:40]}” is not a number. Use digits, e.g. 0.125 or -3e-2."
        ) from None
    if not math.isfinite(value) or abs(value) > MAX_NUMERIC_MAGNITUDE:
        raise ValidationError("That is not a finite number within range; check what you typed.")
    return value


@transaction.atomic
def answer_question(
    *,
    user: AbstractBaseUser,
    question: Question,
    choice_ids: Iterable[int] = (),
    numeric_answer: float | None = None,
) -> QuestionAttempt:
    """Score a learner's answer to `question` and record it as a QuestionAttempt."""
    if question.kind == Question.Kind.NUMERIC:
        if numeric_answer is None or not math.isfinite(numeric_answer):
            raise ValidationError("Type a number before checking your answer.")
        variant = learner_variant(question, user.pk)
        if variant is None:
            raise ValidationError(numeric_unavailable_message(question))
        correct = is_close(numeric_answer, variant.answer, question)
        mistake = None if correct else recognised_mistake(question, variant, numeric_answer)
        return QuestionAttempt.objects.create(
            user=user,
            question=question,
            run=current_run(user, question.lesson.course),
            numeric_answer=numeric_answer,
            score=1.0 if correct else 0.0,
            is_correct=correct,
            mistake=mistake.slug if mistake else "",
        )
    chosen_ids = set(choice_ids)
    if not chosen_ids:
        raise ValidationError("Choose an answer before checking it.")
    valid_ids = set(question.choices.values_list("id", flat=True))
    if not chosen_ids <= valid_ids:
        raise ValidationError("That option does not belong to this question; reload the page.")
    if question.kind == Question.Kind.SINGLE and len(chosen_ids) != 1:
        raise ValidationError("Choose exactly one answer.")
    score = score_choices(question, chosen_ids)
    attempt = QuestionAttempt.objects.create(
        user=user,
        question=question,
        score=score,
        is_correct=score >= 1.0,
        run=current_run(user, question.lesson.course),
    )
    attempt.chosen.set(chosen_ids)
    return attempt


def solved_question_ids(*, user: AbstractBaseUser, questions: Iterable[Question]) -> set[int]:
    """Return the ids of those `questions` that `user` has answered correctly at least once."""
    if not user.is_authenticated:
        return set()
    return set(
        QuestionAttempt.objects.filter(
            user=user, question__in=list(questions), is_correct=True
        ).values_list("question_id", flat=True)
    )


@transaction.atomic
def mark_lesson_read(*, user: AbstractBaseUser, lesson: Lesson) -> LessonRead:
    """Record that `user` opened `lesson` now (the latest open is where they left off)."""
    read, created = LessonRead.objects.get_or_create(user=user, lesson=lesson)
    if not created:
        read.read_at = timezone.now()
        read.save(update_fields=["read_at"])
    return read
