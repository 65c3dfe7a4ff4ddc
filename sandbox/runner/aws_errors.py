"""A failed AWS call, worded as pulumi-aws reports it: operation, HTTP status, request id, error code, message.

terraform-provider-aws wraps the AWS SDK for Go v2's error, whose text is smithy-go's
``OperationError`` ("operation error EC2: <op>, <cause>", smithy-go operation_error.go) around
aws-sdk-go-v2's ``ResponseError`` ("https response error StatusCode: <n>, RequestID: <id>, <api
error>", aws/transport/http/response_error.go) around the API error ("api error <code>: <message>").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

from ..errors import SandboxError


class AwsCallFailed(SandboxError):
    """An EC2 call was refused; the message is the provider's, with the operation it was part of."""


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
    """``doing``: what the provider was doing, as its messages start ("creating aws:ec2/route:Route")."""
    try:
        yield
    except ClientError as error:
        raise AwsCallFailed(f"{doing}: {sdk_error_text(error)}") from None
