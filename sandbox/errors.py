"""The sandbox's errors: one root, so that a caller can tell the sandbox's failures from the program's."""


class SandboxError(Exception):
    """Root of everything ``sandbox`` raises: the runner's and the policy check's failures, the world's refusals."""
