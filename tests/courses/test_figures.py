"""Figures travel with the course folder and reach learners as inert images."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.figures import Figure
from courses.models import Course
from exercises.course_files import CourseFolderError, export_course, import_course
from tests.reference import SEEDED_COURSE_DIR

pytestmark = pytest.mark.django_db

FIGURE_NAMES = sorted(p.name for p in (SEEDED_COURSE_DIR / "figures").glob("*.svg"))


@pytest.fixture
def course() -> Course:
    call_command("import_course", str(SEEDED_COURSE_DIR))
    return Course.objects.get(slug="rnn-from-scratch")


def test_import_stores_every_figure_and_a_second_import_changes_nothing(course):
    assert sorted(Figure.objects.filter(course=course).values_list("name", flat=True)) == (
        FIGURE_NAMES
    )
    summary = import_course(path=SEEDED_COURSE_DIR)
    assert "figures" not in summary.created and "figures" not in summary.updated


def test_a_figure_is_served_as_an_image_that_cannot_run_anything(client, course):
    lesson = course.lessons.get(slug="bptt")
    response = client.get(f"{lesson.get_absolute_url()}figures/bptt-flow.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == (SEEDED_COURSE_DIR / "figures" / "bptt-flow.svg").read_bytes()


def test_the_lesson_shows_its_figure_through_img_with_alt_text(client, course):
    lesson = course.lessons.get(slug="bptt")
    page = client.get(lesson.get_absolute_url()).text
    assert '<img alt="The backward flow around one step.' in page
    assert 'src="figures/bptt-flow.svg"' in page
    assert "<svg" not in page.split('<div class="prose">')[1].split("</article>")[0]


def test_unknown_figures_and_unpublished_courses_are_not_found(client, course):
    lesson = course.lessons.get(slug="bptt")
    assert client.get(f"{lesson.get_absolute_url()}figures/nope.svg").status_code == 404
    Course.objects.filter(pk=course.pk).update(published=False)
    assert client.get(f"{lesson.get_absolute_url()}figures/bptt-flow.svg").status_code == 404


def test_an_unsafe_figure_stops_the_import_and_names_the_file(tmp_path: Path):
    folder = tmp_path / "course"
    shutil.copytree(SEEDED_COURSE_DIR, folder)
    (folder / "figures" / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x</script></svg>'
    )
    (folder / "figures" / "Bad Name.svg").write_text("<svg/>")
    with pytest.raises(CourseFolderError) as error:
        import_course(path=folder)
    problems = "\n".join(error.value.problems)
    assert "figures/evil.svg: <script> is not allowed" in problems
    assert "figures/evil.svg: event attribute 'onload'" in problems
    assert "figures/Bad Name.svg: a figure is a file named like name.svg" in problems
    assert not Course.objects.filter(slug="rnn-from-scratch").exists()


def test_a_removed_figure_is_removed_on_import_and_export_writes_the_rest(course, tmp_path):
    folder = tmp_path / "course"
    shutil.copytree(SEEDED_COURSE_DIR, folder)
    (folder / "figures" / "rnn-shapes.svg").unlink()
    summary = import_course(path=folder)
    assert summary.removed == {"figures": 1}
    export_course(course=course, path=tmp_path / "out")
    exported = sorted(p.name for p in (tmp_path / "out" / "figures").iterdir())
    assert exported == [name for name in FIGURE_NAMES if name != "rnn-shapes.svg"]


def test_staff_edit_figures_in_the_admin_with_the_import_checks(client, course):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("fig-admin", "f@example.org", "pw-123456"))
    figure = Figure.objects.get(course=course, name="bptt-flow.svg")
    url = f"/admin/courses/figure/{figure.pk}/change/"
    assert client.get("/admin/courses/figure/").status_code == 200
    bad = '<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'
    response = client.post(url, {"course": course.pk, "name": figure.name, "svg": bad})
    assert response.status_code == 200
    assert "&lt;script&gt; is not allowed" in response.text
    figure.refresh_from_db()
    assert "<script" not in figure.svg
