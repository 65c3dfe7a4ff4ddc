"""EC2 reads and tag updates shared by the resource types, as terraform-provider-aws makes them."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from .aws_errors import error_code
from .ec2_session import Ec2Session
from .wire import Properties

T = TypeVar("T")
RETRY_SECONDS = 0.2


def retried(call: Callable[[], T], codes: tuple[str, ...], timeout: float) -> T:
    """``tfresource.RetryWhenAWSErrCodeEquals``: the call again while AWS answers one of ``codes``, until
    ``timeout`` has passed; then the last error."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ClientError as error:
            if error_code(error) not in codes or time.monotonic() >= deadline:
                raise
        time.sleep(RETRY_SECONDS)


def tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted((tags or {}).items())]


def tag_map(described: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in described or []}


def tag_specifications(session: Ec2Session, resource_type: str, inputs: Properties) -> list[dict[str, Any]]:
    """``getTagSpecificationsIn``: tags (the default tags included) go in the create call itself."""
    tags = session.all_tags(inputs.get("tags"))
    return [{"ResourceType": resource_type, "Tags": tag_list(tags)}] if tags else []


def tag_outputs(session: Ec2Session, live: list[dict[str, str]] | None, declared: Any = None) -> Properties:
    """The tags interceptor after Read: ``tagsAll`` is what AWS has (less system and ignored tags), ``tags``
    the same less the provider's default tags but those ``declared`` (the resource's inputs on create or update,
    its state on refresh) repeats (``ResolveDuplicates``)."""
    found = tag_map(live)
    own = session.own_tags(found, declared if isinstance(declared, Mapping) else None)
    return {"tags": own or None, "tagsAll": session.visible(found)}


def not_found(error: ClientError, *codes: str) -> bool:
    return error_code(error) in codes


def described(call: Callable[..., Any], key: str, gone: tuple[str, ...], **kwargs: Any) -> list[dict[str, Any]]:
    """A Describe call's list; the error codes in ``gone`` (an id AWS does not know) read as an empty one."""
    try:
        return list(call(**kwargs)[key])
    except ClientError as error:
        if not_found(error, *gone):
            return []
        raise


def update_tags(session: Ec2Session, resource_id: str, olds: Properties, news: Properties) -> None:
    """``updateTags`` on ``tags_all``: DeleteTags for removed keys (with their old values), CreateTags for
    new or changed ones."""
    old_tags = session.all_tags(olds.get("tagsAll") if olds.get("tagsAll") is not None else olds.get("tags"))
    new_tags = session.all_tags(news.get("tags"))
    removed = [{"Key": key, "Value": value} for key, value in sorted(old_tags.items()) if key not in new_tags]
    if removed:
        session.client.delete_tags(Resources=[resource_id], Tags=removed)
    changed = {key: value for key, value in new_tags.items() if old_tags.get(key) != value}
    if changed:
        session.client.create_tags(Resources=[resource_id], Tags=tag_list(changed))
