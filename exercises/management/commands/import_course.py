"""`manage.py import_course <dir>`: upsert a course folder into the database."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError

from exercises.course_files import CourseFolderError, import_course


class Command(BaseCommand):
    help = "Import a course folder (content/README.md): an idempotent upsert by slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="the course folder, e.g. content/rnn-from-scratch")

    def handle(self, *args: object, **options: object) -> None:
        try:
            summary = import_course(path=str(options["folder"]))
        except CourseFolderError as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"{options['folder']}: {len(exc.problems)} problem(s), nothing imported:\n{lines}"
            ) from None
        except ProtectedError as exc:
            raise CommandError(
                f"{options['folder']}: nothing imported: {exc.args[0]} "
                "Learners' work is never deleted by an import: keep the item in the folder "
                "(unpublished, if learners should no longer see it)."
            ) from None
        changes = summary.lines() or ["no changes"]
        self.stdout.write(f"Imported course {summary.course.slug!r}: " + "; ".join(changes))
