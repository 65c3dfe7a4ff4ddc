"""One configured provider's EC2 access: the boto3 client and what every resource needs of the config.

A session is the provider's (its region) or a resource's own: terraform-provider-aws v6 gives every
resource and data source a ``region`` argument (per-resource Region, ``internal/conns/awsclient.go``
``EC2Client`` takes the in-context region), and a call for another region goes to that region's
endpoint; here the same sandbox endpoint, whose moto keeps each region apart. A session also carries
the operation's ``customTimeouts`` value (the bridge passes the engine's timeout into terraform's
timeouts, ``pkg/tfbridge/provider.go`` ``newTimeoutOverrides``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .provider_config import ProviderConfig

AWS_TAG_PREFIX = "aws:"  # internal/tags/key_value_tags.go IgnoreAWS: system tags, never in tags or tags_all


@dataclass(frozen=True)
class IgnoreTags:
    """``ignore_tags``: keys and key prefixes the provider leaves out of ``tags`` and ``tags_all``."""

    keys: frozenset[str] = frozenset()
    key_prefixes: tuple[str, ...] = ()

    def ignored(self, key: str) -> bool:
        return key in self.keys or any(key.startswith(prefix) for prefix in self.key_prefixes)


@dataclass(frozen=True)
class Ec2Session:
    client: Any
    region: str
    default_tags: Mapping[str, str] = field(default_factory=dict)
    account_id: str = ""  # the provider's account ("" with skipRequestingAccountId), as terraform's AccountID
    ignore_tags: IgnoreTags = field(default_factory=IgnoreTags)
    timeout: float | None = None  # this operation's customTimeouts value in seconds; None: the resource's default
    provider_region: str = ""
    _config: ProviderConfig | None = field(default=None, repr=False, compare=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def connect(cls, config: ProviderConfig, account_id: str = "") -> Ec2Session:
        session = cls(
            _client(config, config.region),
            config.region,
            dict(config.default_tags),
            account_id,
            IgnoreTags(frozenset(config.ignore_tag_keys), tuple(config.ignore_tag_prefixes)),
            provider_region=config.region,
            _config=config,
        )
        session._clients[config.region] = session.client
        return session

    def for_call(self, region: str | None = None, timeout: float | None = None) -> Ec2Session:
        """This session in ``region`` (the resource's own, or the provider's when unset), with this call's
        custom timeout (seconds; 0 or None: the resource's default)."""
        wanted = region or self.provider_region or self.region
        client = self.client
        if wanted != self.region and self._config is not None:
            with self._lock:
                client = self._clients.get(wanted)
                if client is None:
                    client = self._clients[wanted] = _client(self._config, wanted)
        return replace(self, client=client, region=wanted, timeout=timeout or None)

    @property
    def partition(self) -> str:
        """The region's partition (``names.PartitionForRegion``), for ARNs."""
        for prefix, partition in (
            ("cn-", "aws-cn"),
            ("us-gov-", "aws-us-gov"),
            ("us-isob-", "aws-iso-b"),
            ("us-iso-", "aws-iso"),
            ("eu-isoe-", "aws-iso-e"),
            ("us-isof-", "aws-iso-f"),
        ):
            if self.region.startswith(prefix):
                return partition
        return "aws"

    def timeout_or(self, default: float) -> float:
        return self.timeout if self.timeout else default

    def all_tags(self, tags: Mapping[str, str] | None) -> dict[str, str]:
        """``tags_all`` as sent: the provider's default tags, overridden by the resource's own."""
        return {**self.default_tags, **(tags or {})}

    def visible(self, live: Mapping[str, str]) -> dict[str, str]:
        """What AWS has less system (``aws:``) tags and ``ignore_tags`` (``IgnoreSystem``, ``IgnoreConfig``)."""
        return {
            key: value
            for key, value in live.items()
            if not key.startswith(AWS_TAG_PREFIX) and not self.ignore_tags.ignored(key)
        }

    def own_tags(self, live: Mapping[str, str], declared: Mapping[str, str] | None) -> dict[str, str]:
        """``tags`` as Read sets it (``KeyValueTags.ResolveDuplicates``, ``internal/tags/key_value_tags.go``):
        what AWS has, less system and ignored tags, less the default tags; but a tag the resource declares
        itself (its inputs on create or update, its state on refresh) with the default tag's value is kept."""
        visible = self.visible(live)
        own = {key: value for key, value in visible.items() if self.default_tags.get(key) != value}
        for key, value in (declared or {}).items():
            if key not in own and value is not None and self.default_tags.get(key) == value:
                own[key] = value
        return {key: value for key, value in own.items() if not self.ignore_tags.ignored(key)}


def _client(config: ProviderConfig, region: str) -> Any:
    # Imported here, not at the top: each phase starts a second instance of the provider that only checks and
    # diffs its config, never making a client (pulumi/pulumi pkg/resource/deploy/providers/registry.go,
    # Registry.Check loads a provider for CheckConfig, Registry.Diff calls DiffConfig on it); boto3 and its
    # Config are 0.12 s of that instance's 0.56 s start.
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=config.endpoint,
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
        # The AWS SDK for Go v2's standard retryer (terraform-provider-aws raises its attempts to 25).
        config=Config(retries={"mode": "standard", "max_attempts": 25}),
    )
