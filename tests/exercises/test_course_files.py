"""Course folders: import is an idempotent upsert, export round-trips, bad content is named."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from courses.models import Choice, Course, Lesson, Question
from exercises.course_files import dump_yaml, export_course, import_course
from exercises.course_files.files import _link_problem, _read_text
from exercises.models import Exercise, KnownMistake
from tests.exercises.course_folder import SMALL_COURSE, read_tree, write_tree

SEEDED = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch"
MODELS = (Course, Lesson, Question, Choice, Exercise, KnownMistake)

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[int]]:
    return {model.__name__: sorted(model.objects.values_list("id", flat=True)) for model in MODELS}


def round_trip(source: Path, tmp_path: Path, slug: str) -> tuple[dict, dict]:
    """Import source, export it, empty the database, import the export, export again."""
    call_command("import_course", str(source))
    call_command("export_course", slug, str(tmp_path / "first"))
    Course.objects.all().delete()
    assert not Lesson.objects.exists() and not Exercise.objects.exists()
    call_command("import_course", str(tmp_path / "first"))
    call_command("export_course", slug, str(tmp_path / "second"))
    return read_tree(tmp_path / "first"), read_tree(tmp_path / "second")


def test_small_course_round_trips_byte_for_byte(small_course: Path, tmp_path: Path) -> None:
    first, second = round_trip(small_course, tmp_path, "tiny")
    assert first == second
    assert sorted(first) == sorted(SMALL_COURSE)


def test_export_reads_like_the_hand_written_folder(small_course: Path, tmp_path: Path) -> None:
    import_course(path=small_course)
    export_course(course=Course.objects.get(slug="tiny"), path=tmp_path / "out")
    exported = read_tree(tmp_path / "out")
    # Files written in the canonical style come back unchanged, byte for byte.
    for name in ("exercises/scale/exercise.yaml", "lessons/02-more.md", "course.yaml"):
        assert exported[name].decode() == SMALL_COURSE[name]
    for name, text in SMALL_COURSE.items():
        if name.endswith(".py"):
            assert exported[name].decode() == text


def test_seeded_course_round_trips_byte_for_byte(tmp_path: Path) -> None:
    first, second = round_trip(SEEDED, tmp_path, "rnn-from-scratch")
    assert first == second
    # The export holds every content file of the seeded folder (and nothing else).
    seeded = {
        name
        for name in read_tree(SEEDED)
        if name.endswith((".yaml", ".md", ".py", ".svg")) and "__pycache__" not in name
    }
    assert set(first) == seeded
    assert first["figures/bptt-flow.svg"] == (SEEDED / "figures" / "bptt-flow.svg").read_bytes()
    assert Exercise.objects.filter(lesson__course__slug="rnn-from-scratch").count() == 15


def test_seeded_course_values_survive_the_round_trip(tmp_path: Path) -> None:
    import_course(path=SEEDED)
    before = {
        e.slug: (
            e.reference_code,
            e.cases_code,
            e.rtol,
            e.returns,
            [m.code for m in e.mistakes.all()],
        )
        for e in Exercise.objects.all()
    }
    export_course(course=Course.objects.get(slug="rnn-from-scratch"), path=tmp_path / "out")
    Course.objects.all().delete()
    import_course(path=tmp_path / "out")
    after = {
        e.slug: (
            e.reference_code,
            e.cases_code,
            e.rtol,
            e.returns,
            [m.code for m in e.mistakes.all()],
        )
        for e in Exercise.objects.all()
    }
    assert after == before


def test_import_twice_keeps_the_same_rows(small_course: Path) -> None:
    import_course(path=small_course)
    first = snapshot()
    summary = import_course(path=small_course)
    assert snapshot() == first
    assert summary.lines() == []
    assert len(first["Choice"]) == 3 and len(first["KnownMistake"]) == 1


def test_import_updates_in_place_and_removes_what_disappeared(
    small_course: Path, tmp_path: Path
) -> None:
    import_course(path=small_course)
    exercise_id = Exercise.objects.get(slug="scale").id
    question = Question.objects.get(slug="pick-one")
    first_choice_id = question.choices.order_by("order").first().id
    (small_course / "questions" / "number.yaml").unlink()
    (small_course / "lessons" / "01-intro.md").rename(small_course / "lessons" / "03-intro.md")
    text = (small_course / "questions" / "pick-one.yaml").read_text()
    (small_course / "questions" / "pick-one.yaml").write_text(
        text.replace("'Yes: this one'", "'Yes: reworded'")
    )
    import_course(path=small_course)
    assert not Question.objects.filter(slug="number").exists()
    assert Lesson.objects.get(slug="intro").order == 3
    assert Exercise.objects.get(slug="scale").id == exercise_id
    choice = Choice.objects.get(id=first_choice_id)
    assert choice.text == "Yes: reworded"


def test_removed_mistake_is_deleted_and_order_follows_the_list(small_course: Path) -> None:
    import_course(path=small_course)
    folder = small_course / "exercises" / "scale"
    (folder / "mistakes" / "times-two.py").write_text("def scale(x, k):\n    return 2 * x\n")
    meta = yaml.safe_load((folder / "exercise.yaml").read_text())
    meta["mistakes"] = [
        {"slug": "times-two", "title": "Doubled", "message": "Twice."},
        *meta["mistakes"],
    ]
    (folder / "exercise.yaml").write_text(dump_yaml(meta))
    import_course(path=small_course)
    exercise = Exercise.objects.get(slug="scale")
    assert [m.slug for m in exercise.mistakes.order_by("order")] == ["times-two", "no-plus-one"]
    meta["mistakes"] = meta["mistakes"][:1]
    (folder / "exercise.yaml").write_text(dump_yaml(meta))
    (folder / "mistakes" / "no-plus-one.py").unlink()
    import_course(path=small_course)
    assert [m.slug for m in exercise.mistakes.all()] == ["times-two"]


def import_error(folder: Path) -> list[str]:
    with pytest.raises(CommandError) as raised:
        call_command("import_course", str(folder))
    assert not Course.objects.exists(), "nothing may be written when the folder has problems"
    return str(raised.value).splitlines()[1:]


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    files = dict(SMALL_COURSE)
    files["questions/pick-one.yaml"] = "slug: pick-one\nlesson: intro\nprompt: [unclosed\nkind: x\n"
    problems = import_error(write_tree(tmp_path / "c", files))
    assert len(problems) == 1
    assert problems[0].strip().startswith("questions/pick-one.yaml, line ")
    assert "invalid YAML" in problems[0]


def test_bad_front_matter_yaml_names_the_line_in_the_lesson_file(tmp_path: Path) -> None:
    files = dict(SMALL_COURSE)
    files["lessons/01-intro.md"] = "---\ntitle: ok\nbad: [x\n---\nBody\n"
    problems = import_error(write_tree(tmp_path / "c", files))
    assert problems[0].strip().startswith("lessons/01-intro.md, line ")


def test_every_problem_is_listed_one_per_line(tmp_path: Path) -> None:
    files = dict(SMALL_COURSE)
    files["questions/pick-one.yaml"] = files["questions/pick-one.yaml"].replace(
        "lesson: intro", "lesson: nowhere"
    )
    files["exercises/scale/reference.py"] = "def something_else(x, k):\n    return x\n"
    files["course.yaml"] = "slug: tiny\npublished: true\n"
    del files["exercises/scale/cases.py"]
    del files["exercises/scale/mistakes/no-plus-one.py"]
    problems = [p.strip() for p in import_error(write_tree(tmp_path / "c", files))]
    assert problems == [
        "course.yaml: field 'title': is required but missing",
        "questions/pick-one.yaml: field 'lesson': unknown lesson 'nowhere' "
        "(no lessons/NN-nowhere.md)",
        "exercises/scale/cases.py: file is missing",
        "exercises/scale/reference.py: does not define scale() "
        "(the entry point named in exercises/scale/exercise.yaml)",
        "exercises/scale/mistakes/no-plus-one.py: file is missing",
    ]


def test_syntax_error_in_reference_names_the_line(tmp_path: Path) -> None:
    files = dict(SMALL_COURSE)
    files["exercises/scale/reference.py"] = "import numpy\n\ndef scale(x, k)\n    return x\n"
    problems = import_error(write_tree(tmp_path / "c", files))
    assert problems == ["  exercises/scale/reference.py, line 3: syntax error: expected ':'"]


def test_exercise_slug_of_another_course_is_refused(small_course: Path, tmp_path: Path) -> None:
    import_course(path=small_course)
    files = dict(SMALL_COURSE)
    files["course.yaml"] = "slug: other\ntitle: Other\n"
    with pytest.raises(CommandError, match="already used by an exercise of course 'tiny'"):
        call_command("import_course", str(write_tree(tmp_path / "other", files)))
    assert not Course.objects.filter(slug="other").exists()


def test_export_refuses_to_overwrite_a_folder_that_is_not_a_course(
    small_course: Path, tmp_path: Path
) -> None:
    import_course(path=small_course)
    target = write_tree(tmp_path / "notes", {"todo.txt": "keep me"})
    with pytest.raises(CommandError, match="not a course folder"):
        call_command("export_course", "tiny", str(target))
    assert (target / "todo.txt").read_text() == "keep me"


def test_export_over_an_earlier_export_drops_removed_records(
    small_course: Path, tmp_path: Path
) -> None:
    import_course(path=small_course)
    call_command("export_course", "tiny", str(tmp_path / "out"))
    Question.objects.filter(slug="number").delete()
    call_command("export_course", "tiny", str(tmp_path / "out"))
    assert not (tmp_path / "out" / "questions" / "number.yaml").exists()


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "true",
        "123",
        "a: b",
        "'quoted'",
        "  leading spaces",
        "trailing space ",
        "two\nlines\n",
        "no final newline\nhere",
        "  indented\nfirst line\n",
        "ends with blank lines\n\n\n",
        "x" * 200,
        "word " * 40 + "end",
        "tab\tinside and a very long line " * 5,
        "line with trailing space \nnext\n",
        "unicode: ∂h/∂W — ‖x‖",
    ],
)
def test_yaml_text_round_trips_exactly(value: str) -> None:
    text = dump_yaml({"text": value, "rtol": 1e-5, "big": 1e16, "small": 0.001})
    assert yaml.safe_load(text) == {"text": value, "rtol": 1e-5, "big": 1e16, "small": 0.001}
    assert "rtol: 1.0e-5\n" in text


def test_published_exercise_is_imported_with_a_passed_check(tmp_path: Path) -> None:
    from exercises.authoring import CheckState, check_state

    files = dict(SMALL_COURSE)
    files["exercises/scale/exercise.yaml"] = files["exercises/scale/exercise.yaml"].replace(
        "published: false", "published: true"
    )
    summary = import_course(path=write_tree(tmp_path / "c", files))
    exercise = Exercise.objects.get(slug="scale")
    assert exercise.published
    assert check_state(exercise) == CheckState.PASSED
    assert exercise.check_report["mistakes"][0]["exposed_by"] == ["example", "random"]
    assert summary.checked == {"exercises": 1}
    # Re-importing the same content does not run the check again.
    assert import_course(path=tmp_path / "c").checked == {}


def test_published_exercise_whose_check_fails_is_not_imported(tmp_path: Path) -> None:
    files = dict(SMALL_COURSE)
    files["exercises/scale/exercise.yaml"] = files["exercises/scale/exercise.yaml"].replace(
        "published: false", "published: true"
    )
    # A "mistake" identical to the reference is never rejected.
    files["exercises/scale/mistakes/no-plus-one.py"] = files["exercises/scale/reference.py"]
    problems = [p.strip() for p in import_error(write_tree(tmp_path / "c", files))]
    assert problems == [
        "exercises/scale/exercise.yaml: field 'published': true, but the reference check "
        "fails: known mistake 'no-plus-one' passes every case"
    ]


def test_changing_the_reference_in_the_folder_makes_the_check_stale(small_course: Path) -> None:
    from exercises.authoring import CheckState, check_state
    from exercises.grading import check_exercise_reference

    import_course(path=small_course)
    exercise = Exercise.objects.get(slug="scale")
    check_exercise_reference(exercise_id=exercise.id)
    exercise.refresh_from_db()
    assert check_state(exercise) == CheckState.PASSED
    cases = small_course / "exercises" / "scale" / "cases.py"
    cases.write_text(cases.read_text().replace("default_rng(3)", "default_rng(4)"))
    import_course(path=small_course)
    exercise.refresh_from_db()
    assert check_state(exercise) == CheckState.STALE
    assert not exercise.published


def test_a_symlinked_file_that_leaves_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET_KEY = 'do-not-import-me'\n")
    course = write_tree(tmp_path / "c", SMALL_COURSE)
    reference = course / "exercises" / "scale" / "reference.py"
    reference.unlink()
    reference.symlink_to(secret)
    problems = import_error(course)
    assert "exercises/scale/reference.py: is a symbolic link (not allowed in a course folder)" in [
        p.strip() for p in problems
    ]
    assert not Exercise.objects.exists()


def test_a_path_that_climbs_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.md").write_text("# not course content\n")
    course = write_tree(tmp_path / "c", SMALL_COURSE).resolve()
    climbing = course / "lessons" / ".." / ".." / "outside.md"
    assert _link_problem(course, climbing) == (
        "lessons/../../outside.md: resolves outside the course folder"
    )
    problems: list[str] = []
    assert _read_text(problems, course, climbing) is None
    assert problems == ["lessons/../../outside.md: resolves outside the course folder"]
    assert _link_problem(course, course / "lessons" / ".." / "course.yaml") is None


def test_a_symlink_inside_the_folder_is_refused_too(tmp_path: Path) -> None:
    course = write_tree(tmp_path / "c", SMALL_COURSE)
    lessons = course / "lessons"
    (course / "elsewhere").mkdir()
    for lesson in lessons.iterdir():
        lesson.rename(course / "elsewhere" / lesson.name)
    lessons.rmdir()
    lessons.symlink_to(course / "elsewhere")
    problems = [p.strip() for p in import_error(course)]
    assert "lessons: is a symbolic link (not allowed in a course folder)" in problems
    assert not Course.objects.exists()


def test_a_symlinked_exercise_folder_is_refused(tmp_path: Path) -> None:
    course = write_tree(tmp_path / "c", SMALL_COURSE)
    outside = tmp_path / "outside-scale"
    (course / "exercises" / "scale").rename(outside)
    (course / "exercises" / "scale").symlink_to(outside)
    problems = [p.strip() for p in import_error(course)]
    assert "exercises/scale: is a symbolic link (not allowed in a course folder)" in problems
