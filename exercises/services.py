"""Every write to exercises' data: submitting, grading state changes, API tokens."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.runs import can_view_course, current_run
from exercises import live_status, tasks
from exercises.models import ApiToken, Exercise, Submission
from exercises.policies import check_submission

if TYPE_CHECKING:
    from grader.grading import Verdict

logger = logging.getLogger(__name__)

MAX_CODE_BYTES = 64 * 1024
# A submission re-delivered this many times without a verdict is given up as an error: it
# protects the workers from a submission that kills them every time (a poison message).
MAX_DELIVERIES = 5
# The sweeper regrades a platform fault by itself until the submission has had this many
# deliveries in all (about three rounds of retries); past it, an admin's regrade is needed.
MAX_AUTOMATIC_DELIVERIES = 3 * (tasks.MAX_RETRIES + 1)
UNFINISHED = (Submission.Status.QUEUED, Submission.Status.RUNNING)
INFRASTRUCTURE_GAVE_UP = (
    "We could not grade this submission because of a problem on our side, not in your code. "
    "It does not count as an attempt, and it will be graded again automatically."
)


def validate_code(code: Any) -> str:
    """Return `code` if it is text we can grade, else raise ValidationError with the reason."""
    if not isinstance(code, str):
        raise ValidationError('"code" must be a string holding your Python source.')
    try:
        size = len(code.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValidationError(
            "Your code is not valid UTF-8 text (it contains an unpaired surrogate character): "
            "save it as UTF-8 and submit it again."
        ) from None
    if size > MAX_CODE_BYTES:
        raise ValidationError(
            f"Your code is {size:,} bytes; the limit is {MAX_CODE_BYTES:,} bytes (64 KiB). "
            "Remove unused code or data and submit it again."
        )
    if "\x00" in code:
        raise ValidationError("Your code contains a NUL character; remove it and submit again.")
    return code


def exercise_is_open_to(exercise: Exercise, user: AbstractBaseUser) -> bool:
    """Say whether `user` may submit to `exercise`: published, or they teach its course."""
    if exercise.published and exercise.lesson.course.published:
        return True
    return getattr(user, "is_staff", False) and can_view_course(user, exercise.lesson.course_id)


RATE_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600}
RATE_UNITS |= {"hour": 3600, "d": 86400, "day": 86400}


class SubmissionRateLimited(Exception):
    """A learner sent more submissions than SUBMISSION_RATE_LIMIT allows; nothing was stored."""

    def __init__(self, *, limit: str, retry_after_s: int) -> None:
        self.limit = limit
        self.retry_after_s = retry_after_s
        super().__init__(
            f"Too many submissions: the limit is {limit} per learner. "
            f"Try again in {retry_after_s} s."
        )


@lru_cache(maxsize=8)
def parse_rate(rate: str) -> tuple[int, int]:
    """Return (submissions, window in seconds) from a rate such as "30/min" or "100/5m"."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*", rate.lower())
    if not match or match.group(3) not in RATE_UNITS or int(match.group(1)) < 1:
        raise ImproperlyConfigured(
            f"SUBMISSION_RATE_LIMIT {rate!r} is not a rate like '30/min', '100/5m' or '500/hour'."
        )
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * RATE_UNITS[unit]


def check_submission_rate(*, user: AbstractBaseUser) -> None:
    """Raise SubmissionRateLimited if `user` already used up SUBMISSION_RATE_LIMIT."""
    limit = settings.SUBMISSION_RATE_LIMIT
    count, window_s = parse_rate(limit)
    now = timezone.now()
    # The submissions table is the counter: nothing to keep in a cache, the same limit for
    # every process and every way in. The count-th newest submission inside the window
    # decides, and it leaves the window when the learner may submit again.
    oldest_counted = (
        Submission.objects.filter(user=user, created_at__gt=now - timedelta(seconds=window_s))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[count - 1 : count]
    )
    for created_at in oldest_counted:
        wait_s = (created_at - now).total_seconds() + window_s
        raise SubmissionRateLimited(limit=limit, retry_after_s=max(1, math.ceil(wait_s)))


def submit_solution(
    *,
    user: AbstractBaseUser,
    exercise: Exercise,
    code: str,
    kind: str = Submission.Kind.SUBMIT,
) -> Submission:
    """Record a learner's code as QUEUED and enqueue its grading once the row is committed.

    Raises ValidationError for code we cannot grade, Exercise.DoesNotExist for an exercise
    closed to `user`, SubmissionRateLimited past the per-learner rate limit, and
    policies.SubmissionRefused for a graded submission the item's policy in the learner's run
    does not take (past due, limit reached, cooldown). "Run examples" is always free.
    """
    validate_code(code)
    if not exercise_is_open_to(exercise, user):
        raise Exercise.DoesNotExist(f"No exercise {exercise.slug!r} is open to this learner.")
    run = current_run(user, exercise.lesson.course)
    with transaction.atomic():
        # Inside the write transaction: SQLite's IMMEDIATE transactions serialise a learner's
        # parallel requests, so the limit is exact there; PostgreSQL may let a learner's
        # simultaneous requests overshoot it by the few in flight, which is harmless.
        check_submission_rate(user=user)
        penalty = 0.0
        if kind == Submission.Kind.SUBMIT:
            penalty = check_submission(user=user, run=run, exercise=exercise)
        submission = Submission.objects.create(
            user=user,
            exercise=exercise,
            code=code,
            kind=kind,
            status=Submission.Status.QUEUED,
            run=run,
            late_penalty=penalty,
        )
        tasks.grade_submission.delay_on_commit(submission.id)
    return submission


# Columns that grading never reads: not fetched when a worker loads a submission to grade.
GRADING_NEVER_READS = (
    "tests",
    "stdout",
    "message",
    "misconception",
    "exercise__prompt",
    "exercise__starter_code",
    "exercise__check_report",
)


def start_grading(*, submission_id: int) -> Submission | None:
    """Mark a submission RUNNING (first delivery or a re-delivery); None if already final.

    Returns the submission with its exercise loaded, minus the exercise's fields grading
    never reads.
    """
    now = timezone.now()
    # One guarded UPDATE is atomic on its own; the read after it needs no transaction since
    # code, kind and exercise never change once submitted. Outside a transaction, SQLite's
    # write lock is held for the UPDATE alone.
    updated = Submission.objects.filter(id=submission_id, status__in=UNFINISHED).update(
        status=Submission.Status.RUNNING,
        deliveries=F("deliveries") + 1,
        started_at=now,
        updated_at=now,
    )
    if not updated:
        return None
    live_status.submissions_changed([submission_id])
    return (
        Submission.objects.select_related("exercise")
        .defer(*GRADING_NEVER_READS)
        .get(id=submission_id)
    )


def record_grading_result(*, submission_id: int, verdict: Verdict, exercise_version: str) -> bool:
    """Store a verdict in one guarded write; False (and no change) if it was already final."""
    data = _storable(verdict.to_dict(detail=True))
    now = timezone.now()
    # A single guarded UPDATE is its own transaction: no BEGIN/COMMIT round trips around it.
    updated = Submission.objects.filter(id=submission_id, status__in=UNFINISHED).update(
        status=data["status"],
        score=data["score"],
        tests=data["tests"],
        misconception=data.get("misconception") or "",
        misconception_slug=data.get("misconception_slug") or "",
        message=data.get("message") or "",
        stdout=data.get("stdout") or "",
        fault=Submission.Fault.SUBMISSION if data["status"] == Submission.Status.ERROR else "",
        duration_ms=data.get("duration_ms"),
        exercise_version=exercise_version,
        graded_at=now,
        updated_at=now,
    )
    if updated:
        live_status.submissions_changed([submission_id])
        from exercises.grade_events import announce_graded_submission

        announce_graded_submission(submission_id)
    return updated == 1


def _storable(value: Any) -> Any:
    """Return `value` with every string safe for any database (no NUL, no lone surrogate)."""
    if isinstance(value, str):
        # PostgreSQL text and jsonb refuse NUL; UTF-8 refuses lone surrogates. Learner
        # output can hold either.
        return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def give_up_grading(*, submission_id: int, message: str = INFRASTRUCTURE_GAVE_UP) -> bool:
    """Close an unfinished submission as an ERROR that is our fault; False if already final."""
    now = timezone.now()
    with transaction.atomic():
        updated = Submission.objects.filter(id=submission_id, status__in=UNFINISHED).update(
            status=Submission.Status.ERROR,
            score=0.0,
            tests=[],
            message=message,
            fault=Submission.Fault.PLATFORM,
            graded_at=now,
            updated_at=now,
        )
        if updated:
            live_status.submissions_changed([submission_id])
    return updated == 1


def requeue_stuck_submissions(*, older_than_s: float) -> int:
    """Re-enqueue submissions unfinished and unchanged for `older_than_s`, and platform faults.

    Return how many were re-enqueued.
    """
    deadline = timezone.now() - timedelta(seconds=older_than_s)
    stuck = Submission.objects.filter(status__in=UNFINISHED, updated_at__lt=deadline)
    faulted = Submission.objects.filter(
        status=Submission.Status.ERROR,
        fault=Submission.Fault.PLATFORM,
        updated_at__lt=deadline,
        deliveries__lt=MAX_AUTOMATIC_DELIVERIES,
    )
    requeued = 0
    with transaction.atomic():
        ids = list(stuck.values_list("id", "deliveries"))
        for submission_id, deliveries in ids:
            if deliveries >= MAX_DELIVERIES:
                give_up_grading(submission_id=submission_id)
                logger.warning(
                    "submission %s gave up after %s deliveries", submission_id, deliveries
                )
                continue
            # Bumping updated_at makes the next sweep wait a full deadline again.
            if stuck.filter(id=submission_id).update(updated_at=timezone.now()):
                tasks.grade_submission.delay_on_commit(submission_id)
                requeued += 1
        for submission_id in list(faulted.values_list("id", flat=True)):
            # Counted as a delivery, so that a fault that never ends stops being retried.
            if faulted.filter(id=submission_id).update(
                status=Submission.Status.QUEUED,
                fault="",
                deliveries=F("deliveries") + 1,
                updated_at=timezone.now(),
            ):
                tasks.grade_submission.delay_on_commit(submission_id)
                live_status.submissions_changed([submission_id])
                requeued += 1
    if requeued:
        logger.info("re-enqueued %s stuck submission(s)", requeued)
    return requeued


def regrade_submissions(*, submissions: Iterable[Submission]) -> int:
    """Queue final submissions for grading again on the bulk queue; return how many.

    Guarded like every transition: only a final submission is regraded, so a submission
    still queued or running is never graded twice at once.
    """
    ids = [s.id for s in submissions]
    with transaction.atomic():
        final = Submission.objects.select_for_update().filter(
            id__in=ids, status__in=Submission.FINAL
        )
        regraded = list(final.values_list("id", flat=True))
        # Each grading round gets its own allowance of deliveries.
        count = Submission.objects.filter(id__in=regraded, status__in=Submission.FINAL).update(
            status=Submission.Status.QUEUED, fault="", deliveries=0, updated_at=timezone.now()
        )
        for submission_id in regraded:
            tasks.regrade_submission.delay_on_commit(submission_id)
        live_status.submissions_changed(regraded)
    return count


def hash_api_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def regenerate_api_token(*, user: AbstractBaseUser) -> str:
    """Give `user` a fresh API token, revoking any earlier one; return it (shown once)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.update_or_create(user=user, defaults={"key_hash": hash_api_token(token)})
    return token


def revoke_api_token(*, user: AbstractBaseUser) -> bool:
    """Delete `user`'s API token, if any; return whether there was one."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


def create_api_token(*, user: AbstractBaseUser) -> str:
    """Return a new API token for `user` (an earlier token stops working)."""
    return regenerate_api_token(user=user)


def user_for_api_token(token: str) -> AbstractBaseUser | None:
    """Return the active user owning `token`, or None."""
    if not token or len(token) > 200:
        return None
    # `key_hash` is unique, hence indexed: one lookup, no ordering.
    found = ApiToken.objects.select_related("user").filter(
        key_hash=hash_api_token(token), user__is_active=True
    )
    for api_token in found:
        return api_token.user
    return None
