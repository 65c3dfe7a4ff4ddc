"""The Heroku client against the emulator over real HTTP (requests is not mocked)."""

from __future__ import annotations

import http.server
import logging
import threading
import time
from collections.abc import Callable

import pytest
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError
from urllib3.util import Retry

from providers.heroku_api import USER_AGENT, HerokuClient, default_retry, single_attempt
from providers.heroku_credentials import resolve_api_url, resolve_token
from providers.heroku_errors import (
    HerokuAPIError,
    HerokuBadResponse,
    HerokuConfigError,
    HerokuConnectionDropped,
    HerokuConnectionError,
    HerokuConnectionRefused,
    HerokuCredentialsError,
    HerokuForbidden,
    HerokuInvalidParams,
    HerokuNotFound,
    HerokuRateLimited,
    HerokuReadTimeout,
    HerokuUnauthorized,
)
from providers.heroku_models import Space
from sandbox.scenarios.peering_requests import customer_status, request_peering, wait_for_heroku_status
from sandbox.world.faults import FaultInjector, FaultRule
from sandbox.world.local_sandbox import LocalSandbox
from sandbox.world.rate_limit import HEROKU_CAPACITY
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.connections import counted_connects
from tests.support.sandboxes import StartedSandbox, closed_port

pytestmark = pytest.mark.provider


@pytest.fixture
def shared(shared_sandbox: LocalSandbox) -> StartedSandbox:
    """The session's sandbox, for tests that only queue faults (each is used up by the request it meets) or
    switch a behaviour for the test, and read the request log: a private one costs a start and a stop."""
    assert shared_sandbox.info is not None and shared_sandbox.emulator is not None and shared_sandbox.world is not None
    shared_sandbox.emulator.clear_requests()
    return StartedSandbox(shared_sandbox.info, shared_sandbox.emulator, shared_sandbox.world)


def client_for(info: SandboxInfo, **kwargs) -> HerokuClient:
    return HerokuClient(info.heroku_api_key, info.heroku_url, **kwargs)


def test_peering_info(sandbox_info: SandboxInfo) -> None:
    with client_for(sandbox_info) as heroku:
        info = heroku.peering_info(sandbox_info.space)
    assert info.aws_account_id == sandbox_info.heroku_account_id
    assert info.aws_region == sandbox_info.space_region
    assert info.vpc_cidr == "10.0.0.0/16"
    assert info.vpc_id.startswith("vpc-")
    assert "10.1.0.0/16" in info.unavailable_cidr_blocks
    assert info.dyno_cidr_blocks and info.space_cidr_blocks


def test_space_by_name_and_by_id(sandbox_info: SandboxInfo) -> None:
    with client_for(sandbox_info) as heroku:
        by_name = heroku.space(sandbox_info.space)
        by_id = heroku.space(sandbox_info.space_id)
    assert by_name == by_id == Space(sandbox_info.space, "allocated", "cedar")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"name": "acme", "state": "allocated", "generation": {"name": "fir", "id": "x"}},
            Space("acme", "allocated", "fir"),
        ),
        ({"name": "acme", "state": "allocating"}, Space("acme", "allocating", "")),  # no generation said
        ({"name": "acme", "generation": "cedar"}, Space("acme", "", "")),  # a shape the schema does not give
        ({"state": "allocated", "generation": None}, Space("", "allocated", "")),  # no name: the caller keeps its own
    ],
)
def test_a_space_is_read_whatever_heroku_leaves_out(body: dict[str, object], expected: Space) -> None:
    assert Space.from_json(body) == expected


def test_accept_get_and_destroy_lifecycle(sandbox_info: SandboxInfo) -> None:
    pcx_id = request_peering(sandbox_info)
    with client_for(sandbox_info) as heroku:
        with pytest.raises(HerokuNotFound):
            heroku.get_peering(sandbox_info.space, pcx_id)  # not visible yet
        wait_for_heroku_status(sandbox_info, pcx_id, "pending-acceptance")
        pending = heroku.get_peering(sandbox_info.space, pcx_id)
        assert pending.expires is not None and pending.type == "unknown"
        heroku.accept_peering(sandbox_info.space, pcx_id)  # returns nothing: the body is never read
        assert heroku.get_peering(sandbox_info.space, pcx_id).status == "provisioning"
        wait_for_heroku_status(sandbox_info, pcx_id, "active")
        active = heroku.get_peering(sandbox_info.space, pcx_id)
        assert active.type == "customer-managed" and active.expires is None
        assert active.aws_account_id == sandbox_info.customer_account_id
        assert customer_status(sandbox_info, pcx_id) == "active"
        heroku.destroy_peering(sandbox_info.space, pcx_id)
        assert heroku.get_peering(sandbox_info.space, pcx_id).status == "deleted"
        assert customer_status(sandbox_info, pcx_id) == "deleted"
        wait_for_heroku_status(sandbox_info, pcx_id, None)  # gone (404) after the retention time


def test_list_follows_next_range(make_sandbox) -> None:
    sandbox = make_sandbox()
    info = sandbox.info
    created = {request_peering(info) for _ in range(5)}
    for pcx_id in created:
        wait_for_heroku_status(info, pcx_id, "pending-acceptance")
    sandbox.emulator.clear_requests()
    with client_for(info) as heroku:
        peerings = heroku.list_peerings(info.space, page_size=2)
    ids = [p.pcx_id for p in peerings]
    assert len(ids) == len(set(ids)) == 6  # 5 requests + the heroku-managed one
    assert created <= set(ids)
    assert sum(p.heroku_managed for p in peerings) == 1
    statuses = [entry.status for entry in sandbox.emulator.requests() if entry.route == "list"]
    assert statuses == [206, 206, 200]


def test_headers_sent(shared: StartedSandbox) -> None:
    sandbox = shared
    with client_for(sandbox.info) as heroku:
        heroku.peering_info(sandbox.info.space)
        assert heroku.rate_limit_remaining is not None and heroku.rate_limit_remaining < HEROKU_CAPACITY
    entry = sandbox.emulator.requests()[-1]
    assert entry.user_agent == USER_AGENT
    assert len(entry.request_id) == 36


def test_rate_limit_remaining_is_exposed(make_sandbox) -> None:
    sandbox = make_sandbox(rate_limit_capacity=10, rate_limit_refill_per_minute=0.0)
    with client_for(sandbox.info) as heroku:
        heroku.peering_info(sandbox.info.space)
        first = heroku.rate_limit_remaining
        heroku.peering_info(sandbox.info.space)
        assert first is not None and heroku.rate_limit_remaining == first - 1 == 8
        assert heroku.rate_limit() == 8  # costs nothing


@pytest.mark.parametrize("retry_refused", [True, False], ids=["default", "read-only pre-flight"])
@pytest.mark.parametrize("kind", ["429", "503"])
def test_retries_honour_retry_after(shared: StartedSandbox, kind: str, retry_refused: bool) -> None:
    sandbox = shared  # Retry-After: 1
    sandbox.emulator.settings.faults.queue("peering_info", kind, count=1)
    with client_for(sandbox.info, retry=default_retry(retry_refused=retry_refused)) as heroku:
        started = time.monotonic()
        heroku.peering_info(sandbox.info.space)
        elapsed = time.monotonic() - started
    assert elapsed >= 1.0, "Retry-After: 1 must be waited out"
    statuses = [e.status for e in sandbox.emulator.requests() if e.route == "peering_info"]
    assert statuses == [int(kind), 200]


@pytest.mark.parametrize("retry_refused", [True, False], ids=["default", "read-only pre-flight"])
def test_dropped_connection_is_retried_for_reads(shared: StartedSandbox, retry_refused: bool) -> None:
    sandbox = shared
    sandbox.emulator.settings.faults.queue("list", "drop", count=2)
    with client_for(sandbox.info, retry=default_retry(backoff_factor=0.01, retry_refused=retry_refused)) as heroku:
        assert heroku.list_peerings(sandbox.info.space)
    assert [e.status for e in sandbox.emulator.requests() if e.route == "list"] == [0, 0, 200]


def test_rate_limited_after_retries(make_sandbox) -> None:
    sandbox = make_sandbox(faults=FaultInjector({"get": FaultRule(rate_429=1.0)}), retry_after=0)
    retry = Retry(
        total=2,
        backoff_factor=0,
        status_forcelist=(429,),
        respect_retry_after_header=True,
        raise_on_status=False,
        allowed_methods=frozenset({"GET"}),
    )
    with client_for(sandbox.info, retry=retry) as heroku, pytest.raises(HerokuRateLimited) as caught:
        heroku.get_peering(sandbox.info.space, "pcx-0123456789abcdef0")
    assert caught.value.error_id == "rate_limit"
    assert caught.value.request_id
    assert len([e for e in sandbox.emulator.requests() if e.route == "get"]) == 3


def test_an_answer_that_is_not_json_is_a_bad_response_not_a_connection_error() -> None:
    """A proxy's HTML page with a 200 status: the connection worked, the body is not what Heroku promises."""

    class HtmlPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html>maintenance</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HtmlPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with (
            HerokuClient("t", f"http://127.0.0.1:{server.server_port}") as heroku,
            pytest.raises(HerokuBadResponse) as caught,
        ):
            heroku.peering_info("s")
    finally:
        server.shutdown()
        server.server_close()
    assert not isinstance(caught.value, HerokuConnectionError)
    assert str(caught.value) == "Heroku API GET /spaces/s/peering-info: the 200 answer is not JSON (24 bytes)"


def test_unreachable_api_is_a_connection_error() -> None:
    with (
        HerokuClient("t", "http://127.0.0.1:9", retry=Retry(total=1, backoff_factor=0)) as heroku,
        pytest.raises(HerokuConnectionError) as caught,
    ):
        heroku.peering_info("s")
    assert "GET /spaces/s/peering-info" in str(caught.value)


def test_a_refused_connection_ends_the_read_only_retry_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    connects = counted_connects(monkeypatch)
    with (
        HerokuClient("t", f"http://127.0.0.1:{port}", retry=default_retry(retry_refused=False)) as heroku,
        pytest.raises(HerokuConnectionError) as caught,
    ):
        heroku.peering_info("s")
    assert isinstance(caught.value, HerokuConnectionRefused) and "nothing listens at the API URL" in str(caught.value)
    assert connects == [("127.0.0.1", port)]  # one attempt: no retry, so no backoff to wait through


def test_the_default_retry_still_retries_a_refused_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the test above: the count it reads does see retries (no backoff here, to stay fast)."""
    port = closed_port()
    connects = counted_connects(monkeypatch)
    with (
        HerokuClient("t", f"http://127.0.0.1:{port}", retry=default_retry(backoff_factor=0)) as heroku,
        pytest.raises(HerokuConnectionError) as caught,
    ):
        heroku.peering_info("s")
    assert isinstance(caught.value, HerokuConnectionRefused)
    assert connects == [("127.0.0.1", port)] * 6  # the first attempt and five retries


@pytest.mark.parametrize(
    "error",
    [ConnectTimeoutError("connect timed out"), ReadTimeoutError(None, "/spaces/s", "read timed out")],  # type: ignore[arg-type]
    ids=["connect timeout", "read timeout"],
)
def test_the_read_only_retry_still_retries_timeouts(error: Exception) -> None:
    retry = default_retry(retry_refused=False)
    after = retry.increment("GET", "/spaces/s", error=error)
    assert (retry.total, after.total) == (5, 4)  # retried, one attempt spent


@pytest.mark.parametrize("body", ["empty", "{}", "object"])
def test_accept_and_destroy_ignore_every_answer_body(
    shared: StartedSandbox, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = shared
    monkeypatch.setattr(sandbox.world.behaviour, "answer_body", body)
    info = sandbox.info
    pcx_id = request_peering(info)
    with client_for(info) as heroku:
        wait_for_heroku_status(info, pcx_id, "pending-acceptance")
        heroku.accept_peering(info.space, pcx_id)
        wait_for_heroku_status(info, pcx_id, "active")
        heroku.destroy_peering(info.space, pcx_id)
        assert heroku.get_peering(info.space, pcx_id).status == "deleted"


def test_accept_is_one_post_never_retried_by_the_client(shared: StartedSandbox) -> None:
    sandbox, faults = shared, shared.emulator.settings.faults
    info = sandbox.info
    pcx_id = request_peering(info)
    with client_for(info) as heroku:
        wait_for_heroku_status(info, pcx_id, "pending-acceptance")
        faults.queue("accept", "503")
        with pytest.raises(HerokuAPIError) as caught:
            heroku.accept_peering(info.space, pcx_id)
    assert caught.value.status == 503 and caught.value.retry_after == 1.0
    accepts = [e.status for e in sandbox.emulator.requests() if e.route == "accept"]
    assert accepts == [503]


def test_connection_failures_say_which_kind(make_sandbox) -> None:
    faults = FaultInjector({"get": FaultRule(latency=1.5)})
    sandbox = make_sandbox(faults=faults)
    info = sandbox.info
    with HerokuClient(info.heroku_api_key, info.heroku_url, timeout=(1.0, 0.3), retry=single_attempt()) as heroku:
        with pytest.raises(HerokuConnectionError) as slow:
            heroku.get_peering(info.space, "pcx-0123456789abcdef0")
        faults.configure({"accept": FaultRule(lost=1.0)})
        with pytest.raises(HerokuConnectionError) as lost:
            heroku.accept_peering(info.space, "pcx-0123456789abcdef0")
    with (
        HerokuClient("t", "http://127.0.0.1:9", retry=single_attempt()) as nobody,
        pytest.raises(HerokuConnectionError) as refused,
    ):
        nobody.get_peering("s", "pcx-0123456789abcdef0")
    assert isinstance(slow.value, HerokuReadTimeout) and "no answer within the read timeout" in str(slow.value)
    assert isinstance(lost.value, HerokuConnectionDropped) and "may have been processed" in str(lost.value)
    assert isinstance(refused.value, HerokuConnectionRefused) and "connection refused" in str(refused.value)
    [lost_entry] = [e for e in sandbox.emulator.requests() if e.route == "accept"]
    assert lost_entry.answered is False and lost_entry.status == 404  # processed: Heroku answered 404 unseen


def test_error_classes(sandbox_info: SandboxInfo, make_sandbox) -> None:
    space = sandbox_info.space
    with HerokuClient("wrong-token", sandbox_info.heroku_url) as wrong, pytest.raises(HerokuUnauthorized) as e401:
        wrong.peering_info(space)
    assert e401.value.status == 401 and e401.value.error_id == "unauthorized"
    outsider = make_sandbox(extra_tokens={"outsider": set()})
    with HerokuClient("outsider", outsider.info.heroku_url) as other, pytest.raises(HerokuForbidden) as e403:
        other.peering_info(space)
    assert e403.value.error_id == "forbidden"
    with client_for(sandbox_info) as heroku:
        with pytest.raises(HerokuNotFound) as e404:
            heroku.peering_info("no-such-space")
        assert e404.value.message == "Couldn't find that space."
        managed = next(p for p in heroku.list_peerings(space) if p.heroku_managed)
        with pytest.raises(HerokuInvalidParams) as e422:
            heroku.accept_peering(space, managed.pcx_id)
    error = e422.value
    assert (error.status, error.error_id, error.method) == (422, "invalid_params", "POST")
    assert error.path == f"/spaces/{space}/peerings/{managed.pcx_id}/actions/accept"
    assert error.request_id and error.request_id in str(error)
    assert "422 invalid_params" in str(error)


def test_500_without_retries_keeps_status_and_request_id(make_sandbox) -> None:
    faults = FaultInjector()
    sandbox = make_sandbox(faults=faults)
    faults.queue("get", "500", count=10)
    with (
        client_for(
            sandbox.info, retry=Retry(total=1, backoff_factor=0, status_forcelist=(500,), raise_on_status=False)
        ) as heroku,
        pytest.raises(HerokuAPIError) as caught,
    ):
        heroku.get_peering(sandbox.info.space, "pcx-1")
    assert type(caught.value) is HerokuAPIError and caught.value.status == 500


def test_token_sources(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine api.heroku.com\n  login me@example.com\n  password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_token() == "from-netrc"
    monkeypatch.setenv("HEROKU_API_KEY", "from-env")
    assert resolve_token() == "from-env"
    assert resolve_token("explicit") == "explicit"


def test_token_from_netrc_reaches_the_api(sandbox_info: SandboxInfo, tmp_path, monkeypatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text(f"machine api.heroku.com\n  login me@example.com\n  password {sandbox_info.heroku_api_key}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    with HerokuClient(api_url=sandbox_info.heroku_url) as heroku:
        assert heroku.peering_info(sandbox_info.space).vpc_cidr == "10.0.0.0/16"
    monkeypatch.setenv("HEROKU_API_KEY", sandbox_info.heroku_api_key)
    netrc.unlink()
    with HerokuClient(api_url=sandbox_info.heroku_url) as heroku:
        assert heroku.peering_info(sandbox_info.space).vpc_cidr == "10.0.0.0/16"


def test_no_token_names_all_three_sources(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(HerokuCredentialsError) as caught:
        resolve_token()
    message = str(caught.value)
    assert "heroku:apiKey" in message and "HEROKU_API_KEY" in message and ".netrc" in message


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:8080", "ftp://127.0.0.1"])
def test_plain_http_refused_except_loopback(url: str) -> None:
    with pytest.raises(HerokuConfigError):
        HerokuClient("t", url)


def test_api_url_resolution(monkeypatch) -> None:
    assert resolve_api_url() == "https://api.heroku.com"
    monkeypatch.setenv("HEROKU_HOST", "heroku.com")
    assert resolve_api_url() == "https://api.heroku.com"
    monkeypatch.setenv("HEROKU_HOST", "http://127.0.0.1:5000/")
    assert resolve_api_url() == "http://127.0.0.1:5000"
    monkeypatch.setenv("HEROKU_HOST", "http://[::1]:5000")
    assert resolve_api_url() == "http://[::1]:5000"
    monkeypatch.setenv("HEROKU_HOST", "http://evil.example.com")
    with pytest.raises(HerokuConfigError):
        resolve_api_url()
    assert resolve_api_url("https://api.example.com") == "https://api.example.com"


def test_token_never_in_errors_reprs_or_logs(make_sandbox, caplog) -> None:
    """Trigger every error class with a recognisable token and scan everything produced."""
    secret = "tok-SECRET-5f1e0c"
    faults = FaultInjector()
    sandbox = make_sandbox(faults=faults, token=secret, retry_after=0, extra_tokens={"outsider": set()})
    info = sandbox.info
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    fast = Retry(
        total=1, backoff_factor=0, status_forcelist=(429, 503), raise_on_status=False, respect_retry_after_header=True
    )
    with HerokuClient(secret, info.heroku_url, retry=fast) as heroku:
        texts += [repr(heroku), repr(heroku._session.__dict__), repr(heroku.__dict__)]
        faults.queue("get", "429", count=5)
        faults.queue("list", "503", count=5)
        calls: list[Callable[[], object]] = [
            lambda: heroku.peering_info("no-such-space"),
            lambda: heroku.get_peering(info.space, "pcx-1"),
            lambda: heroku.list_peerings(info.space),
            lambda: heroku.accept_peering(info.space, "pcx-unknown"),
            lambda: heroku.destroy_peering(info.space, "pcx-unknown"),
        ]
        for call in calls:
            with pytest.raises(HerokuAPIError) as caught:
                call()
            texts += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    with HerokuClient(secret + "x", info.heroku_url) as wrong, pytest.raises(HerokuUnauthorized) as e401:
        wrong.peering_info(info.space)
    texts += [str(e401.value), repr(e401.value)]
    with (
        HerokuClient(secret, "http://127.0.0.1:9", retry=Retry(total=0)) as down,
        pytest.raises(HerokuConnectionError) as down_error,
    ):
        down.peering_info(info.space)
    texts += [str(down_error.value), repr(down_error.value)]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    assert len(caplog.records) > 5
    assert all(secret not in text for text in texts)
