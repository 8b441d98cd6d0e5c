"""Fixtures shared by the whole suite: real Redis and PostgreSQL servers."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import MissingTool, PostgresServer, RedisServer, free_port, missing_tool


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
