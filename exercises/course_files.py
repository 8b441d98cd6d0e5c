"""Course content as files (content/README.md): read and check a course folder, import, export.

It spans courses and exercises, so it lives here: `courses` depends on neither. Reading never
executes content code: Python files are only parsed with `ast`.
"""

from __future__ import annotations

import ast
import contextlib
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from courses import figures
from courses.models import Choice, Course, Lesson, Question
from exercises.models import Exercise, KnownMistake

__all__ = [
    "CourseData",
    "CourseFolderError",
    "ImportSummary",
    "dump_yaml",
    "export_course",
    "import_course",
    "read_course_folder",
]

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
LESSON_FILE_RE = re.compile(r"^(\d+)-(.+)\.md$")
QUESTION_KINDS = [kind.value for kind in Question.Kind]

COURSE_KEYS = ("slug", "title", "summary", "published")
LESSON_KEYS = ("title",)
QUESTION_KEYS = (
    "slug",
    "lesson",
    "order",
    "kind",
    "prompt",
    "explanation",
    "tolerance",
    "parameters",
    "answer",
    "choices",
)
CHOICE_KEYS = ("text", "correct", "feedback")
EXERCISE_KEYS = (
    "title",
    "lesson",
    "order",
    "entry_point",
    "returns",
    "rtol",
    "atol",
    "time_limit_ms",
    "memory_mb",
    "published",
    "mistakes",
)
MISTAKE_KEYS = ("slug", "title", "message")


class CourseFolderError(Exception):
    """A course folder that cannot be imported; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class LessonData:
    slug: str
    order: int
    title: str
    body: str


@dataclass
class ChoiceData:
    text: str
    correct: bool
    feedback: str


@dataclass
class QuestionData:
    slug: str
    lesson: str
    order: int
    kind: str
    prompt: str
    explanation: str = ""
    tolerance: float = 1e-3
    parameters_code: str = ""
    answer_code: str = ""
    choices: list[ChoiceData] = field(default_factory=list)


@dataclass
class MistakeData:
    slug: str
    title: str
    message: str
    code: str


@dataclass
class ExerciseData:
    slug: str
    title: str
    lesson: str
    order: int
    entry_point: str
    returns: list[str]
    prompt: str
    starter_code: str
    reference_code: str
    cases_code: str
    rtol: float
    atol: float
    time_limit_ms: int
    memory_mb: int
    published: bool
    mistakes: list[MistakeData] = field(default_factory=list)


@dataclass
class CourseData:
    """A course folder as read from disk, every field checked."""

    slug: str
    title: str
    summary: str
    published: bool
    lessons: list[LessonData] = field(default_factory=list)
    questions: list[QuestionData] = field(default_factory=list)
    exercises: list[ExerciseData] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)


# --- Reading -----------------------------------------------------------------------------------


class _Fields:
    """Typed access to one YAML mapping that records a problem (file and field) per bad value."""

    def __init__(self, problems: list[str], where: str, data: dict[str, Any]) -> None:
        self.problems = problems
        self.where = where
        self.data = data

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where}: field '{key}': {message}")

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            self.problem(key, "is required but missing")
        return value

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(key, f"must be text, not {type(value).__name__}")
            return default
        return str(value)

    def slug(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self.text(key, required=required, default=default)
        if value and not SLUG_RE.match(value):
            self.problem(key, f"{value!r} is not a slug (letters, digits, '-' and '_' only)")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {value!r}")
            return default
        return value

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(key, f"must be a whole number ≥ {minimum}, not {value!r}")
            return default
        return value

    def number(self, key: str, default: float) -> float:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self.problem(key, f"must be a number ≥ 0, not {value!r}")
            return default
        return float(value)

    def items(self, key: str) -> list[Any]:
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(key, "must be a list")
            return []
        return value

    def unknown(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.problems.append(
                    f"{self.where}: unknown field '{key}' (expected: {', '.join(allowed)})"
                )


def _read_text(problems: list[str], root: Path, path: Path, *, required: bool = True) -> str | None:
    where = path.relative_to(root).as_posix()
    if not path.is_file():
        if required:
            problems.append(f"{where}: file is missing")
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None


def _parse_yaml(
    problems: list[str], where: str, text: str, *, line_offset: int = 0
) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f", line {mark.line + 1 + line_offset}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(f"{where}{line}: invalid YAML: {reason}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"{where}: must be a YAML mapping of fields, not {type(data).__name__}")
        return None
    return data


def _check_python(
    problems: list[str], where: str, source: str, names: tuple[str, ...], why: str
) -> None:
    """Parse `source` (never run it) and check that it defines each of `names` at top level."""
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as exc:
        problems.append(f"{where}, line {exc.lineno}: syntax error: {exc.msg}")
        return
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    for name in names:
        if name and name not in defined:
            problems.append(f"{where}: does not define {name}() ({why})")


def _visible_entries(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__pycache__"
    )


def read_course_folder(path: str | Path) -> CourseData:
    """Read and check a course folder; raise CourseFolderError listing every problem found."""
    root = Path(path)
    problems: list[str] = []
    if not root.is_dir():
        raise CourseFolderError([f"{root}: not a folder"])

    course = CourseData(slug="", title="", summary="", published=False)
    text = _read_text(problems, root, root / "course.yaml")
    meta = _parse_yaml(problems, "course.yaml", text) if text is not None else None
    if meta is not None:
        fields = _Fields(problems, "course.yaml", meta)
        fields.unknown(COURSE_KEYS)
        course.slug = fields.slug("slug")
        course.title = fields.text("title")
        course.summary = fields.text("summary", required=False)
        course.published = fields.boolean("published", False)

    course.lessons = _read_lessons(problems, root)
    lesson_slugs = {lesson.slug for lesson in course.lessons}
    course.questions = _read_questions(problems, root, lesson_slugs)
    course.exercises = _read_exercises(problems, root, lesson_slugs)
    course.figures = figures.read_figures(problems, root)
    if problems:
        raise CourseFolderError(problems)
    return course


def _read_lessons(problems: list[str], root: Path) -> list[LessonData]:
    lessons: list[LessonData] = []
    seen: dict[str, str] = {}
    for path in _visible_entries(root / "lessons"):
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
        fields = _Fields(problems, where, meta)
        fields.unknown(LESSON_KEYS)
        lessons.append(LessonData(slug=slug, order=order, title=fields.text("title"), body=body))
    return lessons


def _split_front_matter(problems: list[str], where: str, text: str) -> tuple[str | None, str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        problems.append(f"{where}, line 1: must start with YAML front matter between '---' lines")
        return None, ""
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    problems.append(f"{where}: the front matter is not closed by a '---' line")
    return None, ""


def _read_questions(problems: list[str], root: Path, lesson_slugs: set[str]) -> list[QuestionData]:
    questions: list[QuestionData] = []
    for path in _visible_entries(root / "questions"):
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
    fields = _Fields(problems, where, meta)
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
        question.parameters_code = fields.text("parameters")
        question.answer_code = fields.text("answer")
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
        for key in ("tolerance", "parameters", "answer"):
            if key in meta:
                fields.problem(key, "only numeric questions have it")
        question.choices = _read_choices(problems, where, fields, kind)
    return question


def _read_choices(problems: list[str], where: str, fields: _Fields, kind: str) -> list[ChoiceData]:
    items = fields.items("choices")
    if len(items) < 2:
        fields.problem("choices", f"a {kind} question needs at least two choices")
    choices = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            fields.problem("choices", f"choice {number} must be a mapping with text and correct")
            continue
        choice = _Fields(problems, f"{where}: choice {number}", item)
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
    for folder in _visible_entries(root / "exercises"):
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
    problems: list[str], root: Path, folder: Path, lesson_slugs: set[str]
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
    fields = _Fields(problems, f"{where}/exercise.yaml", meta)
    fields.unknown(EXERCISE_KEYS)
    lesson = fields.slug("lesson")
    if lesson and lesson not in lesson_slugs:
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
        rtol=fields.number("rtol", 1e-5),
        atol=fields.number("atol", 1e-8),
        time_limit_ms=fields.integer("time_limit_ms", 2000, minimum=1),
        memory_mb=fields.integer("memory_mb", 512, minimum=1),
        published=fields.boolean("published", False),
    )
    exercise.mistakes = _read_mistakes(problems, root, folder, fields, entry_point)
    return exercise


def _read_mistakes(
    problems: list[str], root: Path, folder: Path, fields: _Fields, entry_point: str
) -> list[MistakeData]:
    where = f"exercises/{folder.name}"
    mistakes = []
    for number, item in enumerate(fields.items("mistakes"), start=1):
        if not isinstance(item, dict):
            fields.problem("mistakes", f"mistake {number} must be a mapping with slug and message")
            continue
        entry = _Fields(problems, f"{where}/exercise.yaml: mistake {number}", item)
        entry.unknown(MISTAKE_KEYS)
        slug = entry.slug("slug")
        if not slug:
            continue
        if any(mistake.slug == slug for mistake in mistakes):
            entry.problem("slug", f"{slug!r} is listed twice")
            continue
        code = _read_text(problems, root, folder / "mistakes" / f"{slug}.py")
        if code is not None and entry_point:
            _check_python(
                problems,
                f"{where}/mistakes/{slug}.py",
                code,
                (entry_point,),
                f"the entry point named in {where}/exercise.yaml",
            )
        mistakes.append(
            MistakeData(
                slug=slug,
                title=entry.text("title", required=False, default=slug),
                message=entry.text("message"),
                code=code or "",
            )
        )
    listed = {mistake.slug for mistake in mistakes}
    for path in _visible_entries(folder / "mistakes"):
        if path.suffix == ".py" and path.stem not in listed:
            problems.append(
                f"{where}/mistakes/{path.name}: not listed under 'mistakes' in exercise.yaml"
            )
    return mistakes


# --- Import ------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did, counted per kind of record."""

    course: Course
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str, n: int = 1) -> None:
        bucket[kind] = bucket.get(kind, 0) + n

    def lines(self) -> list[str]:
        """Return one human-readable line per kind of change."""
        out = []
        for label, bucket in (
            ("created", self.created),
            ("updated", self.updated),
            ("removed", self.removed),
            ("reference checked", self.checked),
        ):
            if bucket:
                parts = ", ".join(f"{n} {kind}" for kind, n in sorted(bucket.items()))
                out.append(f"{label}: {parts}")
        return out


def import_course(*, path: str | Path) -> ImportSummary:
    """Upsert the course folder at `path` by slug in one transaction; raise CourseFolderError."""
    data = read_course_folder(path)
    with transaction.atomic():
        _check_against_database(data)
        course, created = Course.objects.get_or_create(
            slug=data.slug, defaults={"title": data.title}
        )
        summary = ImportSummary(course=course)
        if created:
            summary.count(summary.created, "course")
        values = {"title": data.title, "summary": data.summary, "published": data.published}
        if created or any(getattr(course, k) != v for k, v in values.items()):
            Course.objects.filter(pk=course.pk).update(**values)
            course.refresh_from_db()
            if not created:
                summary.count(summary.updated, "course")
        lessons = _import_lessons(course, data, summary)
        _import_questions(course, data, lessons, summary)
        _import_exercises(course, data, lessons, summary)
        figures.import_figures(course, data.figures, summary)
        _check_published_exercises(data, summary)
    return summary


def _check_against_database(data: CourseData) -> None:
    taken = (
        Exercise.objects.filter(slug__in=[e.slug for e in data.exercises])
        .exclude(lesson__course__slug=data.slug)
        .select_related("lesson__course")
    )
    problems = [
        f"exercises/{exercise.slug}: the slug is already used by an exercise of course "
        f"{exercise.lesson.course.slug!r} (exercise slugs are unique across courses)"
        for exercise in taken
    ]
    if problems:
        raise CourseFolderError(problems)


def _upsert(model_label: str, summary: ImportSummary, instance: Any, values: dict) -> Any:
    changed = instance.pk is None or any(
        getattr(instance, name) != value for name, value in values.items()
    )
    for name, value in values.items():
        setattr(instance, name, value)
    if instance.pk is None:
        instance.save()
        summary.count(summary.created, model_label)
    elif changed:
        instance.save()
        summary.count(summary.updated, model_label)
    return instance


def _import_lessons(course: Course, data: CourseData, summary: ImportSummary) -> dict[str, Lesson]:
    existing = {lesson.slug: lesson for lesson in course.lessons.all()}
    lessons = {}
    for item in data.lessons:
        lesson = existing.pop(item.slug, None) or Lesson(course=course, slug=item.slug)
        lessons[item.slug] = _upsert(
            "lessons",
            summary,
            lesson,
            {"title": item.title, "body": item.body, "order": item.order},
        )
    for lesson in existing.values():
        lesson.delete()
        summary.count(summary.removed, "lessons")
    return lessons


def _import_questions(
    course: Course, data: CourseData, lessons: dict[str, Lesson], summary: ImportSummary
) -> None:
    # Looked up by slug across the course (a file name is unique there), so a question moved
    # to another lesson keeps its id and its learners' attempts.
    existing: dict[str, Question] = {}
    for question in Question.objects.filter(lesson__course=course).order_by("id"):
        if question.slug in existing:
            question.delete()
            summary.count(summary.removed, "questions")
        else:
            existing[question.slug] = question
    for item in data.questions:
        question = existing.pop(item.slug, None) or Question(slug=item.slug)
        _upsert(
            "questions",
            summary,
            question,
            {
                "lesson": lessons[item.lesson],
                "order": item.order,
                "kind": item.kind,
                "prompt": item.prompt,
                "explanation": item.explanation,
                "tolerance": item.tolerance,
                "parameters_code": item.parameters_code,
                "answer_code": item.answer_code,
            },
        )
        _import_choices(question, item, summary)
    for question in existing.values():
        question.delete()
        summary.count(summary.removed, "questions")


def _import_choices(question: Question, item: QuestionData, summary: ImportSummary) -> None:
    # Replaced in order, reusing rows by position so that learners' chosen options survive an
    # edit of a choice's wording.
    current = list(question.choices.order_by("order", "id"))
    for position, choice_data in enumerate(item.choices):
        choice = current[position] if position < len(current) else Choice(question=question)
        _upsert(
            "choices",
            summary,
            choice,
            {
                "text": choice_data.text,
                "is_correct": choice_data.correct,
                "feedback": choice_data.feedback,
                "order": position,
            },
        )
    for choice in current[len(item.choices) :]:
        choice.delete()
        summary.count(summary.removed, "choices")


def _import_exercises(
    course: Course, data: CourseData, lessons: dict[str, Lesson], summary: ImportSummary
) -> None:
    existing = {e.slug: e for e in Exercise.objects.filter(lesson__course=course)}
    for item in data.exercises:
        exercise = existing.pop(item.slug, None) or Exercise(slug=item.slug)
        _upsert(
            "exercises",
            summary,
            exercise,
            {
                "lesson": lessons[item.lesson],
                "title": item.title,
                "order": item.order,
                "entry_point": item.entry_point,
                "returns": item.returns,
                "prompt": item.prompt,
                "starter_code": item.starter_code,
                "reference_code": item.reference_code,
                "cases_code": item.cases_code,
                "rtol": item.rtol,
                "atol": item.atol,
                "time_limit_ms": item.time_limit_ms,
                "memory_mb": item.memory_mb,
                "published": item.published,
            },
        )
        _import_mistakes(exercise, item, summary)
    for exercise in existing.values():
        exercise.delete()
        summary.count(summary.removed, "exercises")


def _import_mistakes(exercise: Exercise, item: ExerciseData, summary: ImportSummary) -> None:
    existing = {m.slug: m for m in exercise.mistakes.all()}
    for position, mistake_data in enumerate(item.mistakes):
        mistake = existing.pop(mistake_data.slug, None) or KnownMistake(
            exercise=exercise, slug=mistake_data.slug
        )
        _upsert(
            "known mistakes",
            summary,
            mistake,
            {
                "title": mistake_data.title,
                "message": mistake_data.message,
                "code": mistake_data.code,
                "order": position,
            },
        )
    for mistake in existing.values():
        mistake.delete()
        summary.count(summary.removed, "known mistakes")


def _check_published_exercises(data: CourseData, summary: ImportSummary) -> None:
    """Run the reference check of each published exercise whose last check is not current.

    A published exercise whose check fails makes the whole import fail: learners must never
    see an exercise whose reference does not pass its own cases.
    """
    from exercises.authoring import CheckState, check_state, summarise_report
    from grader.sandbox import SandboxUnavailable
    from grader.services import check_exercise_reference

    problems = []
    for item in data.exercises:
        if not item.published:
            continue
        exercise = Exercise.objects.get(slug=item.slug)
        if check_state(exercise) == CheckState.PASSED:
            continue
        try:
            report = check_exercise_reference(exercise_id=exercise.pk)
        except SandboxUnavailable as exc:
            problems.append(
                f"exercises/{item.slug}: could not run its reference check ({exc}); "
                "import it with published: false or try again"
            )
            continue
        summary.count(summary.checked, "exercises")
        if not report.ok:
            problems.append(
                f"exercises/{item.slug}/exercise.yaml: field 'published': true, but the "
                f"reference check fails: {summarise_report(report.to_dict())}"
            )
    if problems:
        raise CourseFolderError(problems)


# --- Export ------------------------------------------------------------------------------------


class _ContentDumper(yaml.SafeDumper):
    """YAML as a person writes it: list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        style = super().choose_scalar_style()
        # Text that cannot be plain only because of a ": " or a leading quote reads better
        # folded than quoted, as a person would write it.
        if (
            style == "'"
            and not self.event.style
            and self.event.implicit[0]
            and not self.flow_level
            and not self.simple_key_context
            and self.analysis.allow_block
        ):
            return ">"
        return style


class _FlowList(list):
    """A short list of names written on one line, e.g. `returns: [hs, ys]`."""


FOLD_AFTER = 88


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = None
    if "\n" in value:
        style = "|"
    elif len(value) > FOLD_AFTER:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.Node:
    if math.isnan(value):
        text = ".nan"
    elif math.isinf(value):
        text = ".inf" if value > 0 else "-.inf"
    else:
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        # YAML 1.1 reads an exponent as a float only with a dot and a signed exponent.
        text = mantissa + (f"e{int(exponent):+d}" if exponent else "")
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_ContentDumper.add_representer(str, _represent_str)
_ContentDumper.add_representer(float, _represent_float)
_ContentDumper.add_representer(_FlowList, _represent_flow_list)


def dump_yaml(data: dict[str, Any]) -> str:
    """Return `data` as canonical content YAML: keys in the given order, block text."""
    return yaml.dump(
        data,
        Dumper=_ContentDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=FOLD_AFTER + 4,
    )


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _course_yaml(course: Course) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": course.slug, "title": _clean(course.title)}
    if course.summary:
        data["summary"] = _clean(course.summary)
    data["published"] = course.published
    return data


def _question_yaml(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": question.slug,
        "lesson": question.lesson.slug,
        "order": question.order,
        "kind": question.kind,
        "prompt": _clean(question.prompt),
    }
    if question.explanation:
        data["explanation"] = _clean(question.explanation)
    if question.kind == Question.Kind.NUMERIC:
        data["tolerance"] = float(question.tolerance)
        data["parameters"] = _clean(question.parameters_code)
        data["answer"] = _clean(question.answer_code)
        return data
    choices = []
    for choice in question.choices.order_by("order", "id"):
        item: dict[str, Any] = {"text": _clean(choice.text), "correct": choice.is_correct}
        if choice.feedback:
            item["feedback"] = _clean(choice.feedback)
        choices.append(item)
    data["choices"] = choices
    return data


def _exercise_yaml(exercise: Exercise, mistakes: list[KnownMistake]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": _clean(exercise.title),
        "lesson": exercise.lesson.slug,
        "order": exercise.order,
        "entry_point": exercise.entry_point,
    }
    if exercise.returns:
        data["returns"] = _FlowList(str(name) for name in exercise.returns)
    data.update(
        rtol=float(exercise.rtol),
        atol=float(exercise.atol),
        time_limit_ms=exercise.time_limit_ms,
        memory_mb=exercise.memory_mb,
        published=exercise.published,
    )
    if mistakes:
        data["mistakes"] = [
            {"slug": m.slug, "title": _clean(m.title), "message": _clean(m.message)}
            for m in mistakes
        ]
    return data


def course_files(course: Course) -> dict[str, str]:
    """Return the course folder as {relative path: text}, exactly what export writes."""
    files: dict[str, str] = {"course.yaml": dump_yaml(_course_yaml(course))}
    problems: list[str] = []
    lessons = list(course.lessons.order_by("order", "id"))
    for lesson in lessons:
        head = dump_yaml({"title": _clean(lesson.title)})
        files[f"lessons/{lesson.order:02d}-{lesson.slug}.md"] = f"---\n{head}---\n" + _clean(
            lesson.body
        )
    questions = Question.objects.filter(lesson__course=course).select_related("lesson")
    for question in questions.order_by("lesson__order", "order", "id"):
        name = f"questions/{question.slug}.yaml"
        if name in files:
            problems.append(f"{name}: two questions of this course share the slug")
        files[name] = dump_yaml(_question_yaml(question))
    exercises = Exercise.objects.filter(lesson__course=course).select_related("lesson")
    for exercise in exercises:
        base = f"exercises/{exercise.slug}"
        mistakes = list(exercise.mistakes.order_by("order", "id"))
        files[f"{base}/exercise.yaml"] = dump_yaml(_exercise_yaml(exercise, mistakes))
        files[f"{base}/prompt.md"] = _clean(exercise.prompt)
        files[f"{base}/starter.py"] = _clean(exercise.starter_code)
        files[f"{base}/reference.py"] = _clean(exercise.reference_code)
        files[f"{base}/cases.py"] = _clean(exercise.cases_code)
        for mistake in mistakes:
            files[f"{base}/mistakes/{mistake.slug}.py"] = _clean(mistake.code)
    files.update(figures.figure_files(course))
    if problems:
        raise CourseFolderError(problems)
    return files


# The parts of a course folder that export owns; anything else in the folder is left alone.
_EXPORTED = ("course.yaml", "lessons", "questions", "exercises", "figures")


def export_course(*, course: Course, path: str | Path) -> list[str]:
    """Write `course` as a course folder at `path`, replacing what an earlier export wrote."""
    root = Path(path)
    files = course_files(course)
    if root.exists():
        if not root.is_dir():
            raise CourseFolderError([f"{root}: exists and is not a folder"])
        if any(root.iterdir()) and not (root / "course.yaml").is_file():
            raise CourseFolderError(
                [f"{root}: not empty and not a course folder (no course.yaml); nothing written"]
            )
    root.mkdir(parents=True, exist_ok=True)
    for name in _EXPORTED:
        target = root / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    return sorted(files)
