"""Learner pages for courses and lessons: HTTP only, reads through the ORM, writes via services."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Course


def home(request: HttpRequest) -> HttpResponse:
    """List the published courses; public."""
    courses = Course.objects.filter(published=True)
    return render(request, "courses/home.html", {"courses": courses})
