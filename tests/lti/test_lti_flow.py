"""LTI 1.3 against lti1p3platform playing the LMS: login, launch, roles, deep linking,
grade passback (LMS down, retried, delivered once, newest wins), roster sync, refusals."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from django.test import Client
from lti_tool.models import LtiDeployment

from courses.models import Enrollment, Run
from exercises.gradebook import override_grade
from exercises.models import Submission
from exercises.services import record_grading_result
from lti.models import LinkTarget, ScoreOutbox
from lti.roster import sync_roster
from lti.tasks import resend_pending_scores, send_score
from tests.factories import make_staff
from tests.lti.platform import INSTRUCTOR, ISS, LEARNER, TA, FakeLms, Score, launch_as

pytestmark = pytest.mark.django_db


def test_the_command_prints_the_tools_urls(lms):
    for line in (
        "http://testserver/lti/login/",
        "http://testserver/lti/launch/",
        "http://testserver/lti/jwks.json",
        "Deep linking URL",
    ):
        assert line in lms.command_output


def test_a_launch_signs_in_enrolls_in_the_contexts_run_and_lands_on_the_exercise(lms, small):
    response, _ = launch_as(lms, small)
    assert response.status_code == 302 and response["Location"] == "/exercises/add-one/"
    page = lms.client.get(response["Location"]).content.decode()
    assert "Your solution" in page and 'name="kind" value="submit"' in page  # signed in
    enrollment = Enrollment.objects.get(source=Enrollment.Source.LMS)
    assert enrollment.role == Enrollment.Role.LEARNER and enrollment.run.title == "RNN 101 (LMS)"
    assert enrollment.run.enrollment == Run.Enrollment.LMS and enrollment.user.email
    # A second launch (new login) reuses the account and the run.
    response, _ = launch_as(lms, small, client=Client())
    assert response.status_code == 302
    assert Enrollment.objects.count() == 1 and Run.objects.filter(is_default=False).count() == 1


@pytest.mark.parametrize(
    ("roles", "expected"),
    [((INSTRUCTOR,), "instructor"), ((INSTRUCTOR, TA), "ta"), ((LEARNER,), "learner")],
)
def test_roles_map_with_the_ta_checked_first(lms, small, roles, expected):
    response, _ = launch_as(lms, small, roles=roles, user_id=f"u-{expected}")
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert enrollment.role == expected
    assert enrollment.user.is_staff == (expected != "learner")


def test_a_replayed_launch_is_refused_and_signs_nobody_in(lms, small):
    response, data = launch_as(lms, small)
    assert response.status_code == 302
    attacker = Client()
    attacker.cookies = lms.client.cookies  # even with the victim's state cookie
    replay = lms.post_launch(data, attacker)
    assert replay.status_code == 403 and "could not be verified" in replay.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_a_nonce_is_bound_to_the_login_that_issued_it(lms, small):
    first = lms.login("lms-learner-1")
    second = lms.login("lms-learner-1")
    # The id_token carries the first login's nonce but is posted with the second's state.
    mixed = {**second, "nonce": first["nonce"]}
    data = lms.launch_data(mixed, target=small.exercise.get_absolute_url())
    response = lms.post_launch(data)
    assert response.status_code == 403 and "_auth_user_id" not in lms.client.session


def forged(lms: FakeLms, small: Any, change: Any) -> Any:
    """Launch with an id_token re-signed after `change(claims, headers)`; return the answer."""
    preflight = lms.login("lms-learner-1")
    data = lms.launch_data(preflight, target=small.exercise.get_absolute_url())
    claims = jwt.decode(data["id_token"], options={"verify_signature": False})
    headers = jwt.get_unverified_header(data["id_token"])
    key = change(claims, headers)
    data["id_token"] = jwt.encode(
        claims, key or lms.private_key, algorithm="RS256", headers=headers
    )
    return lms.post_launch(data)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c, h: c.update(aud="someone-else"), id="wrong-audience"),
        pytest.param(lambda c, h: c.update(iss="https://evil.example"), id="wrong-issuer"),
        pytest.param(lambda c, h: c.update(exp=c["iat"] - 3600), id="expired"),
        pytest.param(lambda c, h: c.update(iat=c["iat"] + 3600, exp=c["exp"] + 3600), id="future"),
        pytest.param(lambda c, h: h.update(kid="unknown-kid"), id="unknown-kid"),
        pytest.param(
            lambda c, h: c.update(
                {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "other"}
            ),
            id="unknown-deployment",
        ),
    ],
)
def test_forged_launches_end_on_the_error_page(lms, small, change):
    response = forged(lms, small, change)
    assert response.status_code == 403
    assert "data-lti-refused" in response.content.decode()
    assert "_auth_user_id" not in lms.client.session


def test_a_tampered_signature_and_alg_none_are_refused(lms, small):
    from tests.lti.platform import rsa_pair

    other_key, _ = rsa_pair()
    response = forged(lms, small, lambda c, h: other_key)
    assert response.status_code == 403
    preflight = lms.login("lms-learner-1")
    data = lms.launch_data(preflight, target=small.exercise.get_absolute_url())
    claims = jwt.decode(data["id_token"], options={"verify_signature": False})
    data["id_token"] = jwt.encode(claims, None, algorithm="none")
    response = lms.post_launch(data)
    assert response.status_code == 403 and "_auth_user_id" not in lms.client.session


def test_a_small_clock_skew_is_allowed(lms, small):
    response = forged(lms, small, lambda c, h: c.update(iat=c["iat"] + 30))
    assert response.status_code == 302


def test_a_missing_state_cookie_is_refused(lms, small):
    preflight = lms.login("lms-learner-1")
    data = lms.launch_data(preflight, target=small.exercise.get_absolute_url())
    response = lms.post_launch(data, Client())
    assert response.status_code == 403 and "allow cookies" in response.content.decode()


def test_an_inactive_deployment_and_a_bad_login_say_what_to_do(lms, small):
    LtiDeployment.objects.update(is_active=False)
    response, _ = launch_as(lms, small)
    assert response.status_code == 403 and "not activated" in response.content.decode()
    bad = lms.client.get("/lti/login/", {"iss": "https://unknown", "login_hint": "x",
                                         "target_link_uri": "http://testserver/lti/launch/"})  # fmt: skip
    assert bad.status_code == 400 and "lti_add_platform" in bad.content.decode()


def test_deep_linking_returns_the_chosen_exercise_with_a_line_item(lms, small):
    preflight = lms.login("lms-teacher", lms.client)
    data = lms.launch_data(
        preflight, user_id="lms-teacher", roles=(INSTRUCTOR,), deep_link_return=f"{ISS}/dl"
    )
    page = lms.post_launch(data)
    assert page.status_code == 200 and small.exercise.title in page.content.decode()
    signed_launch = page.content.decode().split('name="launch" value="')[1].split('"')[0]
    # Without cookies or a CSRF token, as in an LMS frame of another site (SameSite=Lax).
    picker = Client(enforce_csrf_checks=True)
    choice = {"launch": signed_launch, "exercise": [small.exercise.slug]}
    response = picker.post("/lti/deep-link/", choice)
    assert response.status_code == 200
    html = response.content.decode()
    # Our page, not the library's inline script: a static script submits it under the CSP,
    # which allows the LMS's return address as the form's target.
    assert f'action="{ISS}/dl"' in html and "js/auto-submit.js" in html
    assert "<script>" not in html and "<script type" not in html
    assert f"form-action 'self' {ISS}/dl" in response["Content-Security-Policy"]
    token = html.split('name="JWT" value="')[1].split('"')[0]
    items = lms.conf.validate_deeplinking_resp({"JWT": token})
    assert items[0]["type"] == "ltiResourceLink"
    assert items[0]["url"] == "http://testserver/exercises/add-one/"
    assert items[0]["lineItem"]["scoreMaximum"] == 1
    assert items[0]["custom"] == {"unrolled_target": "/exercises/add-one/"}
    # One selection per picker, and only from the picker's own signed launch.
    assert picker.post("/lti/deep-link/", choice).status_code == 403
    forged = {**choice, "launch": signed_launch[:-2] + "xx"}
    assert "data-lti-refused" in picker.post("/lti/deep-link/", forged).content.decode()


def test_deep_linking_offers_lessons_too_and_returns_them_without_a_line_item(lms, small):
    lesson = small.lessons[0]
    preflight = lms.login("lms-teacher", lms.client)
    data = lms.launch_data(
        preflight, user_id="lms-teacher", roles=(INSTRUCTOR,), deep_link_return=f"{ISS}/dl"
    )
    html = lms.post_launch(data).content.decode()
    assert lesson.title in html and f'name="lesson" value="{lesson.pk}"' in html
    signed_launch = html.split('name="launch" value="')[1].split('"')[0]
    choice = {"launch": signed_launch, "lesson": [lesson.pk], "exercise": [small.exercise.slug]}
    response = Client().post("/lti/deep-link/", choice)
    token = response.content.decode().split('name="JWT" value="')[1].split('"')[0]
    items = {item["title"]: item for item in lms.conf.validate_deeplinking_resp({"JWT": token})}
    assert set(items) == {lesson.title, small.exercise.title}
    assert items[lesson.title]["type"] == "ltiResourceLink"
    assert items[lesson.title]["url"] == f"http://testserver{lesson.get_absolute_url()}"
    assert items[lesson.title]["custom"] == {"unrolled_target": lesson.get_absolute_url()}
    assert "lineItem" not in items[lesson.title]  # nothing to grade
    assert items[small.exercise.title]["lineItem"]["scoreMaximum"] == 1
    # A learner's launch of that link lands on the lesson.
    learner = Client()
    preflight = lms.login("lms-learner-1", learner)
    launch = lms.launch_data(preflight, target=lesson.get_absolute_url(), resource_link="rl-2")
    landing = lms.post_launch(launch, learner)
    assert landing.status_code == 302 and landing["Location"] == lesson.get_absolute_url()
    assert LinkTarget.objects.get().lesson == lesson


def graded(user: Any, exercise: Any, score: float) -> Submission:
    from courses.runs import current_run
    from grader.grading import Verdict

    run = current_run(user, exercise.lesson.course)
    submission = Submission.objects.create(user=user, exercise=exercise, code="x", run=run)
    status = "passed" if score == 1 else "failed"
    verdict = Verdict(exercise=exercise.slug, status=status, score=score, tests=[])
    assert record_grading_result(submission_id=submission.id, verdict=verdict, exercise_version="v")
    return submission


def test_scores_go_back_delivered_once_newest_wins_even_after_the_lms_was_down(
    lms, small, eager, django_capture_on_commit_callbacks
):
    response, _ = launch_as(lms, small)
    learner = Enrollment.objects.get().user
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 0.0)  # a zero is a score too
    assert [s.score for s in lms.scores["/lineitems/7"]] == [0.0]
    time.sleep(1.0)  # sends to one line item for one learner are at least a second apart
    # The LMS goes down: the retries fail, the score waits in the outbox.
    lms.down = True
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 0.5)
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 1.0)
    row = ScoreOutbox.objects.get()
    assert row.pending and row.attempts >= 2 and "503" in row.last_error
    lms.down = False
    posts = lms.score_posts
    time.sleep(1.0)  # the LMS keeps timestamps to the second
    resend_pending_scores()
    resend_pending_scores()  # nothing left: never sent twice
    assert lms.score_posts == posts + 1
    assert [s.score for s in lms.scores["/lineitems/7"]] == [0.0, 1.0]  # newest, once
    row.refresh_from_db()
    assert not row.pending and row.sent_score == 1.0
    # An override is a grade change too, and it goes back.
    teacher = make_staff(small.course, "t")
    time.sleep(1.0)
    with django_capture_on_commit_callbacks(execute=True):
        override_grade(
            run=Enrollment.objects.get(user=learner).run, user=learner,
            exercise=small.exercise, score=0.8, reason="Partial credit", set_by=teacher,
        )  # fmt: skip
    assert lms.scores["/lineitems/7"][-1].score == 0.8
    assert {s.user_id for s in lms.scores["/lineitems/7"]} == {"lms-learner-1"}


def start_of_a_second() -> None:
    """Sleep until just after a whole second, so the next few steps share one second."""
    time.sleep(1.01 - time.time() % 1)


def test_two_grades_within_one_second_end_with_the_newest_in_the_lms(
    lms, small, eager, django_capture_on_commit_callbacks, settings
):
    # Celery runs an eager task's retries at once, not after their countdown: none here.
    settings.LTI_PASSBACK_MAX_RETRIES = 0
    launch_as(lms, small)
    learner = Enrollment.objects.get().user
    start_of_a_second()
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 0.5)
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 1.0)  # same second: Moodle would answer 409
    assert [s.score for s in lms.scores["/lineitems/7"]] == [0.5]
    row = ScoreOutbox.objects.get()
    assert row.pending  # the newest grade is not taken for delivered
    time.sleep(1.0)  # what the task's countdown waits for
    send_score.delay(row.id)
    assert [s.score for s in lms.scores["/lineitems/7"]] == [0.5, 1.0]
    row.refresh_from_db()
    assert not row.pending and row.sent_score == 1.0


def test_a_409_while_ours_is_still_the_newest_grade_is_sent_again_a_second_later(
    lms, small, eager, django_capture_on_commit_callbacks, settings
):
    # Celery runs an eager task's retries at once, not after their countdown: none here.
    settings.LTI_PASSBACK_MAX_RETRIES = 0
    launch_as(lms, small)
    learner = Enrollment.objects.get().user
    start_of_a_second()
    # The LMS took a score for this line item this very second (say, our send whose answer
    # was lost): Moodle answers 409 to anything stamped in the same second.
    lms.scores["/lineitems/7"] = [Score("lms-learner-1", 0.2, datetime.now(UTC))]
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 1.0)
    row = ScoreOutbox.objects.get()
    assert row.pending and "409" in row.last_error
    time.sleep(1.0)
    resend_pending_scores()
    assert [s.score for s in lms.scores["/lineitems/7"]] == [0.2, 1.0]
    row.refresh_from_db()
    assert not row.pending and row.sent_score == 1.0


def test_a_sweep_while_a_send_is_in_flight_does_not_send_the_same_version_again(
    lms, small, eager, django_capture_on_commit_callbacks
):
    launch_as(lms, small)
    learner = Enrollment.objects.get().user
    queued: list[int] = []

    def sweep_now() -> None:  # the beat's resend runs while the first POST awaits its answer
        lms.on_score = None
        queued.append(resend_pending_scores())

    lms.on_score = sweep_now
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 1.0)
    assert queued == [1]  # the sweep did queue the row: the claim is what stopped it
    assert lms.score_posts == 1
    assert [s.score for s in lms.scores["/lineitems/7"]] == [1.0]
    row = ScoreOutbox.objects.get()
    assert not row.pending and row.sent_score == 1.0 and row.attempts == 0


def test_the_roster_syncs_from_the_lms(lms, small):
    launch_as(lms, small, roles=(INSTRUCTOR,), user_id="lms-teacher")
    context = Enrollment.objects.get().run.lti_contexts.get().context
    lms.members = [
        {"user_id": "s-1", "roles": [LEARNER], "name": "Ann", "email": "ann@example.edu",
         "status": "Active"},
        {"user_id": "s-2", "roles": [TA], "name": "Ted", "status": "Active"},
        {"user_id": "s-3", "roles": [LEARNER], "name": "Gone", "status": "Inactive"},
    ]  # fmt: skip
    assert sync_roster(context) == 2
    roles = sorted(Enrollment.objects.values_list("role", flat=True))
    assert roles == ["instructor", "learner", "ta"]
    assert sync_roster(context) == 2 and Enrollment.objects.count() == 3
    assert json.dumps(lms.members)  # the roster request was authorised with a token


@pytest.mark.parametrize(
    ("lineitem", "answer"),
    [
        pytest.param(f"{ISS}/lineitems/4091", 503, id="503"),
        # No route for this URL: `responses` refuses the connection, as a dead LMS would.
        pytest.param(f"{ISS}/courses/4091/line_items/7", 0, id="connection-error"),
    ],
)
def test_a_failed_send_to_a_line_item_url_containing_409_is_retried_not_taken_for_a_conflict(
    lms, small, eager, django_capture_on_commit_callbacks, lineitem, answer
):
    launch_as(lms, small, lineitem=lineitem)
    learner = Enrollment.objects.get().user
    lms.scores_answer = answer
    with django_capture_on_commit_callbacks(execute=True):
        graded(learner, small.exercise, 0.5)
    row = ScoreOutbox.objects.get()
    assert row.pending and row.attempts > 1, row.last_error  # retried, still waiting
    assert "409" in row.last_error  # the URL is in the error text, yet no conflict is read
    if answer:
        lms.scores_answer = 0  # the LMS is back: the sweep delivers the waiting score
        resend_pending_scores()
        assert [s.score for s in lms.scores["/lineitems/4091"]] == [0.5]
        row.refresh_from_db()
        assert not row.pending
