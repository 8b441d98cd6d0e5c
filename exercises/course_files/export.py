"""Export a course as a course folder: canonical YAML, Markdown and Python files."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import yaml

from courses import figures
from courses.models import Course, Question
from exercises.course_files.schema import CourseFolderError
from exercises.models import Exercise, KnownMistake


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
        data["absolute_tolerance"] = float(question.absolute_tolerance)
        data["parameters"] = _clean(question.parameters_code)
        data["answer"] = _clean(question.answer_code)
        if question.solution:
            data["solution"] = _clean(question.solution)
        mistakes = [
            {"slug": m.slug, "message": _clean(m.message), "answer": _clean(m.code)}
            for m in question.mistakes.order_by("order", "id")
        ]
        if mistakes:
            data["mistakes"] = mistakes
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
            for variant in mistake.variants.order_by("order", "id"):
                files[f"{base}/mistakes/{mistake.slug}/{variant.name}.py"] = _clean(variant.code)
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
