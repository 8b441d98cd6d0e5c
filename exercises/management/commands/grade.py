"""`manage.py grade <slug> <file> [--json]`: grade a file now, as the workers would."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.models import Exercise
from exercises.services import MAX_CODE_BYTES
from exercises.specs import exercise_spec
from grader.grading import ExerciseBroken, grade
from grader.sandbox import SandboxUnavailable


class Command(BaseCommand):
    help = "Grade a Python file against an exercise through the workers' sandbox (no queue)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the exercise's slug, e.g. rnn-step")
        parser.add_argument("file", help="the Python file to grade")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: object, slug: str, file: str, **options: object) -> None:
        exercise = Exercise.objects.prefetch_related("mistakes").filter(slug=slug).first()
        if exercise is None:
            raise CommandError(f"No exercise with slug {slug!r}.", returncode=2)
        code = read_code(Path(file))
        try:
            verdict = grade(exercise_spec(exercise), code)
        except (ExerciseBroken, SandboxUnavailable) as exc:
            raise CommandError(f"Could not grade: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(verdict.to_dict()))
            return
        data = verdict.to_dict(detail=True)
        self.stdout.write(f"{exercise.slug}: {data['status']}  score {data['score']:.2f}")
        for test in data["tests"]:
            mark = "ok  " if test["passed"] else "FAIL"
            self.stdout.write(f"  {mark} {test['name']}: {test['message']}")
        if data["misconception"]:
            self.stdout.write(f"Known mistake: {data['misconception']}")
        if data["message"]:
            self.stdout.write(data["message"])
        self.stdout.write(f"({data['duration_ms']:.1f} ms)")


def read_code(path: Path) -> str:
    """Return the file's text, or raise a usage error (exit 2) saying what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.", returncode=2) from None
    if len(raw) > MAX_CODE_BYTES:
        raise CommandError(
            f"{path} is {len(raw):,} bytes; the limit is {MAX_CODE_BYTES:,} (64 KiB).", returncode=2
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8.", returncode=2
        ) from None
