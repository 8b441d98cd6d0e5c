"""`manage.py export_course <course-slug> <dir>`: write a course back as a folder."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from exercises.course_files import CourseFolderError, export_course


class Command(BaseCommand):
    help = "Export a course as a course folder (content/README.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_slug")
        parser.add_argument("folder", help="where to write it; created if missing")

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["course_slug"])
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"No course with slug {slug!r}.")
        try:
            written = export_course(course=course, path=str(options["folder"]))
        except CourseFolderError as exc:
            raise CommandError("\n".join(exc.problems)) from None
        self.stdout.write(f"Exported course {slug!r}: {len(written)} files in {options['folder']}")
