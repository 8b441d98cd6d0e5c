"""The whole path with real processes: the API, a real Redis, real Celery workers and beat.

Each scenario is a failure the design promises to survive: a worker killed mid-grading,
Redis down while learners submit, a duplicated message. None may lose a submission, grade
one twice, or charge the learner an attempt.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import psutil
import pytest
import redis
from django.contrib.auth.models import User
from django.test import Client

from config.stack import BASE_DIR, die_with_parent
from exercises.models import Exercise, Submission
from exercises.services import requeue_stuck_submissions, submit_solution
from exercises.tasks import grade_submission
from tests.exercises.conftest import FORGOT_MESSAGE, FORGOT_TO_ADD, make_exercise
from tests.services import start_celery_worker, stop_process, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CORRECT = "def add_one(x):\n    return x + 1.0\n"
# Sleeps at import, so the grading is surely running when the worker is killed.
SLOW_CORRECT = "import time\ntime.sleep(2)\n\ndef add_one(x):\n    return x + 1.0\n"


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and every process under it (pool children, sandbox zygotes) at once."""
    parent = psutil.Process(proc.pid)
    victims = [parent, *parent.children(recursive=True)]
    for victim in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.send_signal(signal.SIGKILL)
    proc.wait()


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def all_final(ids: list[int]) -> bool:
    return Submission.objects.filter(id__in=ids, status__in=Submission.FINAL).count() == len(ids)


def queues_drained(redis_url: str) -> bool:
    """No message waiting in a queue and none delivered but unacknowledged."""
    client = redis.Redis.from_url(redis_url)
    return client.llen("live") == 0 and client.llen("bulk") == 0 and client.hlen("unacked") == 0


@pytest.fixture
def worker(broker) -> Iterator[subprocess.Popen]:
    proc = start_celery_worker(worker_env(broker), concurrency=2)
    yield proc
    stop_process(proc)


@pytest.fixture
def exercise_with_room() -> Exercise:
    """The small exercise, with time for SLOW_CORRECT's two-second sleep."""
    exercise = make_exercise()
    exercise.time_limit_ms = 6000
    exercise.save(update_fields=["time_limit_ms"])
    return exercise


def learner_client(username: str) -> tuple[User, Client]:
    from exercises.services import create_api_token

    user = User.objects.create_user(username)
    return user, Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")


def submit_over_http(client: Client, code: str) -> int:
    response = client.post(
        "/api/exercises/add-one/submissions",
        data=json.dumps({"code": code}),
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def attempts(user: User) -> int:
    return Submission.objects.filter(user=user, kind=Submission.Kind.SUBMIT).count()


def test_submissions_through_the_api_get_the_right_verdicts(worker, exercise_with_room):
    user, client = learner_client("ada")
    right = submit_over_http(client, CORRECT)
    wrong = submit_over_http(client, FORGOT_TO_ADD)
    wait_until(lambda: all_final([right, wrong]), 30, "both verdicts")
    passed = client.get(f"/api/submissions/{right}").json()
    failed = client.get(f"/api/submissions/{wrong}").json()
    assert (passed["status"], passed["score"]) == ("passed", 1.0)
    assert failed["status"] == "failed"
    assert failed["misconception"] == FORGOT_MESSAGE
    assert attempts(user) == 2


def test_a_worker_killed_mid_grading_loses_nothing_and_grades_once(
    broker, exercise_with_room, tmp_path
):
    env = worker_env(broker, SUBMISSION_STUCK_AFTER_S="4", SWEEP_EVERY_S="1")
    first = start_celery_worker(env, concurrency=1, name="doomed")
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "WARNING",
         "-s", str(tmp_path / "beat-schedule")],
        cwd=BASE_DIR, env=env, preexec_fn=die_with_parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    second = None
    try:
        user, client = learner_client("ada")
        submission_id = submit_over_http(client, SLOW_CORRECT)
        wait_until(
            lambda: Submission.objects.get(id=submission_id).status == "running", 30, "running"
        )
        kill_tree(first)
        assert Submission.objects.get(id=submission_id).status == "running"
        second = start_celery_worker(env, concurrency=1, name="fresh")
        # Beat's sweeper re-enqueues it once it has been stuck past the deadline.
        wait_until(lambda: all_final([submission_id]), 40, "the re-enqueued grading")
        graded = Submission.objects.get(id=submission_id)
        assert graded.status == "passed"
        assert graded.deliveries >= 2
        assert attempts(user) == 1
        assert client.get(f"/api/submissions/{submission_id}").json()["status"] == "passed"
    finally:
        stop_process(beat)
        if second is not None:
            stop_process(second)
        if first.poll() is None:
            kill_tree(first)


def test_submissions_made_while_redis_is_down_are_graded_after_it_returns(
    worker, redis_server, exercise_with_room
):
    user, client = learner_client("ada")
    redis_server.stop()
    try:
        ids = [submit_over_http(client, CORRECT) for _ in range(3)]
        assert set(Submission.objects.filter(id__in=ids).values_list("status", flat=True)) == {
            "queued"
        }
    finally:
        redis_server.start()
    # The sweeper (called here with a short deadline instead of waiting for beat).
    time.sleep(0.2)
    assert requeue_stuck_submissions(older_than_s=0.1) == 3
    wait_until(lambda: all_final(ids), 40, "grading after Redis came back")
    assert set(Submission.objects.filter(id__in=ids).values_list("status", flat=True)) == {"passed"}
    assert attempts(user) == 3


def test_a_duplicated_message_grades_once(worker, broker, exercise_with_room):
    user, _ = learner_client("ada")
    submission = submit_solution(user=user, exercise=exercise_with_room, code=CORRECT)
    grade_submission.delay(submission.id)
    grade_submission.delay(submission.id)
    wait_until(lambda: all_final([submission.id]), 30, "the verdict")
    graded_at = Submission.objects.get(id=submission.id).graded_at
    wait_until(lambda: queues_drained(broker), 30, "every copy of the message to be handled")
    time.sleep(0.3)
    again = Submission.objects.get(id=submission.id)
    assert again.status == "passed"
    assert again.graded_at == graded_at
    assert Submission.objects.count() == 1
    assert attempts(user) == 1


def test_a_message_queued_under_the_old_task_name_is_graded_through_the_sweeper(
    worker, broker, exercise_with_room
):
    from config.celery import app

    user, _ = learner_client("ada")
    submission = Submission.objects.create(
        user=user, exercise=exercise_with_room, code=CORRECT, status=Submission.Status.QUEUED
    )
    # As an older release sent it before an upgrade: this worker has no task of that name.
    app.send_task("grader.tasks.grade_submission", args=[submission.id], queue="live")
    wait_until(lambda: queues_drained(broker), 30, "the worker to drop the unknown message")
    assert Submission.objects.get(id=submission.id).status == Submission.Status.QUEUED
    time.sleep(0.2)
    assert requeue_stuck_submissions(older_than_s=0.1) == 1
    wait_until(lambda: all_final([submission.id]), 30, "the verdict")
    assert Submission.objects.get(id=submission.id).status == Submission.Status.PASSED
