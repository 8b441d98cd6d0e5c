"""Malformed input never causes a server error: a clear message (400) or a 404 instead."""

import pytest
from django.urls import reverse

from courses.models import QuestionAttempt
from exercises.models import Submission
from tests.factories import make_choice_question

pytestmark = pytest.mark.django_db


def post_raw(client, url, body: bytes, content_type="application/x-www-form-urlencoded"):
    return client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"answer": ""},
        {"answer": "   "},
        {"answer": "abc"},
        {"answer": "NaN"},
        {"answer": "nan"},
        {"answer": "inf"},
        {"answer": "-Infinity"},
        {"answer": "1e999"},
        {"answer": "9" * 400},
        {"answer": "1" * 90},
        {"answer": "0x1A"},
        {"answer": "\x00"},
        {"answer": ["1", "2"]},
    ],
)
def test_bad_numeric_answers_get_a_message(alice, small, data):
    response = alice.post(reverse("answer_question", args=[small.numeric.id]), data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()
    else:
        # Only a finite number within range is ever recorded.
        attempt = QuestionAttempt.objects.get()
        assert attempt.numeric_answer is not None and abs(attempt.numeric_answer) < 1e300


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"choice": ""},
        {"choice": "abc"},
        {"choice": "999999999"},
        {"choice": "99999999999999999999999999999"},
        {"choice": "-1"},
        {"choice": "1.5"},
    ],
)
def test_bad_choices_get_a_message(alice, small, data):
    response = alice.post(reverse("answer_question", args=[small.single.id]), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not QuestionAttempt.objects.exists()


def test_choice_from_another_question_is_refused(alice, small):
    other = make_choice_question(small.lessons[1], "other")
    foreign = other.choices.first().id
    response = alice.post(reverse("answer_question", args=[small.single.id]), {"choice": foreign})
    assert response.status_code == 400
    assert "does not belong to this question" in response.content.decode()
    fetched = alice.post(
        reverse("answer_question", args=[small.multiple.id]),
        {"choice": [small.multiple.choices.first().id, foreign]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert fetched.status_code == 400
    assert not QuestionAttempt.objects.exists()


def test_two_options_on_a_single_choice_question_are_refused(alice, small):
    ids = list(small.single.choices.values_list("id", flat=True))
    response = alice.post(reverse("answer_question", args=[small.single.id]), {"choice": ids})
    assert response.status_code == 400
    assert "exactly one" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/questions/999999/answer/",
        "/questions/99999999999999999999999/answer/",
        "/exercises/no-such-exercise/",
        "/exercises/add-one/submissions/999999/",
        "/exercises/add-one/submissions/99999999999999999999999/",
        "/courses/small/no-such-lesson/",
    ],
)
def test_unknown_ids_and_slugs_are_not_found(alice, small, url):
    assert alice.post(url, {"answer": "1"}).status_code in (404, 405)
    assert alice.get(url).status_code in (404, 405)


@pytest.mark.parametrize("param", ["from", "submission"])
@pytest.mark.parametrize("value", ["", "abc", "-1", "999999", "9" * 40, "1.0"])
def test_bad_submission_query_parameters_are_not_found(alice, small, param, value):
    response = alice.get(small.exercise.get_absolute_url(), {param: value})
    assert response.status_code == 404


def test_answering_with_get_is_not_allowed(alice, small):
    assert alice.get(reverse("answer_question", args=[small.single.id])).status_code == 405


def test_oversize_code_gets_a_message_and_no_submission(alice, small):
    code = "# " + "x" * (64 * 1024) + "\n"
    response = alice.post(small.exercise.get_absolute_url(), {"code": code, "kind": "submit"})
    assert response.status_code == 400
    assert "the limit is 65,536 bytes" in response.content.decode()
    fetched = alice.post(
        small.exercise.get_absolute_url(),
        {"code": code, "kind": "run"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert fetched.status_code == 400
    assert "64 KiB" in fetched.json()["error"]
    assert not Submission.objects.exists()


def test_huge_request_body_is_refused_without_a_server_error(alice, small):
    body = b"code=" + b"x" * (3 * 1024 * 1024) + b"&kind=submit"
    response = post_raw(alice, small.exercise.get_absolute_url(), body)
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_unknown_kind_gets_a_message(alice, small):
    response = alice.post(small.exercise.get_absolute_url(), {"code": "pass", "kind": "explode"})
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_nul_in_code_gets_a_message(alice, small):
    response = alice.post(small.exercise.get_absolute_url(), {"code": "x = 1\x00", "kind": "run"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        b"code=%ff%fe%fd&kind=submit",
        b"code=\xff\xfe\xfd&kind=run",
        b"answer=\xff\xfe",
        b"choice=\xff",
        b"\xff\xfe\x00\x01",
        b"%",
        b"code=%E0%80&kind=submit",
    ],
)
def test_non_utf8_bodies_never_cause_a_server_error(alice, small, body):
    for url in (
        small.exercise.get_absolute_url(),
        reverse("answer_question", args=[small.single.id]),
        reverse("answer_question", args=[small.numeric.id]),
    ):
        response = post_raw(alice, url, body)
        assert response.status_code < 500, (url, body)


def test_multipart_with_binary_code_never_causes_a_server_error(alice, small):
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="code"\r\n\r\n'.encode()
        + b"\xff\xfe\x80 def f(): pass\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = post_raw(
        alice, small.exercise.get_absolute_url(), body, f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code < 500


def test_signup_with_garbage_never_causes_a_server_error(client, db):
    for data in ({}, {"username": "\x00"}, {"username": "a" * 5000, "password1": "x"}):
        assert client.post(reverse("signup"), data).status_code == 400
