"""The stack config this program reads, parsed into typed specs with errors that name the key.

Single form: ``space``, ``vpcId``, ``routeTableIds``, ``routeTo``, ``ingress``, ``tags``,
``visibilityTimeout``, ``activationTimeout``, ``herokuApiUrl``, ``pcxId``. Several peerings:
``peerings``, a list whose items take the same keys (and ``name``); top-level ``tags``, timeouts
and ``herokuApiUrl`` are defaults for every item, and the keys that only make sense per peering
are refused at the top level. Unknown keys are refused everywhere, with the nearest known one.
Tags and rule descriptions are held to AWS's limits, so that AWS never refuses them mid-`up`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.config import CONFIG, get_config_env

from providers.peering_acceptance import DEFAULT_ACTIVATION_TIMEOUT, DEFAULT_VISIBILITY_TIMEOUT

from .errors import PlanError, did_you_mean, shown

PROJECT = "heroku-peering"
ROUTE_TO = ("vpc", "space")
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1", "-1": "-1"}
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
RTB_ID = re.compile(r"^rtb-[0-9a-f]{8,17}$")
SG_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
PCX_ID = re.compile(r"^pcx-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# EC2 (CreateTags, security-group rule descriptions): the limits AWS enforces.
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 128, 256, 50
DESCRIPTION_MAX = 255
DESCRIPTION_CHARS = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")
# Tags this project adds to what it creates (the marker tells pre-flight which objects are the stack's own).
OWN_TAG_KEYS = ("Name", "heroku-space", "heroku-peering")
SPEC_KEYS = {
    "space",
    "vpcId",
    "routeTableIds",
    "routeTo",
    "ingress",
    "tags",
    "visibilityTimeout",
    "activationTimeout",
    "herokuApiUrl",
    "pcxId",
}
ITEM_KEYS = {*SPEC_KEYS, "name"}
# With `peerings`, these only make sense per item; the others are defaults for every item.
PER_PEERING_KEYS = ("space", "vpcId", "routeTableIds", "routeTo", "ingress", "pcxId")
TOP_LEVEL_KEYS = frozenset({*SPEC_KEYS, "peerings"})
INGRESS_KEYS = {"securityGroupId", "protocol", "fromPort", "toPort", "description"}
# Every key the program reads, for the test that compares them with Pulumi.yaml.
PROGRAM_KEYS = frozenset({*(f"{PROJECT}:{key}" for key in (*SPEC_KEYS, "peerings")), "heroku:apiKey"})


@dataclass(frozen=True)
class IngressRule:
    security_group_id: str
    protocol: str  # tcp, udp, icmp or -1
    from_port: int | None
    to_port: int | None
    description: str


@dataclass(frozen=True)
class PeeringSpec:
    """What the user asked for, before anything is looked up."""

    name: str
    space: str
    vpc_id: str
    key_prefix: str  # where this spec lives in the config, for error messages
    route_table_ids: tuple[str, ...] | None = None  # None: every route table of the VPC
    route_to: str = "vpc"
    ingress: tuple[IngressRule, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT
    activation_timeout: int = DEFAULT_ACTIVATION_TIMEOUT
    heroku_api_url: str | None = None
    pcx_id: str | None = None  # a hand-made peering to adopt


Getter = Callable[[str], Any]
STRING_KEYS = frozenset({"space", "vpcId", "routeTo", "herokuApiUrl", "pcxId"})


def config_getter(config: Any) -> Getter:
    """Read ``heroku-peering:<key>`` from a ``pulumi.Config``: strings as text, everything else as JSON."""

    def get(key: str) -> Any:
        if key in STRING_KEYS:
            return config.get(key)
        raw = config.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # reported by the checks with the key's name

    return get


def stack_config_keys() -> set[str]:
    """Every key set in the stack config, as the language host hands it to the program."""
    return {*get_config_env(), *CONFIG.get()}


def unknown_keys(keys: Iterable[str]) -> list[str]:
    """Problems for the project's config keys the program does not read (``heroku-peering:vpcID``...)."""
    problems = []
    for key in sorted(keys):
        namespace, _, name = key.partition(":")
        if namespace == PROJECT and name not in TOP_LEVEL_KEYS:
            problems.append(
                f"{PROJECT}:{name} is not a key this program reads ({did_you_mean(name, TOP_LEVEL_KEYS)}). "
                f"Remove it: pulumi config rm {PROJECT}:{name}"
            )
    return problems


def read_specs(get: Getter, config_keys: Iterable[str] = ()) -> list[PeeringSpec]:
    """``get(key)`` returns the parsed value of ``heroku-peering:<key>`` or None."""
    problems: list[str] = unknown_keys(config_keys)
    defaults = {key: get(key) for key in ("tags", "visibilityTimeout", "activationTimeout", "herokuApiUrl")}
    peerings = get("peerings")
    if peerings is not None and peerings != []:
        for key in PER_PEERING_KEYS:
            if get(key) not in (None, "", []):
                problems.append(
                    f"{PROJECT}:{key} is set at the top level together with {PROJECT}:peerings, where it would be "
                    f"ignored: it only makes sense per peering. Move it into the items of peerings that need it."
                )
        if not isinstance(peerings, list):
            problems.append(f"{PROJECT}:peerings = {shown(peerings)}: give a list of peerings, each with space, vpcId")
            raise PlanError(problems)
        specs = []
        for index, item in enumerate(peerings):
            prefix = f"{PROJECT}:peerings[{index}]"
            if not isinstance(item, dict):
                problems.append(f"{prefix} = {shown(item)}: each peering is an object with space and vpcId.")
                continue
            for key in sorted(set(item) - ITEM_KEYS):
                problems.append(f"{prefix}.{key} is not a key of a peering ({did_you_mean(key, ITEM_KEYS)}).")
            merged = {**{k: v for k, v in defaults.items() if v is not None}, **item}
            spec = _spec(merged.get, prefix + ".", problems, item.get("name"))
            if spec:
                specs.append(spec)
    else:
        spec = _spec(get, f"{PROJECT}:", problems, None)
        specs = [spec] if spec else []
    if problems:
        raise PlanError(problems)
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PlanError(
            [
                f"{PROJECT}:peerings has several items named {duplicates}: give each item a distinct `name` "
                "(it names the resources)."
            ]
        )
    return specs


def _spec(get: Getter, prefix: str, problems: list[str], name: Any) -> PeeringSpec | None:
    before = len(problems)

    def problem(key: str, value: Any, fix: str) -> None:
        problems.append(f"{prefix}{key} = {shown(value)}: {fix}")

    space, vpc_id = get("space"), get("vpcId")
    if not isinstance(space, str) or not space:
        problem("space", space, "set the Private Space name: pulumi config set space <name>")
    if not isinstance(vpc_id, str) or not VPC_ID.match(vpc_id):
        problem("vpcId", vpc_id, "set the id of your VPC (vpc-...): pulumi config set vpcId vpc-0123456789abcdef0")
    tables = get("routeTableIds") or None  # empty: every route table of the VPC
    if tables is not None and (
        not isinstance(tables, list) or not all(isinstance(t, str) and RTB_ID.match(t) for t in tables)
    ):
        problem(
            "routeTableIds", tables, "give a list of route table ids (rtb-...), or leave it unset for all of the VPC's"
        )
    route_to = get("routeTo") or "vpc"
    if route_to not in ROUTE_TO:
        problem("routeTo", route_to, "use `vpc` (route the space's whole vpc_cidr, Heroku's advice) or `space`")
    tags = _tags(get("tags"), prefix, problems)
    timeouts = {}
    for key, default in (
        ("visibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT),
        ("activationTimeout", DEFAULT_ACTIVATION_TIMEOUT),
    ):
        value = get(key)
        value = default if value is None else value
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problem(key, value, "give a positive whole number of seconds")
            value = default
        timeouts[key] = value
    api_url = get("herokuApiUrl") or None
    if api_url is not None and not isinstance(api_url, str):
        problem("herokuApiUrl", api_url, "give a URL such as https://api.heroku.com")
    pcx_id = get("pcxId") or None
    if pcx_id is not None and not (isinstance(pcx_id, str) and PCX_ID.match(pcx_id)):
        problem("pcxId", pcx_id, "give the id of the hand-made peering connection to adopt (pcx-...), or unset it")
    ingress = _ingress(get("ingress"), prefix, problems)
    if name is not None and (not isinstance(name, str) or not NAME.match(name)):
        problem("name", name, "use lowercase letters, digits and dashes")
    if len(problems) > before:
        return None
    return PeeringSpec(
        name=name or (space if prefix == f"{PROJECT}:" else f"{space}-{vpc_id}"),
        space=space,
        vpc_id=vpc_id,
        key_prefix=prefix,
        route_table_ids=tuple(tables) if tables is not None else None,
        route_to=route_to,
        ingress=ingress,
        tags=dict(tags),
        visibility_timeout=timeouts["visibilityTimeout"],
        activation_timeout=timeouts["activationTimeout"],
        heroku_api_url=api_url,
        pcx_id=pcx_id,
    )


def _tags(raw: Any, prefix: str, problems: list[str]) -> dict[str, str]:
    """AWS's tag rules: string keys and values, no ``aws:`` prefix, key <= 128, value <= 256, 50 at most."""
    tags = raw or {}
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        problems.append(f"{prefix}tags = {shown(raw)}: give a map of string keys to string values")
        return {}
    found = len(problems)
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            problems.append(f"{prefix}tags.{shown(key)}: the aws: prefix is reserved for AWS's own tags; rename it")
        if not key or len(key) > TAG_KEY_MAX:
            problems.append(f"{prefix}tags: the key {shown(key)} must have 1 to {TAG_KEY_MAX} characters")
        if len(value) > TAG_VALUE_MAX:
            problems.append(
                f"{prefix}tags.{shown(key)} = {shown(value)}: AWS allows at most {TAG_VALUE_MAX} characters "
                f"({len(value)} given)"
            )
    total = len({*tags, *OWN_TAG_KEYS})
    if total > TAGS_MAX:
        problems.append(
            f"{prefix}tags: {len(tags)} tags, with the {len(OWN_TAG_KEYS)} this project adds "
            f"({', '.join(OWN_TAG_KEYS)}) that is {total}; AWS allows {TAGS_MAX} per resource. Remove some."
        )
    return {} if len(problems) > found else dict(tags)


def _ingress(raw: Any, prefix: str, problems: list[str]) -> tuple[IngressRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(
            f"{prefix}ingress = {shown(raw)}: give a list of rules like "
            "{securityGroupId: sg-..., protocol: tcp, fromPort: 5432, toPort: 5432}"
        )
        return ()
    rules = []
    for index, item in enumerate(raw):
        where = f"{prefix}ingress[{index}]"
        if not isinstance(item, dict):
            problems.append(
                f"{where} = {shown(item)}: each rule is an object with securityGroupId, protocol, fromPort, toPort"
            )
            continue
        for key in sorted(set(item) - INGRESS_KEYS):
            problems.append(f"{where}.{key} is not a key of a rule ({did_you_mean(key, INGRESS_KEYS)})")
        group = item.get("securityGroupId")
        if not isinstance(group, str) or not SG_ID.match(group):
            problems.append(f"{where}.securityGroupId = {shown(group)}: give a security group id (sg-...) of the VPC")
        protocol = PROTOCOLS.get(str(item.get("protocol", "tcp")).lower())
        if protocol is None:
            problems.append(f"{where}.protocol = {shown(item.get('protocol'))}: use tcp, udp, icmp or all")
            continue
        if protocol == "-1":
            from_port = to_port = None
        elif protocol == "icmp":
            # terraform-provider-aws: for ICMP, from_port is the type and to_port the code; -1 means all.
            from_port, to_port = item.get("fromPort", -1), item.get("toPort", -1)
            if not _valid_icmp(from_port, to_port):
                problems.append(
                    f"{where}.fromPort/toPort = {shown(from_port)}/{shown(to_port)}: for icmp, fromPort is the ICMP "
                    "type and toPort the ICMP code, each -1..255 (-1: all, the default); all types (-1) need all "
                    "codes (-1)"
                )
                continue
        else:
            from_port, to_port = item.get("fromPort"), item.get("toPort", item.get("fromPort"))
            if not _valid_ports(from_port, to_port):
                problems.append(
                    f"{where}.fromPort/toPort = {shown(from_port)}/{shown(to_port)}: give ports 0-65535 with "
                    "fromPort <= toPort"
                )
                continue
        description = item.get("description") or "from Heroku Private Space dynos"
        if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
            problems.append(
                f"{where}.description = {shown(description)}: give text of at most {DESCRIPTION_MAX} characters"
            )
            continue
        if not DESCRIPTION_CHARS.match(description):
            bad = sorted({c for c in description if not DESCRIPTION_CHARS.match(c)})
            problems.append(
                f"{where}.description = {shown(description)}: AWS does not allow {''.join(bad)!r} in rule "
                "descriptions (allowed: letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*)"
            )
            continue
        if isinstance(group, str) and SG_ID.match(group):
            rules.append(IngressRule(group, protocol, from_port, to_port, description))
    return tuple(rules)


def _whole(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _valid_ports(low: Any, high: Any) -> bool:
    return _whole(low, high) and 0 <= low <= high <= 65535


def _valid_icmp(icmp_type: Any, code: Any) -> bool:
    """AWS: type and code each -1..255; "all types" (-1) requires "all codes" (-1)."""
    if not _whole(icmp_type, code) or not (-1 <= icmp_type <= 255 and -1 <= code <= 255):
        return False
    return bool(icmp_type != -1 or code == -1)


def checked_spec(values: Mapping[str, Any], prefix: str, name: str) -> PeeringSpec:
    """One peering's values in the stack config's terms (camelCase keys), checked; PlanError lists problems."""
    problems: list[str] = []
    for key in sorted(set(values) - SPEC_KEYS):
        problems.append(f"{prefix}{key} is not a key of a peering ({did_you_mean(key, SPEC_KEYS)}).")
    spec = _spec(values.get, prefix, problems, name)
    if problems or spec is None:
        raise PlanError(problems)
    return spec
