from django.core.management.base import BaseCommand

from accounts.demo import ensure_demo_accounts


class Command(BaseCommand):
    help = "Create the demo learner and instructor accounts (and the Instructors group)."

    def handle(self, *args, **options) -> None:
        for username, password in ensure_demo_accounts():
            self.stdout.write(f"  demo account: {username} / {password}")
