"""LTI 1.3 endpoints: OIDC login initiation, launch (resource link and deep linking), the
picker's answer, the new-tab sign-in of a framed launch, key set."""

from django.urls import path
from lti_tool.views import jwks

from lti import views

urlpatterns = [
    path("login/", views.login, name="lti_login"),
    path("launch/", views.launch, name="lti_launch"),
    path("deep-link/", views.deep_link_return, name="lti_deep_link_return"),
    path("continue/<str:token>/", views.continue_in_new_tab, name="lti_continue"),
    path("jwks.json", jwks, name="lti_jwks"),
]
