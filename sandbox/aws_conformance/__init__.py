"""The conformance run: the sandbox's pulumi-aws beside pulumi-aws built from terraform-provider-aws's code.

``python -m sandbox.aws_conformance`` (``make aws-conformance``) builds the bridged plugin once
(``sandbox/bridged_aws.py``), starts a sandbox, and drives both plugins over the provider protocol as the
engine does, through the same scenarios against the same moto, each side on objects of its own; then it
prints, per scenario, the steps whose answers match and those that differ (and why, for the differences
left on purpose: ``deliberate.py``). It is never part of ``make test`` or CI: the build alone takes most of
an hour.
"""
