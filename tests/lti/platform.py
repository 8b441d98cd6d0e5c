"""An LMS for the tests: lti1p3platform (an independent LTI 1.3 platform from PyPI) plays it.

Its login, launch and deep-linking code runs as is. Its HTTP side (key set, token endpoint,
AGS scores, NRPS roster) is served through `responses`, so the tool's real `requests` calls
reach it; the score endpoint keeps scores like Moodle does (409 for a timestamp not newer,
at one-second resolution) and can be switched off to play an LMS that is down.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

ISS = "https://lms.example.edu"
CLIENT_ID = "unrolled-tool"
DEPLOYMENT_ID = "deployment-1"
TOOL = "http://testserver"
TOKEN_URL = f"{ISS}/login/oauth2/token"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"


def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class QueryRequest(Request):
    def build_metadata(self, request: Any) -> dict:
        return {"method": "GET", "form_data": {}, "get_data": request, "headers": {},
                "content_type": None, "path": "/", "json": None}  # fmt: skip


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict, **kwargs: Any) -> dict:
        return launch_data


@dataclass
class Score:
    user_id: str
    score: float
    timestamp: datetime


@dataclass
class FakeLms:
    """The platform, its registration in our tool, and what it received."""

    client: Any
    scores: dict[str, list[Score]] = field(default_factory=dict)
    members: list[dict] = field(default_factory=list)
    down: bool = False
    scores_answer: int = 0  # answer every score POST with this HTTP status (0: keep scores)
    on_score: Any = None  # called when a score POST arrives, before the LMS answers it
    score_posts: int = 0
    tool: str = TOOL  # the tool's base URL (a live server's in the browser tests)
    http_base: str = ISS  # where the LMS's auth and key-set URLs live

    def __post_init__(self) -> None:
        self.private_key, self.public_key = rsa_pair()
        out = io.StringIO()
        call_command(
            "lti_add_platform", name="Test LMS", issuer=ISS, client_id=CLIENT_ID,
            deployment_id=DEPLOYMENT_ID, auth_url=f"{self.http_base}/auth", token_url=TOKEN_URL,
            keyset_url=f"{self.http_base}/jwks", base_url=self.tool, stdout=out,
        )  # fmt: skip
        self.command_output = out.getvalue()
        tool_keys = self.client.get("/lti/jwks.json").json()
        self.registration = (
            Registration()
            .set_iss(ISS)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(f"{self.tool}/lti/login/")
            .set_launch_url(f"{self.tool}/lti/launch/")
            .set_deeplink_launch_url(f"{self.tool}/lti/launch/")
            .set_platform_public_key(self.public_key)
            .set_platform_private_key(self.private_key)
            .set_tool_key_set(tool_keys)
        )
        self.conf = PlatformConf(registration=self.registration)

    # HTTP side -------------------------------------------------------------------------------

    def serve(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.GET, f"{ISS}/jwks", callback=self._jwks)
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        mock.add_callback(
            responses.POST, re.compile(rf"{re.escape(ISS)}/lineitems/[^/]+/scores"),
            callback=self._score,
        )  # fmt: skip
        mock.add_callback(responses.GET, f"{ISS}/memberships", callback=self._memberships)

    def _jwks(self, request: Any) -> tuple[int, dict, str]:
        return 200, {}, json.dumps(self.conf.get_jwks())

    def _token(self, request: Any) -> tuple[int, dict, str]:
        if self.down:
            return 503, {}, "down for maintenance"
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        claims = self.conf.tool_validate_and_decode(form["client_assertion"])
        # lti1p3platform 0.1.8 does not check it; Canvas needs it to be the token URL.
        assert claims["aud"] == TOKEN_URL or TOKEN_URL in claims["aud"]
        return 200, {}, json.dumps(self.conf.get_access_token(form))

    def _authorised(self, request: Any, scope: str) -> bool:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return bool(self.conf.validate_token(token, allowed_scopes=[scope]))

    def _score(self, request: Any) -> tuple[int, dict, str]:
        if self.down:
            return 503, {}, "down for maintenance"
        if self.scores_answer:
            return self.scores_answer, {}, "the score service answers this"
        if not self._authorised(request, "https://purl.imsglobal.org/spec/lti-ags/scope/score"):
            return 401, {}, "bad token"
        self.score_posts += 1
        if self.on_score is not None:
            self.on_score()
        body = json.loads(request.body)
        assert body["scoreMaximum"] > 0 and body["gradingProgress"] == "FullyGraded"
        lineitem = urlparse(request.url).path.rsplit("/scores", 1)[0]
        when = datetime.fromisoformat(body["timestamp"])
        kept = self.scores.setdefault(lineitem, [])
        if kept and int(when.timestamp()) <= int(kept[-1].timestamp.timestamp()):
            return 409, {}, "timestamp not newer than the stored score"
        kept.append(Score(body["userId"], body["scoreGiven"], when))
        return 200, {}, "{}"

    def _memberships(self, request: Any) -> tuple[int, dict, str]:
        scope = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
        if not self._authorised(request, scope):
            return 401, {}, "bad token"
        body = {"id": f"{ISS}/memberships", "context": {"id": "ctx-1"}, "members": self.members}
        return (
            200,
            {"Content-Type": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"},
            json.dumps(body),
        )  # noqa: E501

    # Browser side ----------------------------------------------------------------------------

    def login(self, user_id: str, client: Any = None) -> dict[str, str]:
        """Start the OIDC login at the tool; return the tool's auth request (state, nonce...)."""
        url = self.login_url(user_id)
        response = (client or self.client).get(url.removeprefix(self.tool))
        assert response.status_code == 302, response.content[:500]
        location = urlparse(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{self.http_base}/auth"
        return {k: v[0] for k, v in parse_qs(location.query).items()}

    def login_url(self, user_id: str) -> str:
        """Return the tool's OIDC login URL the LMS sends the browser to."""
        login = Login(None, self.conf)
        login.set_lti_message_hint(hint="rl-1")
        return login.prepare_preflight_url(user_id)

    def launch_data(
        self,
        preflight: dict[str, str],
        *,
        user_id: str = "lms-learner-1",
        roles: tuple[str, ...] = (LEARNER,),
        target: str = "",
        context_id: str = "ctx-1",
        resource_link: str = "rl-1",
        lineitem: str = f"{ISS}/lineitems/7",
        deep_link_return: str = "",
        extra: dict | None = None,
    ) -> dict[str, str]:
        """Return the platform's signed launch (id_token, state, launch_url) after a login."""
        launch = Launch(QueryRequest(preflight), self.conf)
        launch.set_user_data(user_id, list(roles), f"Name of {user_id}", f"{user_id}@example.edu")
        launch.set_resource_link_claim(resource_link, title="Linked item")
        launch.set_launch_context_claim(
            context_id, context_title="RNN 101 (LMS)", context_label="RNN101"
        )
        if target:
            launch.set_custom_parameters_claim({"unrolled_target": target})
        launch.set_ags(f"{ISS}/lineitems", lineitem).set_nrps(f"{ISS}/memberships")
        if deep_link_return:
            launch.set_dl(deep_link_return, title="Pick content")
        if extra:
            launch.set_extra_claims(extra)
        return launch.lti_launch()

    def post_launch(
        self, data: dict[str, str], client: Any = None, headers: dict | None = None
    ) -> Any:
        return (client or self.client).post(
            data["launch_url"].removeprefix(self.tool),
            {"id_token": data["id_token"], "state": data["state"]},
            headers=headers or {},
        )


def launch_as(
    lms: FakeLms, small: Any, client: Any = None, headers: dict | None = None, **kwargs: Any
) -> tuple[Any, dict]:
    """Log in and launch `small`'s exercise as the LMS would; return the answer and the launch.

    `headers` go with the launch POST (the browser's Sec-Fetch-* of a framed launch).
    """
    client = client or lms.client
    preflight = lms.login(kwargs.get("user_id", "lms-learner-1"), client)
    data = lms.launch_data(preflight, target=small.exercise.get_absolute_url(), **kwargs)
    return lms.post_launch(data, client, headers), data


def auto_submit_form(data: dict[str, str]) -> str:
    """Return lti1p3platform's own launch page (a form its script submits) for `data`."""
    from html import escape
    from pathlib import Path

    import lti1p3platform

    template = Path(lti1p3platform.__file__).parent / "framework" / "templates" / "launch.html"
    html = template.read_text()
    for name in ("launch_url", "id_token", "state"):
        html = html.replace("{{ " + name + " }}", escape(data[name]))
    return html
