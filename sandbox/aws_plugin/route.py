"""aws:ec2/route:Route, as terraform-provider-aws's ``internal/service/ec2/vpc_route.go`` makes it.

Schema: ``route_table_id`` and the destination (``destination_cidr_block``) ForceNew; the target
(``vpc_peering_connection_id`` here, exactly one of several target attributes) changes in place with
ReplaceRoute. Create first looks the route up and refuses one that a CreateRoute made
(``routeAlreadyExistsError``: "api error RouteAlreadyExists: Route in Route Table (...) with
destination (...) already exists"), then CreateRoute, ``waitRouteReady`` and Read. The id is
``routeCreateID``: ``r-`` + table id + ``create.StringHashcode(destination)`` (crc32). Read: a missing
table or route is gone. Delete: only ``InvalidRoute.NotFound`` (and AWS refusing to remove a local
route) is done, a missing route table is an error; then ``waitRouteDeleted``. Import id:
``ROUTETABLEID_DESTINATION``.
"""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described
from .ec2_session import Ec2Session
from .resource_type import ResourceType
from .waiters import StateWaiter, UnexpectedState, WaitTimeout
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
TIMEOUT = 300.0  # create and delete default to 5 minutes


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
    found: Properties = {"routeTableId": table_id, "destinationCidrBlock": destination}
    for key, field in TARGETS.items():
        found[key] = route.get(field) or ""  # as Read sets them: an absent target reads ""
    found.update(
        state=route.get("State", ""),
        origin=route.get("Origin", ""),
        instanceId=route.get("InstanceId", ""),
        instanceOwnerId=route.get("InstanceOwnerId", ""),
    )
    return found


def _target(inputs: Properties) -> dict[str, str]:
    targets = {field: str(inputs[key]) for key, field in TARGETS.items() if inputs.get(key)}
    if len(targets) != 1:
        raise ProviderRefusal(
            f'"{", ".join(TARGETS)}": one of these must be specified'
            if not targets
            else f"only one of {', '.join(TARGETS)} can be specified"
        )
    return targets


def _wait_ready(session: Ec2Session, table_id: str, destination: str) -> None:
    """``waitRouteReady``: until the route reads ``active``."""
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(("pending", ""), ("active",), TIMEOUT)
    waiter.wait(lambda: (route := find(session, table_id, destination), str(route.get("State", "")) if route else ""))


def create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    table_id, destination = str(inputs["routeTableId"]), str(inputs["destinationCidrBlock"])
    target = _target(inputs)
    with reported("reading Route"):
        existing = find(session, table_id, destination)
    if existing is not None and existing.get("Origin") == "CreateRoute":
        raise ProviderRefusal(
            f"api error RouteAlreadyExists: Route in Route Table ({table_id}) with destination ({destination}) "
            "already exists"
        )
    with reported(_describe("creating", table_id, destination)):
        session.client.create_route(RouteTableId=table_id, DestinationCidrBlock=destination, **target)
    try:
        _wait_ready(session, table_id, destination)
    except (UnexpectedState, WaitTimeout) as error:
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


def update(session: Ec2Session, id_: str, _olds: Properties, news: Properties) -> Properties:
    """ReplaceRoute with the new target, then ``waitRouteReady`` and Read."""
    table_id, destination = str(news["routeTableId"]), str(news["destinationCidrBlock"])
    with reported(_describe("updating", table_id, destination)):
        session.client.replace_route(RouteTableId=table_id, DestinationCidrBlock=destination, **_target(news))
    try:
        _wait_ready(session, table_id, destination)
    except (UnexpectedState, WaitTimeout) as error:
        raise ProviderRefusal(
            f"waiting for Route in Route Table ({table_id}) with destination ({destination}) update: {error}"
        ) from None
    found = read(session, id_, news)
    return found if found is not None else dict(news)


def delete(session: Ec2Session, _id: str, olds: Properties) -> None:
    table_id, destination = str(olds["routeTableId"]), str(olds["destinationCidrBlock"])
    try:
        session.client.delete_route(RouteTableId=table_id, DestinationCidrBlock=destination)
    except ClientError as error:
        local = error_code(error) == "InvalidParameterValue" and "cannot remove local route" in str(error)
        if error_code(error) == "InvalidRoute.NotFound" or local:
            return
        raise ProviderRefusal(
            f"deleting Route in Route Table ({table_id}) with destination ({destination}): {sdk_error_text(error)}"
        ) from None
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(("active", "blackhole", "pending"), ("",), TIMEOUT)
    try:
        with reported(_describe("deleting", table_id, destination)):
            waiter.wait(
                lambda: (route := find(session, table_id, destination), str(route.get("State")) if route else "")
            )
    except (UnexpectedState, WaitTimeout) as error:
        raise ProviderRefusal(
            f"waiting for Route in Route Table ({table_id}) with destination ({destination}) delete: {error}"
        ) from None


def import_read(session: Ec2Session, import_id: str) -> tuple[str, Properties] | None:
    """``resourceRouteImport``: ``ROUTETABLEID_DESTINATION``."""
    table_id, separator, destination = import_id.partition("_")
    if not separator or not table_id or not destination:
        raise ProviderRefusal(f'unexpected format of ID ("{import_id}"), expected ROUTETABLEID_DESTINATION')
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
)
