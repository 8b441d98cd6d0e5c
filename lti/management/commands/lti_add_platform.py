"""Register an LMS (LTI 1.3 platform) and print what its administrator types into it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from lti_tool.models import Key, LtiDeployment, LtiRegistration


class Command(BaseCommand):
    help = (
        "Register an LTI 1.3 platform (issuer, client id, deployment id and its login, token "
        "and key-set URLs) and print the tool's URLs to enter in the LMS."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True, help="e.g. 'Canvas at Example U'")
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--deployment-id", required=True)
        parser.add_argument("--auth-url", required=True, help="The platform's OIDC auth URL.")
        parser.add_argument("--token-url", required=True, help="The platform's token URL.")
        parser.add_argument("--keyset-url", required=True, help="The platform's JWKS URL.")
        parser.add_argument(
            "--base-url",
            required=True,
            help="This site's public URL, e.g. https://unrolled.example",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("auth_url", "token_url", "keyset_url", "base_url"):
            if not options[name].startswith(("https://", "http://")):
                raise CommandError(f"--{name.replace('_', '-')} must be an http(s) URL.")
        registration, _ = LtiRegistration.objects.update_or_create(
            issuer=options["issuer"],
            client_id=options["client_id"],
            defaults={
                "name": options["name"],
                "auth_url": options["auth_url"],
                "token_url": options["token_url"],
                "keyset_url": options["keyset_url"],
                "is_active": True,
            },
        )
        LtiDeployment.objects.update_or_create(
            registration=registration,
            deployment_id=options["deployment_id"],
            defaults={"is_active": True},
        )
        if not Key.objects.active().exists():
            Key.objects.generate()  # the tool's RSA pair; rotate with `manage.py rotate_keys`
        base = options["base_url"].rstrip("/")
        self.stdout.write(f"Registered {registration.name} ({registration.uuid}).\n")
        self.stdout.write(
            "Enter these in the LMS:\n"
            f"  OIDC login / initiation URL:  {base}/lti/login/\n"
            f"  Launch / redirect / target URL: {base}/lti/launch/\n"
            f"  Deep linking URL:             {base}/lti/launch/\n"
            f"  Public key set (JWKS) URL:    {base}/lti/jwks.json\n"
        )
