"""Learner exercise pages: the prompt, the editor, running and submitting, live verdicts, history.

The page polls the JSON API's `GET /api/submissions/<id>` (session auth) until the verdict is
final, then loads the server-rendered result from `exercise_submission_result`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.throttle import count_try, retry_after
from courses.runs import current_run
from exercises.outline import visible_exercises
from grader.compare import SCALE_ATOL

from .forms import SolutionForm
from .models import ApiToken, Exercise, Submission
from .policies import SubmissionRefused, deadline_for, mark_withheld
from .services import (
    SubmissionRateLimited,
    regenerate_api_token,
    revoke_api_token,
    submit_solution,
)

HISTORY_LENGTH = 50
TOKEN_GROUP = "exercises.api-token"
KINDS = {"run": Submission.Kind.RUN, "submit": Submission.Kind.SUBMIT}


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _own_submission(request: HttpRequest, exercise: Exercise, raw_id: str | None) -> Submission:
    """Return the learner's submission `raw_id` on `exercise`, or raise Http404."""
    # ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() then refuses.
    if (
        not request.user.is_authenticated
        or not raw_id
        or not (raw_id.isascii() and raw_id.isdigit())
        or len(raw_id) > 18
    ):
        raise Http404("No such submission of yours.")
    return get_object_or_404(Submission, pk=int(raw_id), user=request.user, exercise=exercise)


def _page(
    request: HttpRequest,
    exercise: Exercise,
    *,
    code: str | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    history: list[Submission] = []
    shown: Submission | None = None
    if request.user.is_authenticated:
        history = list(
            Submission.objects.filter(user=request.user, exercise=exercise).defer("tests")[
                :HISTORY_LENGTH
            ]
        )
        if "submission" in request.GET:
            shown = _own_submission(request, exercise, request.GET["submission"])
        elif history:
            shown = Submission.objects.get(pk=history[0].pk)
        if code is None and "from" in request.GET:
            code = _own_submission(request, exercise, request.GET["from"]).code
        if code is None and history:
            code = history[0].code
    if code is None:
        code = exercise.starter_code
    mark_withheld([s for s in (*history, shown) if s is not None])
    run = current_run(request.user, exercise.lesson.course)
    return render(
        request,
        "exercises/exercise.html",
        {
            "exercise": exercise,
            "lesson": exercise.lesson,
            "course": exercise.lesson.course,
            "form": SolutionForm(initial={"code": code}),
            "history": history,
            "shown": shown,
            "error": error,
            "scale_atol": SCALE_ATOL,
            "run": run,
            "deadline": deadline_for(run, exercise),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def exercise(request: HttpRequest, exercise_slug: str) -> HttpResponse:
    """Show an exercise; POST runs the examples or submits the learner's code."""
    exercise = get_object_or_404(visible_exercises(request.user), slug=exercise_slug)
    if request.method == "GET":
        return _page(request, exercise)
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"error": "Log in to run or submit code."}, status=403)
        return redirect_to_login(exercise.get_absolute_url())
    kind = KINDS.get(request.POST.get("kind", "submit"))
    code = request.POST.get("code", "")
    error = ""
    status = 400
    retry_after_s = None
    if kind is None:
        error = "Choose “Run examples” or “Submit”."
    else:
        try:
            submission = submit_solution(user=request.user, exercise=exercise, code=code, kind=kind)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except SubmissionRateLimited as exc:
            error = (
                f"You have sent a lot of code in a short time (the limit is {exc.limit}). "
                f"Please wait {exc.retry_after_s} s, then run or submit again; "
                "your code is still in the editor."
            )
            status, retry_after_s = 429, exc.retry_after_s
        except SubmissionRefused as exc:
            error, status, retry_after_s = str(exc), exc.status, exc.retry_after_s
        except Exercise.DoesNotExist:
            raise Http404("This exercise is not open.") from None
    if error:
        if _wants_json(request):
            response = JsonResponse({"error": error}, status=status)
        else:
            response = _page(request, exercise, code=code[: 256 * 1024], error=error, status=status)
        if retry_after_s is not None:
            response["Retry-After"] = str(retry_after_s)
        return response
    if _wants_json(request):
        return JsonResponse(
            {
                "id": submission.id,
                "status": submission.status,
                "status_url": reverse("api:read_submission", args=[submission.id]),
                "result_url": reverse(
                    "exercise_submission_result", args=[exercise.slug, submission.id]
                ),
            },
            status=202,
        )
    return redirect(f"{exercise.get_absolute_url()}?submission={submission.id}#result")


@require_GET
def exercise_submission_result(
    request: HttpRequest, exercise_slug: str, submission_id: int
) -> HttpResponse:
    """Return the rendered verdict of one of the learner's own submissions (HTML fragment)."""
    exercise = get_object_or_404(visible_exercises(request.user), slug=exercise_slug)
    submission = _own_submission(request, exercise, str(submission_id))
    mark_withheld([submission])
    return render(request, "exercises/_result.html", {"shown": submission, "exercise": exercise})


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """Show whether the learner has a token; POST makes a new one (shown once; a few an hour) or
    revokes it."""
    fresh = None
    revoked = False
    wait_s = None
    per_learner = {f"user:{request.user.pk}": settings.API_TOKENS_PER_HOUR}
    if request.method == "POST" and request.POST.get("action") == "revoke":
        revoked = revoke_api_token(user=request.user)
    elif request.method == "POST":
        wait_s = retry_after(request, TOKEN_GROUP, per_learner)
        if wait_s is None:
            count_try(request, TOKEN_GROUP, per_learner)
            fresh = regenerate_api_token(user=request.user)
    existing = ApiToken.objects.filter(user=request.user).first()
    response = render(
        request,
        "exercises/api_token.html",
        {
            "fresh_token": fresh,
            "revoked": revoked,
            "existing": existing,
            "api_root": request.build_absolute_uri("/api/"),
            "wait_minutes": max(1, round(wait_s / 60)) if wait_s is not None else None,
            "per_hour": settings.API_TOKENS_PER_HOUR,
        },
        status=429 if wait_s is not None else 200,
    )
    if wait_s is not None:
        response["Retry-After"] = str(wait_s)
    # The fresh token must not linger in any cache.
    response["Cache-Control"] = "no-store"
    return response
