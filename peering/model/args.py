"""One peering as a user asks for it: ``HerokuPeeringArgs``, read from the stack config or written in a program.

Each field carries its stack-config key and its check (``ConfigKey``, in the field's metadata):
reading the stack config, checking the args and the tests that hold ``Pulumi.yaml`` and the README
to the program all walk the fields, so an optional key is one field here. ``checked`` gives the
args normalised (``all`` as ``-1``, default ports and description) and the problems, each naming
the key, the value and the fix. VPC-side ids may be ``pulumi.Input``s (resources of the same
program): pre-flight checks them once they are known.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from providers.acceptance_flow import DEFAULT_ACTIVATION_TIMEOUT, DEFAULT_VISIBILITY_TIMEOUT
from providers.heroku_models import is_space_identity

from ..errors import did_you_mean, shown

if TYPE_CHECKING:
    import pulumi

ROUTE_TO = ("vpc", "space")
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1", "-1": "-1"}
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
RTB_ID = re.compile(r"^rtb-[0-9a-f]{8,17}$")
SG_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
PCX_ID = re.compile(r"^pcx-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
# EC2 (CreateTags, security-group rule descriptions): the limits AWS enforces.
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 128, 256, 50
DESCRIPTION_MAX = 255
DESCRIPTION_CHARS = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")
DEFAULT_DESCRIPTION = "from Heroku Private Space dynos"
# Tags this project adds to what it creates (the marker tells pre-flight which objects are the stack's own).
OWN_TAG_KEYS = ("Name", "heroku-space", "heroku-peering")
NAME_TAG_PREFIX = "heroku-"  # Name = heroku-<space>

Checked = tuple[Any, list[str]]  # a value normalised, and the problems found in it
Check = Callable[[Any, str], Checked]  # (value, where the key is written: "heroku-peering:vpcId") -> ...


@dataclass(frozen=True)
class ConfigKey:
    """How one field is written in the stack config, and how it is checked."""

    name: str  # the key, e.g. visibilityTimeout
    check: Check
    text: bool = False  # read as text (`type: string` in Pulumi.yaml); otherwise as JSON
    shared: bool = False  # with `peerings`, a top-level value is every item's default
    read: Check | None = None  # from the stack config's form to the field's (ingress: objects to IngressArgs)


def _key(name: str, check: Check, **options: Any) -> dict[str, ConfigKey]:
    return {"config": ConfigKey(name, check, **options)}


def is_pending(value: Any) -> bool:
    """An id a resource of the program will know (``Output`` or awaitable): checked by pre-flight when known.

    Only a program that has imported Pulumi can hold an ``Output``; the doctor, which never does, reads
    plain values."""
    pulumi = sys.modules.get("pulumi")
    return (pulumi is not None and isinstance(value, pulumi.Output)) or inspect.isawaitable(value)


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return is_pending(value) or (isinstance(value, str) and bool(pattern.match(value)))


def _whole(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _valid_ports(low: Any, high: Any) -> bool:
    return _whole(low, high) and 0 <= low <= high <= 65535


def _valid_icmp(icmp_type: Any, code: Any) -> bool:
    """AWS: type and code each -1..255; "all types" (-1) requires "all codes" (-1)."""
    if not _whole(icmp_type, code) or not (-1 <= icmp_type <= 255 and -1 <= code <= 255):
        return False
    return bool(icmp_type != -1 or code == -1)


# -- the checks, one per key ---------------------------------------------------------------------


def problem(value: Any, at: str, fix: str) -> Checked:
    """The value as given, and its one problem: where it is written, what it is, the fix."""
    return value, [f"{at} = {shown(value)}: {fix}"]


def _space(value: Any, at: str) -> Checked:
    if isinstance(value, str) and value.strip() != value:
        return problem(value, at, f"remove the spaces around it: {value.strip()!r}")
    if not is_space_identity(value):
        fix = "set the Private Space name: pulumi config set space <name>"
        if isinstance(value, str) and value:
            fix = "not a Heroku space name (lowercase letters, digits, single dashes; see `heroku spaces`) or UUID"
        return problem(value, at, fix)
    if len(NAME_TAG_PREFIX) + len(value) > TAG_VALUE_MAX:
        limit = f"the tag Name = {NAME_TAG_PREFIX}<space> would pass AWS's {TAG_VALUE_MAX} characters"
        return problem(value, at, limit)
    return value, []


def _vpc_id(value: Any, at: str) -> Checked:
    if _matches(VPC_ID, value):
        return value, []
    return problem(value, at, "set the id of your VPC (vpc-...): pulumi config set vpcId vpc-0123456789abcdef0")


def _route_tables(value: Any, at: str) -> Checked:
    if value is None or (isinstance(value, (list, tuple)) and not value):
        return None, []  # every route table of the VPC
    if isinstance(value, (list, tuple)) and all(_matches(RTB_ID, table) for table in value):
        return tuple(value), []
    return problem(value, at, "give a list of route table ids (rtb-...), or leave it unset for all of the VPC's")


def _route_to(value: Any, at: str) -> Checked:
    value = value or "vpc"
    if value in ROUTE_TO:
        return value, []
    return problem(value, at, "use `vpc` (route the space's whole vpc_cidr, Heroku's advice) or `space`")


def _seconds(value: Any, at: str) -> Checked:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return problem(value, at, "give a positive whole number of seconds")
    return value, []


def _api_url(value: Any, at: str) -> Checked:
    if not value:
        return None, []
    if isinstance(value, str):
        return value, []  # its form is the client's to check (https, or http to loopback)
    return problem(value, at, "give a URL such as https://api.heroku.com")


def _pcx_id(value: Any, at: str) -> Checked:
    if not value:
        return None, []
    if isinstance(value, str) and PCX_ID.match(value):
        return value, []
    return problem(value, at, "give the id of the hand-made peering connection to adopt (pcx-...), or unset it")


def _flag(value: Any, at: str) -> Checked:
    if value is None:
        return False, []
    if isinstance(value, bool):
        return value, []
    return problem(value, at, "give true or false")


def _tags(raw: Any, at: str) -> Checked:
    """AWS's tag rules: string keys and values, no ``aws:`` prefix, key <= 128, value <= 256, 50 at most."""
    tags = raw or {}
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        return problem(raw, at, "give a map of string keys to string values")
    problems = []
    for key, value in tags.items():
        if key in OWN_TAG_KEYS:
            problems.append(
                f"{at}.{shown(key)}: this project sets {key} itself (Name: heroku-<space>; heroku-space: the space; "
                "heroku-peering: which stack and peering made the object, how pre-flight tells its own). Use another "
                "key."
            )
        if key.lower().startswith("aws:"):
            problems.append(f"{at}.{shown(key)}: the aws: prefix is reserved for AWS's own tags; rename it")
        if not key or len(key) > TAG_KEY_MAX:
            problems.append(f"{at}: the key {shown(key)} must have 1 to {TAG_KEY_MAX} characters")
        if len(value) > TAG_VALUE_MAX:
            problems.append(
                f"{at}.{shown(key)} = {shown(value)}: AWS allows at most {TAG_VALUE_MAX} characters "
                f"({len(value)} given)"
            )
    total = len({*tags, *OWN_TAG_KEYS})
    if total > TAGS_MAX:
        problems.append(
            f"{at}: {len(tags)} tags, with the {len(OWN_TAG_KEYS)} this project adds "
            f"({', '.join(OWN_TAG_KEYS)}) that is {total}; AWS allows {TAGS_MAX} per resource. Remove some."
        )
    return dict(tags), problems


def _ingress(raw: Any, at: str) -> Checked:
    if raw is None or (isinstance(raw, (list, tuple)) and not raw):
        return (), []
    if not isinstance(raw, (list, tuple)):
        return problem(
            raw, at, "give a list of rules like {securityGroupId: sg-..., protocol: tcp, fromPort: 5432, toPort: 5432}"
        )
    rules, problems = [], []
    for index, rule in enumerate(raw):
        checked_rule, found = _rule(rule, f"{at}[{index}]")
        rules.append(checked_rule)
        problems.extend(found)
    return tuple(rules), problems


def _rule(rule: Any, at: str) -> Checked:
    if not isinstance(rule, IngressArgs):
        return problem(rule, at, "each rule is an object with securityGroupId, protocol, fromPort, toPort")
    problems = []
    group = rule.security_group_id
    if not _matches(SG_ID, group):
        problems.append(f"{at}.securityGroupId = {shown(group)}: give a security group id (sg-...) of the VPC")
    protocol = PROTOCOLS.get(str(rule.protocol).lower())
    from_port, to_port = rule.from_port, rule.to_port
    description = rule.description or DEFAULT_DESCRIPTION
    ports_found = len(problems)
    if protocol is None:
        problems.append(f"{at}.protocol = {shown(rule.protocol)}: use tcp, udp, icmp or all")
    elif protocol == "-1":
        if from_port not in (None, -1) or to_port not in (None, -1):
            problems.append(
                f"{at}.fromPort/toPort = {shown(from_port)}/{shown(to_port)}: protocol {rule.protocol} opens every "
                "port, so AWS would ignore them; remove fromPort and toPort, or use tcp or udp for those ports"
            )
        from_port = to_port = None
    elif protocol == "icmp":
        # terraform-provider-aws: for ICMP, from_port is the type and to_port the code; -1 means all.
        from_port, to_port = -1 if from_port is None else from_port, -1 if to_port is None else to_port
        if not _valid_icmp(from_port, to_port):
            problems.append(
                f"{at}.fromPort/toPort = {shown(from_port)}/{shown(to_port)}: for icmp, fromPort is the ICMP "
                "type and toPort the ICMP code, each -1..255 (-1: all, the default); all types (-1) need all "
                "codes (-1)"
            )
    else:
        to_port = from_port if to_port is None else to_port
        if not _valid_ports(from_port, to_port):
            problems.append(
                f"{at}.fromPort/toPort = {shown(from_port)}/{shown(to_port)}: give ports 0-65535 with "
                "fromPort <= toPort"
            )
    if len(problems) > ports_found:
        return rule, problems  # the description is looked at once the protocol and ports are right
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        problems.append(f"{at}.description = {shown(description)}: give text of at most {DESCRIPTION_MAX} characters")
    elif not DESCRIPTION_CHARS.match(description):
        bad = sorted({c for c in description if not DESCRIPTION_CHARS.match(c)})
        problems.append(
            f"{at}.description = {shown(description)}: AWS does not allow {''.join(bad)!r} in rule "
            "descriptions (allowed: letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*)"
        )
    if problems or protocol is None:
        return rule, problems
    return IngressArgs(group, protocol, from_port, to_port, description), []


def _ingress_from_config(raw: Any, at: str) -> Checked:
    """The stack config's rules (objects with camelCase keys) as ``IngressArgs``; other items are left for
    the check to report, so that every message keeps the item's index."""
    if not isinstance(raw, list):
        return raw, []
    rules: list[Any] = []
    problems = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            rules.append(item)
            continue
        for key in sorted(set(item) - set(INGRESS_KEYS)):
            problems.append(f"{at}[{index}].{key} is not a key of a rule ({did_you_mean(key, INGRESS_KEYS)})")
        rules.append(IngressArgs(**{INGRESS_KEYS[key]: value for key, value in item.items() if key in INGRESS_KEYS}))
    return rules, problems


# -- the model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngressArgs:
    """A security-group rule opened to every dyno CIDR of the space (``ingress`` items, snake_case)."""

    security_group_id: pulumi.Input[str]
    protocol: str = "tcp"  # tcp, udp, icmp or all (-1)
    from_port: int | None = None  # icmp: the type (-1: all)
    to_port: int | None = None  # icmp: the code (-1: all); tcp/udp: defaults to from_port
    description: str | None = None


# The keys of an `ingress` item in the stack config, and the fields they fill.
INGRESS_KEYS = {
    "securityGroupId": "security_group_id",
    "protocol": "protocol",
    "fromPort": "from_port",
    "toPort": "to_port",
    "description": "description",
}


@dataclass(frozen=True)
class HerokuPeeringArgs:
    """One peering, in the stack config's terms; VPC-side ids may be ``pulumi.Input``s.

    Without ``api_url`` the client uses ``HEROKU_HOST``, else https://api.heroku.com; the token is the
    stack config's ``heroku:apiKey``, else ``HEROKU_API_KEY``, else ``~/.netrc``, in the program and in
    the provider alike (a token is never an input: inputs are stored in the state).
    """

    space: str = field(metadata=_key("space", _space, text=True))
    vpc_id: pulumi.Input[str] = field(metadata=_key("vpcId", _vpc_id, text=True))
    # None: every table of the VPC (a known id)
    route_table_ids: Sequence[pulumi.Input[str]] | None = field(
        default=None, metadata=_key("routeTableIds", _route_tables)
    )
    route_to: str = field(default="vpc", metadata=_key("routeTo", _route_to, text=True))
    ingress: Sequence[IngressArgs] = field(default=(), metadata=_key("ingress", _ingress, read=_ingress_from_config))
    tags: Mapping[str, str] = field(default_factory=dict, metadata=_key("tags", _tags, shared=True))
    visibility_timeout: int = field(
        default=DEFAULT_VISIBILITY_TIMEOUT, metadata=_key("visibilityTimeout", _seconds, shared=True)
    )
    activation_timeout: int = field(
        default=DEFAULT_ACTIVATION_TIMEOUT, metadata=_key("activationTimeout", _seconds, shared=True)
    )
    api_url: str | None = field(default=None, metadata=_key("herokuApiUrl", _api_url, text=True, shared=True))
    # a hand-made peering to adopt (plain ids only)
    pcx_id: str | None = field(default=None, metadata=_key("pcxId", _pcx_id, text=True))
    # the engine refuses to delete or replace anything of the peering (prod)
    protect: bool = field(default=False, metadata=_key("protect", _flag, shared=True))
    # Pulumi's retainOnDelete for the peering's resources: a destroy (or the peering removed from the program)
    # leaves them in place and deletes only the stack's claim tag, so that another stack may adopt the peering
    retain_on_delete: bool = field(default=False, metadata=_key("retainOnDelete", _flag, shared=True))


def config_keys() -> dict[str, ConfigKey]:
    """Each field of ``HerokuPeeringArgs`` and its key, in the fields' order."""
    return {f.name: f.metadata["config"] for f in fields(HerokuPeeringArgs)}


def required_fields() -> frozenset[str]:
    return frozenset(f.name for f in fields(HerokuPeeringArgs) if f.default is MISSING and f.default_factory is MISSING)


def checked(args: HerokuPeeringArgs, where: str) -> tuple[HerokuPeeringArgs, list[str]]:
    """The args normalised, and every problem; ``where`` prefixes each key (``heroku-peering:``)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, key in config_keys().items():
        values[name], found = key.check(getattr(args, name), where + key.name)
        problems.extend(found)
    return HerokuPeeringArgs(**values), problems


def is_plain(args: HerokuPeeringArgs) -> bool:
    """Every VPC-side id is known now (no ``Output``), so pre-flight can run at once."""
    ids = [args.vpc_id, *(args.route_table_ids or ()), *(rule.security_group_id for rule in args.ingress)]
    return not any(is_pending(value) for value in ids)


@dataclass(frozen=True)
class NamedPeering:
    """One peering of a program: its name (it names the resources), where it was written, its args."""

    name: str
    where: str  # prefixes every key in messages: "heroku-peering:", "...:peerings[1].", "HerokuPeering app: "
    args: HerokuPeeringArgs

    @classmethod
    def for_component(cls, name: str, args: HerokuPeeringArgs) -> NamedPeering:
        """As ``HerokuPeering(name, args)`` names it in its messages."""
        return cls(name, f"HerokuPeering {name}: ", args)
