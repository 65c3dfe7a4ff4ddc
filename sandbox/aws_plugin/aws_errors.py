"""Failures worded as pulumi-aws reports them.

terraform-provider-aws wraps the AWS SDK for Go v2's error, whose text is smithy-go's
``OperationError`` ("operation error EC2: <op>, <cause>", smithy-go operation_error.go) around
aws-sdk-go-v2's ``ResponseError`` ("https response error StatusCode: <n>, RequestID: <id>, <api
error>", aws/transport/http/response_error.go) around the API error ("api error <code>: <message>"),
behind what the provider was doing ("creating EC2 Route (...): ...").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

from ..errors import SandboxError


class ProviderRefusal(SandboxError):
    """The plugin cannot serve a request (its configuration, a type it does not serve); shown as is."""


class AwsCallFailed(SandboxError):
    """An EC2 call was refused; the message is the provider's, with what it was doing."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def sdk_error_text(error: ClientError) -> str:
    meta = error.response.get("ResponseMetadata", {})
    details = error.response.get("Error", {})
    return (
        f"operation error EC2: {error.operation_name}, https response error StatusCode: "
        f"{meta.get('HTTPStatusCode', '')}, RequestID: {meta.get('RequestId') or ''}, "
        f"api error {details.get('Code', '')}: {details.get('Message', '')}"
    )


@contextmanager
def reported(doing: str) -> Iterator[None]:
    """``doing``: what the provider was doing, as its messages start ("creating EC2 Route (...)")."""
    try:
        yield
    except ClientError as error:
        raise AwsCallFailed(f"{doing}: {sdk_error_text(error)}") from None
