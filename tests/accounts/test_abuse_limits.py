"""Guessing and flooding are limited: wrong join codes per learner and per client, password
reset e-mails per address and per client, new API tokens per learner. Each refusal says why
and when to come back (429 with Retry-After), and reveals nothing about accounts."""

import pytest
from django.core import mail
from django.test import Client

from courses.models import Enrollment, Run
from exercises.models import ApiToken
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


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


def test_a_learner_guessing_join_codes_is_stopped_even_with_the_right_one(settings, small, spring):
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


def reset(address: str, email: str):
    return Client(REMOTE_ADDR=address).post("/accounts/password_reset/", {"email": email})


def test_password_reset_mails_to_one_address_are_limited(settings):
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 2
    make_user("ada", email="ada@example.org")
    answers = [reset(f"10.1.0.{n}", "Ada@Example.org").status_code for n in range(6)]
    assert len(mail.outbox) == 2
    # Every answer reads the same: whether the address has an account is not told.
    assert answers == [302] * 6


def test_one_client_asking_for_many_resets_is_refused(settings):
    settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR = 3
    for n in range(3):
        make_user(f"user{n}", email=f"user{n}@example.org")
        assert reset("10.1.1.1", f"user{n}@example.org").status_code == 302
    make_user("victim", email="victim@example.org")
    refused = reset("10.1.1.1", "victim@example.org")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password reset" in refused.content.decode()
    assert len(mail.outbox) == 3
    # Nor does the refusal depend on whether the address has an account.
    assert reset("10.1.1.1", "nobody@example.org").status_code == 429


def test_new_api_tokens_are_limited_per_learner(settings):
    settings.API_TOKENS_PER_HOUR = 3
    learner = make_user("scripter")
    client = signed_in(learner)
    hashes = set()
    for _ in range(3):
        assert client.post("/account/api-token/").status_code == 200
        hashes.add(ApiToken.objects.get(user=learner).key_hash)
    assert len(hashes) == 3
    refused = client.post("/account/api-token/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many new tokens" in refused.content.decode()
    assert ApiToken.objects.get(user=learner).key_hash in hashes  # the last one still works
    # Revoking is always possible.
    assert client.post("/account/api-token/", {"action": "revoke"}).status_code == 200
    assert not ApiToken.objects.filter(user=learner).exists()
