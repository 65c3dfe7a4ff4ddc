"""The acceptance resource through Pulumi's own provider host over gRPC, against the emulator and moto."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.rpc import UNKNOWN

from providers.acceptance_flow import GONE_AFTER_404S
from providers.peering_acceptance import PeeringAcceptanceProvider
from sandbox.scenarios.peering_requests import (
    customer_ec2,
    customer_status,
    request_peering,
    wait_for_heroku_status,
    wait_until,
)
from sandbox.scenarios.provider_host import DynamicProviderHost, ProviderError
from sandbox.world.aws_accounts import HEROKU_ACCOUNT_ID, ec2_client
from sandbox.world.faults import FaultInjector
from sandbox.world.heroku_world import Timings
from tests.support.sandboxes import SandboxFactory, StartedSandbox

pytestmark = pytest.mark.e2e

URN = "urn:pulumi:dev::heroku-peering::pulumi-python:dynamic/heroku:PeeringAcceptance::space-accept"
PROVIDER = serialize_provider(PeeringAcceptanceProvider())
SLOW = Timings(visibility_delay=1.0, provisioning=1.5, expiry=3600, deleted_retention=0.5)


def props(sandbox: StartedSandbox, pcx_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "__provider": PROVIDER,
        "space": sandbox.info.space,
        "pcx_id": pcx_id,
        "api_url": sandbox.info.heroku_url,
        "peer_vpc_id": None,
        "peer_account_id": None,
        "visibility_timeout": 20,
        "activation_timeout": 20,
        "aws_status": None,
        **extra,
    }


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StartedSandbox:
    return make_sandbox(timings=SLOW, faults=FaultInjector())


@pytest.fixture
def host(sandbox: StartedSandbox) -> Iterator[DynamicProviderHost]:
    with DynamicProviderHost() as started:
        started.configure({"heroku:apiKey": sandbox.info.heroku_api_key, "aws:region": "us-east-1"})
        yield started


def routes(sandbox: StartedSandbox) -> list[str]:
    return [f"{entry.route}:{entry.status}" for entry in sandbox.emulator.requests()]


def test_plugin_info_and_happy_path(sandbox: StartedSandbox, host: DynamicProviderHost) -> None:
    assert host.plugin_info()
    pcx_id = request_peering(sandbox.info)
    inputs, failures = host.check(URN, {}, props(sandbox, pcx_id))
    assert failures == []
    started = time.monotonic()
    id_, outs = host.create(URN, inputs)
    elapsed = time.monotonic() - started
    assert id_ == pcx_id
    assert outs["status"] == "active" and outs["type"] == "customer-managed"
    assert outs["aws_account_id"] == sandbox.info.customer_account_id
    assert outs["cidr_blocks"] and outs["aws_vpc_id"].startswith("vpc-")
    assert elapsed >= 2.5, elapsed  # it waited through visibility (1 s) and provisioning (1.5 s)
    assert customer_status(sandbox.info, pcx_id) == "active"
    assert routes(sandbox).count("accept:202") == 1
    wait_until(
        lambda: any("is active in space" in line for line in host.stderr_lines), "the last progress line to be read"
    )
    progress = [line for line in host.stderr_lines if "heroku:" in line]
    assert any("waiting for Heroku to see" in line for line in progress)
    assert any("status: provisioning" in line and "elapsed" in line for line in progress)
    # refresh: one request, live status
    sandbox.emulator.clear_requests()
    read_id, read_outs = host.read(URN, id_, outs)
    assert (read_id, read_outs["status"]) == (pcx_id, "active")
    assert routes(sandbox) == ["get:200"]


def test_adopts_an_already_active_peering(sandbox: StartedSandbox, host: DynamicProviderHost) -> None:
    pcx_id = request_peering(sandbox.info)
    wait_for_heroku_status(sandbox.info, pcx_id, "pending-acceptance")
    space = sandbox.world.find_space(sandbox.info.space)
    assert space is not None
    sandbox.world.accept(space, pcx_id)  # e.g. a run that crashed after accepting
    wait_for_heroku_status(sandbox.info, pcx_id, "active")
    sandbox.emulator.clear_requests()
    _, outs = host.create(URN, props(sandbox, pcx_id))
    assert outs["status"] == "active"
    assert routes(sandbox) == ["get:200"]
    wait_until(lambda: any("adopting" in line for line in host.stderr_lines), "the adoption's progress line")


def test_adopts_a_provisioning_peering_without_accepting_again(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info)
    wait_for_heroku_status(sandbox.info, pcx_id, "pending-acceptance")
    space = sandbox.world.find_space(sandbox.info.space)
    sandbox.world.accept(space, pcx_id)
    sandbox.emulator.clear_requests()
    _, outs = host.create(URN, props(sandbox, pcx_id))
    assert outs["status"] == "active"
    assert not any(r.startswith("accept") for r in routes(sandbox))


def _create_error(host: DynamicProviderHost, properties: dict[str, Any]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        host.create(URN, properties)
    return caught.value


def test_failed_state(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info, cidr="10.1.0.0/16")
    error = _create_error(host, props(sandbox, pcx_id))
    assert "PeeringAcceptanceError" in error.reason and "is failed" in error.reason
    assert "overlap" in error.reason


def test_expired_state(make_sandbox) -> None:
    sandbox = make_sandbox(timings=Timings(visibility_delay=0.2, provisioning=0.2, expiry=0.5))
    pcx_id = request_peering(sandbox.info)
    wait_for_heroku_status(sandbox.info, pcx_id, "expired")
    with DynamicProviderHost() as host:
        host.configure({"heroku:apiKey": sandbox.info.heroku_api_key})
        error = _create_error(host, props(sandbox, pcx_id))
    assert "is expired" in error.reason and "--replace" in error.reason


def test_rejected_state(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info)
    heroku_ec2 = ec2_client(sandbox.info.aws_endpoint_url, sandbox.info.space_region, HEROKU_ACCOUNT_ID)
    heroku_ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    error = _create_error(host, props(sandbox, pcx_id))
    assert "is rejected" in error.reason


def test_deleted_state(make_sandbox) -> None:
    # Heroku keeps a deleted peering listed for a while; here for longer than any pause between the reads.
    sandbox = make_sandbox(timings=replace(SLOW, deleted_retention=3600))
    pcx_id = request_peering(sandbox.info)
    customer_ec2(sandbox.info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    wait_for_heroku_status(sandbox.info, pcx_id, "deleted")
    with DynamicProviderHost() as host:
        host.configure({"heroku:apiKey": sandbox.info.heroku_api_key})
        error = _create_error(host, props(sandbox, pcx_id))
    assert "is deleted" in error.reason and "pulumi refresh" in error.reason


def test_visibility_deadline(sandbox, host) -> None:
    started = time.monotonic()
    error = _create_error(host, props(sandbox, "pcx-0123456789abcdef0", visibility_timeout=2))
    assert time.monotonic() - started >= 2  # the deadline was waited out, not cut short
    assert "did not become visible" in error.reason and "within 2s" in error.reason


def test_activation_deadline(make_sandbox) -> None:
    sandbox = make_sandbox(timings=Timings(visibility_delay=0.2, provisioning=60))
    pcx_id = request_peering(sandbox.info)
    with DynamicProviderHost() as host:
        host.configure({"heroku:apiKey": sandbox.info.heroku_api_key})
        started = time.monotonic()
        error = _create_error(host, props(sandbox, pcx_id, activation_timeout=2))
    assert time.monotonic() - started >= 2  # the deadline was waited out, not cut short
    assert "not active within 2s" in error.reason and "last status: provisioning" in error.reason


def test_unauthorized_forbidden_unknown_space_and_invalid(make_sandbox) -> None:
    sandbox = make_sandbox(timings=SLOW, extra_tokens={"outsider": set()})
    pcx_id = request_peering(sandbox.info)
    reasons = {}
    for name, token in (("401", "wrong"), ("403", "outsider")):
        with DynamicProviderHost() as host:
            host.configure({"heroku:apiKey": token})
            reasons[name] = _create_error(host, props(sandbox, pcx_id)).reason
    with DynamicProviderHost() as host:
        host.configure({"heroku:apiKey": sandbox.info.heroku_api_key})
        before = len(routes(sandbox))
        reasons["404"] = _create_error(host, props(sandbox, pcx_id, space="no-such-space")).reason
        assert routes(sandbox)[before:] == ["get:404", "space:404"], "an unknown space: at once"
        wait_for_heroku_status(sandbox.info, pcx_id, "pending-acceptance")  # now Heroku refuses the accept (422)
        sandbox.emulator.settings.faults.queue("accept", "422", count=1000)  # refused until the deadline
        reasons["422"] = _create_error(host, props(sandbox, pcx_id, visibility_timeout=2)).reason
    assert "401 unauthorized: Invalid credentials provided." in reasons["401"]
    assert "403 forbidden: You do not have access" in reasons["403"]
    assert "404 not_found: Couldn't find that space." in reasons["404"]
    assert "422 invalid_params: Peering connection cannot be accepted" in reasons["422"]
    assert "did not take the accept" in reasons["422"]
    accepts = [e.status for e in sandbox.emulator.requests() if e.route == "accept"]
    assert len(accepts) >= 2 and set(accepts) == {422}  # retried, within the deadline
    logged = {entry.request_id for entry in sandbox.emulator.requests()}
    for reason in reasons.values():
        [request_id] = re.findall(r"Request-Id: ([0-9a-f-]+)", reason)
        assert request_id in logged


def test_refresh_reports_a_peering_that_ended_and_rechecks_a_404(sandbox, host) -> None:
    """Heroku's ``deleted`` after active stays in the state, reported with what to do; only 404 after 404 (as many
    as create believes) takes the acceptance out of the state."""
    pcx_id = request_peering(sandbox.info)
    id_, outs = host.create(URN, props(sandbox, pcx_id))
    customer_ec2(sandbox.info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    kept_id, found = host.read(URN, id_, outs)
    assert kept_id == id_ and found["status"] == "deleted"
    wait_until(
        lambda: any(f"{pcx_id} in space" in line and "reads deleted" in line for line in host.stderr_lines),
        "the warning that the peering reads deleted",
    )
    wait_for_heroku_status(sandbox.info, pcx_id, None)
    sandbox.emulator.clear_requests()
    gone_id, _ = host.read(URN, id_, outs)
    assert gone_id == ""
    assert routes(sandbox) == ["get:404"] * GONE_AFTER_404S


def test_one_404_on_refresh_is_not_believed(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info)
    id_, outs = host.create(URN, props(sandbox, pcx_id))
    sandbox.emulator.settings.faults.queue("get", "404", count=GONE_AFTER_404S - 1)
    kept_id, found = host.read(URN, id_, outs)
    assert kept_id == id_ and found["status"] == "active"


@pytest.mark.parametrize("status", ["failed", "rejected", "expired"])
def test_refresh_reports_a_status_that_ends_the_peering(sandbox, host, status: str) -> None:
    pcx_id = request_peering(sandbox.info)
    id_, outs = host.create(URN, props(sandbox, pcx_id))
    sandbox.world.force_status(pcx_id, status)
    kept_id, found = host.read(URN, id_, outs)
    assert kept_id == id_ and found["status"] == status
    wait_until(
        lambda: any(f"reads {status} on Heroku's side" in line for line in host.stderr_lines), f"the {status} warning"
    )


def test_active_is_believed_only_when_aws_agrees(sandbox, host) -> None:
    """Heroku reads active before anyone accepted, while AWS says pending-acceptance: the accept is sent."""
    pcx_id = request_peering(sandbox.info)
    wait_for_heroku_status(sandbox.info, pcx_id, "pending-acceptance")
    sandbox.world.force_status(pcx_id, "active", reads=1)  # one stale answer; the accept then sees the truth
    sandbox.emulator.clear_requests()
    _, outs = host.create(URN, props(sandbox, pcx_id, aws_status="pending-acceptance"))
    assert outs["status"] == "active"
    assert any(r.startswith("accept:") for r in routes(sandbox)), "the accept must be sent"
    assert customer_status(sandbox.info, pcx_id) == "active"


def test_a_stale_active_that_never_takes_an_accept_fails_with_both_views(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info)
    wait_for_heroku_status(sandbox.info, pcx_id, "pending-acceptance")
    sandbox.world.force_status(pcx_id, "active")
    error = _create_error(host, props(sandbox, pcx_id, aws_status="pending-acceptance", visibility_timeout=2))
    assert f"Heroku reports {pcx_id} in space {sandbox.info.space} active, but AWS reported it pending-acceptance" in (
        error.reason
    )
    assert "no route was made toward it" in error.reason
    assert customer_status(sandbox.info, pcx_id) == "pending-acceptance"


@pytest.mark.parametrize("fault", ["500", "lost", "wrong token"])
def test_delete_leaves_heroku_alone(sandbox, host, fault: str) -> None:
    """The AWS pcx, deleted right after, ends the peering on both sides: no Heroku fault can stop a destroy."""
    pcx_id = request_peering(sandbox.info)
    id_, outs = host.create(URN, props(sandbox, pcx_id))
    sandbox.emulator.settings.faults.queue("destroy", "500" if fault == "wrong token" else fault, count=10)
    sandbox.emulator.clear_requests()
    with DynamicProviderHost() as other:
        other.configure({"heroku:apiKey": "wrong" if fault == "wrong token" else sandbox.info.heroku_api_key})
        other.delete(URN, id_, outs)
    assert routes(sandbox) == [], "no Heroku request at all"
    sandbox.emulator.settings.faults.configure({})
    customer_ec2(sandbox.info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    wait_for_heroku_status(sandbox.info, pcx_id, "deleted")


def test_heroku_managed_peering_is_refused(sandbox, host) -> None:
    from providers.heroku_api import HerokuClient

    with HerokuClient(sandbox.info.heroku_api_key, sandbox.info.heroku_url) as client:
        managed = next(p for p in client.list_peerings(sandbox.info.space) if p.heroku_managed)
    sandbox.emulator.clear_requests()
    error = _create_error(host, props(sandbox, managed.pcx_id))
    assert "heroku-managed" in error.reason
    assert routes(sandbox) == ["get:200"]
    host.delete(URN, managed.pcx_id, {**props(sandbox, managed.pcx_id), "type": "heroku-managed"})
    assert routes(sandbox) == ["get:200"], "delete must never touch a heroku-managed peering"


def test_peer_mismatch_is_refused(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info)
    error = _create_error(host, props(sandbox, pcx_id, peer_vpc_id="vpc-0000000000000000a"))
    assert "not the expected vpc-0000000000000000a (peer_vpc_id)" in error.reason
    assert not any(r.startswith("accept") for r in routes(sandbox))


def test_preview_unknowns_never_reach_the_api(sandbox, host) -> None:
    sandbox.emulator.clear_requests()
    unknown = props(sandbox, UNKNOWN, space=UNKNOWN)
    inputs, failures = host.check(URN, {}, unknown)
    assert failures == [] and inputs["pcx_id"] == UNKNOWN
    olds = {**props(sandbox, "pcx-0123456789abcdef0"), "status": "active"}
    diff = host.diff(URN, "pcx-0123456789abcdef0", olds, props(sandbox, UNKNOWN))
    assert diff["changes"] == "some" and diff["replaces"] == ["pcx_id"]
    assert sandbox.emulator.requests() == []


def test_check_names_the_property(host, sandbox) -> None:
    bad = props(sandbox, "pcx-nothex", space="Bad Space", visibility_timeout=-1, api_url="http://example.com")
    _, failures = host.check(URN, {}, bad)
    by_property = dict(failures)
    assert set(by_property) == {"pcx_id", "space", "visibility_timeout", "api_url"}
    assert "'pcx-nothex'" in by_property["pcx_id"]
    assert "plain http" in by_property["api_url"]
    _, ok = host.check(URN, {}, props(sandbox, "pcx-0123abcd", space="1c4e1b2a-5c0c-4bd4-8d8f-7d3cf0f5a6b1"))
    assert ok == []


def test_diff_replace_update_and_none(sandbox, host) -> None:
    base = {**props(sandbox, "pcx-0123456789abcdef0"), "status": "active"}
    assert host.diff(URN, "x", base, props(sandbox, "pcx-0123456789abcdef0"))["changes"] == "none"
    moved = host.diff(URN, "x", base, props(sandbox, "pcx-0123456789abcdef0", space="other-space"))
    assert moved["changes"] == "some" and moved["replaces"] == [], "the pcx is the identity; a space name updates"
    agreeing = props(sandbox, "pcx-0123456789abcdef0", aws_status="active")
    assert host.diff(URN, "x", {**base, "aws_status": "pending-acceptance"}, agreeing)["changes"] == "none"
    disagreeing = props(sandbox, "pcx-0123456789abcdef0", aws_status="pending-acceptance")
    assert host.diff(URN, "x", base, disagreeing)["changes"] == "some", "AWS says nobody accepted: accept again"
    # A refresh diffs the refreshed outputs against the inputs the state was made with: the AWS status that create
    # acted on (pending-acceptance, before its accept) is no news, so a converged stack refreshes with no change.
    made = {**disagreeing, "status": "active"}
    assert host.diff(URN, "x", made, disagreeing)["changes"] == "none"
    slower = host.diff(URN, "x", base, props(sandbox, "pcx-0123456789abcdef0", activation_timeout=99))
    assert slower["changes"] == "some" and slower["replaces"] == []


def test_update_in_place(sandbox, host) -> None:
    pcx_id = request_peering(sandbox.info)
    id_, outs = host.create(URN, props(sandbox, pcx_id))
    sandbox.emulator.clear_requests()
    new = props(sandbox, pcx_id, activation_timeout=99)
    updated = host.update(URN, id_, outs, new)
    assert updated["activation_timeout"] == 99 and updated["status"] == "active"
    assert routes(sandbox) == ["get:200"]


@pytest.mark.parametrize("source", ["config", "environment", "netrc"])
def test_token_is_nowhere(make_sandbox, tmp_path, source: str) -> None:
    secret = f"tok-{source}-7c1d9e"
    sandbox = make_sandbox(timings=SLOW, token=secret)
    env: dict[str, str] = {"HOME": str(tmp_path)}
    config: dict[str, Any] = {}
    if source == "config":
        config["heroku:apiKey"] = secret
    elif source == "environment":
        env["HEROKU_API_KEY"] = secret
    else:
        netrc = tmp_path / ".netrc"
        netrc.write_text(f"machine api.heroku.com\n  login me@example.com\n  password {secret}\n")
        netrc.chmod(0o600)
    pcx_id = request_peering(sandbox.info)
    texts = [base64.b64decode(PROVIDER).decode("latin-1"), PROVIDER]
    with DynamicProviderHost(env=env) as host:
        host.configure(config)
        _, outs = host.create(URN, props(sandbox, pcx_id))
        texts.append(repr(outs))
        assert outs["status"] == "active"  # the token did work
        texts.append(repr(host.read(URN, pcx_id, outs)))
        for bad in (
            props(sandbox, pcx_id, space="no-such-space"),
            props(sandbox, "pcx-0123456789abcdef0", visibility_timeout=1),
        ):
            with pytest.raises(ProviderError) as caught:
                host.create(URN, bad)
            texts.append(caught.value.message)
        host.delete(URN, pcx_id, outs)
        texts.extend(host.stderr_lines)
    with DynamicProviderHost(env={"HOME": str(tmp_path / "elsewhere")}) as host:
        host.configure({"heroku:apiKey": secret + "-wrong"})
        with pytest.raises(ProviderError) as unauthorized:
            host.create(URN, props(sandbox, pcx_id))
        texts.append(unauthorized.value.message)
        texts.extend(host.stderr_lines)
    assert len(texts) > 6
    for text in texts:
        assert secret not in text


def test_serialized_provider_is_small_and_holds_no_secret() -> None:
    provider = PeeringAcceptanceProvider()

    class Request:
        class config:  # noqa: N801 - stands in for pulumi.dynamic.Config
            @staticmethod
            def get(key: str) -> str:
                return "tok-configured-in-program"

    provider.configure(Request())  # type: ignore[arg-type]
    serialized = serialize_provider(provider)
    assert len(serialized) < 200
    assert b"tok-configured" not in base64.b64decode(serialized)
