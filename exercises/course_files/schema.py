"""The course-folder format (content/README.md): its fields, how a field is read, the result."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

from courses.models import Question
from grader.grading import DEFAULT_ATOL, DEFAULT_MEMORY_MB, DEFAULT_RTOL, DEFAULT_TIME_LIMIT_MS

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
    "absolute_tolerance",
    "parameters",
    "answer",
    "solution",
    "mistakes",
    "choices",
)
CHOICE_KEYS = ("text", "correct", "feedback")
# A numeric question's known mistake: a wrong method's answer(p) and what to tell the learner.
QUESTION_MISTAKE_KEYS = ("slug", "message", "answer")
NUMERIC_ONLY_KEYS = (
    "tolerance",
    "absolute_tolerance",
    "parameters",
    "answer",
    "solution",
    "mistakes",
)
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
class QuestionMistakeData:
    slug: str
    message: str
    code: str


@dataclass
class QuestionData:
    slug: str
    lesson: str
    order: int
    kind: str
    prompt: str
    explanation: str = ""
    tolerance: float = 1e-3
    absolute_tolerance: float = 5e-4
    parameters_code: str = ""
    answer_code: str = ""
    solution: str = ""
    mistakes: list[QuestionMistakeData] = field(default_factory=list)
    choices: list[ChoiceData] = field(default_factory=list)


@dataclass
class MistakeData:
    slug: str
    title: str
    message: str
    code: str
    # Further variants as (name, code): mistakes/<slug>/<name>.py.
    variants: list[tuple[str, str]] = field(default_factory=list)


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
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    time_limit_ms: int = DEFAULT_TIME_LIMIT_MS
    memory_mb: int = DEFAULT_MEMORY_MB
    published: bool = False
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
    figures: dict[str, str] = field(default_factory=dict)
    exercises: list[ExerciseData] = field(default_factory=list)


class FieldReader:
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
