"""A small Heroku Platform API client for Private Space peering, built on requests.

Reads and deletes are retried by ``urllib3.util.Retry`` (429 and 5xx, exponential backoff,
``Retry-After`` honoured), each retry said to whoever waits; the read-only pre-flight reports a
refused connection at once (``default_retry(retry_refused=False)``). Accept is a POST and is never
retried here: the acceptance flow decides, after reading the peering again, whether another accept
is safe. Accept and destroy return nothing:
Heroku's schema marks both ``"rel": "empty"`` (no body promised), so callers read the peering after.
"""

from __future__ import annotations

import http.client
import logging
import uuid
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util import Retry

from . import __version__
from .heroku_credentials import resolve_api_url, resolve_token, validate_api_url
from .heroku_errors import (
    HerokuAPIError,
    HerokuBadResponse,
    HerokuConfigError,
    HerokuConnectionDropped,
    HerokuConnectionError,
    HerokuConnectionRefused,
    HerokuConnectTimeout,
    HerokuReadTimeout,
    error_class_for,
)
from .heroku_models import Peering, PeeringInfo, Space

if TYPE_CHECKING:
    from typing import Self

log = logging.getLogger(__name__)

ACCEPT_V3 = "application/vnd.heroku+json; version=3"
USER_AGENT = f"heroku-private-space-peering/{__version__} python-requests/{requests.__version__}"
RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT = (5.0, 30.0)


Progress = Callable[[str], None]


class ReportedRetry(Retry):
    """``Retry`` that says each retry as it happens (``progress``), so that a slow Heroku is not a silent wait,
    and that may end a refused connection at once (``refused_is_final``): nothing listens at the URL, and asking
    again cannot change that (five backoffs kept a user with a mistyped URL waiting 15 s)."""

    def __init__(self, *args: Any, progress: Progress | None = None, refused_is_final: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.progress = progress
        self.refused_is_final = refused_is_final

    def new(self, **kw: Any) -> Self:
        renewed = super().new(**kw)
        renewed.progress, renewed.refused_is_final = self.progress, self.refused_is_final
        return renewed

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        kind = connection_error_class(error) if error is not None else None
        if self.refused_is_final and kind is HerokuConnectionRefused:
            raise MaxRetryError(_pool, url or "", error) from error  # type: ignore[arg-type]  # as Retry does
        renewed = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.progress is not None:
            why = kind.what if kind else f"answered {response.status if response else '?'}"
            path = (url or "").split("?", 1)[0]
            self.progress(f"waiting for Heroku: {method} {path}: {why}; asking again (retry {len(renewed.history)})")
        return renewed


def default_retry(
    total: int = 5,
    backoff_factor: float = 0.5,
    backoff_max: float = 30.0,
    *,
    retry_refused: bool = True,
    read: int | None = None,
    progress: Progress | None = None,
) -> Retry:
    """429, 5xx, timeouts and dropped connections, ``total`` times (read timeouts ``read`` times at most);
    ``retry_refused=False``: not a refused connection; ``progress`` hears of each retry."""
    return ReportedRetry(
        total=total,
        connect=total,
        read=total if read is None else read,
        status=total,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "DELETE"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        progress=progress,
        refused_is_final=not retry_refused,
    )


def single_attempt() -> Retry:
    """No retry at the HTTP layer: for callers that retry themselves within a deadline."""
    return Retry(total=0, redirect=0, raise_on_status=False)


Timeout = tuple[float, float]


class _BearerAuth(requests.auth.AuthBase):
    """Adds the token at send time so it never sits in session headers or reprs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(<redacted>)"

    def redacted(self, text: str) -> str:
        """``text`` with the token cut out, for a failure's reason that might quote the request."""
        return text.replace(self._token, "<token>") if self._token else text


class HerokuClient:
    """Peering calls of the Heroku Platform API.

    ``rate_limit_remaining`` holds the last ``RateLimit-Remaining`` Heroku sent, so that
    long waits can slow down when the account's budget runs low.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_url: str | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> None:
        self.api_url = validate_api_url(api_url) if api_url else resolve_api_url()
        self._auth = _BearerAuth(resolve_token(api_key))
        self.timeout = timeout
        self.rate_limit_remaining: int | None = None
        self._session = requests.Session()
        self._session.headers.update({"Accept": ACCEPT_V3, "User-Agent": USER_AGENT})
        adapter = HTTPAdapter(max_retries=retry if retry is not None else default_retry())
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"HerokuClient(api_url={self.api_url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HerokuClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the peering calls -------------------------------------------------------------

    def peering_info(self, space: str) -> PeeringInfo:
        data = self._json("GET", f"/spaces/{_seg(space)}/peering-info")
        return PeeringInfo.from_json(data)

    def space(self, space: str) -> Space:
        """The space: Heroku's name for it, its ``state`` and generation."""
        return Space.from_json(self._json("GET", f"/spaces/{_seg(space)}"))

    def list_peerings(self, space: str, page_size: int | None = None) -> list[Peering]:
        return list(self.iter_peerings(space, page_size))

    def iter_peerings(self, space: str, page_size: int | None = None) -> Iterator[Peering]:
        """Every peering of the space, following ``Next-Range`` while Heroku answers 206."""
        path = f"/spaces/{_seg(space)}/peerings"
        range_header = f"pcx_id ..; max={page_size}" if page_size else None
        while True:
            headers = {"Range": range_header} if range_header else None
            response = self._request("GET", path, headers=headers)
            for item in response.json():
                yield Peering.from_json(item)
            next_range = response.headers.get("Next-Range")
            if response.status_code != 206 or not next_range:
                return
            range_header = next_range

    def get_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> Peering:
        data = self._json("GET", f"/spaces/{_seg(space)}/peerings/{_seg(pcx_id)}", timeout)
        return Peering.from_json(data)

    def accept_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> None:
        """One POST of the public v3 accept. Its body is ignored (``"rel": "empty"``)."""
        self._request("POST", f"/spaces/{_seg(space)}/peerings/{_seg(pcx_id)}/actions/accept", timeout=timeout)

    def destroy_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> None:
        """DELETE the peering. Its body is ignored (``"rel": "empty"``)."""
        self._request("DELETE", f"/spaces/{_seg(space)}/peerings/{_seg(pcx_id)}", timeout=timeout)

    def rate_limit(self) -> int:
        data = self._json("GET", "/account/rate-limits")
        return int(data["remaining"])

    # -- plumbing --------------------------------------------------------------------------

    def _json(self, method: str, path: str, timeout: Timeout | None = None) -> Any:
        response = self._request(method, path, timeout=timeout)
        try:
            return response.json()
        except ValueError as error:
            raise HerokuBadResponse(method, path, response.status_code, len(response.content)) from error

    def _request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        timeout: Timeout | None = None,
    ) -> requests.Response:
        request_id = str(uuid.uuid4())
        all_headers = {"Request-Id": request_id, **(headers or {})}
        try:
            response = self._session.request(
                method,
                self.api_url + path,
                headers=all_headers,
                auth=self._auth,
                timeout=timeout or self.timeout,
            )
        except requests.exceptions.InvalidHeader:
            # Its text quotes the header, which may be the token: never passed on.
            raise HerokuConfigError(
                f"Heroku API {method} {path}: a request header could not be sent (its value is not shown)"
            ) from None
        except requests.exceptions.RequestException as error:  # RetryError included
            reason = self._auth.redacted(_reason(error))
            raise connection_error_class(error)(method, path, reason) from None
        except (ValueError, TypeError, UnicodeError) as error:
            # Raised while preparing the request (http.client checks header values too); the text may hold one.
            raise HerokuConfigError(
                f"Heroku API {method} {path}: the request could not be prepared ({type(error).__name__}; its text is "
                "not shown, as it may quote a header)"
            ) from None
        remaining = response.headers.get("RateLimit-Remaining")
        if remaining is not None and remaining.isdigit():
            self.rate_limit_remaining = int(remaining)
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code >= 400:
            raise _api_error(response, method, path, request_id)
        return response


def _seg(value: str) -> str:
    return quote(value, safe="")


# Most telling first: a refused connect explains the timeouts and drops a retry may have met after it.
_KINDS: tuple[tuple[type[HerokuConnectionError], tuple[type[BaseException], ...]], ...] = (
    (HerokuConnectionRefused, (ConnectionRefusedError,)),
    (HerokuReadTimeout, (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError)),
    (
        HerokuConnectionDropped,
        (http.client.RemoteDisconnected, ConnectionResetError, urllib3.exceptions.ProtocolError),
    ),
    (HerokuConnectTimeout, (requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError)),
)


def connection_error_class(error: BaseException) -> type[HerokuConnectionError]:
    """The kind of connection failure a requests error is, looking through urllib3's wrappers
    (causes, contexts, ``reason`` and arguments); ``HerokuConnectionError`` itself when none is known."""
    found: list[BaseException] = []
    stack: list[object] = [error]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    for kind, causes in _KINDS:
        if any(isinstance(item, causes) for item in found):
            return kind
    return HerokuConnectionError


def _retry_after(response: requests.Response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare from Heroku; the caller's own backoff applies


def _reason(error: Exception) -> str:
    """The innermost cause, without the URL's query or any header."""
    cause: BaseException = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    text = str(cause) or type(cause).__name__
    return f"{type(error).__name__}: {text}"


def _api_error(response: requests.Response, method: str, path: str, request_id: str) -> HerokuAPIError:
    error_id: str | None = None
    message = response.reason or "no message"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error_id = body.get("id") or None
        message = body.get("message") or message
    cls = error_class_for(response.status_code)
    return cls(
        status=response.status_code,
        error_id=error_id,
        message=message,
        request_id=response.headers.get("Request-Id") or request_id,
        method=method,
        path=path,
        retry_after=_retry_after(response),
    )
