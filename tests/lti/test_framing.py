"""Inside an LMS frame: the LTI pages, and the pages of a session begun by a launch, may be
framed by the registered LMSs only (CSP frame-ancestors); every other page by nobody. A
launch in a frame of another site, where our cookie is not kept, offers a signed-in new tab."""

from __future__ import annotations

import pytest
from django.test import Client
from lti_tool.models import LtiRegistration

from tests.lti.platform import ISS, launch_as

pytestmark = pytest.mark.django_db

OTHER_LMS = "https://moodle.example.org"
FRAMED = {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site"}
PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


def frame_ancestors(response) -> list[str]:
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        if name == "frame-ancestors":
            return sources
    return []


def framed_by(response) -> list[str]:
    """The origins that may frame this answer; [] when no one may."""
    sources = frame_ancestors(response)
    if sources == ["'none'"]:
        assert response["X-Frame-Options"] == "DENY"
        return []
    assert "X-Frame-Options" not in response and "*" not in " ".join(sources)
    return sources


@pytest.fixture
def other_lms(lms):
    """A second registered LMS, and an inactive one that frames nothing."""
    for name, origin, active in (
        ("Moodle", OTHER_LMS, True),
        ("Old", "https://old.example", False),
    ):
        LtiRegistration.objects.create(
            name=name, issuer=origin, client_id="c", auth_url=f"{origin}/mod/lti/auth.php",
            token_url=f"{origin}/mod/lti/token.php", keyset_url=f"{origin}/mod/lti/certs.php",
            is_active=active,
        )  # fmt: skip


def test_the_lti_pages_may_be_framed_by_the_registered_lmss_only(lms, small, other_lms):
    bad_login = lms.client.get("/lti/login/", {"iss": "https://unknown", "login_hint": "x",
                                               "target_link_uri": "http://testserver/lti/launch/"})  # fmt: skip
    assert bad_login.status_code == 400 and framed_by(bad_login) == [ISS, OTHER_LMS]
    preflight = lms.login("lms-learner-1")
    data = lms.launch_data(preflight, target=small.exercise.get_absolute_url())
    refused = lms.post_launch(data, Client())  # no state cookie: the error page
    assert refused.status_code == 403 and framed_by(refused) == [ISS, OTHER_LMS]
    # Any other page of ours: nobody.
    assert framed_by(Client().get(small.exercise.get_absolute_url())) == []


def test_a_launched_sessions_pages_may_be_framed_by_its_lms_and_no_other(lms, small, other_lms):
    response, _ = launch_as(lms, small)
    assert response.status_code == 302 and framed_by(response) == [ISS, OTHER_LMS]
    for url in (response["Location"], small.course.get_absolute_url()):
        page = lms.client.get(url)
        assert page.status_code == 200 and framed_by(page) == [ISS]
    # The same pages for anyone else still refuse every frame.
    assert framed_by(Client().get(response["Location"])) == []


@pytest.mark.parametrize(
    ("headers", "presentation", "new_tab"),
    [
        pytest.param(FRAMED, None, True, id="frame-of-another-site"),
        pytest.param({}, {"document_target": "iframe"}, True, id="iframe-by-the-lms-word"),
        pytest.param({**FRAMED, "Sec-Fetch-Site": "same-site"}, None, False, id="same-site"),
        pytest.param({**FRAMED, "Sec-Fetch-Dest": "document"}, None, False, id="new-window"),
    ],
)
def test_a_launch_in_a_frame_of_another_site_offers_a_signed_in_new_tab(
    lms, small, headers, presentation, new_tab
):
    extra = {PRESENTATION: presentation} if presentation else None
    response, _ = launch_as(lms, small, headers=headers, extra=extra)
    if not new_tab:
        assert response.status_code == 302 and "_auth_user_id" in lms.client.session
        return
    html = response.content.decode()
    assert response.status_code == 200 and framed_by(response) == [ISS]
    assert "data-lti-new-tab" in html and 'target="_blank"' in html
    assert "_auth_user_id" not in lms.client.session  # the frame keeps no cookie of ours
    link = html.split('href="/lti/continue/')[1].split('"')[0]
    tab = Client()
    landing = tab.get(f"/lti/continue/{link}")
    assert landing.status_code == 302 and landing["Location"] == small.exercise.get_absolute_url()
    page = tab.get(landing["Location"])
    assert 'name="kind" value="submit"' in page.content.decode()  # signed in
    assert framed_by(page) == [ISS]
    # The pass works once.
    again = Client().get(f"/lti/continue/{link}")
    assert again.status_code == 403 and "already used or has expired" in again.content.decode()
