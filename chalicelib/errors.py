"""The one error vocabulary of Rebound's services. Each error carries the HTTP status it means,
so the API maps every one of them in a single place (app.py's `api` decorator) and a message
that says what to fix reaches the caller. Anything else that escapes a handler is a defect (500).
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """A request the service refused, with the HTTP status that says why."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BadRequestError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ServiceError, ValueError):
    """A request the caller must fix: HTTP 400 with this message."""


class CursorError(BadRequest):
    """A paging cursor that this API did not issue for this listing (tampered or stale)."""


class Unauthenticated(ServiceError):
    """No usable credentials: HTTP 401."""

    status = 401
    code = "UnauthorizedError"


class Forbidden(ServiceError):
    """Valid credentials, wrong tenant or role: HTTP 403."""

    status = 403
    code = "ForbiddenError"


class NotFound(ServiceError, LookupError):
    """HTTP 404 with this message."""

    status = 404
    code = "NotFoundError"


class UnknownTenant(NotFound):
    """No such tenant: HTTP 404."""


class Conflict(ServiceError):
    """The request is valid but the resource's state forbids it now: HTTP 409."""

    status = 409
    code = "ConflictError"


class PayloadTooLarge(ServiceError):
    """A request body, or a stored message asked for, over the API's limit: HTTP 413."""

    status = 413
    code = "PayloadTooLargeError"


class RetryLater(ServiceError):
    """A write lost every retry to concurrent writers or throttling: HTTP 503 with Retry-After.
    Nothing was changed; the same request may simply be sent again."""

    status = 503
    code = "ServiceUnavailableError"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
