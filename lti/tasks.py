"""Celery tasks of the LMS connection: thin wrappers over lti.passback."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import models

from lti.passback import TransientPassbackError, send_pending_score

# Passback is background work: it never delays live grading.
PASSBACK_QUEUE = "bulk"


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_score(self, outbox_id: int) -> str:
    """Send one learner's current grade to its LMS line item; retried while the LMS is down."""
    try:
        return send_pending_score(outbox_id)
    except TransientPassbackError as exc:
        if self.request.retries >= settings.LTI_PASSBACK_MAX_RETRIES:
            return f"gave up for now: {exc}"  # the row stays pending for a later resend
        backoff = min(600, 2 ** (self.request.retries + 1))
        countdown = exc.retry_in_s if exc.retry_in_s is not None else backoff
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(ignore_result=True)
def resend_pending_scores() -> int:
    """Queue every score still waiting for its LMS (beat): the LMS was down past the retries."""
    from lti.models import ScoreOutbox

    pending = ScoreOutbox.objects.filter(sent_version__lt=models.F("version"))
    ids = list(pending.values_list("id", flat=True)[:1000])
    for outbox_id in ids:
        send_score.apply_async((outbox_id,), queue=PASSBACK_QUEUE)
    return len(ids)
