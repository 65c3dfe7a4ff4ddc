"""Check's validation as terraform's schemas do it, worded as the bridge returns it.

SDKv2 resources: ``schemaMap.validate`` (terraform-plugin-sdk ``helper/schema/schema.go``), for each
attribute in turn: ``ExactlyOneOf`` ("Invalid combination of arguments"), ``Required`` ("Missing required
argument"), an unknown value skips the rest, ``ConflictsWith`` ("Conflicting configuration arguments"),
then the attribute's ``ValidateFunc`` (its error is the summary). Plugin Framework resources: each
attribute's validators ("Invalid Attribute Value", ``validatordiag``), then the resource's config
validators (terraform-plugin-framework-validators ``configvalidator``); a diagnostic without an attribute
is not a check failure but an error of the call (pkg/pf/tfbridge/detect_check_failures.go).

The bridge turns an attribute's diagnostic into "<summary>. <detail>. Examine values at
'<resource name>.<property>'." (``NewCheckFailure``, pkg/tfbridge/check_failures.go).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .aws_errors import ProviderRefusal
from .wire import Properties, is_unknown

Validate = Callable[[Any, str], list[str]]  # value, terraform attribute -> error texts


def camel(tf_name: str) -> str:
    """The Pulumi property of a terraform attribute (``destination_cidr_block`` -> ``destinationCidrBlock``)."""
    head, *rest = tf_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Attr:
    """One attribute's validation: the schema's ``Required``, ``ExactlyOneOf``, ``ConflictsWith`` and validators."""

    required: bool = False
    exactly_one_of: tuple[str, ...] = ()
    conflicts_with: tuple[str, ...] = ()
    validate: Validate | None = None


def _present(value: Any) -> bool:
    return value is not None


def _reason(summary: str, detail: str = "") -> str:
    return f"{summary}. {detail}" if detail else summary


def sdk_failures(schema: Mapping[str, Attr], inputs: Properties) -> list[tuple[str, str]]:
    """(property, reason) for each attribute that fails, in the SDK's order of checks per attribute."""
    failures: list[tuple[str, str]] = []

    def value(tf: str) -> Any:
        return inputs.get(camel(tf))

    for tf in sorted(schema):
        attr, raw = schema[tf], value(tf)
        if attr.exactly_one_of:
            group = sorted(set(attr.exactly_one_of) | {tf})
            unknown = [key for key in group if is_unknown(value(key))]
            specified = [key for key in group if _present(value(key)) and not is_unknown(value(key))]
            keys = ",".join(group)
            if not specified and not unknown:
                detail = f'"{tf}": one of `{keys}` must be specified'
                failures.append((camel(tf), _reason("Invalid combination of arguments", detail)))
                continue
            if len(specified) > 1:
                detail = f'"{tf}": only one of `{keys}` can be specified, but `{",".join(specified)}` were specified.'
                failures.append((camel(tf), _reason("Invalid combination of arguments", detail)))
                continue
        if not _present(raw):
            if attr.required:
                detail = f'The argument "{tf}" is required, but no definition was found.'
                failures.append((camel(tf), _reason("Missing required argument", detail)))
            continue
        if is_unknown(raw):
            continue
        conflict = next((other for other in attr.conflicts_with if _present(value(other))), None)
        if conflict is not None:
            if is_unknown(value(conflict)):
                continue
            detail = f'"{tf}": conflicts with {conflict}'
            failures.append((camel(tf), _reason("Conflicting configuration arguments", detail)))
            continue
        if attr.validate is not None:
            failures.extend((camel(tf), text) for text in attr.validate(raw, tf))
    return failures


def framework_failures(schema: Mapping[str, Attr], inputs: Properties) -> list[tuple[str, str]]:
    """A framework resource's attribute validators (required attributes included)."""
    failures: list[tuple[str, str]] = []
    for tf in sorted(schema):
        attr, raw = schema[tf], inputs.get(camel(tf))
        if raw is None:
            if attr.required:
                detail = f'The argument "{tf}" is required, but no definition was found.'
                failures.append((camel(tf), _reason("Missing Configuration for Required Attribute", detail)))
            continue
        if not is_unknown(raw) and attr.validate is not None:
            failures.extend((camel(tf), text) for text in attr.validate(raw, tf))
    return failures


def framework_exactly_one_of(inputs: Properties, group: tuple[str, ...]) -> None:
    """``resourcevalidator.ExactlyOneOf``: none configured is an error without an attribute, so the call fails;
    several name the first configured one (``InvalidAttributeCombinationDiagnostic``)."""
    values = {tf: inputs.get(camel(tf)) for tf in group}
    if any(is_unknown(v) for v in values.values()):
        return
    configured = [tf for tf, v in values.items() if v is not None]
    description = f"Exactly one of these attributes must be configured: [{','.join(group)}]"
    if not configured:
        raise ProviderRefusal(f"Missing Attribute Configuration: {description}")


def framework_combination(inputs: Properties, group: tuple[str, ...]) -> list[tuple[str, str]]:
    configured = [tf for tf in group if inputs.get(camel(tf)) is not None and not is_unknown(inputs.get(camel(tf)))]
    if len(configured) <= 1:
        return []
    description = f"Exactly one of these attributes must be configured: [{','.join(group)}]"
    return [(camel(configured[0]), _reason("Invalid Attribute Combination", description))]


# -- validators -----------------------------------------------------------------------------------------


def ipv4_cidr_network(value: Any, _key: str) -> list[str]:
    """``verify.ValidIPv4CIDRNetworkAddress`` (internal/types/cidr_block.go ``ValidateIPv4CIDRBlock``)."""
    text = str(value)
    error = _ipv4_cidr_error(text)
    return [error] if error else []


def _ipv4_cidr_error(text: str) -> str:
    address, slash, bits = text.partition("/")
    try:
        if not slash:
            raise ValueError
        ip = ipaddress.ip_address(address)
        network = ipaddress.ip_network(text, strict=False)
        if not bits.isdigit():
            raise ValueError
    except ValueError:
        return f'"{text}" is not a valid CIDR block: invalid CIDR address: {text}'
    if ip.version != 4:
        return f'"{text}" is not a valid IPv4 CIDR block'
    if str(network) != text:
        return f'"{text}" is not a valid IPv4 CIDR block; did you mean "{network}"?'
    return ""


def framework_ipv4_cidr_network(value: Any, key: str) -> list[str]:
    """``fwvalidators.IPv4CIDRNetworkAddress`` (internal/framework/validators/cidr.go)."""
    if not _ipv4_cidr_error(str(value)):
        return []
    detail = f"Attribute {key} value must be a valid IPv4 CIDR that represents a network address, got: {value}"
    return [_reason("Invalid Attribute Value", detail)]


def framework_int_between(low: int, high: int) -> Validate:
    """``int64validator.Between``."""

    def validate(value: Any, key: str) -> list[str]:
        if isinstance(value, (int, float)) and low <= value <= high:
            return []
        detail = f"Attribute {key} value must be between {low} and {high}, got: {value}"
        return [_reason("Invalid Attribute Value", detail)]

    return validate


def cidr_network(low: int, high: int) -> Validate:
    """``validation.IsCIDRNetwork(low, high)`` (terraform-plugin-sdk helper/validation/network.go)."""

    def validate(value: Any, key: str) -> list[str]:
        text = str(value)
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return [f"expected {key} to contain a valid Value, got: {text} with err: invalid CIDR address: {text}"]
        errors = []
        if str(network) != text:
            errors.append(f"expected {key} to contain a valid network Value, expected {network}, got {text}")
        if not low <= network.prefixlen <= high:
            errors.append(
                f'expected "{key}" to contain a network Value with between {low} and {high} significant bits, '
                f"got: {network.prefixlen}"
            )
        return errors

    return validate


def string_in(*valid: str) -> Validate:
    """``validation.StringInSlice(valid, false)``: Go's %q of a []string."""

    def validate(value: Any, key: str) -> list[str]:
        if value in valid:
            return []
        listed = " ".join(f'"{item}"' for item in valid)
        return [f"expected {key} to be one of [{listed}], got {value}"]

    return validate


def string_length(low: int, high: int) -> Validate:
    """``validation.StringLenBetween(low, high)``."""

    def validate(value: Any, key: str) -> list[str]:
        text = str(value)
        return (
            []
            if low <= len(text.encode()) <= high
            else [f"expected length of {key} to be in the range ({low} - {high}), got {text}"]
        )

    return validate


def all_of(*validators: Validate) -> Validate:
    """``validation.All``: every validator's errors."""

    def validate(value: Any, key: str) -> list[str]:
        return [error for validator in validators for error in validator(value, key)]

    return validate


def string_does_not_match(pattern: str, message: str) -> Validate:
    """``validation.StringDoesNotMatch(pattern, message)``."""
    compiled = re.compile(pattern)

    def validate(value: Any, key: str) -> list[str]:
        return [f"invalid value for {key} ({message})"] if compiled.search(str(value)) else []

    return validate
