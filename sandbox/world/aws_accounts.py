"""The two AWS accounts of the sandbox, both served by one moto server."""

from __future__ import annotations

from typing import Any

import boto3

# moto's default account: any ordinary AWS client pointed at the endpoint acts as the customer.
CUSTOMER_ACCOUNT_ID = "123456789012"
# The account that owns every space VPC, as Heroku's does in real life.
HEROKU_ACCOUNT_ID = "999988887777"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # noqa: S105 - moto accepts any key


def ec2_client(endpoint_url: str, region: str, account_id: str = CUSTOMER_ACCOUNT_ID) -> Any:
    """An EC2 client that acts as ``account_id`` (moto's ``x-moto-account-id`` header)."""
    client = boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )

    def act_as(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    client.meta.events.register("before-sign.ec2.*", act_as)
    return client
