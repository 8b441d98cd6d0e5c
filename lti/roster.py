"""Names and Role Provisioning: bring a run's roster from the LMS (accounts and roles)."""

from __future__ import annotations

from django.db import transaction
from lti_tool.models import LtiContext, LtiUser
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from courses.models import Enrollment
from courses.runs import enroll
from lti.accounts import account_for, role_of
from lti.protocol import http_session


def sync_roster(context: LtiContext) -> int:
    """Enroll every active member of the LMS course in its run; return how many."""
    bound = getattr(context, "unrolled", None)
    if bound is None or not context.memberships_url:
        return 0
    registration = context.deployment.registration
    service = NamesRolesProvisioningService(
        ServiceConnector(registration.to_registration(), requests_session=http_session()),
        {"context_memberships_url": context.memberships_url},
    )
    count = 0
    for member in service.get_members():
        if member.get("status", "Active") != "Active" or not member.get("user_id"):
            continue
        with transaction.atomic():
            lti_user, _ = LtiUser.objects.get_or_create(
                registration=registration,
                sub=member["user_id"],
                defaults={
                    "name": member.get("name", "") or "",
                    "email": member.get("email", "") or "",
                    "given_name": member.get("given_name", "") or "",
                    "family_name": member.get("family_name", "") or "",
                },
            )
            role = role_of(list(member.get("roles") or []))
            user = account_for(lti_user, role)
            enroll(user=user, run=bound.run, role=role, source=Enrollment.Source.LMS)
        count += 1
    return count
