"""Guessing and flooding are limited: wrong join codes per learner and per client, password
reset e-mails per address and per client, new API tokens per learner. Each refusal says why
and when to come back (429 with Retry-After), and reveals nothing about accounts."""

import pytest
from django.test import Client

from courses.models import Enrollment, Run
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def signed_in(user, address: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


@pytest.fixture
def spring(small) -> Run:
    return Run.objects.create(
        course=small.course, slug="spring", title="Spring 2027", join_code="rnn-2027"
    )


def join(client: Client, small, code: str):
    return client.post(f"/courses/{small.course.slug}/join/", {"code": code})


def test_a_learner_guessing_join_codes_is_stopped_even_with_the_right_one(
    settings, small, spring
):
    settings.JOIN_CODE_FAILURES_PER_HOUR = 5
    learner = make_user("guesser")
    client = signed_in(learner)
    for n in range(5):
        assert join(client, small, f"guess-{n}").status_code == 302
    refused = join(client, small, "rnn-2027")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many wrong join codes" in refused.content.decode()
    assert not Enrollment.objects.filter(user=learner, run=spring).exists()
    # Another learner elsewhere is not affected.
    other = make_user("honest")
    assert join(signed_in(other, "10.0.0.2"), small, "rnn-2027").status_code == 302
    assert Enrollment.objects.filter(user=other, run=spring).exists()


def test_one_client_guessing_through_many_accounts_is_stopped(settings, small, spring):
    settings.JOIN_CODE_FAILURES_PER_HOUR = 100
    settings.JOIN_CODE_FAILURES_PER_CLIENT_PER_HOUR = 6
    for n in range(6):
        assert join(signed_in(make_user(f"sock-{n}")), small, f"guess-{n}").status_code == 302
    last = make_user("sock-last")
    assert join(signed_in(last), small, "rnn-2027").status_code == 429
    assert not Enrollment.objects.filter(user=last, run=spring).exists()


def test_a_right_code_after_a_typo_still_joins(settings, small, spring):
    settings.JOIN_CODE_FAILURES_PER_HOUR = 5
    learner = make_user("typo")
    client = signed_in(learner)
    join(client, small, "rnn-2072")
    assert join(client, small, "RNN-2027").status_code == 302
    assert Enrollment.objects.filter(user=learner, run=spring).exists()

