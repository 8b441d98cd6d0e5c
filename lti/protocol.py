"""pylti1p3 as django-lti uses it, with its gaps closed.

- Nonces are single-use and bound to the login that issued them: the OIDC login records
  state → nonce in the shared cache; a launch must bring that state (and its cookie) and the
  nonce signed into its id_token, and using it deletes the binding, so a replayed launch, or
  the same nonce under another login, is refused.
- A small clock skew is allowed on iat/exp (pylti1p3 allows none).
- Every outgoing HTTP call (key sets, tokens, scores, rosters) has a timeout.
- State and nonces live in the default cache (the database), shared by every web process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException

LOGIN_TTL_S = 5 * 60


class TimeoutSession(requests.Session):
    """A requests session whose every call has a timeout (pylti1p3 sets none)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", settings.LTI_HTTP_TIMEOUT_S)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "Unrolled LTI tool"
    return session


def _login_key(state: str) -> str:
    return f"lti-login:{state}"


class BoundNonceLogin(DjangoOIDCLogin):
    """The OIDC login that remembers which nonce it issued with which state."""

    def _prepare_redirect_url(self, launch_url: str) -> str:
        url = super()._prepare_redirect_url(launch_url)
        query = parse_qs(urlparse(url).query)
        cache.set(_login_key(query["state"][0]), query["nonce"][0], LOGIN_TTL_S)
        return url


def oidc_login(request: Any, registration_uuid: Any = None) -> BoundNonceLogin:
    return BoundNonceLogin(
        request,
        DjangoToolConfig(registration_uuid),
        launch_data_storage=DjangoCacheDataStorage(),
    )


class CheckedLaunch(DjangoMessageLaunch):
    """A message launch with clock skew allowed and the nonce used up against its login."""

    def validate_jwt_signature(self) -> CheckedLaunch:
        public_key, key_alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                options=self._jwt_verify_options,
                leeway=settings.LTI_CLOCK_SKEW_S,
            )
        except jwt.InvalidTokenError as exc:
            raise LtiException(f"Can't decode id_token: {exc}") from exc
        return self

    def validate_nonce(self) -> CheckedLaunch:
        nonce = self._get_jwt_body().get("nonce")
        state = self._get_request_param("state")
        if not nonce or not state:
            raise LtiException("The launch has no nonce or no state.")
        issued = cache.get(_login_key(state))
        # delete() answers whether this request removed the binding: exactly one launch can.
        if issued != nonce or not cache.delete(_login_key(state)):
            raise LtiException("Replayed or unknown nonce: this launch was already used.")
        return super().validate_nonce()


def validated_launch(request: Any) -> CheckedLaunch:
    """Validate the launch POSTed to us; raise LtiException (or a JWT error) if refused."""
    launch = CheckedLaunch(
        request,
        DjangoToolConfig(),
        launch_data_storage=DjangoCacheDataStorage(),
        requests_session=http_session(),
    )
    launch.validate()
    return launch
