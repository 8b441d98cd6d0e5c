"""Who may do what: visitors cannot answer or submit; learners never see each other's work."""

import pytest
from django.urls import reverse

from courses.models import QuestionAttempt
from courses.services import answer_question
from exercises.models import Submission
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_anonymous_answer_redirects_to_login_and_records_nothing(client, small):
    right = small.single.choices.get(is_correct=True)
    response = client.post(reverse("answer_question", args=[small.single.id]), {"choice": right.id})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not QuestionAttempt.objects.exists()


def test_anonymous_fetch_answer_is_forbidden_with_a_message(client, small):
    response = client.post(
        reverse("answer_question", args=[small.single.id]),
        {"choice": small.single.choices.first().id},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 403
    assert "Log in" in response.json()["error"]


def test_anonymous_submit_redirects_to_login_and_records_nothing(client, small):
    response = client.post(
        small.exercise.get_absolute_url(), {"code": "def add_one(x):\n    return x + 1\n"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    fetched = client.post(
        small.exercise.get_absolute_url(), {"code": "x"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert fetched.status_code == 403
    assert not Submission.objects.exists()


def test_learner_submits_and_sees_the_submission_queued(alice, learner, small):
    response = alice.post(
        small.exercise.get_absolute_url(),
        {"code": "def add_one(x):\n    return x + 1\n", "kind": "run"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 202
    body = response.json()
    submission = Submission.objects.get(id=body["id"])
    assert submission.user == learner and submission.kind == Submission.Kind.RUN
    assert body["status_url"] == f"/api/submissions/{submission.id}"
    plain = alice.post(small.exercise.get_absolute_url(), {"code": "pass\n", "kind": "submit"})
    assert plain.status_code == 302
    page = alice.get(plain["Location"]).content.decode()
    assert "Waiting for a grader" in page
    assert "Open in editor" in page


def test_learner_never_sees_another_learners_submission(alice, signed_in, small):
    bob = make_user("bob")
    theirs = Submission.objects.create(
        user=bob, exercise=small.exercise, code="# bob's secret\n", status="passed", score=1.0
    )
    url = small.exercise.get_absolute_url()
    assert alice.get(f"{url}?from={theirs.id}").status_code == 404
    assert alice.get(f"{url}?submission={theirs.id}").status_code == 404
    result_url = reverse("exercise_submission_result", args=[small.exercise.slug, theirs.id])
    assert alice.get(result_url).status_code == 404
    assert alice.get(f"/api/submissions/{theirs.id}").status_code == 404
    page = alice.get(url).content.decode()
    assert "bob&#x27;s secret" not in page and "bob's secret" not in page
    assert signed_in(bob).get(result_url).status_code == 200


def test_learner_never_sees_another_learners_answers(alice, small):
    bob = make_user("bob")
    answer_question(user=bob, question=small.numeric, numeric_answer=987654.25)
    page = alice.get(small.lessons[0].get_absolute_url()).content.decode()
    assert "987654.25" not in page


def test_old_submission_code_opens_in_the_editor(alice, learner, small):
    old = Submission.objects.create(
        user=learner, exercise=small.exercise, code="# my first try\n", status="failed"
    )
    Submission.objects.create(user=learner, exercise=small.exercise, code="# later\n")
    page = alice.get(f"{small.exercise.get_absolute_url()}?from={old.id}").content.decode()
    assert "# my first try" in page
    assert "# later" in alice.get(small.exercise.get_absolute_url()).content.decode()


def test_unpublished_exercise_is_not_found_for_learners(alice, small):
    small.exercise.published = False
    small.exercise.save(update_fields=["published"])
    assert alice.get(small.exercise.get_absolute_url()).status_code == 404
    assert alice.post(small.exercise.get_absolute_url(), {"code": "x"}).status_code == 404
