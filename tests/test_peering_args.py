"""``HerokuPeeringArgs``, the one model of a peering: its keys match ``Pulumi.yaml``, and the stack config and
a program's own args give the same checked model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from peering.errors import PlanError
from peering.model.args import HerokuPeeringArgs, IngressArgs, checked, config_keys, required_fields
from peering.model.stack_config import read_peerings

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
DECLARED = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
KEYS = config_keys()
OPTIONAL = sorted(name for name in KEYS if name not in required_fields())
BASE = {"space": "demo-space", "vpcId": "vpc-0a1b2c3d4e5f60001"}
# The Pulumi.yaml type each field's annotation stands for (a new annotation needs its row).
TYPES = {
    "str": "string",
    "str | None": "string",
    "pulumi.Input[str]": "string",
    "int": "integer",
    "bool": "boolean",
    "Sequence[pulumi.Input[str]] | None": "array",
    "Sequence[IngressArgs]": "array",
    "Mapping[str, str]": "object",
}


def read(values: dict[str, Any]) -> HerokuPeeringArgs:
    [peering] = read_peerings(values.get)
    return peering.args


@pytest.mark.parametrize("name", sorted(KEYS))
def test_each_field_is_declared_in_pulumi_yaml_with_its_type(name: str) -> None:
    key = KEYS[name]
    assert DECLARED[key.name]["type"] == TYPES[str(HerokuPeeringArgs.__dataclass_fields__[name].type)]
    assert key.text == (DECLARED[key.name]["type"] == "string")  # read as text exactly when declared a string


@pytest.mark.parametrize("name", OPTIONAL)
def test_pulumi_yamls_default_is_the_programs(name: str) -> None:
    """The CLI passes Pulumi.yaml's `default:` as a value: it must read as the key left unset (one default)."""
    key = KEYS[name].name
    assert read({**BASE, key: DECLARED[key]["default"]}) == read(BASE)


# Valid and invalid values of each key, the valid ones drawn more often so that both outcomes are common.
rules = st.builds(
    IngressArgs,
    st.sampled_from(["sg-0000000000000000a"] * 4 + ["sg-1"]),
    st.sampled_from(["tcp", "udp", "icmp", "all", "-1", "TCP", "sctp"]),
    st.none() | st.integers(-2, 300) | st.integers(65530, 65540),
    st.none() | st.integers(-2, 300) | st.integers(65530, 65540),
    st.none() | st.sampled_from(["", "to the database", "d" * 256, "dynos → db"]),
)
peerings = st.fixed_dictionaries(
    {
        "space": st.sampled_from(["demo-space"] * 4 + [""]),
        "vpc_id": st.sampled_from([BASE["vpcId"]] * 4 + ["my-vpc"]),
    },
    optional={
        "route_table_ids": st.lists(st.sampled_from(["rtb-0000000000000000a", "rtb-1"]), max_size=2),
        "route_to": st.sampled_from(["vpc", "space", "", "everything"]),
        "ingress": st.lists(rules, max_size=3),
        "tags": st.dictionaries(st.sampled_from(["team", "aws:owner", "k" * 129]), st.sampled_from(["a", "v" * 257])),
        "visibility_timeout": st.integers(-5, 5000),
        "activation_timeout": st.integers(-5, 5000),
        "api_url": st.sampled_from(["", "https://api.heroku.com"]),
        "pcx_id": st.sampled_from(["", "pcx-0123456789abcdef0", "pcx-1"]),
    },
)


def as_stack_config(values: dict[str, Any]) -> dict[str, Any]:
    """The same peering as a stack file writes it: camelCase keys, rules as objects, unset ports left out."""
    config = {KEYS[name].name: value for name, value in values.items() if name != "ingress"}
    if "ingress" in values:
        config["ingress"] = [
            {
                key: value
                for key, value in {
                    "securityGroupId": rule.security_group_id,
                    "protocol": rule.protocol,
                    "fromPort": rule.from_port,
                    "toPort": rule.to_port,
                    "description": rule.description,
                }.items()
                if value is not None
            }
            for rule in values["ingress"]
        ]
    return config


@settings(max_examples=200)
@given(peerings)
def test_the_stack_config_and_a_programs_args_give_the_same_checked_model(values: dict[str, Any]) -> None:
    expected, problems = checked(HerokuPeeringArgs(**values), "heroku-peering:")
    if problems:
        with pytest.raises(PlanError) as caught:
            read(as_stack_config(values))
        assert caught.value.problems == problems
    else:
        assert read(as_stack_config(values)) == expected
        assert checked(expected, "heroku-peering:") == (expected, [])  # checking a checked model changes nothing
