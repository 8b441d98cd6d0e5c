"""Read and check a course folder; the only code that reads an exercise folder.

Reading never executes content code: Python files are only parsed with `ast`. A course folder
is trusted no further than its own tree: a symbolic link, or a path that resolves outside the
folder, is refused with a clear problem line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from courses import figures
from courses.models import Question
from exercises.course_files.files import (
    _check_python,
    _link_problem,
    _parse_yaml,
    _read_text,
    _split_front_matter,
    _visible_entries,
)
from exercises.course_files.schema import (
    CHOICE_KEYS,
    COURSE_KEYS,
    EXERCISE_KEYS,
    LESSON_FILE_RE,
    LESSON_KEYS,
    MISTAKE_KEYS,
    NUMERIC_ONLY_KEYS,
    QUESTION_KEYS,
    QUESTION_KINDS,
    QUESTION_MISTAKE_KEYS,
    SLUG_RE,
    ChoiceData,
    CourseData,
    CourseFolderError,
    ExerciseData,
    FieldReader,
    LessonData,
    MistakeData,
    QuestionData,
    QuestionMistakeData,
)
from grader.grading import DEFAULT_ATOL, DEFAULT_MEMORY_MB, DEFAULT_RTOL, DEFAULT_TIME_LIMIT_MS


def _read_figures(problems: list[str], root: Path) -> dict[str, str]:
    """Read and check `figures/*.svg`, through the same link checks as every other file."""
    folder = root / "figures"
    if not (folder.is_dir() or folder.is_symlink()):
        return {}
    refused = _link_problem(root, folder)
    if refused is not None:
        problems.append(refused)
        return {}
    found: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        where = f"figures/{path.name}"
        if not figures.FIGURE_NAME_RE.match(path.name):
            problems.append(f"{where}: a figure is a file named like name.svg (lowercase, -)")
            continue
        text = _read_text(problems, root, path)
        if text is not None:
            problems.extend(f"{where}: {problem}" for problem in figures.svg_problems(text))
            found[path.name] = text
    return found


def read_course_folder(path: str | Path) -> CourseData:
    """Read and check a course folder; raise CourseFolderError listing every problem found."""
    root = Path(path).resolve()
    problems: list[str] = []
    if not root.is_dir():
        raise CourseFolderError([f"{root}: not a folder"])

    course = CourseData(slug="", title="", summary="", published=False)
    text = _read_text(problems, root, root / "course.yaml")
    meta = _parse_yaml(problems, "course.yaml", text) if text is not None else None
    if meta is not None:
        fields = FieldReader(problems, "course.yaml", meta)
        fields.unknown(COURSE_KEYS)
        course.slug = fields.slug("slug")
        course.title = fields.text("title")
        course.summary = fields.text("summary", required=False)
        course.published = fields.boolean("published", False)

    course.lessons = _read_lessons(problems, root)
    lesson_slugs = {lesson.slug for lesson in course.lessons}
    course.questions = _read_questions(problems, root, lesson_slugs)
    course.exercises = _read_exercises(problems, root, lesson_slugs)
    course.figures = _read_figures(problems, root)
    if problems:
        raise CourseFolderError(problems)
    return course


def _read_lessons(problems: list[str], root: Path) -> list[LessonData]:
    lessons: list[LessonData] = []
    seen: dict[str, str] = {}
    for path in _visible_entries(problems, root, root / "lessons"):
        where = f"lessons/{path.name}"
        if path.suffix != ".md":
            continue
        match = LESSON_FILE_RE.match(path.name)
        if not match or not SLUG_RE.match(match.group(2)):
            problems.append(f"{where}: the file name must be NN-<slug>.md, e.g. 01-why-memory.md")
            continue
        order, slug = int(match.group(1)), match.group(2)
        if slug in seen:
            problems.append(f"{where}: lesson slug {slug!r} is also used by {seen[slug]}")
            continue
        seen[slug] = where
        text = _read_text(problems, root, path)
        if text is None:
            continue
        head, body = _split_front_matter(problems, where, text)
        if head is None:
            continue
        meta = _parse_yaml(problems, where, head, line_offset=1)
        if meta is None:
            continue
        fields = FieldReader(problems, where, meta)
        fields.unknown(LESSON_KEYS)
        lessons.append(LessonData(slug=slug, order=order, title=fields.text("title"), body=body))
    return lessons


def _read_questions(problems: list[str], root: Path, lesson_slugs: set[str]) -> list[QuestionData]:
    questions: list[QuestionData] = []
    for path in _visible_entries(problems, root, root / "questions"):
        where = f"questions/{path.name}"
        if path.suffix == ".yml":
            problems.append(f"{where}: name question files <slug>.yaml")
            continue
        if path.suffix != ".yaml":
            continue
        text = _read_text(problems, root, path)
        meta = _parse_yaml(problems, where, text) if text is not None else None
        if meta is None:
            continue
        question = _read_question(problems, where, path.stem, meta, lesson_slugs)
        if question is not None:
            questions.append(question)
    return questions


def _read_question(
    problems: list[str], where: str, stem: str, meta: dict[str, Any], lesson_slugs: set[str]
) -> QuestionData | None:
    fields = FieldReader(problems, where, meta)
    fields.unknown(QUESTION_KEYS)
    slug = fields.slug("slug", required=False, default=stem)
    if slug != stem:
        fields.problem("slug", f"{slug!r} differs from the file name ({stem}.yaml)")
    lesson = fields.slug("lesson")
    if lesson and lesson not in lesson_slugs:
        fields.problem("lesson", f"unknown lesson {lesson!r} (no lessons/NN-{lesson}.md)")
    kind = fields.text("kind")
    if kind and kind not in QUESTION_KINDS:
        fields.problem("kind", f"{kind!r} is not one of {', '.join(QUESTION_KINDS)}")
    question = QuestionData(
        slug=slug,
        lesson=lesson,
        order=fields.integer("order", 0),
        kind=kind,
        prompt=fields.text("prompt"),
        explanation=fields.text("explanation", required=False),
    )
    if kind == Question.Kind.NUMERIC:
        question.tolerance = fields.number("tolerance", 1e-3)
        question.absolute_tolerance = fields.number("absolute_tolerance", 5e-4)
        if question.absolute_tolerance <= 0:
            fields.problem("absolute_tolerance", "must be above 0 (hand work needs it)")
        question.parameters_code = fields.text("parameters")
        question.answer_code = fields.text("answer")
        question.solution = fields.text("solution", required=False)
        question.mistakes = _read_question_mistakes(problems, where, fields)
        if "choices" in meta:
            fields.problem("choices", "a numeric question has no choices")
        why = "a numeric question's {} code defines it"
        if question.parameters_code:
            _check_python(
                problems,
                f"{where} (parameters)",
                question.parameters_code,
                ("generate",),
                why.format("parameters"),
            )
        if question.answer_code:
            _check_python(
                problems,
                f"{where} (answer)",
                question.answer_code,
                ("answer",),
                why.format("answer"),
            )
    elif kind:
        for key in NUMERIC_ONLY_KEYS:
            if key in meta:
                fields.problem(key, "only numeric questions have it")
        question.choices = _read_choices(problems, where, fields, kind)
    return question


def _read_question_mistakes(
    problems: list[str], where: str, fields: FieldReader
) -> list[QuestionMistakeData]:
    mistakes: list[QuestionMistakeData] = []
    for number, item in enumerate(fields.items("mistakes"), start=1):
        if not isinstance(item, dict):
            fields.problem("mistakes", f"mistake {number} must be a mapping: slug, message, answer")
            continue
        here = f"{where}: mistake {number}"
        mistake = FieldReader(problems, here, item)
        mistake.unknown(QUESTION_MISTAKE_KEYS)
        data = QuestionMistakeData(
            slug=mistake.slug("slug"), message=mistake.text("message"), code=mistake.text("answer")
        )
        if data.code:
            _check_python(problems, here, data.code, ("answer",), "a wrong method's answer")
        if data.slug in {m.slug for m in mistakes}:
            mistake.problem("slug", f"{data.slug!r} is used twice in this question")
        mistakes.append(data)
    return mistakes


def _read_choices(
    problems: list[str], where: str, fields: FieldReader, kind: str
) -> list[ChoiceData]:
    items = fields.items("choices")
    if len(items) < 2:
        fields.problem("choices", f"a {kind} question needs at least two choices")
    choices = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            fields.problem("choices", f"choice {number} must be a mapping with text and correct")
            continue
        choice = FieldReader(problems, f"{where}: choice {number}", item)
        choice.unknown(CHOICE_KEYS)
        choices.append(
            ChoiceData(
                text=choice.text("text"),
                correct=choice.boolean("correct", False),
                feedback=choice.text("feedback", required=False),
            )
        )
    correct = sum(choice.correct for choice in choices)
    if choices and kind == Question.Kind.SINGLE and correct != 1:
        fields.problem(
            "choices", f"a single-choice question needs one correct choice, not {correct}"
        )
    if choices and kind == Question.Kind.MULTIPLE and correct < 1:
        fields.problem("choices", "a multiple-choice question needs at least one correct choice")
    return choices


def _read_exercises(problems: list[str], root: Path, lesson_slugs: set[str]) -> list[ExerciseData]:
    exercises = []
    for folder in _visible_entries(problems, root, root / "exercises"):
        if not folder.is_dir():
            continue
        where = f"exercises/{folder.name}"
        if not SLUG_RE.match(folder.name):
            problems.append(f"{where}: the folder name must be the exercise's slug")
            continue
        exercise = _read_exercise(problems, root, folder, lesson_slugs)
        if exercise is not None:
            exercises.append(exercise)
    return exercises


def _read_exercise(
    problems: list[str], root: Path, folder: Path, lesson_slugs: set[str] | None
) -> ExerciseData | None:
    where = f"exercises/{folder.name}"
    text = _read_text(problems, root, folder / "exercise.yaml")
    meta = _parse_yaml(problems, f"{where}/exercise.yaml", text) if text is not None else None
    prompt = _read_text(problems, root, folder / "prompt.md")
    starter = _read_text(problems, root, folder / "starter.py", required=False)
    reference = _read_text(problems, root, folder / "reference.py")
    cases = _read_text(problems, root, folder / "cases.py")
    if meta is None:
        return None
    fields = FieldReader(problems, f"{where}/exercise.yaml", meta)
    fields.unknown(EXERCISE_KEYS)
    lesson = fields.slug("lesson")
    if lesson and lesson_slugs is not None and lesson not in lesson_slugs:
        fields.problem("lesson", f"unknown lesson {lesson!r} (no lessons/NN-{lesson}.md)")
    entry_point = fields.text("entry_point")
    if entry_point and not entry_point.isidentifier():
        fields.problem("entry_point", f"{entry_point!r} is not a Python function name")
        entry_point = ""
    returns = meta.get("returns")
    if isinstance(returns, str):
        returns = [returns]
    if returns is None:
        returns = []
    if not isinstance(returns, list) or not all(isinstance(name, str) for name in returns):
        fields.problem("returns", "must be a list of names, e.g. [hs, ys]")
        returns = []
    why = f"the entry point named in {where}/exercise.yaml"
    if reference is not None and entry_point:
        _check_python(problems, f"{where}/reference.py", reference, (entry_point,), why)
    if cases is not None:
        _check_python(
            problems, f"{where}/cases.py", cases, ("make_cases",), "it builds the test cases"
        )
    exercise = ExerciseData(
        slug=folder.name,
        title=fields.text("title"),
        lesson=lesson,
        order=fields.integer("order", 0),
        entry_point=entry_point,
        returns=list(returns),
        prompt=prompt or "",
        starter_code=starter or "",
        reference_code=reference or "",
        cases_code=cases or "",
        rtol=fields.number("rtol", DEFAULT_RTOL),
        atol=fields.number("atol", DEFAULT_ATOL),
        time_limit_ms=fields.integer("time_limit_ms", DEFAULT_TIME_LIMIT_MS, minimum=1),
        memory_mb=fields.integer("memory_mb", DEFAULT_MEMORY_MB, minimum=1),
        published=fields.boolean("published", False),
    )
    exercise.mistakes = _read_mistakes(problems, root, folder, fields, entry_point)
    return exercise


def _read_mistakes(
    problems: list[str], root: Path, folder: Path, fields: FieldReader, entry_point: str
) -> list[MistakeData]:
    where = f"exercises/{folder.name}"
    mistakes = []
    for number, item in enumerate(fields.items("mistakes"), start=1):
        if not isinstance(item, dict):
            fields.problem("mistakes", f"mistake {number} must be a mapping with slug and message")
            continue
        entry = FieldReader(problems, f"{where}/exercise.yaml: mistake {number}", item)
        entry.unknown(MISTAKE_KEYS)
        slug = entry.slug("slug")
        if not slug:
            continue
        if any(mistake.slug == slug for mistake in mistakes):
            entry.problem("slug", f"{slug!r} is listed twice")
            continue
        code = _read_variant(problems, root, folder, f"{slug}.py", entry_point)
        variants = []
        for path in _visible_entries(problems, root, folder / "mistakes" / slug):
            if path.suffix != ".py" or not path.is_file():
                problems.append(
                    f"{where}/mistakes/{slug}/{path.name}: a mistake's folder holds only "
                    "<variant>.py files"
                )
                continue
            if not SLUG_RE.match(path.stem):
                problems.append(
                    f"{where}/mistakes/{slug}/{path.name}: a variant's name is a slug "
                    "(letters, digits, '-' and '_')"
                )
                continue
            text = _read_variant(problems, root, folder, f"{slug}/{path.name}", entry_point)
            variants.append((path.stem, text or ""))
        mistakes.append(
            MistakeData(
                slug=slug,
                title=entry.text("title", required=False, default=slug),
                message=entry.text("message"),
                code=code or "",
                variants=variants,
            )
        )
    listed = {mistake.slug for mistake in mistakes}
    for path in _visible_entries(problems, root, folder / "mistakes"):
        stem = path.stem if path.suffix == ".py" else path.name
        if (path.suffix == ".py" or path.is_dir()) and stem not in listed:
            problems.append(
                f"{where}/mistakes/{path.name}: not listed under 'mistakes' in exercise.yaml"
            )
    return mistakes


def _read_variant(
    problems: list[str], root: Path, folder: Path, name: str, entry_point: str
) -> str | None:
    """Read one variant file of a known mistake and check that it defines the entry point."""
    where = f"exercises/{folder.name}"
    code = _read_text(problems, root, folder / "mistakes" / name)
    if code is not None and entry_point:
        _check_python(
            problems,
            f"{where}/mistakes/{name}",
            code,
            (entry_point,),
            f"the entry point named in {where}/exercise.yaml",
        )
    return code


def read_exercise_folder(path: str | Path) -> ExerciseData:
    """Read and check one `exercises/<slug>/` folder of a course folder; raise CourseFolderError.

    The same reading as `read_course_folder` (the lesson it names is not checked), for tests
    and benchmarks that grade an exercise straight from its files.
    """
    folder = Path(path).resolve()
    root = folder.parent.parent
    if not (folder / "exercise.yaml").is_file():
        raise CourseFolderError([f"{folder}: not an exercise folder (no exercise.yaml)"])
    problems: list[str] = []
    exercise = _read_exercise(problems, root, folder, None)
    if problems or exercise is None:
        raise CourseFolderError(problems)
    return exercise
