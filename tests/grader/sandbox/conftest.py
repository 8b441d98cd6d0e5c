"""A sandbox per test module, started after the canary secret is in the environment."""

import os
from collections.abc import Iterator

import pytest

from grader.sandbox import Sandbox

CANARY = "UNROLLED-CANARY-7f3a9c2e51"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    os.environ["UNROLLED_CANARY_SECRET"] = CANARY
    box = Sandbox()
    box.start()
    yield box
    box.close()
