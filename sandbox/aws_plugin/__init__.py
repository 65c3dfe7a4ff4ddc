"""The sandbox's pulumi-aws: a ``pulumi-resource-aws`` resource provider plugin backed by moto.

The real plugin (pulumi-aws, a bridge over terraform-provider-aws) cannot be had here; this one
serves the resources and functions the project's programs use, answering the engine's gRPC calls as
pulumi-aws would and making the EC2 calls terraform-provider-aws makes, against the sandbox's moto
only (``provider_config.py`` refuses any other endpoint). The Pulumi CLI finds it on PATH
(``bin/pulumi-resource-aws``).
"""
