"""aws:ec2/tag:Tag, as terraform-provider-aws's ``internal/service/ec2/tag_gen.go`` makes it.

Schema: ``resource_id`` and ``key`` ForceNew, ``value`` in place (CreateTags again); no timeouts. Id:
``resource_id,key`` (``tftags.SetResourceID``); an id without both parts is "invalid resource identifier
(...), expected ID,KEY" (``GetResourceID``, internal/tags/tag_resources.go). Create: CreateTags
(``createTags``: "tagging resource (...): ..."), then Read at once: a new tag DescribeTags does not show
is an error ("empty result"). Read: DescribeTags filtered by resource and key; no tag is gone. Delete:
DeleteTags with the key and its value (a tag changed since is left alone). Errors read "creating ec2
resource (<id>) tag (<key>): ...", "reading ...", "updating ...", "deleting ..." (``names.EC2`` is "ec2").
Import passes the id through, then reads it.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, sdk_error_text
from .ec2_session import AWS_TAG_PREFIX, Ec2Session
from .resource_type import ResourceType
from .wire import Properties

RESOURCE_TYPE = "aws:ec2/tag:Tag"


def _parts(id_: str) -> tuple[str, str]:
    resource_id, _, key = id_.partition(",")
    if not resource_id or not key:
        raise ProviderRefusal(f"invalid resource identifier ({id_}), expected ID,KEY")
    return resource_id, key


def _find(session: Ec2Session, resource_id: str, key: str) -> str | None:
    filters = [{"Name": "resource-id", "Values": [resource_id]}, {"Name": "key", "Values": [key]}]
    found = [tag for tag in session.client.describe_tags(Filters=filters)["Tags"] if tag["Key"] == key]
    return str(found[0]["Value"]) if found else None


def _failed(doing: str, resource_id: str, key: str, error: ClientError | str) -> ProviderRefusal:
    text = sdk_error_text(error) if isinstance(error, ClientError) else error
    return ProviderRefusal(f"{doing} ec2 resource ({resource_id}) tag ({key}): {text}")  # names.EC2 is "ec2"


def _read(session: Ec2Session, id_: str, new: bool) -> Properties | None:
    resource_id, key = _parts(id_)
    try:
        value = _find(session, resource_id, key)
    except ClientError as error:
        raise _failed("reading", resource_id, key, error) from None
    if value is None:
        if new:
            raise _failed("reading", resource_id, key, "empty result")
        return None
    return {"resourceId": resource_id, "key": key, "value": value}


def create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    resource_id, key, value = str(inputs["resourceId"]), str(inputs["key"]), str(inputs["value"])
    try:
        session.client.create_tags(Resources=[resource_id], Tags=[{"Key": key, "Value": value}])
    except ClientError as error:
        text = f"tagging resource ({resource_id}): {sdk_error_text(error)}"
        raise _failed("creating", resource_id, key, text) from None
    id_ = f"{resource_id},{key}"
    found = _read(session, id_, new=True)
    return id_, {**inputs, **(found or {})}


def read(session: Ec2Session, id_: str, olds: Properties) -> Properties | None:
    found = _read(session, id_, new=False)
    return {**olds, **found} if found is not None else None


def import_read(session: Ec2Session, id_: str) -> tuple[str, Properties] | None:
    found = _read(session, id_, new=False)
    return (id_, found) if found is not None else None


def update(session: Ec2Session, id_: str, _olds: Properties, news: Properties) -> Properties:
    resource_id, key = _parts(id_)
    if not key.startswith(AWS_TAG_PREFIX):  # updateTags leaves system tags alone
        try:
            session.client.create_tags(Resources=[resource_id], Tags=[{"Key": key, "Value": str(news["value"])}])
        except ClientError as error:
            raise _failed("updating", resource_id, key, error) from None
    found = _read(session, id_, new=True)
    return {**news, **(found or {})}


def delete(session: Ec2Session, id_: str, olds: Properties) -> None:
    resource_id, key = _parts(id_)
    if key.startswith(AWS_TAG_PREFIX):
        return
    try:
        session.client.delete_tags(Resources=[resource_id], Tags=[{"Key": key, "Value": str(olds["value"])}])
    except ClientError as error:
        raise _failed("deleting", resource_id, key, error) from None


EC2_TAG = ResourceType(
    token=RESOURCE_TYPE,
    source="internal/service/ec2/tag_gen.go",
    required=frozenset({"resourceId", "key", "value"}),
    force_new=frozenset({"resourceId", "key"}),
    in_place=frozenset({"value"}),
    create=create,
    read=read,
    update=update,
    delete=delete,
    import_read=import_read,
)
