"""exercises.services, exercises.grading and exercises.tasks against the database (and the real sandbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from exercises import grading as grading_services
from exercises import specs as exercise_specs
from exercises.models import ApiToken, Exercise, KnownMistake, Submission
from exercises.services import (
    INFRASTRUCTURE_GAVE_UP,
    MAX_AUTOMATIC_DELIVERIES,
    MAX_DELIVERIES,
    SubmissionRateLimited,
    create_api_token,
    give_up_grading,
    parse_rate,
    record_grading_result,
    regenerate_api_token,
    regrade_submissions,
    requeue_stuck_submissions,
    start_grading,
    submit_solution,
    user_for_api_token,
)
from exercises.stats import exercise_stats
from exercises.tasks import grade_submission as grading_task
from grader.grading import TestResult, Verdict
from grader.sandbox import SandboxUnavailable
from tests.exercises.conftest import FORGOT_MESSAGE, FORGOT_TO_ADD, make_exercise
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

CORRECT = "import numpy as np\n\ndef add_one(x):\n    return x + 1.0\n"


def verdict(status: str = "passed", score: float = 1.0, stdout: str = "") -> Verdict:
    return Verdict(
        exercise="add-one",
        status=status,  # type: ignore[arg-type]
        score=score,
        tests=[TestResult("example", status == "passed", "ok", visible=True)],
        message=f"{status}.",
        stdout=stdout,
        duration_ms=3.0,
    )


def submit(exercise: Exercise, user: User, code: str = CORRECT, **kwargs) -> Submission:
    return submit_solution(user=user, exercise=exercise, code=code, **kwargs)


def test_submit_solution_queues_one_grading_after_commit(
    exercise, api_learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        submission = submit(exercise, api_learner)
    assert submission.status == Submission.Status.QUEUED
    assert submission.deliveries == 0
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "code", ["#" * (64 * 1024 + 1), "x = '\udc80'", "x = 1\x00", b"x = 1", None]
)
def test_submit_solution_refuses_code_it_cannot_store_or_grade(exercise, api_learner, code):
    with pytest.raises(ValidationError):
        submit(exercise, api_learner, code=code)
    assert not Submission.objects.exists()


def test_submit_solution_takes_an_unpublished_exercise_from_its_courses_staff_only(api_learner):
    draft = make_exercise("draft", published=False)
    with pytest.raises(Exercise.DoesNotExist):
        submit(draft, api_learner)
    with pytest.raises(Exercise.DoesNotExist):
        submit(draft, make_staff(None, "eve"))  # staff of no course of this exercise
    staff = make_staff(draft.lesson.course, "grace")
    assert submit(draft, staff).status == Submission.Status.QUEUED


def test_start_grading_counts_deliveries_and_refuses_final_submissions(exercise, api_learner):
    submission = submit(exercise, api_learner)
    first = start_grading(submission_id=submission.id)
    assert first.status == Submission.Status.RUNNING
    assert first.deliveries == 1
    assert first.started_at is not None
    again = start_grading(submission_id=submission.id)
    assert again.deliveries == 2
    assert record_grading_result(
        submission_id=submission.id, verdict=verdict(), exercise_version="v"
    )
    assert start_grading(submission_id=submission.id) is None
    assert Submission.objects.get().deliveries == 2


def test_record_grading_result_writes_every_field(exercise, api_learner):
    submission = submit(exercise, api_learner)
    start_grading(submission_id=submission.id)
    assert record_grading_result(
        submission_id=submission.id, verdict=verdict("failed", 0.5), exercise_version="abc"
    )
    stored = Submission.objects.get()
    assert stored.status == "failed"
    assert stored.score == 0.5
    assert stored.tests[0]["name"] == "example"
    assert stored.tests[0]["visible"] is True
    assert stored.message == "failed."
    assert stored.duration_ms == 3.0
    assert stored.exercise_version == "abc"
    assert stored.graded_at is not None


def test_a_duplicate_result_is_a_no_op(exercise, api_learner):
    submission = submit(exercise, api_learner)
    start_grading(submission_id=submission.id)
    assert record_grading_result(
        submission_id=submission.id, verdict=verdict(), exercise_version="1"
    )
    first = Submission.objects.get()
    assert not record_grading_result(
        submission_id=submission.id, verdict=verdict("failed", 0.0), exercise_version="2"
    )
    second = Submission.objects.get()
    assert (second.status, second.score, second.graded_at, second.exercise_version) == (
        first.status,
        first.score,
        first.graded_at,
        "1",
    )


def test_learner_output_with_nul_and_surrogates_is_stored_safely(exercise, api_learner):
    submission = submit(exercise, api_learner)
    record_grading_result(
        submission_id=submission.id,
        verdict=verdict(stdout="a\x00b\ud800c"),
        exercise_version="v",
    )
    stored = Submission.objects.get().stdout
    assert "\x00" not in stored
    stored.encode("utf-8")


def age(submission: Submission, seconds: float) -> None:
    past = timezone.now() - timedelta(seconds=seconds)
    Submission.objects.filter(id=submission.id).update(updated_at=past)


def test_the_sweeper_requeues_only_stuck_unfinished_submissions(
    exercise, api_learner, django_capture_on_commit_callbacks
):
    stuck_queued = submit(exercise, api_learner)
    stuck_running = submit(exercise, api_learner)
    start_grading(submission_id=stuck_running.id)
    fresh = submit(exercise, api_learner)
    done = submit(exercise, api_learner)
    record_grading_result(submission_id=done.id, verdict=verdict(), exercise_version="v")
    for submission in (stuck_queued, stuck_running, done):
        age(submission, 120)
    with django_capture_on_commit_callbacks() as callbacks:
        assert requeue_stuck_submissions(older_than_s=60) == 2
    assert len(callbacks) == 2
    # The sweep bumped updated_at: the next sweep waits a whole deadline again.
    assert requeue_stuck_submissions(older_than_s=60) == 0
    assert Submission.objects.get(id=fresh.id).status == Submission.Status.QUEUED
    assert Submission.objects.filter(kind=Submission.Kind.SUBMIT).count() == 4


def test_the_sweeper_gives_up_on_a_submission_that_keeps_failing(exercise, api_learner):
    submission = submit(exercise, api_learner)
    Submission.objects.filter(id=submission.id).update(
        status=Submission.Status.RUNNING, deliveries=MAX_DELIVERIES
    )
    age(submission, 120)
    assert requeue_stuck_submissions(older_than_s=60) == 0
    stored = Submission.objects.get()
    assert stored.status == Submission.Status.ERROR
    assert "not in your code" in stored.message


def test_regrade_submissions_requeues_final_ones_on_the_bulk_queue(
    exercise, api_learner, django_capture_on_commit_callbacks
):
    submission = submit(exercise, api_learner)
    start_grading(submission_id=submission.id)
    record_grading_result(submission_id=submission.id, verdict=verdict(), exercise_version="v")
    with django_capture_on_commit_callbacks() as callbacks:
        assert regrade_submissions(submissions=[submission]) == 1
    # One task enqueued (the other callback gives the row a new live-status version).
    tasks = [c.func.__self__.name for c in callbacks if hasattr(c, "func")]
    assert tasks == ["exercises.tasks.regrade_submission"]
    stored = Submission.objects.get()
    assert (stored.status, stored.deliveries) == (Submission.Status.QUEUED, 0)


def test_api_tokens_are_stored_hashed_and_replaced_on_regeneration(api_learner):
    token = create_api_token(user=api_learner)
    assert len(token) >= 40
    stored = ApiToken.objects.get(user=api_learner)
    assert token not in stored.key_hash
    assert user_for_api_token(token) == api_learner
    newer = regenerate_api_token(user=api_learner)
    assert newer != token
    assert user_for_api_token(token) is None
    assert user_for_api_token(newer) == api_learner
    assert ApiToken.objects.count() == 1


# Through the real sandbox, in this process: what a worker does for one message.


def test_grading_a_correct_submission_records_passed(exercise, api_learner):
    submission = submit(exercise, api_learner)
    assert grading_services.grade_submission(submission_id=submission.id)
    stored = Submission.objects.get()
    assert stored.status == Submission.Status.PASSED
    assert stored.score == 1.0
    assert stored.deliveries == 1
    assert stored.exercise_version == exercise_specs.exercise_spec(exercise).version


def test_grading_a_known_mistake_records_its_misconception(exercise, api_learner):
    submission = submit(exercise, api_learner, code=FORGOT_TO_ADD)
    grading_services.grade_submission(submission_id=submission.id)
    stored = Submission.objects.get()
    assert stored.status == Submission.Status.FAILED
    assert stored.misconception == FORGOT_MESSAGE
    assert stored.misconception_slug == "forgot-to-add"


def test_grading_twice_records_once(exercise, api_learner):
    submission = submit(exercise, api_learner)
    assert grading_services.grade_submission(submission_id=submission.id)
    graded_at = Submission.objects.get().graded_at
    assert not grading_services.grade_submission(submission_id=submission.id)
    stored = Submission.objects.get()
    assert (stored.graded_at, stored.deliveries) == (graded_at, 1)


def test_a_run_grades_only_the_visible_examples(exercise, api_learner):
    submission = submit(exercise, api_learner, kind=Submission.Kind.RUN)
    grading_services.grade_submission(submission_id=submission.id)
    names = [test["name"] for test in Submission.objects.get().tests]
    assert names == ["example"]


# --- the per-learner rate limit -------------------------------------------------------------


def test_submit_solution_refuses_past_the_rate_limit_with_the_wait(exercise, api_learner, settings):
    settings.SUBMISSION_RATE_LIMIT = "2/min"
    submit(exercise, api_learner)
    submit(exercise, api_learner, kind=Submission.Kind.RUN)
    with pytest.raises(SubmissionRateLimited) as refused:
        submit(exercise, api_learner)
    assert 59 <= refused.value.retry_after_s <= 60
    assert refused.value.limit == "2/min"
    assert Submission.objects.count() == 2


def test_the_wait_is_until_the_oldest_counted_submission_leaves_the_window(
    exercise, api_learner, settings
):
    settings.SUBMISSION_RATE_LIMIT = "2/min"
    old, recent = submit(exercise, api_learner), submit(exercise, api_learner)
    now = timezone.now()
    Submission.objects.filter(id=old.id).update(created_at=now - timedelta(seconds=50))
    Submission.objects.filter(id=recent.id).update(created_at=now - timedelta(seconds=20))
    with pytest.raises(SubmissionRateLimited) as refused:
        submit(exercise, api_learner)
    assert 9 <= refused.value.retry_after_s <= 11
    Submission.objects.filter(id=old.id).update(created_at=now - timedelta(seconds=61))
    assert submit(exercise, api_learner).status == Submission.Status.QUEUED


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("30/min", (30, 60)), ("100/5m", (100, 300)), ("500/hour", (500, 3600)), ("1/s", (1, 1))],
)
def test_rates_are_read_as_count_per_window(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["30", "0/min", "ten/min", "30/fortnight", ""])
def test_a_malformed_rate_is_a_configuration_error(rate):
    with pytest.raises(ImproperlyConfigured, match="SUBMISSION_RATE_LIMIT"):
        parse_rate(rate)


# --- the worker's cache of exercise specs -----------------------------------------------------


def test_the_spec_cache_serves_an_unchanged_exercise_without_rebuilding_it(exercise):
    first = exercise_specs.specs.get(Exercise.objects.get(id=exercise.id))
    again = exercise_specs.specs.get(Exercise.objects.get(id=exercise.id))
    assert again is first
    assert first.version == exercise_specs.exercise_spec(exercise).version


def test_editing_only_a_known_mistake_gives_a_new_spec(exercise):
    before = exercise_specs.specs.get(Exercise.objects.get(id=exercise.id))
    # A course import may update a mistake without saving its exercise (no new updated_at).
    KnownMistake.objects.filter(exercise=exercise).update(message="Add the one.")
    after = exercise_specs.specs.get(Exercise.objects.get(id=exercise.id))
    assert after.version != before.version
    assert [m.message for m in after.mistakes] == ["Add the one."]


def test_editing_the_exercise_gives_a_new_spec(exercise):
    before = exercise_specs.specs.get(Exercise.objects.get(id=exercise.id))
    exercise.rtol = 1e-3
    exercise.save(update_fields=["rtol", "updated_at"])
    after = exercise_specs.specs.get(Exercise.objects.get(id=exercise.id))
    assert after.rtol == 1e-3
    assert after.version != before.version


# --- tasks and database connections -----------------------------------------------------------


def test_a_task_run_eagerly_leaves_its_callers_database_connection_open(exercise, api_learner):
    submission = submit(exercise, api_learner)
    # Inside the test's transaction, as inside a caller's request: the connection is the caller's.
    grading_task.apply(args=[submission.id])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PASSED


def test_an_unavailable_sandbox_is_retried_and_never_charged(monkeypatch):
    learner = User.objects.create_user("retry-learner")
    exercise = make_exercise(slug="retry-me")
    submission = submit_solution(user=learner, exercise=exercise, code=CORRECT)
    real_grade = grading_services.grade
    failures = []

    def sandbox_down_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise SandboxUnavailable("the zygote could not start")
        return real_grade(*args, **kwargs)

    monkeypatch.setattr(grading_services, "grade", sandbox_down_once)
    monkeypatch.setattr(grading_task, "retry", retry_now(grading_task))
    first = grading_task.apply(args=[submission.id])

    assert first.state == "RETRY"
    submission.refresh_from_db()
    assert failures == [1]
    assert submission.status == Submission.Status.PASSED
    assert submission.deliveries == 2
    assert Submission.objects.filter(user=learner, kind=Submission.Kind.SUBMIT).count() == 1


def test_a_sandbox_down_past_the_retries_ends_the_row_at_once_as_a_platform_fault(
    monkeypatch, client
):
    learner = User.objects.create_user("unlucky-learner")
    exercise = make_exercise(slug="sandbox-down")
    submission = submit_solution(user=learner, exercise=exercise, code=CORRECT)
    calls = []

    def sandbox_down(*args, **kwargs):
        calls.append(1)
        raise SandboxUnavailable("the zygote could not start")

    monkeypatch.setattr(grading_services, "grade", sandbox_down)
    result = grading_task.apply(args=[submission.id])

    assert result.state == "FAILURE"
    assert len(calls) == grading_task.max_retries + 1
    submission.refresh_from_db()
    # Ended by the task's failure handler, not left running for the sweeper.
    assert (submission.status, submission.fault) == ("error", "platform")
    assert submission.message == INFRASTRUCTURE_GAVE_UP
    assert exercise_stats(exercise).submissions == 0
    client.force_login(learner)
    page = client.get(f"/exercises/{exercise.slug}/submissions/{submission.id}/").content.decode()
    assert "Not your code" in page
    assert "does not count as an attempt" in page
    assert client.get(f"/api/submissions/{submission.id}").json()["fault"] == "platform"


def test_a_syntax_error_ends_the_row_as_the_submissions_fault(exercise, api_learner, client):
    submission = submit(exercise, api_learner, code="def add_one(x)\n    return x\n")
    grading_services.grade_submission(submission_id=submission.id)
    submission.refresh_from_db()
    assert (submission.status, submission.fault) == ("error", "submission")
    assert exercise_stats(exercise).submissions == 1
    client.force_login(api_learner)
    page = client.get(f"/exercises/{exercise.slug}/submissions/{submission.id}/").content.decode()
    assert "Not your code" not in page
    assert client.get(f"/api/submissions/{submission.id}").json()["fault"] == "submission"


def test_the_sweeper_regrades_platform_faults_until_their_deliveries_run_out(exercise, api_learner):
    faulted = submit(exercise, api_learner)
    spent = submit(exercise, api_learner)
    give_up_grading(submission_id=faulted.id)
    give_up_grading(submission_id=spent.id)
    Submission.objects.filter(id=spent.id).update(deliveries=MAX_AUTOMATIC_DELIVERIES)
    Submission.objects.update(updated_at=timezone.now() - timedelta(minutes=5))

    assert requeue_stuck_submissions(older_than_s=60) == 1
    faulted.refresh_from_db()
    spent.refresh_from_db()
    assert (faulted.status, faulted.fault) == ("queued", "")
    assert (spent.status, spent.fault) == ("error", "platform")


def test_regrade_leaves_an_unfinished_submission_alone(
    exercise, api_learner, django_capture_on_commit_callbacks
):
    running = submit(exercise, api_learner)
    start_grading(submission_id=running.id)
    with django_capture_on_commit_callbacks() as callbacks:
        assert regrade_submissions(submissions=[running]) == 0
    assert callbacks == []
    running.refresh_from_db()
    assert running.status == "running"


def retry_now(task):
    """Run the task's retry at once in this process, as a worker would after the countdown."""

    def retry(exc=None, countdown=None, **_):
        assert countdown == 1, "the first retry waits one second"
        task.apply(args=task.request.args)
        raise Retry(exc=exc, when=countdown)

    return retry
