"""The JSON API: submit code, read a submission's verdict. Thin: parse, call a service, answer."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Path, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from exercises.live_status import changes_with_time
from exercises.models import Exercise, Submission
from exercises.policies import SubmissionRefused, results_withheld
from exercises.schemas import Error, SubmissionCreated, SubmissionIn, SubmissionOut
from exercises.services import (
    SubmissionRateLimited,
    exercise_is_open_to,
    submit_solution,
    user_for_api_token,
)

MAX_ID = 2**63 - 1
TOKEN_HELP = (
    "Send your API token as 'Authorization: Bearer <token>' "
    "(create one with `python manage.py create_api_token <username>`)."
)


class BearerToken(HttpBearer):
    """A learner's API token from the Authorization header."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_api_token(token.strip())


class LearnerSession(SessionAuth):
    """A signed-in learner's session cookie (the site's own pages); CSRF-checked on writes."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in user there is nothing to protect: answer 401, not a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


api = NinjaAPI(
    title="Unrolled API",
    version="1",
    description="Submit code to Unrolled's autograder and read the verdicts. " + TOKEN_HELP,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=[BearerToken(), LearnerSession()],
)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "Missing or invalid API token. " + TOKEN_HELP}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(SubmissionRateLimited)
def rate_limited(request: HttpRequest, exc: SubmissionRateLimited) -> HttpResponse:
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after_s)
    return response


@api.exception_handler(SubmissionRefused)
def refused_by_policy(request: HttpRequest, exc: SubmissionRefused) -> HttpResponse:
    response = api.create_response(request, {"detail": str(exc)}, status=exc.status)
    if exc.retry_after_s is not None:
        response["Retry-After"] = str(exc.retry_after_s)
    return response


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors
    )
    return api.create_response(request, {"detail": f"Invalid request ({problems})."}, status=400)


def read_submission_body(request: HttpRequest) -> SubmissionIn:
    """Parse the request body as {"code": "..."}; raise a 400 a person can act on."""
    example = 'Send a JSON object like {"code": "import numpy as np\\n..."}.'
    try:
        raw = request.body
    except RequestDataTooBig:
        raise HttpError(400, "The request body is too large: code is limited to 64 KiB.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(
            400, f"The request body is not valid UTF-8 (byte {exc.start}). Encode it as UTF-8."
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HttpError(
            400,
            f"The request body is not valid JSON ({exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}). {example}",
        ) from None
    except RecursionError:
        raise HttpError(400, f"The request body nests too deeply to read. {example}") from None
    if not isinstance(data, dict) or "code" not in data:
        raise HttpError(400, f'The request body has no "code" field. {example}')
    if not isinstance(data["code"], str):
        raise HttpError(400, f'"code" must be a string. {example}')
    kind = data.get("kind", Submission.Kind.SUBMIT)
    if kind not in Submission.Kind.values:
        raise HttpError(400, '"kind" must be "submit" or "run".')
    return SubmissionIn(code=data["code"], kind=kind)


def open_exercise(slug: str, user: Any) -> Exercise:
    """Return the exercise `user` may submit to, or raise a 404."""
    try:
        # `get`, not `first`: a slug is unique, and `first` would add the model's ordering,
        # a join through lesson and course, to every submission. Only the columns that say
        # whether the learner may submit: not the prompt, code or check report.
        exercise = (
            Exercise.objects.select_related("lesson__course")
            .only("slug", "published", "lesson__course__published")
            .get(slug=slug)
        )
    except Exercise.DoesNotExist:
        exercise = None
    if exercise is None or not exercise_is_open_to(exercise, user):
        raise HttpError(404, f"There is no exercise {slug!r}.")
    return exercise


def submission_url(submission_id: int) -> str:
    return f"/api/submissions/{submission_id}"


@api.post(
    "/exercises/{slug}/submissions",
    response={202: SubmissionCreated, 400: Error, 401: Error, 403: Error, 404: Error, 429: Error},
    description=(
        "A graded submission (kind submit) may be refused by the exercise's policy in the "
        "learner's run: 403 past a closed due date or with no submissions left, 429 with "
        "Retry-After during the cooldown. Runs of the examples are always taken."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SubmissionIn.model_json_schema()}},
        }
    },
    summary="Submit code for grading",
    tags=["submissions"],
)
def create_submission(request: HttpRequest, slug: str) -> Status:
    """Queue the code for grading and answer at once; poll the returned url for the verdict."""
    exercise = open_exercise(slug, request.auth)  # type: ignore[attr-defined]
    body = read_submission_body(request)
    try:
        submission = submit_solution(
            user=request.auth,  # type: ignore[attr-defined]
            exercise=exercise,
            code=body.code,
            kind=body.kind,
        )
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    except Exercise.DoesNotExist:
        raise HttpError(404, f"There is no exercise {slug!r}.") from None
    return Status(
        202,
        {
            "id": submission.id,
            "status": submission.status,
            "url": submission_url(submission.id),
        },
    )


def status_message(submission: Submission) -> tuple[str, bool]:
    """Return one sentence on where the submission is, and whether grading is being retried."""
    retrying = submission.deliveries > 1 or (
        submission.status == Submission.Status.QUEUED and submission.deliveries > 0
    )
    if submission.is_final:
        return submission.message, False
    if retrying:
        return (
            "Retrying: grading hit a problem on our side. This does not count as an attempt.",
            True,
        )
    if submission.status == Submission.Status.RUNNING:
        return "Running your code…", False
    return "Waiting for a grader…", False


@api.get(
    "/submissions/{submission_id}",
    response={200: SubmissionOut, 400: Error, 401: Error, 404: Error},
    summary="Read a submission and its verdict",
    tags=["submissions"],
)
def read_submission(
    request: HttpRequest, submission_id: int = Path(..., ge=1, le=MAX_ID)
) -> Status:
    """Return the submission's status and, once graded, its score, tests and feedback."""
    submission = (
        Submission.objects.select_related("exercise")
        .filter(id=submission_id, user=request.auth)  # type: ignore[attr-defined]
        .first()
    )
    if submission is None:
        # Someone else's submission is "not found", never "forbidden": ids reveal nothing.
        raise HttpError(404, f"There is no submission {submission_id} of yours.")
    message, retrying = status_message(submission)
    tests = submission.tests
    score = submission.score if submission.is_final else None
    misconception = submission.misconception or None
    if submission.is_final and results_withheld(submission):
        # Until the due date: the examples only, no score (the item's release rule).
        changes_with_time(request)
        tests = [t for t in tests if t.get("visible")]
        score = None
        misconception = None
        message = "Hidden-case results and the score are shown after the due date."
    return Status(
        200,
        {
            "id": submission.id,
            "exercise": submission.exercise.slug,
            "kind": submission.kind,
            "status": submission.status,
            "score": score,
            "tests": [
                {
                    "name": t.get("name", ""),
                    "passed": bool(t.get("passed")),
                    "message": t.get("message", ""),
                }
                for t in tests
            ],
            "misconception": misconception,
            "message": message,
            "retrying": retrying,
            "fault": submission.fault or None,
            "created_at": submission.created_at,
            "graded_at": submission.graded_at,
        },
    )


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Answer any other /api/ path with a JSON 404 (never Django's HTML page)."""
    return JsonResponse({"detail": f"No API endpoint at {request.path}."}, status=404)
