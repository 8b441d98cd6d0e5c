"""Fixtures of the LTI tests: the LMS (lti1p3platform behind `responses`), eager Celery.

The course (`small`) comes from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from django.test import Client

from config.celery import app as celery_app
from tests.lti.platform import FakeLms


@pytest.fixture
def eager() -> Iterator[None]:
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def lms(client: Client) -> Iterator[FakeLms]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        platform = FakeLms(client)
        platform.serve(mock)
        yield platform
