"""`manage.py create_api_token <username>`: print a fresh API token for a learner."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from exercises.services import create_api_token


class Command(BaseCommand):
    help = "Create the learner if missing and print a fresh API token (one line, nothing else)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, username: str, **options: object) -> None:
        user, _ = get_user_model().objects.get_or_create(username=username)
        self.stdout.write(create_api_token(user=user))
