"""What the plugin knows of one pulumi-aws resource type, and the plan (Check and Diff) it derives from it.

pulumi-aws bridges terraform-provider-aws: which inputs force a replacement, which change in place,
which are Optional+Computed (unset in the program is no difference) and which calls each step makes
come from that provider's schema and CRUD code; each type's module cites the file it copies.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import SandboxError
from .aws_errors import ProviderRefusal
from .ec2_session import Ec2Session
from .validation import Attr, framework_failures, sdk_failures
from .wire import UNKNOWN, Properties, is_unknown

DEFAULTS = "__defaults"  # the bridge's list of the inputs Check filled with defaults
Create = Callable[[Ec2Session, Properties], tuple[str, Properties]]
Read = Callable[[Ec2Session, str, Properties], Properties | None]
Update = Callable[[Ec2Session, str, Properties, Properties], Properties]
Delete = Callable[[Ec2Session, str, Properties], None]
Import = Callable[[Ec2Session, str], tuple[str, Properties] | None]
Validate = Callable[[Properties], list[tuple[str, str]]]
REGION = "region"
# An import id may end in "@<region>" (internal/provider/sdkv2/region.go importRegion,
# internal/types/aws_region.go CanonicalRegionPatternNoAnchors).
IMPORT_REGION = re.compile(r"^(.+)@([a-z]{2,4}(?:-[a-z]+)+-\d{1,2})$")


def split_import_id(import_id: str) -> tuple[str, str | None]:
    """The import id and the region it names ("pcx-1@eu-west-1"), or None for the provider's."""
    found = IMPORT_REGION.match(import_id)
    return (found.group(1), found.group(2)) if found else (import_id, None)


class PartialCreate(SandboxError):
    """The object was made, then its create failed: the engine records it with this error (an init error)."""

    def __init__(self, id_: str, outputs: Properties, message: str) -> None:
        super().__init__(message)
        self.id_ = id_
        self.outputs = outputs
        self.message = message


@dataclass(frozen=True)
class PropertyChange:
    key: str
    kind: str  # add, update, delete (the engine's PropertyDiff kinds)
    replaces: bool
    old: Any = None
    new: Any = None
    forced: bool = False  # replaced by CustomizeDiff's ForceNew, not the schema's (the bridge names it __meta)


@dataclass(frozen=True)
class Plan:
    changes: tuple[PropertyChange, ...]

    @property
    def replaces(self) -> list[str]:
        return [change.key for change in self.changes if change.replaces]


def _empty(value: Any) -> bool:
    """Terraform's SDK reads an unset string, map or list and an empty one alike."""
    return value is None or value in ("", {}, [])


@dataclass(frozen=True)
class ResourceType:
    token: str
    source: str  # the terraform-provider-aws file whose schema and CRUD this copies
    required: frozenset[str]
    force_new: frozenset[str]  # ForceNew / RequiresReplace
    in_place: frozenset[str]  # changed by Update
    create: Create
    read: Read
    update: Update
    delete: Delete
    import_read: Import | None = None  # the importer: import id -> the id and live outputs; None: not importable
    computed_inputs: frozenset[str] = frozenset()  # Optional+Computed: unset in the program is no difference
    computed_outputs: tuple[str, ...] = ()  # unknown in a preview of a create
    defaults: Mapping[str, Any] = field(default_factory=dict)  # schema defaults Check fills in
    autoname: str | None = None  # the input Check fills with "<resource name>-<7 hex>" when unset
    tagged: bool = False  # has tags and tags_all
    framework: bool = False  # a Plugin Framework resource (its errors are not wrapped in go-multierror's form)
    # CustomizeDiff's ForceNew for an in-place input: (key, old, new) -> whether this change replaces
    replaces_when: Callable[[str, Any, Any], bool] | None = None
    # The schema's validation by terraform attribute (Required is implied for the required inputs)
    attributes: Mapping[str, Attr] = field(default_factory=dict)
    config_validators: tuple[Validate, ...] = ()  # a framework resource's resource-level validators
    timeouts: frozenset[str] = frozenset()  # the operations with terraform timeouts (customTimeouts honoured)
    # terraform defaults the bridge does not fill in Check (their Go values are named enum types), yet terraform's
    # plan applies: an unset input equal to one is no difference, and an import keeps such a value
    plan_defaults: Mapping[str, Any] = field(default_factory=dict)
    # inputs served with one value only (the schema default); another value is refused by name
    fixed: Mapping[str, Any] = field(default_factory=dict)
    # nested blocks (MaxItems 1, an object in Pulumi) whose attributes have defaults: block -> {attribute: default}
    blocks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # defaults that are pulumi-aws's, not terraform's: an import keeps a value equal to one
    pulumi_defaults: frozenset[str] = frozenset()
    # ForceNew attributes of the schema this plugin does not serve (the bridge lists every one as stable)
    unserved_force_new: frozenset[str] = frozenset()

    @property
    def inputs(self) -> frozenset[str]:
        """Every served input; ``region`` on every type (terraform-provider-aws v6 per-resource Region,
        Optional+Computed)."""
        return self.required | self.force_new | self.in_place | self.computed_inputs | set(self.fixed) | {REGION}

    @property
    def schema(self) -> dict[str, Attr]:
        found = {snake_case(key): Attr(required=True) for key in self.required}
        found.update(self.attributes)
        return found

    def check(
        self, request: CheckRequest, default_tags: Mapping[str, str], provider_region: str = ""
    ) -> tuple[Properties, list[str]]:
        """Check as the bridge answers it: pulumi-aws's PreCheckCallbacks first (``region`` from the provider's
        ``aws:region`` when unset, provider/region.go; ``tagsAll`` for an SDKv2 tagged type, provider/tags.go),
        then the inputs with the schema's defaults and the autoname filled in (their names in ``__defaults``;
        an old value that was itself a default is kept, so that an update keeps its name and a replacement,
        checked without olds, gets a new one), then the schema's validation (``validation.py``) and the
        inputs this plugin does not serve."""
        news, olds = request.news, request.olds
        inputs = {key: value for key, value in news.items() if value is not None and key != DEFAULTS}
        if inputs.get(REGION) is None and provider_region:
            inputs[REGION] = provider_region
        old_defaults = olds.get(DEFAULTS)

        def old_default(key: str) -> Any:
            reusable = key in olds and (not isinstance(old_defaults, list) or key in old_defaults)
            return olds[key] if reusable else None

        defaulted = []
        for key, value in self.defaults.items():
            if key not in inputs:
                inputs[key] = old_default(key) if old_default(key) is not None else value
                defaulted.append(key)
        if self.autoname and self.autoname not in inputs:
            inputs[self.autoname] = old_default(self.autoname) or request.autoname()
            defaulted.append(self.autoname)
        for block, attributes in self.blocks.items():
            if isinstance(inputs.get(block), Mapping):  # a nested object gets its own defaults and __defaults
                nested = {key: value for key, value in inputs[block].items() if key != DEFAULTS}
                filled = sorted(key for key in attributes if key not in nested)
                inputs[block] = {**{key: attributes[key] for key in filled}, **nested, DEFAULTS: filled}
        if self.tagged and not self.framework:
            tags = inputs.get("tags")
            inputs["tagsAll"] = UNKNOWN if is_unknown(tags) else {**default_tags, **(tags or {})}
        if not self.framework:  # the framework bridge keeps no __defaults
            inputs[DEFAULTS] = sorted(defaulted)
        if self.framework:
            missing = [key for key in sorted(self.required) if inputs.get(key) is None]
            # The framework bridge's own check for required properties comes first (pkg/pf/tfbridge).
            if missing:
                return inputs, [f"Missing required property '{key}'" for key in missing]
        validated = (framework_failures if self.framework else sdk_failures)(self.schema, inputs)
        for validate in self.config_validators:
            validated.extend(validate(inputs))
        failures = [f"{reason}. Examine values at '{request.name}.{key}'." for key, reason in validated]
        failures.extend(
            f"the sandbox's pulumi-aws does not serve the input '{key}' of {self.token}"
            for key in sorted(inputs)
            if key not in self.inputs and key not in (DEFAULTS, "tagsAll")
        )
        failures.extend(
            f"the sandbox's pulumi-aws serves the input '{key}' of {self.token} only as {value!r} (its default)"
            for key, value in sorted(self.fixed.items())
            if inputs.get(key) not in (None, value)
        )
        return inputs, failures

    def explicitly_named(self, news: Properties) -> bool:
        """The autonamed input set by the program itself: a replacement must delete before it creates."""
        defaults = news.get(DEFAULTS)
        return bool(
            self.autoname
            and news.get(self.autoname) is not None
            and isinstance(defaults, list)
            and self.autoname not in defaults
        )

    def plan(self, olds: Properties, news: Properties, ignored: frozenset[str], provider_region: str = "") -> Plan:
        """Each input whose new value differs from the state's (the last outputs, refreshed or not). A changed
        ``region`` replaces, but between unset and the provider's own region
        (internal/provider/sdkv2/region.go ``forceNewIfRegionChanges``)."""
        changes = []
        keys = self.inputs | ({"tagsAll"} if self.tagged and not self.framework else set())
        for key in sorted(keys - ignored):
            new, old = news.get(key), olds.get(key)
            if (key in self.computed_inputs or key == REGION) and new is None:
                continue
            if new is None and key in self.plan_defaults:
                new = self.plan_defaults[key]
            if isinstance(new, Mapping):  # a nested block's own __defaults is no value
                new = {k: v for k, v in new.items() if k != DEFAULTS}
            if not is_unknown(new) and (new == old or (_empty(new) and _empty(old))):
                continue
            if key == REGION and {old or "", new or ""} == {"", provider_region}:
                continue
            kind = "add" if _empty(old) else "delete" if new is None else "update"
            forced = key == REGION or (self.replaces_when is not None and self.replaces_when(key, old, new))
            changes.append(PropertyChange(key, kind, key in self.force_new or forced, old, new, forced))
        return Plan(tuple(changes))

    def preview_outputs(self, inputs: Properties, olds: Properties | None = None) -> Properties:
        """What a preview of a create or update shows: the inputs, computed outputs unknown (or kept)."""
        outputs = dict(olds or {})
        outputs.update({key: value for key, value in inputs.items() if key != DEFAULTS})
        for key in self.computed_outputs:
            if olds is None or key not in olds:
                outputs[key] = UNKNOWN
        return outputs


@dataclass(frozen=True)
class CheckRequest:
    name: str
    olds: Properties
    news: Properties
    seed: bytes = b""
    proposed_name: str = ""  # the engine's autonaming configuration, when the stack has one
    mode: str = "propose"  # propose, enforce or disable

    def autoname(self) -> str:
        """pulumi-aws's ``AutoName("name", 255, "-")``: ``NewUniqueName(seed, name + "-", 7, 255, hex)``,
        or the engine's proposed name when the stack configures autonaming."""
        if self.mode == "disable":
            raise ProviderRefusal("automatic naming is disabled but no explicit name was provided")
        if self.proposed_name:
            return self.proposed_name
        digest = hashlib.sha256(self.seed or os.urandom(16)).hexdigest()
        return f"{self.name}-{digest[:7]}"


def snake_case(name: str) -> str:
    """The terraform attribute a Pulumi property stands for (``vpcId`` -> ``vpc_id``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
