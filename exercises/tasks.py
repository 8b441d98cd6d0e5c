"""Celery tasks: thin wrappers that take ids and call one service each."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import OperationalError, close_old_connections
from kombu.exceptions import OperationalError as BrokerUnavailable

from grader.sandbox import SandboxUnavailable

logger = logging.getLogger(__name__)

# Backoff between retries after an infrastructure failure: 1, 2, 4, 8, 16 s.
MAX_RETRIES = 5


@task_prerun.connect
@task_postrun.connect
def reuse_database_connections(task: Any = None, **_: Any) -> None:
    """Keep a worker's database connection across tasks, as the web server does per request.

    Celery's Django fix-up would close it around every task (CELERY_DB_REUSE_MAX turns that
    off), which costs a new PostgreSQL backend per task. Django's own rule applies instead:
    close a connection once it is older than CONN_MAX_AGE or broken by an error.
    """
    # A task run eagerly runs inside its caller's request or transaction, which owns the
    # connection (closing it there would break the caller), as Celery's fix-up also assumes.
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


class GradingTask(DjangoTask):
    """A task whose enqueueing never fails the caller: the database already holds the work."""

    # The queue this task goes to unless the caller says otherwise (live or bulk).
    routed_queue = "live"

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        """Send the message; if the broker is down, log it and leave the row to the sweeper."""
        options.setdefault("queue", self.routed_queue)
        try:
            return super().apply_async(args, kwargs, **options)
        except BrokerUnavailable as exc:
            logger.warning("broker unavailable, %s%s left to the sweeper: %s", self.name, args, exc)
            return None


# Grading is idempotent (guarded status updates), so a task is acknowledged only once done
# and a worker lost mid-task hands it back to the queue.
RELIABLE = {
    "bind": True,
    "base": GradingTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": MAX_RETRIES,
}
INFRASTRUCTURE_FAILURES = (SandboxUnavailable, OperationalError)


def _call_or_retry(task: GradingTask, service: Any, **kwargs: Any) -> None:
    """Call `service`; on an infrastructure failure, retry the task with backoff."""
    try:
        service(**kwargs)
    except INFRASTRUCTURE_FAILURES as exc:
        # A submission stays RUNNING with deliveries > 1 meanwhile: the learner sees "retrying".
        # Past the last retry, Celery raises `exc` and the task's on_failure handler runs.
        raise task.retry(exc=exc, countdown=2**task.request.retries) from exc


def _end_as_platform_fault(
    task: GradingTask, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
) -> None:
    """End the submission at once as an error on our side (the retries are spent)."""
    from exercises.services import give_up_grading

    submission_id = (kwargs or {}).get("submission_id") or (args or [None])[0]
    logger.error("grading of submission %s failed for good: %r", submission_id, exc)
    if submission_id is not None:
        give_up_grading(submission_id=submission_id)


@shared_task(routed_queue="live", on_failure=_end_as_platform_fault, **RELIABLE)
def grade_submission(self: GradingTask, submission_id: int) -> None:
    """Grade a learner's submission (live queue); infrastructure failures are retried."""
    from exercises.grading import grade_submission

    _call_or_retry(self, grade_submission, submission_id=submission_id)


@shared_task(routed_queue="bulk", on_failure=_end_as_platform_fault, **RELIABLE)
def regrade_submission(self: GradingTask, submission_id: int) -> None:
    """Grade a submission again after its exercise changed (bulk queue)."""
    from exercises.grading import grade_submission

    _call_or_retry(self, grade_submission, submission_id=submission_id)


@shared_task(base=GradingTask, routed_queue="live", ignore_result=True)
def sweep_stuck_submissions() -> int:
    """Re-enqueue submissions left unfinished past the deadline, and platform faults (beat)."""
    from exercises.services import requeue_stuck_submissions

    return requeue_stuck_submissions(older_than_s=settings.SUBMISSION_STUCK_AFTER_S)


# --- Reference check (authoring) -------------------------------------------------------------


@shared_task(routed_queue="bulk", **RELIABLE)
def check_exercise_reference(self: GradingTask, exercise_id: int) -> None:
    """Run an exercise's reference check and record it (bulk queue)."""
    from exercises.grading import check_exercise_reference
    from exercises.models import Exercise

    try:
        _call_or_retry(self, check_exercise_reference, exercise_id=exercise_id)
    except Exercise.DoesNotExist:
        logger.info("exercise %s deleted before its reference check ran", exercise_id)


# --- Numeric question variants (authoring) ---------------------------------------------------


@shared_task(routed_queue="bulk", **RELIABLE)
def compute_question_variants(self: GradingTask, question_id: int) -> None:
    """Compute a numeric question's pool of variants in the sandbox (bulk queue)."""
    from courses.models import Question
    from exercises.question_variants import compute_question_variants

    try:
        _call_or_retry(self, compute_question_variants, question_id=question_id)
    except Question.DoesNotExist:
        logger.info("question %s deleted before its variants were computed", question_id)


@shared_task(base=GradingTask, routed_queue="bulk", ignore_result=True)
def prepare_variant_pools(course_id: int | None = None) -> int:
    """Ask for the pool of every numeric question whose pool is not current (beat, import)."""
    from courses.models import Course
    from exercises.question_variants import stale_numeric_questions

    course = Course.objects.filter(pk=course_id).first() if course_id else None
    if course_id and course is None:
        return 0
    stale = stale_numeric_questions(course)
    for question_id in stale:
        compute_question_variants.delay(question_id)
    return len(stale)
