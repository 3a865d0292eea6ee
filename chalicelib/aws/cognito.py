"""Amazon Cognito adapters: verify sign-in tokens, and ask whether a person is still enabled.

`CognitoTokenVerifier` accepts only Cognito *access* tokens of one user pool and its app
clients: RS256 signature against the pool's JWKS (fetched from `jwks_url` and cached; the key
set is re-read when a token names an unknown key id, so key rotation needs no deploy), `iss`
equal to the configured issuer, `token_use` "access", `client_id` one of the configured
clients, `exp` in the future (a minute of leeway for clock skew). The issuer and the JWKS
location are separate settings because moto serves the JWKS at its own endpoint while its
tokens carry the AWS issuer URL; on AWS the JWKS is `<issuer>/.well-known/jwks.json`.

`CognitoDirectory` answers "is this person still enabled?" with AdminGetUser, remembered for a
minute per person, so disabling someone takes effect within a minute rather than when their
token expires.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
from botocore.exceptions import ClientError

from chalicelib.aws.clients import client
from chalicelib.errors import RetryLater
from chalicelib.tenancy.people import InvalidToken, VerifiedToken

LEEWAY_SECONDS = 60
ENABLED_CACHE_SECONDS = 60.0


class CognitoTokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        jwks_url: str,
        client_ids: tuple[str, ...],
        jwks_client: Any = None,
    ) -> None:
        self._issuer = issuer
        self._client_ids = frozenset(client_ids)
        self._jwks = jwks_client or jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)

    def verify(self, token: str) -> VerifiedToken:
        if not self._issuer or not self._client_ids:
            raise InvalidToken("sign-in with a person's token is not configured here; use a key")
        claims = self._claims(token, self._signing_key(token))
        if claims.get("token_use") != "access":
            raise InvalidToken("send the access token, not the id token")
        if claims.get("client_id") not in self._client_ids:
            raise InvalidToken("the token was issued to another application")
        groups = claims.get("cognito:groups") or []
        username = claims.get("username") or claims["sub"]
        if not isinstance(groups, list) or not isinstance(username, str):
            raise InvalidToken("the token's claims are malformed")
        return VerifiedToken(
            subject=str(claims["sub"]),
            username=username,
            groups=tuple(str(g) for g in groups),
            expires_at=int(claims["exp"]),
        )

    def _signing_key(self, token: str) -> Any:
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            # Our dependency failed, not the caller: 503, and the same request may be sent again.
            raise RetryLater("the sign-in service's keys could not be read; try again", 5) from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            raise InvalidToken("the token is not signed by this sign-in service") from None

    def _claims(self, token: str, key: Any) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "sub", "token_use", "client_id"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the session has expired; sign in again") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token comes from another user pool") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature is not valid") from None
        except jwt.InvalidTokenError as error:
            raise InvalidToken(f"the token is not valid ({error})") from None
        return claims


class CognitoDirectory:
    """PersonDirectory on AdminGetUser, remembered for a minute per person."""

    def __init__(
        self,
        user_pool_id: str,
        *,
        cognito: Any = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = user_pool_id
        self._cognito = cognito
        self._monotonic = monotonic
        self._seen: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_enabled(self, username: str) -> bool:
        now = self._monotonic()
        with self._lock:
            cached = self._seen.get(username)
        if cached is not None and now - cached[0] < ENABLED_CACHE_SECONDS:
            return cached[1]
        cognito = self._cognito or client("cognito-idp")
        try:
            enabled = bool(
                cognito.admin_get_user(UserPoolId=self._pool, Username=username)["Enabled"]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "UserNotFoundException":
                raise
            enabled = False
        with self._lock:
            self._seen[username] = (now, enabled)
        return enabled
