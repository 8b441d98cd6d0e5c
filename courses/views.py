"""The home page: the list of courses.

The course and lesson pages show exercises too, so they live in `exercises.course_pages`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    """List the published courses; public."""
    courses = selectors.visible_courses(request.user)
    return render(request, "courses/home.html", {"courses": courses})
