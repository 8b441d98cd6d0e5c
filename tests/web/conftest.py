"""Fixtures for the page tests: a small course and signed-in learners."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import SmallCourse, make_small_course, make_user


@pytest.fixture
def small(db) -> SmallCourse:
    return make_small_course()


@pytest.fixture
def learner(db) -> User:
    return make_user("alice")


@pytest.fixture
def signed_in(db) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def alice(learner, signed_in) -> Client:
    return signed_in(learner)
