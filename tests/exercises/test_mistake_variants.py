"""Known mistakes with several variants in course folders, the database and the admin."""

from pathlib import Path

import pytest
from django.test import Client

from courses.models import Course
from exercises.course_files import CourseFolderError, export_course, import_course
from exercises.models import KnownMistake, MistakeVariant
from exercises.specs import exercise_spec
from tests.exercises.course_folder import read_tree
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

SEEDED = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch"
OTHER_WAY = "import numpy as np\n\n\ndef scale(x, k):\n    return k * np.asarray(x)\n"


def test_further_variants_are_imported_exported_and_graded(small_course: Path, tmp_path: Path):
    folder = small_course / "exercises" / "scale" / "mistakes" / "no-plus-one"
    folder.mkdir()
    (folder / "k-first.py").write_text(OTHER_WAY)
    import_course(path=small_course)
    mistake = KnownMistake.objects.get(slug="no-plus-one")
    assert list(mistake.variants.values_list("name", "code")) == [("k-first", OTHER_WAY)]
    spec = exercise_spec(mistake.exercise)
    assert spec.mistakes[0].variants == (("k-first", OTHER_WAY),)
    export_course(course=Course.objects.get(slug="tiny"), path=tmp_path / "out")
    exported = read_tree(tmp_path / "out")
    assert exported["exercises/scale/mistakes/no-plus-one/k-first.py"] == OTHER_WAY.encode()
    (folder / "k-first.py").unlink()
    summary = import_course(path=small_course)
    assert not MistakeVariant.objects.exists()
    assert summary.removed == {"mistake variants": 1}


def test_a_variant_folder_of_an_unlisted_mistake_is_a_problem(small_course: Path):
    stray = small_course / "exercises" / "scale" / "mistakes" / "typo-slug"
    stray.mkdir()
    (stray / "a.py").write_text(OTHER_WAY)
    with pytest.raises(CourseFolderError) as error:
        import_course(path=small_course)
    assert "mistakes/typo-slug: not listed under 'mistakes'" in str(error.value)


def test_a_mistake_needs_its_main_variant_file(small_course: Path):
    mistakes = small_course / "exercises" / "scale" / "mistakes"
    (mistakes / "no-plus-one").mkdir()
    (mistakes / "no-plus-one.py").rename(mistakes / "no-plus-one" / "main.py")
    with pytest.raises(CourseFolderError) as error:
        import_course(path=small_course)
    assert "mistakes/no-plus-one.py: file is missing" in str(error.value)


def test_the_seeded_course_imports_its_variants():
    import_course(path=SEEDED)
    names = set(MistakeVariant.objects.values_list("mistake__slug", "name"))
    assert ("wrong-axis", "max-over-rows-sum-over-columns") in names
    assert ("no-max-subtraction", "log-sum-exp-unshifted") in names


def test_an_instructor_edits_variants_on_the_mistake_page(small_course: Path):
    import_course(path=small_course)
    mistake = KnownMistake.objects.get(slug="no-plus-one")
    user = make_staff(mistake.exercise.lesson.course, "teacher")
    client = Client()
    client.force_login(user)
    url = f"/admin/exercises/knownmistake/{mistake.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b"variants-TOTAL_FORMS" in page.content
    data = {
        "order": 0,
        "slug": mistake.slug,
        "title": mistake.title,
        "message": mistake.message,
        "code": mistake.code,
        "variants-TOTAL_FORMS": 1,
        "variants-INITIAL_FORMS": 0,
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
        "variants-0-order": 0,
        "variants-0-name": "k-first",
        "variants-0-code": OTHER_WAY,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert mistake.variants.get().name == "k-first"
