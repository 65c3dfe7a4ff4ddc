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

from sandbox.aws_accounts import CUSTOMER_ACCOUNT_ID
from sandbox.faults import FaultInjector, FaultRule
from sandbox.heroku_world import Timings
from sandbox.local_sandbox import SandboxInfo
from tests.sandbox_helpers import customer_ec2, customer_status, request_peering

SCHEMA = json.loads((Path(__file__).parents[1] / "sandbox/schema/peering-schema.json").read_text())
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
    PEERING.validate(response.json())
    return str(response.json()["status"])


def wait_status(info: SandboxInfo, pcx_id: str, wanted: str | None, timeout: float = 10) -> list[str | None]:
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
    assert accepted.status_code == 202
    PEERING.validate(accepted.json())
    wait_status(info, pcx_id, "active")
    destroyed = call(info, "DELETE", f"/spaces/{info.space}/peerings/{pcx_id}")
    assert destroyed.status_code == 202
    PEERING.validate(destroyed.json())


def test_lifecycle_follows_moto(make_sandbox) -> None:
    timings = Timings(visibility_delay=0.5, provisioning=0.5, expiry=3600, deleted_retention=0.5)
    info = make_sandbox(timings=timings).info
    pcx_id = request_peering(info)
    assert customer_status(info, pcx_id) == "pending-acceptance"
    assert wait_status(info, pcx_id, "pending-acceptance") == [None, "pending-acceptance"]
    assert call(info, "POST", f"/spaces/{info.space}/peerings/{pcx_id}/actions/accept").status_code == 202
    assert customer_status(info, pcx_id) == "active"
    assert wait_status(info, pcx_id, "active") == ["provisioning", "active"]
    # Deleted by the customer on the AWS side: Heroku sees it, then forgets it.
    customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert wait_status(info, pcx_id, None) == ["deleted", None]


def test_unaccepted_request_expires(make_sandbox) -> None:
    info = make_sandbox(timings=Timings(visibility_delay=0.1, provisioning=0.1, expiry=1.0)).info
    pcx_id = request_peering(info)
    assert wait_status(info, pcx_id, "expired")[-2:] == ["pending-acceptance", "expired"]
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
    PEERING.validate(accepted.json())
    assert accepted.json()["status"] == "provisioning"


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
    for _ in range(2):
        request_peering(info)
    time.sleep(0.5)
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
