"""The package's schema: the committed schema.json is what the provider serves (the CLI's `pulumi package
get-schema` is compared with it in test_yaml_consumer.py), each input and output is described, the
component takes every input the Python component takes, under the same names, and the acceptance every
property its provider reads and writes; the package is versioned from one place."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import peering
import providers
from component_package.acceptance import INPUT_KEYS, KEYS, TO_WIRE, TYPE
from component_package.heroku_peering import HerokuPeeringInputs, Ingress, peering_args
from component_package.schema import PROPERTIES, PackageProvider, acceptance_resource

pytestmark = pytest.mark.program

PACKAGE = Path(__file__).resolve().parents[1]
COMPONENT = "heroku-peering:index:HerokuPeering"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    served: dict[str, Any] = json.loads(PackageProvider().schema or "{}")
    return served


def test_the_committed_schema_is_the_served_one(schema: dict[str, Any]) -> None:
    committed = json.loads((PACKAGE / "schema.json").read_text())
    assert committed == schema, "run `pulumi package get-schema ./component_package > component_package/schema.json`"


def test_the_version_comes_from_one_place(schema: dict[str, Any]) -> None:
    assert schema["version"] == providers.__version__
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and '{attr = "providers.__version__"}' in pyproject


def descriptions_missing(node: Any, path: str = "") -> list[str]:
    """Every property (inputs, outputs, object types' fields) without a description."""
    missing = []
    if isinstance(node, dict):
        for group in ("inputProperties", "properties"):
            for name, prop in (node.get(group) or {}).items():
                if not str(prop.get("description", "")).strip():
                    missing.append(f"{path}.{group}.{name}")
        for key, value in node.items():
            if isinstance(value, dict):
                missing.extend(descriptions_missing(value, f"{path}.{key}"))
    return missing


def test_every_input_and_output_is_described(schema: dict[str, Any]) -> None:
    assert descriptions_missing(schema) == []
    for section in ("resources", "types"):
        for token, item in schema[section].items():
            assert str(item.get("description", "")).strip(), token
    assert "\n" not in json.dumps(schema).replace("\\n", "")  # docstrings tidied into one line each


def test_the_component_takes_every_input_of_the_python_component(schema: dict[str, Any]) -> None:
    fields = list(peering.config_keys())
    assert list(HerokuPeeringInputs.__annotations__) == fields
    inputs = schema["resources"][COMPONENT]["inputProperties"]
    assert sorted(inputs) == sorted(TO_WIRE.get(name) or wire(name) for name in fields)
    assert schema["resources"][COMPONENT]["requiredInputs"] == ["space", "vpcId"]
    assert list(Ingress.__annotations__) == [f.name for f in dataclasses.fields(peering.IngressArgs)]
    outputs = schema["resources"][COMPONENT]["properties"]
    assert sorted(outputs) == ["herokuStatus", "pcxId", "routeIds", "routedCidrs", "ruleIds"]


def wire(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_other_resources_outputs_may_be_given_where_ids_go(schema: dict[str, Any]) -> None:
    """What a consumer's resources give (ids) is not plain; what the stack config gives is."""
    inputs = schema["resources"][COMPONENT]["inputProperties"]
    assert "plain" not in inputs["vpcId"]
    assert "plain" not in inputs["routeTableIds"]["items"]
    assert "plain" not in inputs["ingress"]["items"]
    assert "plain" not in schema["types"]["heroku-peering:index:Ingress"]["properties"]["securityGroupId"]
    plain = {name for name, prop in inputs.items() if prop.get("plain")}
    assert plain == set(inputs) - {"vpcId"}


def test_the_acceptance_has_every_property_its_provider_reads_and_writes(schema: dict[str, Any]) -> None:
    assert set(PROPERTIES) == set(KEYS)
    resource = schema["resources"][TYPE]
    assert resource == acceptance_resource()
    assert set(resource["inputProperties"]) == {TO_WIRE[key] for key in INPUT_KEYS}
    assert set(resource["properties"]) == {TO_WIRE[key] for key in KEYS}


def test_the_token_is_a_secret_of_the_provider_config(schema: dict[str, Any]) -> None:
    assert schema["config"]["variables"]["apiKey"]["secret"] is True
    assert schema["provider"]["inputProperties"]["apiKey"]["secret"] is True
    for resource in schema["resources"].values():
        assert not {"apiKey", "token"} & set(resource.get("inputProperties", {}))


def test_construct_inputs_become_the_python_components_args() -> None:
    """As Construct receives them: snake_case keys, numbers as floats, absent keys for defaults."""
    args = peering_args(
        {
            "space": "acme",
            "vpc_id": "vpc-0123456789abcdef0",
            "ingress": [{"security_group_id": "sg-0123456789abcdef0", "from_port": 5432.0, "to_port": 5432.0}],
            "visibility_timeout": 60.0,
            "tags": {"team": "data"},
            "pcx_id": None,
        }
    )
    defaults = peering.HerokuPeeringArgs("acme", "vpc-0123456789abcdef0")
    assert args == dataclasses.replace(
        defaults,
        ingress=[peering.IngressArgs("sg-0123456789abcdef0", from_port=5432, to_port=5432)],
        visibility_timeout=60,
        tags={"team": "data"},
    )
    assert isinstance(args.ingress[0].from_port, int) and isinstance(args.visibility_timeout, int)
    assert peering_args({"space": "acme", "vpc_id": "vpc-1", "activation_timeout": 1.5}).activation_timeout == 1.5
