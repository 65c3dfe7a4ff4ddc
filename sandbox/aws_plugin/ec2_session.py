"""One configured provider's EC2 access: the boto3 client and what every resource needs of the config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from .provider_config import ProviderConfig


@dataclass(frozen=True)
class Ec2Session:
    client: Any
    region: str
    default_tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def connect(cls, config: ProviderConfig) -> Ec2Session:
        client = boto3.client(
            "ec2",
            region_name=config.region,
            endpoint_url=config.endpoint,
            aws_access_key_id=config.access_key,
            aws_secret_access_key=config.secret_key,
            # The AWS SDK for Go v2's standard retryer (terraform-provider-aws raises its attempts to 25).
            config=Config(retries={"mode": "standard", "max_attempts": 25}),
        )
        return cls(client, config.region, dict(config.default_tags))

    def all_tags(self, tags: Mapping[str, str] | None) -> dict[str, str]:
        """``tags_all``: the provider's default tags, overridden by the resource's own."""
        return {**self.default_tags, **(tags or {})}

    def own_tags(self, live: Mapping[str, str]) -> dict[str, str]:
        """``tags`` as Read sets it: what AWS has, less the default tags it would add anyway."""
        return {key: value for key, value in live.items() if self.default_tags.get(key) != value}
