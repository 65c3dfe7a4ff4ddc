"""The two AWS accounts of the sandbox, both served by one moto server."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import boto3

# moto's default account: any ordinary AWS client pointed at the endpoint acts as the customer.
CUSTOMER_ACCOUNT_ID = "123456789012"
# The account that owns every space VPC, as Heroku's does in real life.
HEROKU_ACCOUNT_ID = "999988887777"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # noqa: S105 - moto accepts any key while it does not enforce IAM


class Credentials(NamedTuple):
    """An access key pair: moto's placeholder, or an IAM user's keys when the sandbox enforces IAM."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # a secret key never reaches a log through a repr
        return f"Credentials({self.access_key_id!r}, '***')"


PLACEHOLDER = Credentials(ACCESS_KEY, SECRET_KEY)


@functools.cache
def _session() -> boto3.Session:
    """One boto3 session for the sandbox's clients (its service models loaded once), reading no AWS_PROFILE.

    boto3 is imported here, on the first client: `python -m sandbox` loads this module for the accounts' ids and
    keys, and a command that reads no cloud back makes no client (boto3 is 0.2 s of its start).
    """
    import boto3  # noqa: PLC0415
    import botocore.session  # noqa: PLC0415

    return boto3.Session(botocore_session=botocore.session.Session(session_vars={"profile": (None, None, None, None)}))


def aws_client(
    service: str,
    endpoint_url: str,
    region: str,
    account_id: str = CUSTOMER_ACCOUNT_ID,
    credentials: Credentials = PLACEHOLDER,
) -> Any:
    """A client that acts as ``account_id`` (moto's ``x-moto-account-id`` header; an IAM user's keys say the same).

    The sandbox's own clients use the keys given and no profile: the caller's AWS_PROFILE names their real
    accounts' settings (boto3 would refuse one it cannot find, or mix its settings in).
    """
    client = _session().client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
    )

    def act_as(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    client.meta.events.register(f"before-sign.{service}.*", act_as)
    return client


def ec2_client(
    endpoint_url: str, region: str, account_id: str = CUSTOMER_ACCOUNT_ID, credentials: Credentials = PLACEHOLDER
) -> Any:
    return aws_client("ec2", endpoint_url, region, account_id, credentials)
