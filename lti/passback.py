"""Assignment and Grade Services: every grade change of a linked item goes to its line item.

A grade change bumps the (target, learner) outbox row's version and enqueues a task after
commit. The task sends the learner's *current* grade with the current time, so the newest
score always wins; it marks the version it read as sent only after the LMS said yes, and a
version already sent is never sent again (exactly once, however many tasks run).

LMSs keep a score's timestamp to the second (Moodle answers 409 to one not strictly newer
than the stored one, Open edX refuses equal ones): sends for one (learner, line item) are
at least MIN_SEND_GAP apart (a send that comes sooner is retried when the gap is over),
and a 409 while no newer grade came in is sent again a second later rather than taken for
delivered.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils import timezone
from lti_tool.models import LtiUser
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from exercises.grade_events import grade_changed
from exercises.gradebook import current_grade
from lti.models import ContextRun, LinkTarget, ScoreOutbox
from lti.protocol import http_session

logger = logging.getLogger(__name__)
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
]

MIN_SEND_GAP = timedelta(seconds=1)


class TransientPassbackError(Exception):
    """The LMS could not take the score now (down, 5xx, 429, too soon): try again later.

    `retry_in_s`, when set, is how long to wait; else the caller backs off on its own.
    """

    def __init__(self, message: str, *, retry_in_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_in_s = retry_in_s


@receiver(grade_changed, dispatch_uid="lti.queue_passback")
def queue_passback(sender: Any, run: Any, user_id: int, exercise: Any, **kwargs: Any) -> None:
    """Queue the learner's grade for every LMS line item linked to this item in this run."""
    contexts = ContextRun.objects.filter(run=run).values("context_id")
    targets = LinkTarget.objects.filter(
        exercise=exercise, resource_link__context__in=contexts
    ).exclude(lineitem_url="")
    for target in targets.select_related("resource_link__context__deployment"):
        registration_id = target.resource_link.context.deployment.registration_id
        lti_user = LtiUser.objects.filter(
            registration_id=registration_id, auth_user_id=user_id
        ).first()
        if lti_user is None:
            continue  # not an LMS learner: nothing to send
        with transaction.atomic():
            row, _ = ScoreOutbox.objects.get_or_create(
                target=target, user_id=user_id, defaults={"lms_user_id": lti_user.sub}
            )
            ScoreOutbox.objects.filter(pk=row.pk).update(version=F("version") + 1)
            from lti.tasks import PASSBACK_QUEUE, send_score

            transaction.on_commit(
                lambda pk=row.pk: send_score.apply_async((pk,), queue=PASSBACK_QUEUE)
            )


def lms_status(exc: Exception) -> int | None:
    """Return the HTTP status the LMS answered with, or None when no answer came at all.

    Only the response's status counts: the exception's text holds the URL, whose ids may
    contain any digits (".../courses/4091/...").
    """
    if isinstance(exc, LtiServiceException | requests.RequestException):
        response = exc.response
        if response is not None:
            return response.status_code
    return None


def claim_send(outbox_id: int, now: datetime) -> str | None:
    """Claim the right to send this row's grade now; return the claim's token, else None.

    One guarded UPDATE: the row must wait for a send, nobody else may hold a live claim,
    and its last delivered score must be MIN_SEND_GAP old. So a retrying task, the beat's
    sweep and the admin's resend never send at once, and no lock is held during the HTTP
    call. A claim outlives any send (every request times out), so a crashed worker's claim
    lapses by itself.
    """
    token = secrets.token_hex(16)
    lease = timedelta(seconds=3 * settings.LTI_HTTP_TIMEOUT_S + 10)  # token + score + slack
    claimed = ScoreOutbox.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        Q(sent_at__isnull=True) | Q(sent_at__lte=now - MIN_SEND_GAP),
        pk=outbox_id,
        sent_version__lt=F("version"),
    ).update(claim_token=token, claimed_until=now + lease)
    return token if claimed else None


def not_claimed(outbox_id: int, now: datetime) -> str:
    """Say why a row could not be claimed; raise TransientPassbackError if it must wait."""
    row = ScoreOutbox.objects.filter(pk=outbox_id).first()
    if row is None or not row.pending:
        return "nothing to send"
    if row.claimed_until is not None and row.claimed_until >= now:
        raise TransientPassbackError("another send of this score is under way", retry_in_s=2)
    wait = (row.sent_at + MIN_SEND_GAP - now).total_seconds() if row.sent_at else 0
    raise TransientPassbackError(
        "the previous score went to this line item less than a second ago",
        retry_in_s=max(1, math.ceil(wait)),
    )


def send_pending_score(outbox_id: int) -> str:
    """Send the current grade of one outbox row if a newer version waits; say what happened.

    Raises TransientPassbackError when the LMS should be tried again later.
    """
    token = claim_send(outbox_id, timezone.now())
    if token is None:
        return not_claimed(outbox_id, timezone.now())
    try:
        return send_claimed_score(outbox_id, token)
    finally:
        ScoreOutbox.objects.filter(pk=outbox_id, claim_token=token).update(
            claim_token="", claimed_until=None
        )


def send_claimed_score(outbox_id: int, token: str) -> str:
    """Send the current grade of a row claimed with `token`; say what happened."""
    row = ScoreOutbox.objects.select_related(
        "target__exercise",
        "target__resource_link__context__deployment__registration",
        "target__resource_link__context__unrolled__run",
    ).get(pk=outbox_id)
    # The version first, then the grade: the grade read is at least that version's.
    version = row.version
    target = row.target
    context = target.resource_link.context
    run = context.unrolled.run
    score = current_grade(run, row.user_id, target.exercise)
    registration = context.deployment.registration.to_registration()
    connector = ServiceConnector(registration, requests_session=http_session())
    now = timezone.now()
    grade = (
        Grade()
        .set_score_given(round(score or 0.0, 4))
        .set_score_maximum(1)
        .set_timestamp(now.isoformat(timespec="milliseconds"))
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(row.lms_user_id)
    )
    url = target.lineitem_url.split("?")[0].rstrip("/") + "/scores"
    try:
        response = connector.make_service_request(
            AGS_SCOPES,
            url,
            is_post=True,
            data=grade.get_value(),
            content_type="application/vnd.ims.lis.v1.score+json",
        )
    except Exception as exc:  # requests errors, or the library's on any non-2xx answer
        status = lms_status(exc)
        text = str(exc)
        ScoreOutbox.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, last_error=text[:1000]
        )
        if status == 409:
            # The LMS holds a score stamped in this second or later. If no grade came in since
            # we read ours, ours is still the newest: send it again once the second is over.
            # Otherwise the newer grade's own send follows. Either way nothing was delivered.
            if ScoreOutbox.objects.filter(pk=row.pk, version=version).exists():
                raise TransientPassbackError(
                    text, retry_in_s=int(MIN_SEND_GAP.total_seconds())
                ) from exc
            return "conflict: a newer grade is on its way to the LMS"
        if status is not None and 400 <= status < 500 and status != 429:
            return f"refused by the LMS ({status}): not retried"
        raise TransientPassbackError(text) from exc
    # Guarded by our claim: a claim that lapsed meanwhile records nothing.
    ScoreOutbox.objects.filter(pk=row.pk, claim_token=token, sent_version__lt=version).update(
        sent_version=version, sent_score=score, sent_at=now, last_error=""
    )
    logger.info("score %s sent for outbox %s (v%s): %s", score, row.pk, version, response)
    return "sent"
