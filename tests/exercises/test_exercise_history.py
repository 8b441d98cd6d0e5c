"""The exercise page's "Your submissions" list and the row each live verdict brings along."""

import re

import pytest
from django.urls import reverse

from exercises.models import Submission
from exercises.services import record_grading_result
from exercises.specs import exercise_spec
from grader.grading import grade
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSING = "def add_one(x):\n    return x + 1.0\n"
# Right on the 1-D example, wrong on the 2-D hidden case: a score strictly between 0 and 1.
HALF_RIGHT = "def add_one(x):\n    return x + 1.0 if x.ndim == 1 else x\n"


def graded(user, exercise, code: str, kind: str = "submit") -> Submission:
    """Record a real grading of `code`, as the worker would, and return the submission."""
    spec = exercise_spec(exercise)
    submission = Submission.objects.create(
        user=user, exercise=exercise, code=code, kind=kind, status="running"
    )
    record_grading_result(
        submission_id=submission.id, verdict=grade(spec, code), exercise_version=spec.version
    )
    submission.refresh_from_db()
    return submission


def fragment(client, submission) -> str:
    url = reverse("exercise_submission_result", args=[submission.exercise.slug, submission.id])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def carried_row(html: str, submission_id: int) -> str:
    """Return the history row the verdict fragment carries in its <template>."""
    match = re.search(
        rf'<template data-history-row-of="{submission_id}">\s*(<tr .*?</tr>)\s*</template>',
        html,
        re.S,
    )
    assert match, "the verdict fragment carries its history row"
    return match.group(1)


def page_rows(html: str) -> dict[int, str]:
    """Return the rows of the page's history table, by submission id."""
    body = re.search(r"<tbody data-history-rows>(.*?)</tbody>", html, re.S)
    assert body, "the page has the history table body"
    return {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r'<tr data-history-row="(\d+)">.*?</tr>', body.group(1), re.S)
    }


def cells(row: str) -> list[str]:
    """Return the text of a row's cells, tags removed."""
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]


def test_verdict_fragment_carries_the_submissions_row_with_status_score_and_editor_link(
    alice, learner, small
):
    submission = graded(learner, small.exercise, HALF_RIGHT)
    assert submission.status == "failed" and 0 < submission.score < 1
    row = carried_row(fragment(alice, submission), submission.id)
    score = f"{round(submission.score * 100)}%"
    assert cells(row)[0] == str(submission.id)
    assert cells(row)[2:] == ["submit", "failed", score, "Open in editor"]
    assert f'href="?from={submission.id}#editor-heading"' in row
    assert f'href="?submission={submission.id}#result"' in row
    assert 'class="status-word failed"' in row


def test_carried_row_is_the_row_a_reload_would_show(alice, learner, small):
    first = graded(learner, small.exercise, "def add_one(x):\n    return x\n")
    newest = graded(learner, small.exercise, PASSING, kind="run")
    live = carried_row(fragment(alice, newest), newest.id)
    page = alice.get(small.exercise.get_absolute_url()).content.decode()
    rows = page_rows(page)
    assert list(rows) == [newest.id, first.id], "newest first"
    assert rows[newest.id] == live
    assert cells(live)[2:] == ["run", "passed", "100%", "Open in editor"]


def test_row_of_a_pending_submission_has_no_score_and_the_final_one_replaces_it(
    alice, learner, small
):
    pending = Submission.objects.create(user=learner, exercise=small.exercise, code=PASSING)
    before = carried_row(fragment(alice, pending), pending.id)
    assert cells(before)[3:5] == ["queued", "–"]
    spec = exercise_spec(small.exercise)
    record_grading_result(
        submission_id=pending.id, verdict=grade(spec, PASSING), exercise_version=spec.version
    )
    after = carried_row(fragment(alice, pending), pending.id)
    assert f'data-history-row="{pending.id}"' in after
    assert cells(after)[3:5] == ["passed", "100%"]


def test_first_visit_has_an_empty_hidden_history_for_the_first_verdict_to_fill(alice, small):
    page = alice.get(small.exercise.get_absolute_url()).content.decode()
    section = re.search(r"<section [^>]*data-history[^>]*>", page)
    assert section and " hidden" in section.group(0)
    assert page_rows(page) == {}


def test_history_is_shown_once_there_is_a_submission(alice, learner, small):
    graded(learner, small.exercise, PASSING)
    page = alice.get(small.exercise.get_absolute_url()).content.decode()
    section = re.search(r"<section [^>]*data-history[^>]*>", page)
    assert section and " hidden" not in section.group(0)
    assert len(page_rows(page)) == 1


def test_visitors_get_no_history_and_learners_see_only_their_own(client, alice, learner, small):
    theirs = graded(make_user("bob"), small.exercise, PASSING)
    mine = graded(learner, small.exercise, PASSING)
    assert "Your submissions" not in client.get(small.exercise.get_absolute_url()).content.decode()
    page = alice.get(small.exercise.get_absolute_url()).content.decode()
    assert list(page_rows(page)) == [mine.id] and theirs.id != mine.id
