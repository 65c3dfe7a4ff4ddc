"""aws:ec2/tag:Tag, as terraform-provider-aws's ``internal/service/ec2/tag.go`` makes it.

Schema: ``resource_id`` and ``key`` ForceNew, ``value`` in place (CreateTags again). Id:
``resource_id,key``. Create: CreateTags, then waits until DescribeTags finds the tag, then Read.
Read: DescribeTags filtered by resource and key; no tag is gone. Delete: DeleteTags with the key and
its value (a tag changed since is left alone).
"""

from __future__ import annotations

from .aws_errors import ProviderRefusal, reported
from .ec2_session import Ec2Session
from .resource_type import ResourceType
from .waiters import StateWaiter, WaitTimeout
from .wire import Properties

RESOURCE_TYPE = "aws:ec2/tag:Tag"
TIMEOUT = 60.0


def _find(session: Ec2Session, resource_id: str, key: str) -> str | None:
    filters = [{"Name": "resource-id", "Values": [resource_id]}, {"Name": "key", "Values": [key]}]
    found = session.client.describe_tags(Filters=filters)["Tags"]
    return str(found[0]["Value"]) if found else None


def create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    resource_id, key, value = str(inputs["resourceId"]), str(inputs["key"]), str(inputs["value"])
    id_ = f"{resource_id},{key}"
    with reported(f"creating EC2 Tag ({id_})"):
        session.client.create_tags(Resources=[resource_id], Tags=[{"Key": key, "Value": value}])
        try:
            StateWaiter[str]((), ("found",), TIMEOUT).wait(
                lambda: (None, "found" if _find(session, resource_id, key) is not None else "")
            )
        except WaitTimeout as error:
            raise ProviderRefusal(f"waiting for EC2 Tag ({id_}) create: {error}") from None
    found = read(session, id_, inputs)
    return id_, found if found is not None else dict(inputs)


def read(session: Ec2Session, id_: str, olds: Properties) -> Properties | None:
    resource_id, key = str(olds["resourceId"]), str(olds["key"])
    with reported(f"reading EC2 Tag ({id_})"):
        value = _find(session, resource_id, key)
    return {**olds, "value": value} if value is not None else None


def import_read(session: Ec2Session, id_: str) -> tuple[str, Properties] | None:
    """The importer splits ``resource_id,key``."""
    resource_id, separator, key = id_.partition(",")
    if not separator:
        raise ProviderRefusal(f'unexpected format for ID ("{id_}"), expected resource_id,key')
    found = read(session, id_, {"resourceId": resource_id, "key": key})
    return (id_, found) if found is not None else None


def update(session: Ec2Session, id_: str, _olds: Properties, news: Properties) -> Properties:
    with reported(f"updating EC2 Tag ({id_})"):
        session.client.create_tags(Resources=[news["resourceId"]], Tags=[{"Key": news["key"], "Value": news["value"]}])
    found = read(session, id_, news)
    return found if found is not None else dict(news)


def delete(session: Ec2Session, id_: str, olds: Properties) -> None:
    with reported(f"deleting EC2 Tag ({id_})"):
        session.client.delete_tags(Resources=[olds["resourceId"]], Tags=[{"Key": olds["key"], "Value": olds["value"]}])


EC2_TAG = ResourceType(
    token=RESOURCE_TYPE,
    source="internal/service/ec2/tag.go",
    required=frozenset({"resourceId", "key", "value"}),
    force_new=frozenset({"resourceId", "key"}),
    in_place=frozenset({"value"}),
    create=create,
    read=read,
    update=update,
    delete=delete,
    import_read=import_read,
)
