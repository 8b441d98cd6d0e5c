"""What a valid launch does on our side: the account, the run, the role, the target."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import Resolver404, resolve
from lti_tool.models import LtiContext, LtiLaunch, LtiUser

from accounts.demo import ensure_instructors_group
from courses.models import Course, Enrollment, Lesson, Run
from courses.runs import enroll
from exercises.models import Exercise
from lti.models import ContextRun, LinkTarget

ROLE_TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
INSTRUCTOR_ROLES = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
)


class LaunchProblem(Exception):
    """A valid launch we cannot serve; the message says what to do."""


def role_of(roles: list[str]) -> str:
    """Map LTI roles to ours; a Canvas TA also carries Instructor, so TA is checked first."""
    if ROLE_TA in roles or any(r.endswith("#TeachingAssistant") for r in roles):
        return Enrollment.Role.TA
    if any(r in INSTRUCTOR_ROLES for r in roles):
        return Enrollment.Role.INSTRUCTOR
    return Enrollment.Role.LEARNER


@transaction.atomic
def account_for(lti_user: LtiUser, role: str) -> Any:
    """Return the account linked to the LMS user, creating it on the first launch."""
    User = get_user_model()
    if lti_user.auth_user_id is None:
        user = User.objects.create_user(
            username=f"lti-{secrets.token_hex(6)}",
            email=lti_user.email or "",
            first_name=(lti_user.given_name or "")[:150],
            last_name=(lti_user.family_name or "")[:150],
        )
        user.set_unusable_password()
        user.save()
        lti_user.auth_user = user
        lti_user.save(update_fields=["auth_user"])
    user = lti_user.auth_user
    if role != Enrollment.Role.LEARNER and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_instructors_group())
    return user


def target_of(url: str) -> Lesson | Exercise | Course | None:
    """Return the lesson, exercise or course one of our page URLs names, else None."""
    try:
        match = resolve(urlparse(url or "").path)
    except Resolver404:
        return None
    kwargs = match.kwargs
    if match.url_name == "exercise":
        return Exercise.objects.filter(slug=kwargs["exercise_slug"]).first()
    if match.url_name == "lesson":
        return Lesson.objects.filter(
            course__slug=kwargs["course_slug"], slug=kwargs["lesson_slug"]
        ).first()
    if match.url_name == "course":
        return Course.objects.filter(slug=kwargs["course_slug"]).first()
    return None


def course_of(target: Lesson | Exercise | Course) -> Course:
    if isinstance(target, Exercise):
        return target.lesson.course
    if isinstance(target, Lesson):
        return target.course
    return target


@transaction.atomic
def run_for_context(context: LtiContext, course: Course) -> Run:
    """Return the run bound to the LMS course, making it (LMS enrollment) on first launch."""
    bound = ContextRun.objects.select_related("run").filter(context=context).first()
    if bound is not None:
        if bound.run.course_id != course.id:
            raise LaunchProblem(
                "This LMS course is already linked to another Unrolled course; link items "
                "of that course only, or ask the administrator to create a separate run."
            )
        return bound.run
    run = Run.objects.create(
        course=course,
        slug=f"lms-{context.pk}",
        title=(context.title or context.label or "LMS course")[:200],
        enrollment=Run.Enrollment.LMS,
    )
    ContextRun.objects.create(context=context, run=run)
    return run


def handle_resource_launch(launch: LtiLaunch) -> tuple[Any, str]:
    """Sign-in data of a resource link launch: (user, where to land). Raises LaunchProblem."""
    target_uri = launch.get_claim("https://purl.imsglobal.org/spec/lti/claim/target_link_uri")
    custom = launch.get_claim("https://purl.imsglobal.org/spec/lti/claim/custom") or {}
    target = target_of(custom.get("unrolled_target", "")) or target_of(target_uri)
    if target is None:
        raise LaunchProblem(
            "This link does not point to an Unrolled lesson or exercise. Ask your instructor "
            "to add it again through the LMS's “select content” (deep linking) dialog."
        )
    role = role_of(list(launch.roles_claim or []))
    user = account_for(launch.user, role)
    run = run_for_context(launch.context, course_of(target))
    enroll(user=user, run=run, role=role, source=Enrollment.Source.LMS)
    ags = launch.ags_claim or {}
    LinkTarget.objects.update_or_create(
        resource_link=launch.resource_link,
        defaults={
            "exercise": target if isinstance(target, Exercise) else None,
            "lesson": target if isinstance(target, Lesson) else None,
            "lineitem_url": ags.get("lineitem", "") or "",
        },
    )
    return user, target.get_absolute_url()
