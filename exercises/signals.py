"""Receivers: a new password revokes the API token; a numeric question's new code asks for
a new pool of variants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.models import Question, QuestionMistake


@receiver(post_save, sender=get_user_model(), dispatch_uid="exercises.revoke_token_on_password")
def revoke_token_on_password_change(
    sender: Any, instance: Any, created: bool = False, **kwargs: Any
) -> None:
    # set_password() leaves the new raw password in `_password` until the save is over; a
    # login that only re-hashes the same password clears it first, so it revokes nothing.
    if not created and getattr(instance, "_password", None) is not None:
        from exercises.services import revoke_api_token

        revoke_api_token(user=instance)


# --- Numeric questions: a change of their code asks the workers for a new pool of variants ---

_deferred: ContextVar[bool] = ContextVar("variant_requests_deferred", default=False)


@contextmanager
def variant_requests_deferred() -> Iterator[None]:
    """Send no per-save request inside this block (an import asks once for the whole course)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def request_question_variants(question: Question) -> None:
    """Enqueue the computation of the question's pool (after commit) if it is not current."""
    from courses.numeric import variants_version
    from exercises import tasks

    if question.kind != Question.Kind.NUMERIC or question.pk is None:
        return
    if question.variants_version != variants_version(question):
        tasks.compute_question_variants.delay_on_commit(question.pk)


@receiver(post_save, sender=Question, dispatch_uid="exercises.question_variants_on_save")
def question_saved(sender: Any, instance: Question, raw: bool = False, **kwargs: Any) -> None:
    if not raw and not _deferred.get():
        request_question_variants(instance)


@receiver(post_save, sender=QuestionMistake, dispatch_uid="exercises.variants_on_mistake_save")
@receiver(post_delete, sender=QuestionMistake, dispatch_uid="exercises.variants_on_mistake_del")
def mistake_changed(
    sender: Any, instance: QuestionMistake, raw: bool = False, **kwargs: Any
) -> None:
    if raw or _deferred.get():
        return
    question = Question.objects.filter(pk=instance.question_id).first()
    if question is not None:
        request_question_variants(question)
