"""Fixtures for the security tests: a small course, a learner and an instructor."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from accounts.demo import ensure_instructors_group
from courses.models import Course
from tests.factories import SmallCourse, make_small_course, make_user, teach


@pytest.fixture(autouse=True)
def empty_cache():
    # Sign-up counts live in the cache: each test starts from none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small(db) -> SmallCourse:
    return make_small_course()


@pytest.fixture
def learner(db) -> User:
    return make_user("alice")


@pytest.fixture
def alice(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(db, small) -> Client:
    user = User.objects.create_user("teacher", password="pw", is_staff=True)
    user.groups.add(ensure_instructors_group())
    for course in Course.objects.all():  # the courses the test made first (`small`)
        teach(user, course)
    client = Client()
    client.force_login(user)
    return client
