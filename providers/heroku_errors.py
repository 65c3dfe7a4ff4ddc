"""One exception hierarchy for Heroku Platform API failures.

Every error carries what a user needs to act or to open a support ticket: HTTP status,
Heroku's error id and message, the Request-Id, and the call that failed. None of them ever
holds a header or a token.
"""

from __future__ import annotations


class HerokuError(Exception):
    """Base of everything this package raises about Heroku."""


class HerokuCredentialsError(HerokuError):
    """No Heroku API token could be found."""


class HerokuConfigError(HerokuError):
    """A base URL or other client setting is unusable."""


class HerokuConnectionError(HerokuError):
    """The API could not be reached, or did not answer (after any retries).

    Catch this for every wire failure, or one of its kinds (as requests' ``ConnectionError`` and
    ``Timeout``): ``HerokuUnreachable`` (the request never arrived: safe to send again) and
    ``HerokuNoAnswer`` (it arrived, or may have, and may have been acted on).
    """

    what = "could not connect"

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(f"Heroku API {method} {path}: {self.what}: {reason}")


class HerokuUnreachable(HerokuConnectionError):
    """The request did not reach Heroku: nothing was processed."""


class HerokuConnectTimeout(HerokuUnreachable):
    what = "could not connect within the connect timeout (the request did not reach Heroku)"


class HerokuConnectionRefused(HerokuUnreachable):
    what = "connection refused (nothing listens at the API URL; the request did not reach Heroku)"


class HerokuNoAnswer(HerokuConnectionError):
    """Heroku took the request (or may have) and no answer came: it may have acted on it."""


class HerokuReadTimeout(HerokuNoAnswer):
    what = "no answer within the read timeout (the request reached Heroku and may have been processed)"


class HerokuConnectionDropped(HerokuNoAnswer):
    what = "the connection was closed before an answer arrived (the request may have been processed)"


class HerokuBadResponse(HerokuError):
    """Heroku answered with a success status and a body that is not the JSON its schema promises."""

    def __init__(self, method: str, path: str, status: int, size: int) -> None:
        self.method = method
        self.path = path
        self.status = status
        super().__init__(f"Heroku API {method} {path}: the {status} answer is not JSON ({size} bytes)")


class HerokuAPIError(HerokuError):
    """Heroku answered with an error status."""

    def __init__(
        self,
        status: int,
        error_id: str | None,
        message: str,
        request_id: str | None,
        method: str,
        path: str,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after  # seconds, from Heroku's Retry-After header
        self.error_id = error_id
        self.message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        error_id = f" {self.error_id}" if self.error_id else ""
        request_id = self.request_id or "none"
        return (
            f"Heroku API {self.method} {self.path} returned {self.status}{error_id}: "
            f"{self.message} (Request-Id: {request_id})"
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, error_id={self.error_id!r}, "
            f"request_id={self.request_id!r}, method={self.method!r}, path={self.path!r})"
        )


class HerokuUnauthorized(HerokuAPIError):
    """401: the token is wrong, expired or revoked."""


class HerokuForbidden(HerokuAPIError):
    """403: the token's user may not act on this space (or the account is suspended)."""


class HerokuNotFound(HerokuAPIError):
    """404: unknown space, or a peering Heroku does not (yet, or any more) know."""


class HerokuInvalidParams(HerokuAPIError):
    """422: Heroku refused the request's content."""


class HerokuRateLimited(HerokuAPIError):
    """429: the account's request budget stayed empty through every retry."""


_BY_STATUS: dict[int, type[HerokuAPIError]] = {
    401: HerokuUnauthorized,
    403: HerokuForbidden,
    404: HerokuNotFound,
    422: HerokuInvalidParams,
    429: HerokuRateLimited,
}


def error_class_for(status: int) -> type[HerokuAPIError]:
    return _BY_STATUS.get(status, HerokuAPIError)
