"""`manage.py sweep_submissions [--older-than S]`: re-enqueue unfinished submissions now.

What the beat's sweeper does every SWEEP_EVERY_S, on demand. `make run`'s stack runs it with
`--older-than 0` right after it restarts a grading worker or Redis (see config/stack.py).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.services import requeue_stuck_submissions


class Command(BaseCommand):
    help = (
        "Re-enqueue submissions still queued or running, unchanged for --older-than seconds "
        "(default: SUBMISSION_STUCK_AFTER_S), and platform faults. Prints how many."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=settings.SUBMISSION_STUCK_AFTER_S,
            metavar="SECONDS",
            help="only submissions unchanged for at least this long (0: every unfinished one)",
        )

    def handle(self, *args: object, older_than: float, **options: object) -> None:
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more seconds.", returncode=2)
        requeued = requeue_stuck_submissions(older_than_s=older_than)
        self.stdout.write(f"re-enqueued {requeued} submission(s)")
