"""Deadlines and rules of an exercise in a run: due date, late policy, limits, result release.

One service decides for the pages and the API alike: `check_submission` before a graded
submission is stored, `results_withheld` before a verdict is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from courses.models import Run
from exercises.models import Exercise, ItemPolicy, Submission

DAY = timedelta(days=1)


class SubmissionRefused(Exception):
    """A graded submission the item's policy does not accept; nothing was stored.

    `status` is the HTTP status the API answers with: 403 (closed, limit reached) or 429
    (cooldown, with `retry_after_s`).
    """

    def __init__(self, message: str, *, status: int = 403, retry_after_s: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


def policy_for(run: Run, exercise: Exercise) -> ItemPolicy | None:
    """Return the exercise's policy in `run`, or None (self-paced: no deadline, no limit)."""
    return ItemPolicy.objects.filter(run=run, exercise=exercise).first()


def run_zone(run: Run) -> ZoneInfo:
    try:
        return ZoneInfo(run.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_due(policy: ItemPolicy) -> str:
    """Return the due date as the learner reads it: in the run's time zone, zone named."""
    local = timezone.localtime(policy.due_at, run_zone(policy.run))
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()} ({policy.run.time_zone})"


def late_penalty(policy: ItemPolicy, now: datetime) -> float:
    """Return the fraction of the score lost at `now` (0 on time; per started day late)."""
    if policy.due_at is None or now <= policy.due_at or policy.late != ItemPolicy.Late.PENALTY:
        return 0.0
    days = math.ceil((now - policy.due_at) / DAY)
    return min(1.0, days * policy.penalty_per_day)


def graded_submissions(user: AbstractBaseUser, run: Run, exercise: Exercise):
    """Return the learner's submissions that count as graded attempts in `run`."""
    return Submission.objects.filter(
        user=user, run=run, exercise=exercise, kind=Submission.Kind.SUBMIT
    ).exclude(status=Submission.Status.ERROR, fault=Submission.Fault.PLATFORM)


def check_submission(
    *, user: AbstractBaseUser, run: Run, exercise: Exercise, now: datetime | None = None
) -> float:
    """Return the late penalty a graded submission gets now, or raise SubmissionRefused.

    "Run examples" is never checked here: it is free.
    """
    now = now or timezone.now()
    policy = policy_for(run, exercise)
    if policy is None:
        return 0.0
    if policy.due_at is not None and now > policy.due_at and policy.late == ItemPolicy.Late.CLOSED:
        raise SubmissionRefused(
            f"The due date has passed ({local_due(policy)}): this exercise no longer takes "
            "graded submissions. “Run examples” still works for practice."
        )
    submitted = graded_submissions(user, run, exercise)
    if policy.max_submissions is not None and submitted.count() >= policy.max_submissions:
        raise SubmissionRefused(
            f"You have used all {policy.max_submissions} graded submissions of this exercise. "
            "“Run examples” still works for practice."
        )
    if policy.cooldown_s:
        last = submitted.order_by("-created_at").values_list("created_at", flat=True).first()
        if last is not None and (wait := (last - now).total_seconds() + policy.cooldown_s) > 0:
            wait_s = max(1, math.ceil(wait))
            raise SubmissionRefused(
                f"Wait {wait_s} s before your next graded submission (one every "
                f"{policy.cooldown_s} s). Your code is still in the editor.",
                status=429,
                retry_after_s=wait_s,
            )
    return late_penalty(policy, now)


def results_withheld(submission: Submission, now: datetime | None = None) -> bool:
    """Say whether the hidden cases' results and the score of `submission` are withheld yet."""
    if submission.kind != Submission.Kind.SUBMIT or submission.run_id is None:
        return False
    policy = (
        ItemPolicy.objects.filter(run_id=submission.run_id, exercise_id=submission.exercise_id)
        .only("hidden_results", "due_at")
        .first()
    )
    return bool(
        policy is not None
        and policy.hidden_results == ItemPolicy.HiddenResults.AFTER_DUE
        and policy.due_at is not None
        and (now or timezone.now()) < policy.due_at
    )


def mark_withheld(submissions: list[Submission], now: datetime | None = None) -> None:
    """Set `.withheld` on each submission: whether its hidden results wait for the due date."""
    now = now or timezone.now()
    pairs = {(s.run_id, s.exercise_id) for s in submissions if s.kind == Submission.Kind.SUBMIT}
    waiting: set[tuple[int, int]] = set()
    for run_id, exercise_id in pairs:
        if (
            run_id is not None
            and ItemPolicy.objects.filter(
                run_id=run_id,
                exercise_id=exercise_id,
                hidden_results=ItemPolicy.HiddenResults.AFTER_DUE,
                due_at__gt=now,
            ).exists()
        ):
            waiting.add((run_id, exercise_id))
    for submission in submissions:
        submission.withheld = (submission.run_id, submission.exercise_id) in waiting and (
            submission.kind == Submission.Kind.SUBMIT
        )


@dataclass
class Deadline:
    """What a learner is told about an item's rules in their run."""

    due: str = ""
    late: str = ""
    limit: str = ""
    release: str = ""

    def __bool__(self) -> bool:
        return bool(self.due or self.limit)


def deadline_for(run: Run, exercise: Exercise) -> Deadline:
    """Describe the exercise's policy in `run` in words (empty when self-paced)."""
    policy = policy_for(run, exercise)
    if policy is None:
        return Deadline()
    notice = Deadline()
    if policy.due_at is not None:
        notice.due = local_due(policy)
        if policy.late == ItemPolicy.Late.CLOSED:
            notice.late = "No graded submissions after it."
        else:
            notice.late = f"Late work loses {policy.penalty_per_day:.0%} per started day."
        if policy.hidden_results == ItemPolicy.HiddenResults.AFTER_DUE:
            notice.release = "Hidden-case results and scores are shown after the due date."
    parts = []
    if policy.max_submissions is not None:
        parts.append(f"at most {policy.max_submissions} graded submissions")
    if policy.cooldown_s:
        parts.append(f"one every {policy.cooldown_s} s")
    notice.limit = ("; ".join(parts) + ".").capitalize() if parts else ""
    return notice


def deadlines_by_exercise(run: Run) -> dict[int, str]:
    """Return {exercise id: due date in words} for the run's items that have one."""
    policies = ItemPolicy.objects.filter(run=run, due_at__isnull=False).select_related("run")
    return {policy.exercise_id: local_due(policy) for policy in policies}
