"""LTI 1.3 views: thin over lti.protocol (validation) and lti.accounts (what a launch does).

A refused launch never signs anyone in and never answers 500: it ends on a page that says
what went wrong and what to do. Every page here may be framed by the registered platforms
(lti.framing); a launch in a frame of another site offers a new tab instead of signing in.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import login as sign_in
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import LtiLaunch
from lti_tool.utils import get_launch_from_request, sync_data_from_launch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from lti.accounts import LaunchProblem, handle_resource_launch
from lti.framing import (
    FRAMED_BY_SESSION_KEY,
    frameable_by_platforms,
    in_cross_site_frame,
    issue_new_tab_pass,
    redeem_new_tab_pass,
)
from lti.protocol import oidc_login, validated_launch
from lti.selectors import linkable_exercises, linkable_lessons

logger = logging.getLogger(__name__)
# The picker carries its launch id signed in the form, not in the session: in an LMS frame
# of another site our session and CSRF cookies are not kept (SameSite=Lax).
DEEP_LINK_SALT = "lti.deep-link"
DEEP_LINK_MAX_AGE_S = 60 * 60


def refused(request: HttpRequest, problem: str, *, status: int = 403) -> HttpResponse:
    return render(request, "lti/refused.html", {"problem": problem}, status=status)


@csrf_exempt
@frameable_by_platforms
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """OIDC third-party login initiation: send the browser to the platform's auth URL."""
    params = request.POST if request.method == "POST" else request.GET
    target = params.get("target_link_uri")
    if not target or not params.get("iss") or not params.get("login_hint"):
        return refused(
            request,
            "This login request lacks iss, login_hint or target_link_uri: start from the link "
            "in your LMS.",
            status=400,
        )
    try:
        return oidc_login(request).redirect(target)
    except Exception as exc:  # the library raises plain exceptions for unknown platforms
        logger.info("LTI login refused: %s", exc)
        return refused(
            request,
            "Unrolled does not know this LMS (issuer or client id). Ask your LMS administrator "
            "to register it with `python manage.py lti_add_platform`.",
            status=400,
        )


@csrf_exempt
@frameable_by_platforms
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """Resource link or deep linking launch: validate, sign in, enroll, land on the item."""
    request.session.flush()  # whoever was signed in here, a launch starts afresh
    try:
        message = validated_launch(request)
    except Exception as exc:
        logger.info("LTI launch refused: %s", exc)
        return refused(
            request,
            "The LMS's launch could not be verified (expired, tampered with, replayed, or not "
            f"for this tool: {str(exc)[:200]}). Go back to your LMS and open the link again; "
            "if it keeps failing, allow cookies for this site or open the link in a new tab.",
        )
    lti_launch = LtiLaunch(message)
    sync_data_from_launch(lti_launch)
    if not lti_launch.deployment.is_active:
        return refused(
            request,
            "This LMS deployment is not activated in Unrolled yet. Ask the Unrolled "
            "administrator to activate it (admin: LTI deployments).",
        )
    if lti_launch.is_deep_link_launch:
        return deep_link_choice(request, lti_launch)
    if not lti_launch.is_resource_launch:
        return refused(request, "Unrolled only takes resource link and deep linking launches.")
    try:
        user, landing = handle_resource_launch(lti_launch)
    except LaunchProblem as exc:
        return refused(request, str(exc), status=400)
    registration_id = lti_launch.registration.id
    if in_cross_site_frame(request, lti_launch):
        token = issue_new_tab_pass(
            user_id=user.pk, landing=landing, registration_id=registration_id
        )
        return render(request, "lti/open_in_new_tab.html", {"token": token})
    sign_in(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[FRAMED_BY_SESSION_KEY] = registration_id
    return redirect(own_path(landing))


@require_GET
def continue_in_new_tab(request: HttpRequest, token: str) -> HttpResponse:
    """Sign in with the one-time pass a framed launch gave, and land on its item."""
    grant = redeem_new_tab_pass(token)
    user = get_user_model().objects.filter(pk=grant["user_id"]).first() if grant else None
    if user is None:
        return refused(
            request,
            "This link was already used or has expired. Open the item from your LMS again.",
        )
    request.session.flush()  # as for the launch itself: nothing of an earlier session is kept
    sign_in(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[FRAMED_BY_SESSION_KEY] = grant["registration_id"]
    return redirect(own_path(grant["landing"]))


def own_path(url: str) -> str:
    """Return `url` if it is a path on this site, else the home page: never a redirect away."""
    if url_has_allowed_host_and_scheme(url, allowed_hosts=set()) and url.startswith("/"):
        return url
    return reverse("home")


DEEP_LINKING_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def deep_link_choice(request: HttpRequest, lti_launch: LtiLaunch) -> HttpResponse:
    """Show the instructor the lessons and exercises to add to the LMS."""
    signed_launch = signing.dumps(lti_launch.get_launch_id(), salt=DEEP_LINK_SALT)
    context = {"lessons": linkable_lessons(request.user), "launch": signed_launch}
    return render(request, "lti/deep_link.html", context)


# No CSRF cookie in a frame of another site: the signed launch id, which only the picker
# page holds, is what proves the form came from it.
@csrf_exempt
@frameable_by_platforms
@require_POST
def deep_link_return(request: HttpRequest) -> HttpResponse:
    """Send the chosen items back to the LMS (auto-submitted, signed deep linking response)."""
    expired = "Your selection expired: open the selection from the LMS again."
    try:
        launch_id = signing.loads(
            request.POST.get("launch", ""), salt=DEEP_LINK_SALT, max_age=DEEP_LINK_MAX_AGE_S
        )
        lti_launch = get_launch_from_request(request, launch_id)
    except Exception:
        return refused(request, expired)
    lesson_ids = [pk for pk in request.POST.getlist("lesson")[:50] if pk.isdigit()]
    lessons = linkable_lessons(request.user).filter(pk__in=lesson_ids)
    exercises = linkable_exercises(request.user).filter(
        slug__in=request.POST.getlist("exercise")[:50]
    )
    resources = [lesson_resource(request, lesson) for lesson in lessons]
    resources += [exercise_resource(request, exercise) for exercise in exercises]
    if not resources:
        return refused(request, "Choose at least one lesson or exercise.", status=400)
    if not cache.add(f"lti-deep-link-sent:{launch_id}", True, DEEP_LINK_MAX_AGE_S):
        return refused(request, expired)  # one selection per picker
    deep_link = lti_launch.get_message_launch().get_deep_link()
    settings_claim = lti_launch.get_claim(DEEP_LINKING_SETTINGS_CLAIM) or {}
    # Our own page rather than pylti1p3's form, whose inline script the CSP blocks (and which
    # does not escape the return URL): a static script submits it, a button does without JS.
    context = {
        "return_url": settings_claim.get("deep_link_return_url", ""),
        "jwt": deep_link.get_response_jwt(resources),
    }
    response = render(request, "lti/deep_link_return.html", context)
    # The form goes to the LMS: allow exactly that address as a form target on this page.
    response._csp_update = {"form-action": [context["return_url"]]}
    return response


def lesson_resource(request: HttpRequest, lesson: Any) -> DeepLinkResource:
    """Return the deep link to a lesson: nothing to grade, so no line item."""
    return (
        DeepLinkResource()
        .set_url(request.build_absolute_uri(lesson.get_absolute_url()))
        .set_title(lesson.title)
        .set_custom_params({"unrolled_target": lesson.get_absolute_url()})
    )


def exercise_resource(request: HttpRequest, exercise: Any) -> DeepLinkResource:
    """Return the deep link to an exercise, with the line item the LMS makes its column from."""
    line_item = (
        LineItem()
        .set_score_maximum(1)
        .set_label(exercise.title)
        .set_resource_id(f"exercise:{exercise.slug}")
    )
    return (
        DeepLinkResource()
        .set_url(request.build_absolute_uri(exercise.get_absolute_url()))
        .set_title(exercise.title)
        .set_custom_params({"unrolled_target": exercise.get_absolute_url()})
        .set_lineitem(line_item)
    )
