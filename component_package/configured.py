"""This provider process's configuration: the Heroku token from its ``apiKey``, and the acceptance it serves.

The engine starts one process per provider (the default one, or each ``heroku-peering`` provider a program
makes) and configures it before any other call, so module state is that provider's. Construct's pre-flight
and the acceptance read Heroku with the same token; it lives in this process only (never an input, an output
or a log line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.heroku_credentials import use_token_config_key
from providers.peering_acceptance import PeeringAcceptanceProvider

PACKAGE = "heroku-peering"
TOKEN_KEY = "apiKey"  # noqa: S105 (a config key, not a secret): the provider config variable: heroku-peering:apiKey in a stack's config


@dataclass
class Configured:
    token: str | None = None  # None: HEROKU_API_KEY, then ~/.netrc (the Heroku client's fallbacks)
    acceptance: PeeringAcceptanceProvider = field(default_factory=PeeringAcceptanceProvider)

    def use(self, token: object) -> None:
        """The token given to Configure (empty: the client's fallbacks); messages name this package's key."""
        use_token_config_key(f"{PACKAGE}:{TOKEN_KEY}")
        self.token = str(token) if token else None
        self.acceptance.use_token(self.token)


CONFIGURED = Configured()
