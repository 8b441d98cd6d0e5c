"""The verdict as the exercise page shows it, from real gradings recorded by the service."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from exercises.models import Exercise, Submission
from exercises.services import record_grading_result
from exercises.specs import exercise_spec, spec_from_folder
from grader.grading import ExerciseSpec, grade
from tests.factories import make_course, make_lesson

pytestmark = pytest.mark.django_db
FOLDER = Path(settings.BASE_DIR, "content/rnn-from-scratch/exercises")


def graded(user, exercise: Exercise, spec: ExerciseSpec, code: str, **kwargs) -> Submission:
    submission = Submission.objects.create(
        user=user, exercise=exercise, code=code, status="running", **kwargs
    )
    record_grading_result(
        submission_id=submission.id, verdict=grade(spec, code), exercise_version=spec.version
    )
    return submission


def result_page(client, submission) -> str:
    url = reverse("exercise_submission_result", args=[submission.exercise.slug, submission.id])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_known_mistake_is_highlighted_with_per_case_results(alice, learner, small):
    spec = exercise_spec(small.exercise)
    submission = graded(learner, small.exercise, spec, "def add_one(x):\n    return x\n")
    html = result_page(alice, submission)
    assert 'class="verdict failed"' in html
    assert 'class="misconception"' in html and "the + 1 is missing" in html
    assert "Examples: 0 of 1 passed" in html
    assert "Hidden cases: 0 of 1 passed" in html
    # Hidden inputs are never shown; visible ones are.
    assert html.count("Inputs, expected output and yours") == 1


def test_syntax_error_and_timeout_are_explained(alice, learner, small):
    spec = exercise_spec(small.exercise)
    broken = graded(learner, small.exercise, spec, "def add_one(x)\n    return x\n")
    html = result_page(alice, broken)
    assert 'class="verdict error"' in html
    assert "line" in html.lower() and "syntax" in html.lower()
    slow = graded(learner, small.exercise, spec, "while True:\n    pass\n")
    html = result_page(alice, slow)
    assert 'class="verdict error"' in html
    assert "took longer than" in html or "time" in html.lower()


def test_printed_output_is_shown(alice, learner, small):
    spec = exercise_spec(small.exercise)
    code = "def add_one(x):\n    print('hello from', x.shape)\n    return x + 1.0\n"
    html = result_page(alice, graded(learner, small.exercise, spec, code))
    assert 'class="verdict passed"' in html
    assert "What your code printed" in html and "hello from" in html


def test_gradient_norms_result_plots_the_learners_norms_against_the_reference(alice, learner):
    spec = spec_from_folder(FOLDER / "gradient-norms")
    lesson = make_lesson(make_course("rnn"), "vanishing-gradients")
    exercise = Exercise.objects.create(
        lesson=lesson,
        slug="gradient-norms",
        title="Gradient norms",
        entry_point=spec.entry_point,
        returns=list(spec.returns),
        prompt="Compute the norms.",
        reference_code=spec.reference_code,
        cases_code=spec.cases_code,
        published=True,
    )
    wrong = spec.reference_code.replace("(1.0 - hs[i + 1] ** 2)[:, None] * W", "W")
    assert wrong != spec.reference_code
    html = result_page(alice, graded(learner, exercise, spec, wrong))
    assert html.count("<svg") == 2  # one plot per visible case
    assert "your norms" in html and "reference" in html
    assert "time step t" in html and "log scale" in html
    assert "<polyline" in html


def test_status_json_of_own_submission_comes_from_the_api(alice, learner, small):
    spec = exercise_spec(small.exercise)
    submission = graded(learner, small.exercise, spec, "def add_one(x):\n    return x + 1.0\n")
    data = alice.get(f"/api/submissions/{submission.id}").json()
    assert data["status"] == "passed" and data["score"] == 1.0


def test_capstone_result_plots_the_loss_curve_and_shows_samples_at_both_temperatures(
    alice, learner
):
    spec = spec_from_folder(FOLDER / "train-char-rnn")
    lesson = make_lesson(make_course("rnn"), "language-modelling")
    exercise = Exercise.objects.create(
        lesson=lesson,
        slug="train-char-rnn",
        title="Capstone",
        entry_point=spec.entry_point,
        returns=list(spec.returns),
        prompt="Train it.",
        reference_code=spec.reference_code,
        cases_code=spec.cases_code,
        time_limit_ms=spec.time_limit_ms,
        published=True,
    )
    wrong = (FOLDER / "train-char-rnn" / "mistakes" / "temperature-multiplied.py").read_text()
    submission = graded(learner, exercise, spec, wrong)
    html = result_page(alice, submission)
    assert 'class="verdict failed"' in html
    assert "the temperature divides the logits" in html
    assert html.count("<svg") == 2  # one loss curve per visible case
    assert "your losses" in html and "chunk loss (log scale)" in html
    assert html.count('<table class="samples">') == 2
    # The learner's own samples (multiplied by τ) and the reference's both appear, per τ.
    expected = grade(spec, spec.reference_code).to_dict(detail=True)["tests"][1]["expected"][2]
    mine = grade(spec, wrong).to_dict(detail=True)["tests"][1]["actual"][2]
    assert mine != expected
    for text in expected + mine:
        assert escape(text) in html
    assert '<th scope="row">0.5</th>' in html and '<th scope="row">1.0</th>' in html
