"""The provider's configuration, read as pulumi-aws reads it: ``aws:*`` stack config, then the environment.

pulumi-aws (through terraform-provider-aws's ``internal/conns/config.go`` and the AWS SDK for Go v2)
takes the region from ``aws:region``, else ``AWS_REGION``/``AWS_DEFAULT_REGION``; the keys from
``aws:accessKey``/``aws:secretKey``, else ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``; the EC2
endpoint from ``aws:endpoints`` (``[{ec2: URL}]``), else ``AWS_ENDPOINT_URL_EC2``, else
``AWS_ENDPOINT_URL``; default tags from ``aws:defaultTags`` (``{tags: {...}}``).

This plugin is the sandbox's stand-in for pulumi-aws: it refuses any EC2 endpoint but one on this
machine's loopback, so that it can never act on a real AWS account in the real one's place.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .aws_errors import ProviderRefusal

NO_CREDENTIALS = (
    "configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found.\n\n"
    "Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information "
    "about providing credentials."
)
NO_REGION = (
    "Missing region information\nMake sure you have set your AWS region, e.g. `pulumi config set aws:region us-west-2`."
)


def _parsed(value: Any) -> Any:
    """Config values may arrive as JSON text (the engine passes a default provider's config as strings)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ProviderConfig:
    region: str
    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    default_tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, args: Mapping[str, Any], env: Mapping[str, str] | None = None) -> ProviderConfig:
        env = os.environ if env is None else env
        region = str(args.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "")
        if not region:
            raise ProviderRefusal(NO_REGION)
        endpoint = ""
        for entry in _parsed(args.get("endpoints")) or []:
            if isinstance(entry, Mapping) and entry.get("ec2"):
                endpoint = str(entry["ec2"])
        endpoint = endpoint or env.get("AWS_ENDPOINT_URL_EC2", "") or env.get("AWS_ENDPOINT_URL", "")
        if not endpoint or not is_loopback_url(endpoint):
            raise ProviderRefusal(
                f"this pulumi-resource-aws is the local sandbox's stand-in for pulumi-aws: it serves only a sandbox's "
                f"EC2 endpoint on this machine, and the stack's EC2 endpoint is {endpoint or 'not set'!r}. Point "
                "aws:endpoints at the sandbox (`python -m sandbox serve` prints it), or take the sandbox's folder out "
                "of PATH to use the real pulumi-aws."
            )
        access_key = str(args.get("accessKey") or env.get("AWS_ACCESS_KEY_ID") or "")
        secret_key = str(args.get("secretKey") or env.get("AWS_SECRET_ACCESS_KEY") or "")
        if not access_key or not secret_key:
            raise ProviderRefusal(NO_CREDENTIALS)
        default_tags = _parsed(args.get("defaultTags")) or {}
        tags = default_tags.get("tags") if isinstance(default_tags, Mapping) else None
        return cls(region, endpoint, access_key, secret_key, dict(tags or {}))
