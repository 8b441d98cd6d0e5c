"""The pipeline's management commands: create_api_token, grade, sandbox_check."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from exercises.services import user_for_api_token
from tests.exercises.conftest import FORGOT_MESSAGE, FORGOT_TO_ADD

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_token_creates_the_learner_and_prints_one_token_line():
    output = run("create_api_token", "newcomer")
    assert output.count("\n") == 1
    token = output.strip()
    assert user_for_api_token(token) == User.objects.get(username="newcomer")


def test_create_api_token_for_an_existing_learner_replaces_the_token(api_learner):
    first = run("create_api_token", api_learner.username).strip()
    second = run("create_api_token", api_learner.username).strip()
    assert user_for_api_token(first) is None
    assert user_for_api_token(second) == api_learner
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "status", "misconception"),
    [
        ("def add_one(x):\n    return x + 1.0\n", "passed", None),
        (FORGOT_TO_ADD, "failed", FORGOT_MESSAGE),
        ("def add_one(x:\n", "error", None),
    ],
    ids=["correct", "known mistake", "syntax error"],
)
def test_grade_json_prints_exactly_one_verdict(exercise, tmp_path, code, status, misconception):
    path = tmp_path / "solution.py"
    path.write_text(code)
    verdict = json.loads(run("grade", "add-one", str(path), "--json"))
    assert set(verdict) == {"exercise", "status", "score", "tests", "misconception", "duration_ms"}
    assert verdict["exercise"] == "add-one"
    assert verdict["status"] == status
    assert verdict["misconception"] == misconception
    assert all(set(test) == {"name", "passed", "message"} for test in verdict["tests"])


def test_grade_without_json_prints_a_readable_summary(exercise, tmp_path):
    path = tmp_path / "solution.py"
    path.write_text(FORGOT_TO_ADD)
    output = run("grade", "add-one", str(path))
    assert "add-one: failed" in output
    assert FORGOT_MESSAGE in output


@pytest.mark.parametrize(
    ("slug", "content", "words"),
    [
        ("nope", b"x = 1", "No exercise"),
        ("add-one", None, "Cannot read"),
        ("add-one", b"x = '\xff'", "not UTF-8"),
    ],
    ids=["unknown slug", "missing file", "not UTF-8"],
)
def test_grade_usage_errors_exit_2(exercise, tmp_path, slug, content, words):
    path = tmp_path / "solution.py"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=words) as raised:
        run("grade", slug, str(path), "--json")
    assert raised.value.returncode == 2


def test_sandbox_check_reports_every_layer():
    output = run("sandbox_check")
    for layer in (
        "resource limits",
        "unprivileged sandbox user",
        "seccomp",
        "Landlock",
        "namespace",
    ):
        assert layer in output
    assert "All required layers are active." in output
