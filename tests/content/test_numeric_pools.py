"""After `import_course`, the workers compute every numeric question's pool of variants."""

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from courses.models import Question
from courses.numeric import PoolState, pool_state, worked_solution
from exercises.course_files import export_course
from tests.reference import SEEDED_COURSE_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in-process as they are sent (the sandbox stays real): a stand-in worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_import_has_the_workers_compute_every_pool(
    eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("import_course", str(SEEDED_COURSE_DIR))
    assert len(callbacks) == 1, "one request for the whole course, not one per saved row"
    numeric = Question.objects.filter(kind="numeric").prefetch_related("mistakes")
    assert numeric.count() >= 9
    for question in numeric:
        assert pool_state(question) == PoolState.READY, (question.slug, question.variants_error)
        assert question.variants.count() == 100
        assert question.mistakes.exists()
        variant = question.variants.get(index=0)
        assert set(variant.mistakes) == {m.slug for m in question.mistakes.all()}
        solution = worked_solution(question, variant)
        assert f"{variant.answer:.4f}" in solution
        assert not re.search(r"\{[A-Za-z_][A-Za-z0-9_]*(:[^}]*)?\}", solution), "a field unfilled"


def test_an_import_without_broker_leaves_pools_to_the_beat_task(
    eager_celery, django_capture_on_commit_callbacks
):
    from exercises.tasks import prepare_variant_pools

    call_command("import_course", str(SEEDED_COURSE_DIR))  # on-commit requests never sent
    stale = Question.objects.filter(kind="numeric")
    assert all(pool_state(q) == PoolState.PREPARING for q in stale)
    assert prepare_variant_pools.delay().get() == stale.count()
    assert all(pool_state(q) == PoolState.READY for q in Question.objects.filter(kind="numeric"))
    assert prepare_variant_pools.delay().get() == 0


def test_numeric_questions_round_trip_with_their_mistakes_and_solution(tmp_path):
    call_command("import_course", str(SEEDED_COURSE_DIR))
    course = Question.objects.get(slug="scalar-rnn-dw").lesson.course
    export_course(course=course, path=tmp_path / "out")
    text = (tmp_path / "out" / "questions" / "scalar-rnn-dw.yaml").read_text()
    assert "absolute_tolerance: 0.0005" in text and "solution: |" in text
    assert "slug: h-t-for-h-t-minus-1" in text
