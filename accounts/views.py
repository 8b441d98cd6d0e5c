"""Sign-up; log in, log out and password change/reset are Django's own views."""

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import SignUpForm
from .throttle import SIGNUP_WINDOW_S, count_signup, signup_allowed


def signup(request: HttpRequest) -> HttpResponse:
    """Create a learner account and sign the new learner in."""
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST" and not signup_allowed(request):
        minutes = SIGNUP_WINDOW_S // 60
        response = render(
            request,
            "registration/signup_throttled.html",
            {"per_hour": settings.SIGNUPS_PER_CLIENT_PER_HOUR, "minutes": minutes},
            status=429,
        )
        response["Retry-After"] = str(SIGNUP_WINDOW_S)
        return response
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        count_signup(request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or "home")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/signup.html", {"form": form, "next": next_url}, status=status
    )
