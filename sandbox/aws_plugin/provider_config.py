"""The provider's configuration, read as pulumi-aws reads it: ``aws:*`` stack config, then the environment.

pulumi-aws (through terraform-provider-aws's ``internal/conns/config.go`` and the AWS SDK for Go v2)
takes the region from ``aws:region``, else ``AWS_REGION``/``AWS_DEFAULT_REGION``; the keys from
``aws:accessKey``/``aws:secretKey``, else ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``; the EC2
and STS endpoints from ``aws:endpoints`` (``[{ec2: URL, sts: URL}]``), else ``AWS_ENDPOINT_URL_EC2``
/ ``AWS_ENDPOINT_URL_STS``, else ``AWS_ENDPOINT_URL``; default tags from ``aws:defaultTags``
(``{tags: {...}}``), ignored tags from ``aws:ignoreTags`` (``{keys: [...], keyPrefixes: [...]}``). Unless
``aws:skipRequestingAccountId``, Configure asks STS for the account (``GetAwsAccountIDAndPartition``).

This plugin is the sandbox's stand-in for pulumi-aws: it refuses any EC2 or STS endpoint but one on this
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
from .wire import SECRET_SIG, SIGNATURE

NO_CREDENTIALS = (
    "configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found.\n\n"
    "Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information "
    "about providing credentials."
)
# pulumi-aws's CheckConfig texts (provider/errors/no_credentials.txt, no_region.txt), from its credentials
# check before Configure (provider/config.go validateCredentials) unless skipCredentialsValidation.
CHECK_NO_CREDENTIALS = (
    "No valid credential sources found.\n"
    "Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information "
    "about providing credentials.\n"
    "NEW: You can use Pulumi ESC to set up dynamic credentials with AWS OIDC to ensure the correct and valid "
    "credentials are used.\n"
    "Learn more: https://www.pulumi.com/registry/packages/aws/installation-configuration/"
    "#dynamically-generate-credentials"
)
NO_REGION = (
    "Missing region information\nMake sure you have set your AWS region, e.g. `pulumi config set aws:region us-west-2`."
)
# The provider's configuration keys (terraform-provider-aws internal/provider/sdkv2/provider.go's schema, as
# pulumi-aws names them); any other aws:* key fails CheckConfig.
CONFIG_KEYS = (
    "accessKey",
    "allowedAccountIds",
    "assumeRoleWithWebIdentity",
    "assumeRoles",
    "customCaBundle",
    "defaultTags",
    "ec2MetadataServiceEndpoint",
    "ec2MetadataServiceEndpointMode",
    "endpoints",
    "forbiddenAccountIds",
    "httpProxy",
    "httpsProxy",
    "ignoreTags",
    "insecure",
    "maxRetries",
    "noProxy",
    "profile",
    "region",
    "retryMode",
    "s3UsEast1RegionalEndpoint",
    "s3UsePathStyle",
    "secretKey",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "skipRequestingAccountId",
    "stsRegion",
    "tagPolicyCompliance",
    "token",
    "tokenBucketRateLimiterCapacity",
    "useDualstackEndpoint",
    "useFipsEndpoint",
    "userAgents",
)
# The engine's own keys beside the provider's (a provider resource's version and plugin download URL).
ENGINE_KEYS = ("version", "pluginDownloadURL")


def _parsed(value: Any) -> Any:
    """Config values may arrive as JSON text (the engine passes a default provider's config as strings)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint(args: Mapping[str, Any], env: Mapping[str, str], service: str) -> str:
    found = ""
    for entry in _parsed(args.get("endpoints")) or []:
        if isinstance(entry, Mapping) and entry.get(service):
            found = str(entry[service])
    return found or env.get(f"AWS_ENDPOINT_URL_{service.upper()}", "") or env.get("AWS_ENDPOINT_URL", "")


def _refuse_remote(service: str, endpoint: str) -> None:
    if not endpoint or not is_loopback_url(endpoint):
        raise ProviderRefusal(
            f"this pulumi-resource-aws is the local sandbox's stand-in for pulumi-aws: it serves only a sandbox's "
            f"endpoints on this machine, and the stack's {service.upper()} endpoint is {endpoint or 'not set'!r}. "
            f"Point aws:endpoints at the sandbox (`python -m sandbox serve` prints it)"
            + (", or set aws:skipRequestingAccountId" if service == "sts" else "")
            + ", or take the sandbox's folder out of PATH to use the real pulumi-aws."
        )


@dataclass(frozen=True)
class ProviderConfig:
    region: str
    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    default_tags: Mapping[str, str] = field(default_factory=dict)
    ignore_tag_keys: tuple[str, ...] = ()
    ignore_tag_prefixes: tuple[str, ...] = ()
    sts_endpoint: str = ""  # "" with skipRequestingAccountId: the account is not asked for

    @classmethod
    def read(cls, args: Mapping[str, Any], env: Mapping[str, str] | None = None) -> ProviderConfig:
        env = os.environ if env is None else env
        region = str(args.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "")
        if not region:
            raise ProviderRefusal(NO_REGION)
        endpoint = _endpoint(args, env, "ec2")
        _refuse_remote("ec2", endpoint)
        access_key = str(args.get("accessKey") or env.get("AWS_ACCESS_KEY_ID") or "")
        secret_key = str(args.get("secretKey") or env.get("AWS_SECRET_ACCESS_KEY") or "")
        if not access_key or not secret_key:
            raise ProviderRefusal(NO_CREDENTIALS)
        sts = ""
        if not _flag(args.get("skipRequestingAccountId")):
            sts = _endpoint(args, env, "sts")
            _refuse_remote("sts", sts)
        default_tags = _parsed(args.get("defaultTags")) or {}
        tags = default_tags.get("tags") if isinstance(default_tags, Mapping) else None
        ignore = _parsed(args.get("ignoreTags")) or {}
        ignore = ignore if isinstance(ignore, Mapping) else {}
        return cls(
            region,
            endpoint,
            access_key,
            secret_key,
            dict(tags or {}),
            tuple(str(key) for key in ignore.get("keys") or ()),
            tuple(str(prefix) for prefix in ignore.get("keyPrefixes") or ()),
            sts,
        )

    def account_id(self) -> str:
        """STS GetCallerIdentity's account, or "" when the account is not requested."""
        if not self.sts_endpoint:
            return ""
        import boto3  # noqa: PLC0415 - only a configuration that asks for the account needs STS

        sts = boto3.client(
            "sts",
            region_name=self.region,
            endpoint_url=self.sts_endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )
        return str(sts.get_caller_identity()["Account"])


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (the bridge suggests keys within 2 edits, ``keySuggestions``)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


SECRET_CONFIG = ("accessKey", "secretKey", "token")  # pulumi-aws's Config: Secret
CONFIG_DEFAULTS = {"skipRegionValidation": "true", "skipCredentialsValidation": "false"}  # pulumi-aws's Config


def checked_config(news: Mapping[str, Any], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The inputs CheckConfig answers (pkg/tfbridge/provider.go CheckConfig): the config as the bridge's config
    encoding writes it back (JSON text compact, keys sorted, as Go marshals it), pulumi-aws's defaults filled
    (``aws:region`` from the environment), its secret keys marked secret (``MarkSchemaSecrets``)."""
    env = os.environ if env is None else env
    inputs: dict[str, Any] = {}
    for key, value in news.items():
        parsed = _parsed(value)
        inputs[key] = json.dumps(parsed, separators=(",", ":"), sort_keys=True) if parsed is not value else value
    if "region" not in inputs and (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        inputs["region"] = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    for key, value in CONFIG_DEFAULTS.items():
        inputs.setdefault(key, value)
    for key in SECRET_CONFIG:
        if key in inputs:
            inputs[key] = {SIGNATURE: SECRET_SIG, "value": inputs[key]}
    return inputs


def check_config(news: Mapping[str, Any], env: Mapping[str, str] | None = None) -> list[str]:
    """CheckConfig's failures as the bridge words them: an unknown ``aws:`` key
    (``formatDefaultProviderInvalidKey``, pkg/tfbridge/check_failures.go), then pulumi-aws's credentials check
    (config.go ``preConfigureCallback``), skipped with ``skipCredentialsValidation``."""
    env = os.environ if env is None else env
    failures = []
    for key in sorted(news):
        if key in CONFIG_KEYS or key in ENGINE_KEYS:
            continue
        similar = [f"`aws:{other}`" for other in CONFIG_KEYS if _distance(key, other) <= 2]
        suggestion = f" Did you mean {' or '.join(similar)}?" if similar else ""
        failures.append(
            f"`aws:{key}` is not a valid configuration key for the aws provider.{suggestion} If the referenced key "
            "is not intended for the provider, please choose a different namespace from `aws:`."
        )
    if failures:
        return failures
    skip = news.get("skipCredentialsValidation")
    if _flag(skip) or (skip is None and _flag(env.get("AWS_SKIP_CREDENTIALS_VALIDATION", ""))):
        return []
    if not (news.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        return [NO_REGION]
    has_keys = (news.get("accessKey") or env.get("AWS_ACCESS_KEY_ID")) and (
        news.get("secretKey") or env.get("AWS_SECRET_ACCESS_KEY")
    )
    return [] if has_keys else [CHECK_NO_CREDENTIALS]
