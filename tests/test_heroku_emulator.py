"""The emulator itself: schema-valid answers, a lifecycle that follows moto, limits and faults."""

from __future__ import annotations

import base64
import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft4Validator, FormatChecker

from sandbox.scenarios.peering_requests import customer_ec2, customer_status, request_peering
from sandbox.world.aws_accounts import CUSTOMER_ACCOUNT_ID
from sandbox.world.faults import FaultInjector, FaultRule
from sandbox.world.heroku_world import Timings
from sandbox.world.sandbox_info import SandboxInfo

pytestmark = pytest.mark.sandbox

SCHEMA = json.loads((Path(__file__).parents[1] / "sandbox/world/schema/peering-schema.json").read_text())
ACCEPT = "application/vnd.heroku+json; version=3"


def validator(definition: str) -> Draft4Validator:
    """Validate one definition; Heroku's `strictProperties` means no extra properties."""
    definitions = copy.deepcopy(SCHEMA["definitions"])
    for name in ("peering", "peering-info"):
        definitions[name]["additionalProperties"] = False
    return Draft4Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": definitions}, format_checker=FormatChecker()
    )


PEERING = validator("peering")
PEERING_INFO = validator("peering-info")
CLI_ACCEPT = validator("x-heroku-cli-peering-accept-request")


UNDOCUMENTED = ("pending", "frobnicating")  # statuses the schema's enum leaves out, produced on purpose


def call(
    info: SandboxInfo, method: str, path: str, token: str | None = None, accept: str = ACCEPT, **kwargs: Any
) -> requests.Response:
    headers = {"Accept": accept, "Authorization": f"Bearer {token or info.heroku_api_key}"}
    headers.update(kwargs.pop("headers", {}))
    return requests.request(method, info.heroku_url + path, headers=headers, timeout=10, **kwargs)


def status_of(info: SandboxInfo, pcx_id: str) -> str | None:
    response = call(info, "GET", f"/spaces/{info.space}/peerings/{pcx_id}")
    if response.status_code == 404:
        return None
    body = response.json()
    if body["status"] in UNDOCUMENTED:  # the emulator's harsh variants: the rest must still follow the schema
        body = {**body, "status": "pending-acceptance"}
    PEERING.validate(body)
    return str(response.json()["status"])


def wait_status(info: SandboxInfo, pcx_id: str, wanted: str | None, timeout: float = 60) -> list[str | None]:
    seen: list[str | None] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = status_of(info, pcx_id)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == wanted:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"never reached {wanted}; saw {seen}")


def test_every_answer_validates_against_the_official_schema(sandbox_info: SandboxInfo) -> None:
    info = sandbox_info
    PEERING_INFO.validate(call(info, "GET", f"/spaces/{info.space}/peering-info").json())
    pcx_id = request_peering(info)
    wait_status(info, pcx_id, "pending-acceptance")
    listed = call(info, "GET", f"/spaces/{info.space}/peerings").json()
    assert len(listed) >= 2
    for item in listed:
        PEERING.validate(item)
    accepted = call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept")
    assert (accepted.status_code, accepted.content) == (202, b"")  # "rel": "empty", the default
    wait_status(info, pcx_id, "active")
    destroyed = call(info, "DELETE", f"/spaces/{info.space}/peerings/{pcx_id}")
    assert (destroyed.status_code, destroyed.content) == (202, b"")


@pytest.mark.parametrize(("body", "expected"), [("{}", {}), ("object", "peering")])
def test_accept_and_destroy_answer_bodies(make_sandbox, body: str, expected: Any) -> None:
    sandbox = make_sandbox()
    info = sandbox.info
    set_behaviour(info, answer_body=body)
    pcx_id = request_peering(info)
    wait_status(info, pcx_id, "pending-acceptance")
    for method, path in (
        ("POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept"),
        ("DELETE", f"/spaces/{info.space}/peerings/{pcx_id}"),
    ):
        answer = call(info, method, path)
        assert answer.status_code == 202
        if expected == "peering":
            PEERING.validate(answer.json())
            assert answer.json()["pcx_id"] == pcx_id
        else:
            assert answer.json() == expected


def set_behaviour(info: SandboxInfo, **changes: Any) -> dict[str, Any]:
    answer = requests.patch(info.heroku_url + "/__sandbox/behaviour", json=changes, timeout=5)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_pending_phase_then_accept_lag(make_sandbox) -> None:
    timings = Timings(visibility_delay=0.2, provisioning=0.2, pending_phase=0.4, accept_lag=0.6)
    info = make_sandbox(timings=timings).info
    pcx_id = request_peering(info)
    path = f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept"
    assert wait_status(info, pcx_id, "pending")[-1] == "pending"
    during_pending = call(info, "POST", path)
    assert during_pending.status_code == 422 and "is pending" in during_pending.json()["message"]
    wait_status(info, pcx_id, "pending-acceptance")
    lagging = call(info, "POST", path)
    assert (lagging.status_code, lagging.json()["id"]) == (422, "invalid_params")
    assert "not ready to be accepted" in lagging.json()["message"]
    assert status_of(info, pcx_id) == "pending-acceptance"  # the refusal changed nothing
    deadline = time.monotonic() + 60  # a bound for a failure only: the lag ends on the sandbox clock
    while (answer := call(info, "POST", path)).status_code != 202:
        assert answer.status_code == 422 and time.monotonic() < deadline
        time.sleep(0.05)
    assert wait_status(info, pcx_id, "active")[-1] == "active"


def test_accept_lag_can_answer_404(make_sandbox) -> None:
    info = make_sandbox(timings=Timings(visibility_delay=0.1, accept_lag=30)).info
    assert set_behaviour(info, accept_lag_status=404)["accept_lag_status"] == 404
    pcx_id = request_peering(info)
    wait_status(info, pcx_id, "pending-acceptance")
    refused = call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept")
    assert (refused.status_code, refused.json()["id"]) == (404, "not_found")


def test_second_destroy_is_refused_while_listed_as_deleted(make_sandbox) -> None:
    info = make_sandbox(timings=Timings(visibility_delay=0.1, provisioning=0.1, deleted_retention=30)).info
    pcx_id = request_peering(info)
    wait_status(info, pcx_id, "pending-acceptance")
    call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept")
    path = f"/spaces/{info.space}/peerings/{pcx_id}"
    assert call(info, "DELETE", path).status_code == 202
    again = call(info, "DELETE", path)
    assert (again.status_code, again.json()["id"]) == (422, "invalid_params")
    assert "already deleted" in again.json()["message"]
    assert status_of(info, pcx_id) == "deleted"


def test_forced_status_stands_for_undocumented_ones(sandbox_info: SandboxInfo) -> None:
    info = sandbox_info
    pcx_id = request_peering(info)
    url = f"{info.heroku_url}/__sandbox/peerings/{pcx_id}/status"
    assert requests.put(url, json={"status": "frobnicating"}, timeout=5).status_code == 200
    assert status_of(info, pcx_id) == "frobnicating"  # even before it would be visible
    refused = call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept")
    assert refused.status_code == 422
    requests.put(url, json={"status": None}, timeout=5)
    assert wait_status(info, pcx_id, "pending-acceptance")[-1] == "pending-acceptance"


def test_lost_answer_is_processed(make_sandbox) -> None:
    sandbox = make_sandbox()
    info = sandbox.info
    pcx_id = request_peering(info)
    wait_status(info, pcx_id, "pending-acceptance")
    faults = requests.put(info.heroku_url + "/__sandbox/faults", json={"faults": ["accept:lost=1"]}, timeout=5)
    assert faults.status_code == 200
    with pytest.raises(requests.ConnectionError):
        call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept")
    assert status_of(info, pcx_id) in ("provisioning", "active")
    [entry] = [e for e in sandbox.emulator.requests() if e.route == "accept"]
    assert (entry.status, entry.answered) == (202, False)


def test_admin_refuses_unknown_behaviour(sandbox_info: SandboxInfo) -> None:
    answer = requests.patch(sandbox_info.heroku_url + "/__sandbox/behaviour", json={"speed": 1}, timeout=5)
    assert answer.status_code == 400 and "speed" in answer.json()["message"]
    bad = requests.put(sandbox_info.heroku_url + "/__sandbox/faults", json={"faults": ["accept:teapot=1"]}, timeout=5)
    assert bad.status_code == 400 and "KIND one of" in bad.json()["message"]


class SteppedClock:
    """The emulated Heroku's time, moved by the test: each status is seen whatever the machine's load."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_lifecycle_follows_moto(make_sandbox) -> None:
    clock = SteppedClock()
    timings = Timings(visibility_delay=60, provisioning=60, expiry=3600, deleted_retention=60)
    info = make_sandbox(timings=timings, clock=clock).info
    pcx_id = request_peering(info)
    assert customer_status(info, pcx_id) == "pending-acceptance"
    assert status_of(info, pcx_id) is None  # not visible to Heroku yet
    clock.now += 61
    assert status_of(info, pcx_id) == "pending-acceptance"
    assert call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept").status_code == 202
    assert customer_status(info, pcx_id) == "active"
    assert status_of(info, pcx_id) == "provisioning"
    clock.now += 61
    assert status_of(info, pcx_id) == "active"
    # Deleted by the customer on the AWS side: Heroku sees it, then forgets it.
    customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert status_of(info, pcx_id) == "deleted"
    clock.now += 61
    assert status_of(info, pcx_id) is None


def test_unaccepted_request_expires(make_sandbox) -> None:
    clock = SteppedClock()
    info = make_sandbox(timings=Timings(visibility_delay=60, provisioning=60, expiry=600), clock=clock).info
    pcx_id = request_peering(info)
    assert status_of(info, pcx_id) is None
    clock.now += 61
    assert status_of(info, pcx_id) == "pending-acceptance"
    clock.now += 600
    assert status_of(info, pcx_id) == "expired"
    assert customer_status(info, pcx_id) == "expired"
    refused = call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept")
    assert refused.status_code == 422 and refused.json()["id"] == "invalid_params"
    assert "expired" in refused.json()["message"]


@pytest.mark.parametrize("cidr", ["10.1.0.0/16", "10.0.64.0/18"])  # unavailable range; inside vpc_cidr
def test_overlapping_request_fails(sandbox_info: SandboxInfo, cidr: str) -> None:
    pcx_id = request_peering(sandbox_info, cidr=cidr)
    assert wait_status(sandbox_info, pcx_id, "failed")[-1] == "failed"
    assert customer_status(sandbox_info, pcx_id) == "failed"


def test_cli_accept_form(sandbox_info: SandboxInfo) -> None:
    info = sandbox_info
    pcx_id = request_peering(info)
    wait_status(info, pcx_id, "pending-acceptance")
    dogwood = "application/vnd.heroku+json; version=3.dogwood"
    missing = call(info, "POST", f"/spaces/{info.space}/peerings", accept=dogwood, json={})
    assert missing.status_code == 422 and missing.json()["id"] == "invalid_params"
    body = {"pcx_id": pcx_id}
    CLI_ACCEPT.validate(body)
    accepted = call(info, "POST", f"/spaces/{info.space}/peerings", accept=dogwood, json=body)
    assert accepted.status_code == 202
    assert status_of(info, pcx_id) == "provisioning"


def test_protocol_errors(sandbox_info: SandboxInfo) -> None:
    info = sandbox_info
    path = f"/spaces/{info.space}/peering-info"
    not_acceptable = requests.get(
        info.heroku_url + path, headers={"Authorization": f"Bearer {info.heroku_api_key}"}, timeout=5
    )
    assert not_acceptable.status_code == 406 and not_acceptable.json()["id"] == "not_acceptable"
    wrong = call(info, "GET", path, token="nope")
    assert wrong.status_code == 401 and wrong.json()["id"] == "unauthorized"
    for response in (not_acceptable, wrong):
        assert response.headers["Request-Id"]
    basic = base64.b64encode(f"me@example.com:{info.heroku_api_key}".encode()).decode()
    assert (
        requests.get(
            info.heroku_url + path, headers={"Accept": ACCEPT, "Authorization": f"Basic {basic}"}, timeout=5
        ).status_code
        == 200
    )
    unknown_space = call(info, "GET", "/spaces/nope/peerings")
    assert unknown_space.status_code == 404 and unknown_space.json()["id"] == "not_found"
    unknown_pcx = call(info, "GET", f"/spaces/{info.space}/peerings/pcx-00000000000000000")
    assert unknown_pcx.status_code == 404 and unknown_pcx.json()["id"] == "not_found"
    ok = call(info, "GET", path, headers={"Request-Id": "mine-123"})
    assert ok.headers["Request-Id"] == "mine-123" and ok.headers["RateLimit-Remaining"].isdigit()


def test_heroku_managed_peering_is_untouchable(sandbox_info: SandboxInfo) -> None:
    info = sandbox_info
    managed = [p for p in call(info, "GET", f"/spaces/{info.space}/peerings").json() if p["type"] == "heroku-managed"]
    assert len(managed) == 1 and managed[0]["cidr_blocks"] == ["10.1.0.0/16"]
    pcx_id = managed[0]["pcx_id"]
    for method, path in (
        ("POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept"),
        ("DELETE", f"/spaces/{info.space}/peerings/{pcx_id}"),
    ):
        assert call(info, method, path).status_code == 422
    assert status_of(info, pcx_id) == "active"


def test_paging_headers(make_sandbox) -> None:
    info = make_sandbox().info
    for pcx_id in [request_peering(info) for _ in range(2)]:
        wait_status(info, pcx_id, "pending-acceptance")
    first = call(info, "GET", f"/spaces/{info.space}/peerings", headers={"Range": "pcx_id ..; max=2"})
    assert first.status_code == 206 and len(first.json()) == 2
    second = call(info, "GET", f"/spaces/{info.space}/peerings", headers={"Range": first.headers["Next-Range"]})
    assert second.status_code == 200 and len(second.json()) == 1
    assert {p["pcx_id"] for p in first.json()}.isdisjoint(p["pcx_id"] for p in second.json())
    too_big = call(info, "GET", f"/spaces/{info.space}/peerings", headers={"Range": "pcx_id ..; max=5000"})
    assert too_big.status_code == 416


def test_rate_limit_bucket(make_sandbox) -> None:
    info = make_sandbox(rate_limit_capacity=5, rate_limit_refill_per_minute=0.0, retry_after=7).info
    path = f"/spaces/{info.space}/peering-info"
    remaining = [int(call(info, "GET", path).headers["RateLimit-Remaining"]) for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    limited = call(info, "GET", path)
    assert limited.status_code == 429 and limited.json()["id"] == "rate_limit"
    assert limited.headers["Retry-After"] == "7"
    assert call(info, "GET", "/account/rate-limits").json() == {"remaining": 0}


def test_rate_limit_refills(make_sandbox) -> None:
    info = make_sandbox(rate_limit_capacity=2, rate_limit_refill_per_minute=600.0).info  # 10 a second
    path = f"/spaces/{info.space}/peering-info"
    statuses = [call(info, "GET", path).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    time.sleep(0.3)
    assert call(info, "GET", path).status_code == 200


def _fault_run(make_sandbox, seed: int) -> list[int]:
    rule = FaultRule(rate_429=0.2, rate_500=0.1, rate_503=0.2, drop=0.1)
    sandbox = make_sandbox(faults=FaultInjector({"peering_info": rule}, seed=seed))
    info = sandbox.info
    session = requests.Session()
    for _ in range(60):
        try:
            session.get(
                info.heroku_url + f"/spaces/{info.space}/peering-info",
                timeout=5,
                headers={"Accept": ACCEPT, "Authorization": f"Bearer {info.heroku_api_key}"},
            )
        except requests.ConnectionError:
            session = requests.Session()
    return [entry.status for entry in sandbox.emulator.requests()]


def test_faults_are_reproducible_with_a_seed(make_sandbox) -> None:
    first, again, other = (_fault_run(make_sandbox, seed) for seed in (7, 7, 8))
    assert first == again
    assert first != other
    assert len(first) == 60
    counts = {status: first.count(status) for status in (0, 200, 429, 500, 503)}
    assert all(counts[s] > 0 for s in counts), counts
    assert 15 <= counts[200] <= 40  # 40 % expected


def test_latency_injection(make_sandbox) -> None:
    info = make_sandbox(faults=FaultInjector({"space": FaultRule(latency=0.4)})).info
    started = time.monotonic()
    assert call(info, "GET", f"/spaces/{info.space}").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_sandbox_admin_request_log(make_sandbox) -> None:
    info = make_sandbox().info
    call(info, "GET", f"/spaces/{info.space}/peerings")
    log = requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json()
    assert [(e["method"], e["route"], e["status"]) for e in log] == [("GET", "list", 200)]
    assert requests.delete(info.heroku_url + "/__sandbox/requests", timeout=5).status_code == 204
    assert requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json() == []


def test_customer_is_motos_default_account(sandbox_info: SandboxInfo) -> None:
    vpcs = customer_ec2(sandbox_info).describe_vpcs(VpcIds=[sandbox_info.customer_vpc_id])["Vpcs"]
    assert vpcs[0]["OwnerId"] == CUSTOMER_ACCOUNT_ID == sandbox_info.customer_account_id
