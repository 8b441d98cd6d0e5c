"""The course-folder format (content/README.md): its fields and what reading a folder yields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    exercises: list[ExerciseData] = field(default_factory=list)
