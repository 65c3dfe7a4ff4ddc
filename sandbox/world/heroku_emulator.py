"""The Heroku Platform API peering endpoints, served over real HTTP on 127.0.0.1.

Good enough for this project's client, for curl, and for the official Heroku CLI
(``HEROKU_HOST=http://127.0.0.1:PORT``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import SandboxError
from . import aws_rules
from .aws_accounts import HEROKU_ACCOUNT_ID
from .faults import FaultInjector, rules_from_options
from .heroku_world import ANSWER_BODIES, HerokuWorld, NotAcceptable, NotYetAcceptable, Space, Timings, UnknownPeering
from .rate_limit import HEROKU_CAPACITY, HEROKU_REFILL_PER_MINUTE, TokenBucket

SPACE = r"(?P<space>[^/]+)"
PCX = r"(?P<pcx_id>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(rf"^/spaces/{SPACE}/peering-info$"), "peering_info"),
    ("GET", re.compile(rf"^/spaces/{SPACE}/peerings$"), "list"),
    ("POST", re.compile(rf"^/spaces/{SPACE}/peerings$"), "accept_cli"),
    ("POST", re.compile(rf"^/spaces/{SPACE}/peerings/{PCX}/actions/accept$"), "accept"),
    ("GET", re.compile(rf"^/spaces/{SPACE}/peerings/{PCX}$"), "get"),
    ("DELETE", re.compile(rf"^/spaces/{SPACE}/peerings/{PCX}$"), "destroy"),
    ("GET", re.compile(rf"^/spaces/{SPACE}$"), "space"),
    ("GET", re.compile(r"^/account/rate-limits$"), "rate_limits"),
    ("POST", re.compile(r"^/oauth/authorizations$"), "authorization_create"),
]
DEFAULT_PAGE, MAX_PAGE = 200, 1000
RATE_LIMIT_MESSAGE = "Your account reached the API rate limit. Please wait a few minutes before making new requests."
NOT_ACCEPTABLE_MESSAGE = (
    "Please specify a version along with Heroku's API MIME type. "
    "For example, `Accept: application/vnd.heroku+json; version=3`."
)
PEERING_NOT_FOUND = "Couldn't find that peering connection."
UNKNOWN_ENDPOINT_MESSAGE = (
    "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), "
    "and did you specify your intended version with the `Accept` header?"
)
RANGE_RE = re.compile(r"^\s*(?P<field>\w+)\s+(?P<start>\]?[^.\s;]*)\.\.(?P<end>[^;\s]*)\s*(?:;\s*(?P<opts>.*))?$")


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    route: str
    status: int
    time: float
    duration: float
    request_id: str
    user_agent: str
    answered: bool = True  # False: processed, then the connection was closed without an answer


@dataclass
class EmulatorSettings:
    """Who may call, how fast, and what goes wrong."""

    tokens: dict[str, set[str] | None] = field(default_factory=dict)  # token -> spaces (None: all)
    rate_limit_capacity: int = HEROKU_CAPACITY
    rate_limit_refill_per_minute: float = HEROKU_REFILL_PER_MINUTE
    retry_after: int = 1
    faults: FaultInjector = field(default_factory=FaultInjector)


class _ApiError(SandboxError):
    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message


class HerokuEmulator:
    """Owns the HTTP server, the per-token rate-limit buckets and the request log."""

    def __init__(
        self, world: HerokuWorld, settings: EmulatorSettings, watch_interval: float = 0.1, port: int = 0
    ) -> None:
        self.world = world
        self.settings = settings
        self._buckets: dict[str, TokenBucket] = {}
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._watch_interval = watch_interval
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> HerokuEmulator:
        for target in (self._server.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _watch(self) -> None:
        while not self._stop.wait(self._watch_interval):
            self.world.sync()

    # -- the request log -------------------------------------------------------------------

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def bucket(self, token: str) -> TokenBucket:
        with self._lock:
            if token not in self._buckets:
                self._buckets[token] = TokenBucket(
                    self.settings.rate_limit_capacity, self.settings.rate_limit_refill_per_minute
                )
            return self._buckets[token]

    # -- dispatch --------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> str:
        token = _token_from_header(authorization)
        if token is None or token not in self.settings.tokens:
            raise _ApiError(401, "unauthorized", "Invalid credentials provided.")
        return token

    def find_space(self, token: str, identity: str) -> Space:
        space = self.world.find_space(identity)
        if space is None:
            raise _ApiError(404, "not_found", "Couldn't find that space.")
        allowed = self.settings.tokens[token]
        if allowed is not None and space.name not in allowed:
            raise _ApiError(403, "forbidden", f"You do not have access to the space {space.name}.")
        return space

    def handle(
        self, route: str, token: str, match: re.Match[str], body: Any, headers: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if route == "rate_limits":
            return 200, {"remaining": self.bucket(token).remaining}, {}
        if route == "authorization_create":
            return 201, self.create_authorization(token, body), {}
        space = self.find_space(token, match["space"])
        world = self.world
        try:
            if route == "space":
                return 200, _space_json(space), {}
            if route == "peering_info":
                return 200, _peering_info_json(space), {}
            if route == "list":
                return _paged(world.peerings(space), headers.get("Range"))
            if route == "get":
                return 200, world.peering(space, match["pcx_id"]), {}
            if route == "accept":
                return 202, self._empty_answer(world.accept(space, match["pcx_id"])), {}
            if route == "accept_cli":
                pcx_id = body.get("pcx_id") if isinstance(body, dict) else None
                if not isinstance(pcx_id, str) or not pcx_id:
                    raise _ApiError(422, "invalid_params", "Missing required param: pcx_id.")
                return 202, self._empty_answer(world.accept(space, pcx_id)), {}
            if route == "destroy":
                return 202, self._empty_answer(world.destroy(space, match["pcx_id"])), {}
        except UnknownPeering:
            raise _ApiError(404, "not_found", PEERING_NOT_FOUND) from None
        except NotYetAcceptable as refusal:
            if refusal.status == 404:
                raise _ApiError(404, "not_found", PEERING_NOT_FOUND) from None
            raise _ApiError(422, "invalid_params", str(refusal)) from None
        except NotAcceptable as refusal:
            raise _ApiError(422, "invalid_params", str(refusal)) from None
        raise AssertionError(route)

    def create_authorization(self, token: str, body: Any) -> dict[str, Any]:
        """OAuth Authorization Create (``POST /oauth/authorizations``, Heroku's schema ``oauth-authorization``):
        a new token with the caller's access, as ``heroku authorizations:create`` asks for one.

        The schema lists ``scope`` as required, yet the official CLI sends none without ``--scope`` and Heroku
        gives such an authorization the ``global`` scope: so does this. ``description`` and ``expires_in``
        (seconds) are kept. The answer has the schema's properties, ``access_token.token`` being the new
        token (what ``-S`` prints).
        """
        body = body if isinstance(body, dict) else {}
        scope = body.get("scope", ["global"])
        if not isinstance(scope, list) or not scope or not all(isinstance(item, str) for item in scope):
            raise _ApiError(422, "invalid_params", 'Invalid scope: give a list of scope names, e.g. ["global"].')
        new_token = f"sandbox-{uuid.uuid4().hex}"
        with self._lock:
            self.settings.tokens[new_token] = self.settings.tokens[token]
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        expires_in = body.get("expires_in") if isinstance(body.get("expires_in"), int) else None
        return {
            "access_token": {"expires_in": expires_in, "id": str(uuid.uuid4()), "token": new_token},
            "client": None,
            "created_at": now,
            "description": str(body.get("description") or ""),
            "grant": None,
            "id": str(uuid.uuid4()),
            "refresh_token": None,
            "scope": scope,
            "session": None,
            "updated_at": now,
            "user": {"id": str(uuid.uuid4()), "email": "sandbox@example.com", "full_name": "Sandbox user"},
        }

    def _empty_answer(self, peering: dict[str, Any]) -> Any:
        """Accept and destroy are ``"rel": "empty"`` in Heroku's schema: no body is promised."""
        body = self.world.behaviour.answer_body
        return None if body == "empty" else {} if body == "{}" else peering

    # -- the admin endpoint: switch behaviours on a running sandbox ------------------------

    def admin(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/__sandbox/requests" and method == "GET":
            return 200, [asdict(entry) for entry in self.requests()]
        if path == "/__sandbox/requests" and method == "DELETE":
            self.clear_requests()
            return 204, None
        if path == "/__sandbox/behaviour" and method in ("GET", "PATCH"):
            if method == "PATCH":
                self.set_behaviour(body if isinstance(body, dict) else {})
            return 200, self.behaviour()
        if path == "/__sandbox/faults" and method == "PUT":
            options = body.get("faults", []) if isinstance(body, dict) else []
            self.settings.faults.configure(rules_from_options(list(options)), body.get("seed"))
            return 200, {"faults": options}
        found = re.match(rf"^/__sandbox/peerings/{PCX}/status$", path)
        if found and method == "PUT" and isinstance(body, dict):
            reads = body.get("reads")
            self.world.force_status(found["pcx_id"], body.get("status"), reads if isinstance(reads, int) else None)
            return 200, {"pcx_id": found["pcx_id"], "status": body.get("status"), "reads": reads}
        return 404, {"id": "not_found", "message": "unknown sandbox endpoint"}

    def behaviour(self) -> dict[str, Any]:
        world = self.world
        aws = {f"aws_{key}": value for key, value in asdict(aws_rules.RULES).items()}
        return {**asdict(world.timings), **asdict(world.behaviour), **aws}

    def set_behaviour(self, changes: dict[str, Any]) -> None:
        """Any ``Timings`` field, ``answer_body``/``accept_lag_status``, and AWS's peering rules
        (``aws_duplicate``, ``aws_new_request_status``, ``aws_new_request_message``); unknown keys are refused."""
        timing_keys = set(Timings.__dataclass_fields__)
        aws_keys = {f"aws_{key}" for key in aws_rules.PeeringRules.__dataclass_fields__}
        unknown = set(changes) - timing_keys - aws_keys - {"answer_body", "accept_lag_status"}
        if unknown:
            raise ValueError(f"unknown behaviour keys {sorted(unknown)}")
        aws = {key.removeprefix("aws_"): value for key, value in changes.items() if key in aws_keys}
        if aws:
            rules = aws_rules.PeeringRules(**{**asdict(aws_rules.RULES), **aws})
            aws_rules.RULES.__dict__.update(asdict(rules))
        world = self.world
        timings = {k: float(v) for k, v in changes.items() if k in timing_keys}
        if timings:
            world.timings = Timings(**{**asdict(world.timings), **timings})
        if "answer_body" in changes:
            if changes["answer_body"] not in ANSWER_BODIES:
                raise ValueError(f"answer_body: use one of {', '.join(ANSWER_BODIES)}")
            world.behaviour.answer_body = changes["answer_body"]
        if "accept_lag_status" in changes:
            if changes["accept_lag_status"] not in (404, 422):
                raise ValueError("accept_lag_status: use 404 or 422")
            world.behaviour.accept_lag_status = int(changes["accept_lag_status"])


def _space_json(space: Space) -> dict[str, Any]:
    return {
        "id": space.id,
        "name": space.name,
        "region": {"id": str(uuid.uuid5(uuid.NAMESPACE_DNS, space.region)), "name": space.region},
        "state": "allocated",
        "shield": space.shield,
        "cidr": space.vpc_cidr,
        "data_cidr": space.data_cidr,
        "generation": {"name": space.generation},
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


def _peering_info_json(space: Space) -> dict[str, Any]:
    return {
        "aws_account_id": HEROKU_ACCOUNT_ID,
        "aws_region": space.region,
        "vpc_id": space.vpc_id,
        "vpc_cidr": space.vpc_cidr,
        "dyno_cidr_blocks": list(space.dyno_cidr_blocks),
        "space_cidr_blocks": list(space.space_cidr_blocks),
        "unavailable_cidr_blocks": list(space.unavailable_cidr_blocks),
    }


def _paged(items: list[dict[str, Any]], range_header: str | None) -> tuple[int, Any, dict[str, str]]:
    """Heroku's Range paging: ``pcx_id ]last..; max=N``; 206 + Next-Range while more remain."""
    limit, start, exclusive = DEFAULT_PAGE, "", False
    if range_header:
        found = RANGE_RE.match(range_header)
        if not found or found["field"] != "pcx_id":
            raise _ApiError(416, "requested_range_not_satisfiable", f"Invalid Range header: {range_header}")
        start = found["start"]
        exclusive = start.startswith("]")
        start = start.lstrip("]")
        for option in (found["opts"] or "").split(","):
            key, _, value = option.strip().partition("=")
            if key == "max":
                if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
                    raise _ApiError(416, "requested_range_not_satisfiable", f"max must be 1..{MAX_PAGE}")
                limit = int(value)
    if start:
        items = [i for i in items if (i["pcx_id"] > start if exclusive else i["pcx_id"] >= start)]
    page, rest = items[:limit], items[limit:]
    if not rest:
        return 200, page, {}
    headers = {
        "Content-Range": f"pcx_id {page[0]['pcx_id']}..{page[-1]['pcx_id']}; max={limit}",
        "Next-Range": f"pcx_id ]{page[-1]['pcx_id']}..; max={limit}",
    }
    return 206, page, headers


def _token_from_header(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def _handler_for(emulator: HerokuEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "heroku-emulator"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def _serve(self, method: str) -> None:
            started = time.monotonic()
            request_id = self.headers.get("Request-Id") or str(uuid.uuid4())
            path = self.path.split("?", 1)[0]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if path.startswith("/__sandbox/"):
                self._admin(method, path, raw)
                return
            route = "unknown"
            for route_method, pattern, name in ROUTES:
                found = pattern.match(path)
                if found and route_method == method:
                    route = name
                    break
            else:
                found = None
            fault = emulator.settings.faults.draw(route)
            if fault.latency:
                time.sleep(fault.latency)
            if fault.kind == "drop":  # closed before anything was processed
                self.close_connection = True
                self._log(method, path, route, 0, started, request_id, answered=False)
                return
            status, body, extra = self._answer(route, found, raw, fault.kind)
            if fault.kind == "lost":  # processed, then the answer is lost
                self.close_connection = True
                self._log(method, path, route, status, started, request_id, answered=False)
                return
            self._log(method, path, route, status, started, request_id)  # before the answer: no race
            self._send(status, body, {"Request-Id": request_id, **extra})

        def _log(
            self,
            method: str,
            path: str,
            route: str,
            status: int,
            started: float,
            request_id: str,
            answered: bool = True,
        ) -> None:
            emulator._record(
                LoggedRequest(
                    method,
                    path,
                    route,
                    status,
                    time.time(),
                    time.monotonic() - started,
                    request_id,
                    self.headers.get("User-Agent") or "",
                    answered,
                )
            )

        def _answer(
            self, route: str, found: re.Match[str] | None, raw: bytes, fault_kind: str
        ) -> tuple[int, Any, dict[str, str]]:
            extra: dict[str, str] = {}
            try:
                accept = self.headers.get("Accept") or ""
                if "application/vnd.heroku+json; version=3" not in accept:
                    raise _ApiError(
                        406,
                        "not_acceptable",
                        NOT_ACCEPTABLE_MESSAGE,
                    )
                token = emulator.authenticate(self.headers.get("Authorization"))
                bucket = emulator.bucket(token)
                extra["RateLimit-Remaining"] = str(bucket.remaining)
                if fault_kind in ("404", "422", "429", "500", "503"):
                    return self._fault(fault_kind, extra)
                if found is None:
                    raise _ApiError(
                        404,
                        "not_found",
                        UNKNOWN_ENDPOINT_MESSAGE,
                    )
                if route != "rate_limits" and not bucket.take():
                    extra["Retry-After"] = str(emulator.settings.retry_after)
                    raise _ApiError(
                        429,
                        "rate_limit",
                        RATE_LIMIT_MESSAGE,
                    )
                extra["RateLimit-Remaining"] = str(bucket.remaining)
                body = _parse_body(raw)
                status, payload, headers = emulator.handle(route, token, found, body, self.headers)
                return status, payload, {**extra, **headers}
            except _ApiError as error:
                return error.status, {"id": error.error_id, "message": error.message}, extra

        def _fault(self, kind: str, extra: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
            if kind == "429":
                extra["Retry-After"] = str(emulator.settings.retry_after)
                return (
                    429,
                    {
                        "id": "rate_limit",
                        "message": RATE_LIMIT_MESSAGE,
                    },
                    extra,
                )
            if kind == "503":
                extra["Retry-After"] = str(emulator.settings.retry_after)
                return 503, {"id": "unavailable", "message": "Service temporarily unavailable."}, extra
            if kind == "404":
                return 404, {"id": "not_found", "message": PEERING_NOT_FOUND}, extra
            if kind == "422":
                return (
                    422,
                    {"id": "invalid_params", "message": "Peering connection cannot be accepted: injected fault."},
                    extra,
                )
            return 500, {"id": "internal_server_error", "message": "Internal server error."}, extra

        def _admin(self, method: str, path: str, raw: bytes) -> None:
            try:
                status, body = emulator.admin(method, path, _parse_body(raw))
            except (_ApiError, ValueError, TypeError) as error:
                status, body = 400, {"id": "bad_request", "message": str(error)}
            self._send(status, body, {})

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "")
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (its read timeout): nothing to answer

    return Handler


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _ApiError(400, "bad_request", "Request body is not valid JSON.") from None
