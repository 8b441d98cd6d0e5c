"""Fixtures shared by the whole suite: real Redis and PostgreSQL servers, a small course and
its learners.

No Django model is imported at module level: the hostile sandbox suite runs part of itself in
a subprocess without pytest-django (tests/grader/sandbox/test_hostile.py), which loads this
file too.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.services import MissingTool, PostgresServer, RedisServer, free_port, missing_tool

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.factories import SmallCourse


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), data_dir=tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's 0700 temp root: the cluster belongs to the `postgres` user.
    root = Path(tempfile.mkdtemp(prefix="unrolled-pg-"))
    server = PostgresServer(root=root, port=free_port())
    try:
        try:
            server.start()
        except MissingTool as exc:
            missing_tool(str(exc))
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def broker(redis_server) -> Iterator[str]:
    """Point this process's Celery producer at the test Redis server, emptied first."""
    import redis

    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    app._pool = None
    app.amqp._producer_pool = None
    redis.Redis.from_url(redis_server.url).flushdb()
    yield redis_server.url
    app.conf.broker_url = previous
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def empty_cache():
    """Sign-up counts live in the cache: a test that uses this starts from none.

    Not autouse: the modules that need it say so (`pytest.mark.usefixtures("empty_cache")`).
    """
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small(db) -> SmallCourse:
    from tests.factories import make_small_course

    return make_small_course()


@pytest.fixture
def learner(db) -> User:
    from tests.factories import make_user

    return make_user("alice")


@pytest.fixture
def signed_in(db) -> Callable[[User], Client]:
    from django.test import Client

    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def alice(learner, signed_in) -> Client:
    return signed_in(learner)


@pytest.fixture
def instructor_client(db, small) -> Client:
    from django.contrib.auth.models import User
    from django.test import Client

    from accounts.demo import ensure_instructors_group
    from courses.models import Course
    from tests.factories import teach

    user = User.objects.create_user("teacher", password="pw", is_staff=True)
    user.groups.add(ensure_instructors_group())
    for course in Course.objects.all():  # the courses the test made first (`small`)
        teach(user, course)
    client = Client()
    client.force_login(user)
    return client
