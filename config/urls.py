"""Top-level URL routes: each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("lti/", include("lti.urls")),
    path("", include("exercises.urls")),
    path("", include("courses.urls")),
]
