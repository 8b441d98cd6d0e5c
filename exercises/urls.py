"""Routes of the exercises app: the JSON API (and, later, the learner's exercise pages)."""

from django.urls import path, re_path

from exercises.api import api, api_not_found

urlpatterns = [
    # JSON API: /api/exercises/<slug>/submissions, /api/submissions/<id>, /api/openapi.json.
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
]
