"""Sign-up and a throttled password reset; log in, log out and password change are Django's."""

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import SignUpForm
from .throttle import (
    SIGNUP_WINDOW_S,
    client_ip,
    count_signup,
    count_try,
    retry_after,
    signup_allowed,
)

RESET_GROUP = "accounts.password-reset"


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


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with its e-mails limited per address and per client.

    Past the client's limit the page says so (429); past an address's limit the answer reads as
    always but no e-mail goes out. Neither tells whether the address has an account.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        per_client = {f"client:{client_ip(request)}": settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR}
        wait_s = retry_after(request, RESET_GROUP, per_client)
        if wait_s is not None:
            response = render(
                request,
                "registration/password_reset_throttled.html",
                {
                    "per_hour": settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR,
                    "minutes": max(1, round(wait_s / 60)),
                },
                status=429,
            )
            response["Retry-After"] = str(wait_s)
            return response
        count_try(request, RESET_GROUP, per_client)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        address = form.cleaned_data["email"].strip().lower()
        per_address = {f"address:{address}": settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR}
        if retry_after(self.request, RESET_GROUP, per_address) is not None:
            return HttpResponseRedirect(self.get_success_url())
        count_try(self.request, RESET_GROUP, per_address)
        return super().form_valid(form)
