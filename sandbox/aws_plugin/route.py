"""aws:ec2/route:Route, as terraform-provider-aws's ``internal/service/ec2/vpc_route.go`` makes it.

Schema: ``route_table_id`` and the destination (``destination_cidr_block``, exactly one of three
destination attributes; an IPv4 network address) ForceNew; the target (exactly one of
``routeValidTargets``) changes in place with ReplaceRoute. Create first looks the route up and refuses
one that a CreateRoute made (``routeAlreadyExistsError``: "api error RouteAlreadyExists: Route in Route
Table (...) with destination (...) already exists"), then CreateRoute (retried on
``InvalidParameterException`` and ``InvalidTransitGatewayID.NotFound`` for the create timeout),
``waitRouteReady`` and Read. ``waitRouteReady``'s state is ``ready`` whenever the route is found, whatever
AWS's ``State`` (``blackhole`` too: a route to a peering that is not active, wait.go ``waitRouteReady``,
status.go ``statusRoute``), two reads in a row, up to 1000 reads not found. The id is ``routeCreateID``:
``r-`` + table id + ``create.StringHashcode(destination)`` (crc32). Read: a missing table or route is
gone. Delete: only ``InvalidRoute.NotFound`` (and AWS refusing to remove a local route) is done, a
missing route table is an error; then ``waitRouteDeleted`` (gone two reads in a row). Timeouts: create
5 minutes, update 2, delete 5. Import id: ``ROUTETABLEID_DESTINATION``.
"""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described, retried
from .ec2_session import Ec2Session
from .resource_type import ResourceType
from .validation import Attr, ipv4_cidr_network
from .waiters import NotFound, StateWaiter, UnexpectedState, WaitTimeout
from .wire import Properties

RESOURCE_TYPE = "aws:ec2/route:Route"
TABLE_NOT_FOUND = ("InvalidRouteTableID.NotFound",)
TARGETS = {
    "vpcPeeringConnectionId": "VpcPeeringConnectionId",
    "gatewayId": "GatewayId",
    "natGatewayId": "NatGatewayId",
    "transitGatewayId": "TransitGatewayId",
    "networkInterfaceId": "NetworkInterfaceId",
    "vpcEndpointId": "VpcEndpointId",
    "egressOnlyGatewayId": "EgressOnlyInternetGatewayId",
    "carrierGatewayId": "CarrierGatewayId",
    "localGatewayId": "LocalGatewayId",
    "coreNetworkArn": "CoreNetworkArn",
}
CREATE_TIMEOUT = DELETE_TIMEOUT = 300.0
UPDATE_TIMEOUT = 120.0
READY = "ready"  # statusRoute's state for any route found
NOT_FOUND_CHECKS = 1000  # routeNotFoundChecks
DESTINATIONS = ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
TARGET_ATTRIBUTES = (
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
)
CONFLICTS = {  # IPv4 destinations only / IPv6 destinations only / no prefix-list route to a VPC endpoint
    "carrier_gateway_id": ("destination_ipv6_cidr_block",),
    "egress_only_gateway_id": ("destination_cidr_block",),
    "vpc_endpoint_id": ("destination_prefix_list_id",),
}
ATTRIBUTES = {
    "route_table_id": Attr(required=True),
    "destination_cidr_block": Attr(exactly_one_of=DESTINATIONS, validate=ipv4_cidr_network),
    "destination_ipv6_cidr_block": Attr(exactly_one_of=DESTINATIONS),
    "destination_prefix_list_id": Attr(exactly_one_of=DESTINATIONS),
    **{
        target: Attr(exactly_one_of=TARGET_ATTRIBUTES, conflicts_with=CONFLICTS.get(target, ()))
        for target in TARGET_ATTRIBUTES
    },
}


def route_id(table_id: str, destination: str) -> str:
    """``RouteCreateID``: "r-" + table id + ``create.StringHashcode(destination)`` (crc32, made non-negative)."""
    return f"r-{table_id}{zlib.crc32(destination.encode())}"


def _describe(what: str, table_id: str, destination: str) -> str:
    return f"{what} Route in Route Table ({table_id}) with destination ({destination})"


def find(session: Ec2Session, table_id: str, destination: str) -> dict[str, Any] | None:
    """``findRouteByIPv4Destination``: None when the table (``InvalidRouteTableID.NotFound``) or route is gone."""
    tables = described(session.client.describe_route_tables, "RouteTables", TABLE_NOT_FOUND, RouteTableIds=[table_id])
    for route in tables[0]["Routes"] if tables else []:
        if route.get("DestinationCidrBlock") == destination:
            return dict(route)
    return None


def _outputs(table_id: str, destination: str, route: dict[str, Any]) -> Properties:
    found: Properties = {
        "routeTableId": table_id,
        "destinationCidrBlock": destination,
        "destinationIpv6CidrBlock": route.get("DestinationIpv6CidrBlock", ""),
        "destinationPrefixListId": route.get("DestinationPrefixListId", ""),
    }
    for key, field in TARGETS.items():
        found[key] = route.get(field) or ""  # as Read sets them: an absent target reads ""
    found.update(
        state=route.get("State", ""),
        origin=route.get("Origin", ""),
        instanceId=route.get("InstanceId", ""),
        instanceOwnerId=route.get("InstanceOwnerId", ""),
    )
    return found


def _target(inputs: Properties, olds: Properties | None = None) -> dict[str, str]:
    """``routeTargetAttribute``: the first target set (on update: the one that changed); Check makes it one."""
    for key, field in TARGETS.items():
        if inputs.get(key) and (olds is None or inputs.get(key) != olds.get(key)):
            return {field: str(inputs[key])}
    return {}


def _wait_ready(session: Ec2Session, table_id: str, destination: str, timeout: float) -> None:
    """``waitRouteReady``: until the route is found, two reads in a row, whatever its state."""
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(
        (), (READY,), timeout, continuous=2, not_found_checks=NOT_FOUND_CHECKS
    )
    waiter.wait(lambda: (route := find(session, table_id, destination), READY if route else ""))


def create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    table_id, destination = str(inputs["routeTableId"]), str(inputs["destinationCidrBlock"])
    target = _target(inputs)
    timeout = session.timeout_or(CREATE_TIMEOUT)
    with reported("reading Route"):
        existing = find(session, table_id, destination)
    if existing is not None and existing.get("Origin") == "CreateRoute":
        raise ProviderRefusal(
            f"api error RouteAlreadyExists: Route in Route Table ({table_id}) with destination ({destination}) "
            "already exists"
        )
    try:
        retried(
            lambda: session.client.create_route(RouteTableId=table_id, DestinationCidrBlock=destination, **target),
            ("InvalidParameterException", "InvalidTransitGatewayID.NotFound"),
            timeout,
        )
    except ClientError as error:
        if error_code(error) == "InvalidGatewayID.NotFound" and "The gateway ID 'local' does not exist" in str(error):
            raise ProviderRefusal(
                "cannot create local Route, use `terraform import` to manage existing local Routes"
            ) from None
        raise ProviderRefusal(f"{_describe('creating', table_id, destination)}: {sdk_error_text(error)}") from None
    try:
        _wait_ready(session, table_id, destination, timeout)
    except (UnexpectedState, WaitTimeout, NotFound) as error:
        raise ProviderRefusal(
            f"waiting for Route in Route Table ({table_id}) with destination ({destination}) create: {error}"
        ) from None
    found = read(session, route_id(table_id, destination), inputs)
    return route_id(table_id, destination), found if found is not None else dict(inputs)


def read(session: Ec2Session, _id: str, olds: Properties) -> Properties | None:
    table_id, destination = str(olds["routeTableId"]), str(olds["destinationCidrBlock"])
    with reported(_describe("reading", table_id, destination)):
        route = find(session, table_id, destination)
    if route is None:
        return None
    return {**olds, **_outputs(table_id, destination, route)}


def update(session: Ec2Session, id_: str, olds: Properties, news: Properties) -> Properties:
    """ReplaceRoute with the new target, then ``waitRouteReady`` and Read."""
    table_id, destination = str(news["routeTableId"]), str(news["destinationCidrBlock"])
    target = _target(news, olds)
    if not target:
        raise ProviderRefusal("route target attribute not specified")
    with reported(_describe("updating", table_id, destination)):
        session.client.replace_route(RouteTableId=table_id, DestinationCidrBlock=destination, **target)
    try:
        _wait_ready(session, table_id, destination, session.timeout_or(UPDATE_TIMEOUT))
    except (UnexpectedState, WaitTimeout, NotFound) as error:
        raise ProviderRefusal(
            f"waiting for Route in Route Table ({table_id}) with destination ({destination}) update: {error}"
        ) from None
    found = read(session, id_, news)
    return found if found is not None else dict(news)


def delete(session: Ec2Session, _id: str, olds: Properties) -> None:
    table_id, destination = str(olds["routeTableId"]), str(olds["destinationCidrBlock"])
    timeout = session.timeout_or(DELETE_TIMEOUT)
    try:
        retried(
            lambda: session.client.delete_route(RouteTableId=table_id, DestinationCidrBlock=destination),
            ("InvalidParameterException",),
            timeout,
        )
    except ClientError as error:
        local = error_code(error) == "InvalidParameterValue" and "cannot remove local route" in str(error)
        if error_code(error) == "InvalidRoute.NotFound" or local:
            return
        raise ProviderRefusal(
            f"deleting Route in Route Table ({table_id}) with destination ({destination}): {sdk_error_text(error)}"
        ) from None
    waiter: StateWaiter[dict[str, Any]] = StateWaiter((READY,), (), timeout, continuous=2)
    try:
        with reported(_describe("deleting", table_id, destination)):
            waiter.wait(lambda: (route := find(session, table_id, destination), READY if route else ""))
    except (UnexpectedState, WaitTimeout, NotFound) as error:
        raise ProviderRefusal(
            f"waiting for Route in Route Table ({table_id}) with destination ({destination}) delete: {error}"
        ) from None


def import_read(session: Ec2Session, import_id: str) -> tuple[str, Properties] | None:
    """``routeImportID``: ``ROUTETABLEID_DESTINATION``; an id that is not is no route (the importer's parse
    leaves the destination empty and the read finds nothing)."""
    table_id, separator, destination = import_id.partition("_")
    if not separator or not table_id or not destination:
        return None
    with reported(_describe("reading", table_id, destination)):
        route = find(session, table_id, destination)
    return (route_id(table_id, destination), _outputs(table_id, destination, route)) if route is not None else None


ROUTE = ResourceType(
    token=RESOURCE_TYPE,
    source="internal/service/ec2/vpc_route.go",
    required=frozenset({"routeTableId", "destinationCidrBlock"}),
    force_new=frozenset({"routeTableId", "destinationCidrBlock"}),
    in_place=frozenset(TARGETS),
    create=create,
    read=read,
    update=update,
    delete=delete,
    import_read=import_read,
    computed_inputs=frozenset({"networkInterfaceId"}),
    computed_outputs=("state", "origin", "instanceId", "instanceOwnerId"),
    attributes=ATTRIBUTES,
    timeouts=frozenset({"create", "update", "delete"}),
    unserved_force_new=frozenset({"destinationIpv6CidrBlock", "destinationPrefixListId"}),
)
