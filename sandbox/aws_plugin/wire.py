"""Property values as the engine sends them over gRPC (``google.protobuf.Struct``) and back.

Structs carry every number as a double: whole numbers come back as ``int``, as the bridge's schema
types them (ports, counts). The engine marks a value it does not know yet (preview) with a sentinel
string; ``UNKNOWN`` is that string (sdk/go/common/resource/plugin/rpc.go, ``UnknownStringValue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# A secret's envelope (sdk/go/common/resource/sig): Configure always receives secrets wrapped, whatever the
# plugin answers about accepting them; after that the engine sends them plain.
SIGNATURE = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - a signature, not a secret

Properties = dict[str, Any]


def from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "null_value" or kind is None:
        return None
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        found = from_struct(value.struct_value)
        return found.get("value") if found.get(SIGNATURE) == SECRET_SIG else found
    return [from_value(item) for item in value.list_value.values]


def from_struct(struct: struct_pb2.Struct) -> Properties:
    return {key: from_value(value) for key, value in struct.fields.items()}


def to_struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    """Nulls are left out, as the bridge leaves unset attributes out of what it returns."""
    struct = struct_pb2.Struct()
    struct.update({key: value for key, value in properties.items() if value is not None})
    return struct


def is_unknown(value: Any) -> bool:
    """True when the value, or anything inside it, is not known yet."""
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(is_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(is_unknown(item) for item in value)
    return False
