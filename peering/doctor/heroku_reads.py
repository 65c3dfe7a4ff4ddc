"""The doctor's reads of Heroku: the space, its peering info and its peerings (GETs only).

The token and the URL come as the program takes them (``HEROKU_API_KEY``, else ``~/.netrc``;
``herokuApiUrl``, else ``HEROKU_HOST``); a stack's ``heroku:apiKey`` is encrypted, so the doctor
cannot read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.heroku_api import HerokuClient
from providers.heroku_errors import (
    HerokuConfigError,
    HerokuConnectionError,
    HerokuCredentialsError,
    HerokuError,
    HerokuForbidden,
    HerokuNotFound,
    HerokuUnauthorized,
)
from providers.heroku_models import Peering

from ..model.facts import SpaceFacts
from .errors import DoctorReadError, DoctorUsageError


@dataclass(frozen=True)
class SpaceReading:
    space: SpaceFacts
    peerings: tuple[Peering, ...]


def read_space(space: str, api_url: str | None) -> SpaceReading:
    try:
        with HerokuClient(None, api_url) as heroku:
            info = heroku.peering_info(space)
            found = heroku.space(space)
            peerings = tuple(heroku.list_peerings(space))
    except HerokuCredentialsError:
        raise DoctorUsageError(
            "No Heroku API token found: set HEROKU_API_KEY, or run `heroku login` (it writes ~/.netrc). The doctor "
            "cannot read a stack's heroku:apiKey, which is encrypted."
        ) from None
    except HerokuConfigError as error:
        raise DoctorUsageError(f"--heroku-api-url (or HEROKU_HOST, or the stack's herokuApiUrl): {error}") from None
    except HerokuNotFound as error:
        raise DoctorUsageError(
            f"space {space!r}: Heroku does not know this space ({error}). Check the name with `heroku spaces`."
        ) from None
    except HerokuUnauthorized as error:
        raise DoctorUsageError(
            f"Heroku refused the token ({error}). Set a valid one in HEROKU_API_KEY "
            "(see `heroku authorizations:create`)."
        ) from None
    except HerokuForbidden as error:
        raise DoctorUsageError(
            f"space {space!r}: the token may not read this space ({error}). Use a token of a member of the "
            "space's team."
        ) from None
    except HerokuConnectionError as error:
        raise DoctorReadError(
            f"the Heroku API could not be reached ({error}). Check --heroku-api-url or HEROKU_HOST, or unset them for "
            "https://api.heroku.com."
        ) from None
    except HerokuError as error:
        raise DoctorReadError(f"space {space!r}: {error}") from None
    # Heroku's own name for it, whether given by name or by UUID, as pre-flight names it.
    return SpaceReading(SpaceFacts(found.name or space, info, found.state, found.generation), peerings)
