"""The package's provider as the engine runs it (``python component_package <engine>``), over gRPC, against the
emulator and moto: the acceptance as a custom resource, its token from each source and nowhere else, its
progress at the engine with the resource's URN, its errors as one line, the package's property names, the
state a moved stack brings, and sixteen acceptances served at once (Pulumi's dynamic host serves four)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2

from component_package.servicer import DYNAMIC_PROVIDER_KEY, WORKERS
from sandbox.scenarios.peering_requests import request_peering
from sandbox.scenarios.provider_host import ProviderError, ProviderHost
from sandbox.world.heroku_world import Timings
from tests.support.sandboxes import SandboxFactory, StartedSandbox

from .fake_engine import FakeEngine, fake_engine

pytestmark = pytest.mark.e2e

PACKAGE = Path(__file__).resolve().parents[1]
QUICK = Timings(visibility_delay=0.3, provisioning=0.3, expiry=3600, deleted_retention=1.0)
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def urn(name: str) -> str:
    return (
        "urn:pulumi:dev::consumer::heroku-peering:index:HerokuPeering$heroku-peering:index:PeeringAcceptance::"
        f"{name}-accept"
    )


def props(sandbox: StartedSandbox, pcx_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "space": sandbox.info.space,
        "pcxId": pcx_id,
        "apiUrl": sandbox.info.heroku_url,
        "visibilityTimeout": 60,
        "activationTimeout": 60,
        **extra,
    }


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    with fake_engine() as started:
        yield started


def package_host(engine: FakeEngine, tmp_path: Path, **env: str) -> ProviderHost:
    """The plugin as Pulumi's Python host runs it: ``python <folder> <engine address>``, in the consumer's folder."""
    return ProviderHost(env=env, cwd=tmp_path, command=(sys.executable, str(PACKAGE), engine.address))


def test_the_acceptance_through_the_package_provider(
    make_sandbox: SandboxFactory, engine: FakeEngine, tmp_path: Path
) -> None:
    sandbox = make_sandbox(timings=QUICK)
    token = sandbox.info.heroku_api_key
    pcx_id = request_peering(sandbox.info)
    with package_host(engine, tmp_path) as host:
        assert host.plugin_info() == "0.1.0"
        schema = host.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema
        assert json.loads(schema) == json.loads((PACKAGE / "schema.json").read_text())
        host.configure({"apiKey": token})
        created_id, outputs = host.create(urn("main"), props(sandbox, pcx_id))
        assert created_id == pcx_id
        assert outputs["status"] == "active" and outputs["pcxId"] == pcx_id and outputs["type"] == "customer-managed"
        assert "pcx_id" not in outputs and None not in outputs.values()  # the package's names; unset ones left out
        assert host.read(urn("main"), pcx_id, outputs) == (pcx_id, outputs)
        host.delete(urn("main"), pcx_id, outputs)
        stderr = "\n".join(host.stderr_lines)
    progress = engine.messages(urn("main"))
    assert f"heroku: accepting {pcx_id} in space {sandbox.info.space}" in progress
    assert f"heroku: {pcx_id} is active in space {sandbox.info.space}" in progress
    assert any("ends when its AWS peering connection is deleted" in line for line in progress)
    assert engine.messages() and all(entry.urn == urn("main") for entry in engine.logged)
    assert token not in json.dumps([entry.message for entry in engine.logged]) + stderr + json.dumps(outputs)


@pytest.mark.parametrize("source", ["apiKey", "HEROKU_API_KEY", "netrc"])
def test_the_token_from_each_source_and_nowhere_else(
    make_sandbox: SandboxFactory, engine: FakeEngine, tmp_path: Path, source: str
) -> None:
    sandbox = make_sandbox(timings=QUICK)
    token = sandbox.info.heroku_api_key
    pcx_id = request_peering(sandbox.info)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    if source == "HEROKU_API_KEY":
        env["HEROKU_API_KEY"] = token
    if source == "netrc":  # what `heroku login` writes
        (home / ".netrc").write_text(f"machine api.heroku.com\n  login user@example.com\n  password {token}\n")
        (home / ".netrc").chmod(0o600)
    with package_host(engine, tmp_path, **env) as host:
        host.configure({"apiKey": token} if source == "apiKey" else {})
        _, outputs = host.create(urn("main"), props(sandbox, pcx_id))
        stderr = "\n".join(host.stderr_lines)
    assert outputs["status"] == "active"
    assert token not in json.dumps([entry.message for entry in engine.logged]) + stderr + json.dumps(outputs)


def test_without_a_token_the_message_names_the_packages_config_key(
    make_sandbox: SandboxFactory, engine: FakeEngine, tmp_path: Path
) -> None:
    sandbox = make_sandbox(timings=QUICK)
    pcx_id = request_peering(sandbox.info)
    with package_host(engine, tmp_path, HOME=str(tmp_path)) as host:
        host.configure({})
        with pytest.raises(ProviderError) as refused:
            host.create(urn("main"), props(sandbox, pcx_id))
    message = refused.value.message
    assert message.startswith("HerokuCredentialsError: No Heroku API token found. Set it in one of: stack config ")
    assert "pulumi config set --secret heroku-peering:apiKey" in message
    assert "\n" not in message and "Traceback" not in message and "Unexpected" not in message


def test_a_refusal_is_one_line(make_sandbox: SandboxFactory, engine: FakeEngine, tmp_path: Path) -> None:
    sandbox = make_sandbox(timings=QUICK)
    pcx_id = request_peering(sandbox.info)
    with package_host(engine, tmp_path) as host:
        host.configure({"apiKey": sandbox.info.heroku_api_key})
        with pytest.raises(ProviderError) as refused:
            host.create(urn("main"), props(sandbox, pcx_id, peerVpcId="vpc-0123456789abcdef0"))
    message = refused.value.message
    assert message.startswith(f"PeeringAcceptanceError: {pcx_id} in space {sandbox.info.space} connects VPC ")
    assert "not the expected vpc-0123456789abcdef0 (peer_vpc_id)" in message
    assert "\n" not in message and "Traceback" not in message and "Unexpected" not in message


def test_check_and_diff_speak_the_packages_names(
    make_sandbox: SandboxFactory, engine: FakeEngine, tmp_path: Path
) -> None:
    sandbox = make_sandbox(timings=QUICK)
    pcx_id = request_peering(sandbox.info)
    with package_host(engine, tmp_path) as host:
        host.configure({"apiKey": sandbox.info.heroku_api_key})
        _, failures = host.check(urn("main"), {}, props(sandbox, "pcx-nope"))
        assert [name for name, _ in failures] == ["pcxId"]
        inputs, failures = host.check(urn("main"), {}, props(sandbox, pcx_id, space={**SECRET, "value": "demo-space"}))
        assert failures == [] and inputs["space"] == {**SECRET, "value": "demo-space"}  # a secret stays one
        _, outputs = host.create(urn("main"), inputs)
        assert outputs["space"] == {**SECRET, "value": "demo-space"}
        plain = {**outputs, "space": "demo-space"}
        assert host.diff(urn("main"), pcx_id, plain, props(sandbox, pcx_id))["changes"] == "none"
        replaced = host.diff(urn("main"), pcx_id, plain, props(sandbox, "pcx-0123456789abcdef0"))
        assert replaced["changes"] == "some" and replaced["replaces"] == ["pcxId"]
        # The state a stack moved from the program brings (the dynamic resource's, aliased): one update rewrites it.
        moved = {
            DYNAMIC_PROVIDER_KEY: "gASV...",
            **{("pcx_id" if k == "pcxId" else "api_url" if k == "apiUrl" else k): v for k, v in plain.items()},
        }
        rewrite = host.diff(urn("main"), pcx_id, moved, props(sandbox, pcx_id))
        assert rewrite["changes"] == "some" and rewrite["replaces"] == [] and rewrite["diffs"] == [DYNAMIC_PROVIDER_KEY]
        updated = host.update(urn("main"), pcx_id, moved, props(sandbox, pcx_id))
        assert updated["pcxId"] == pcx_id and DYNAMIC_PROVIDER_KEY not in updated and "pcx_id" not in updated


def test_a_new_token_replaces_nothing(engine: FakeEngine, tmp_path: Path) -> None:
    def struct(values: dict[str, Any]) -> struct_pb2.Struct:
        made = struct_pb2.Struct()
        made.update(values)
        return made

    with package_host(engine, tmp_path) as host:
        checked = host.stub.CheckConfig(
            provider_pb2.CheckRequest(urn="urn:x", olds=struct({}), news=struct({"apiKey": "a", "space": "s"}))
        )
        assert not checked.failures  # other keys of the namespace are left alone
        diff = host.stub.DiffConfig(
            provider_pb2.DiffRequest(urn="urn:x", olds=struct({"apiKey": "a"}), news=struct({"apiKey": "b"}))
        )
        assert (
            diff.changes == provider_pb2.DiffResponse.DIFF_SOME and not diff.replaces and not diff.deleteBeforeReplace
        )


def test_sixteen_acceptances_are_served_at_once(
    make_sandbox: SandboxFactory, engine: FakeEngine, tmp_path: Path
) -> None:
    """Heroku's clock stands still, so every accepted peering stays provisioning, until all sixteen accepts have
    arrived: a provider that served fewer at a time would wait on its first ones until their deadline, and fail."""
    count = 16
    accepted: set[str] = set()
    lock = threading.Lock()
    start = 1_000_000.0

    def clock() -> float:
        with lock:
            return start + (3600.0 if len(accepted) >= count else 0.0)

    sandbox = make_sandbox(timings=Timings(visibility_delay=0, provisioning=60, expiry=86_400), clock=clock)
    world = sandbox.world
    accept = world.accept

    def counted(space: Any, pcx_id: str) -> dict[str, Any]:
        answer = accept(space, pcx_id)
        with lock:
            accepted.add(pcx_id)
        return answer

    world.accept = counted  # type: ignore[method-assign]
    pcx_ids = [request_peering(sandbox.info) for _ in range(count)]
    assert count <= WORKERS
    with package_host(engine, tmp_path) as host:
        host.configure({"apiKey": sandbox.info.heroku_api_key})
        with ThreadPoolExecutor(max_workers=count) as pool:
            results = list(
                pool.map(
                    lambda item: host.create(urn(f"p{item[0]}"), props(sandbox, item[1], activationTimeout=120)),
                    enumerate(pcx_ids),
                )
            )
    assert sorted(created for created, _ in results) == sorted(pcx_ids)
    assert all(outputs["status"] == "active" for _, outputs in results)
    assert accepted == set(pcx_ids)
