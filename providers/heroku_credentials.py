"""Where the Heroku API token and base URL come from, in the order Heroku's own tools use."""

from __future__ import annotations

import ipaddress
import netrc
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .heroku_errors import HerokuConfigError, HerokuCredentialsError
from .shown_values import shown

DEFAULT_API_URL = "https://api.heroku.com"
NETRC_MACHINE = "api.heroku.com"
# The config key that holds the token in this process, which messages name so that their advice is right: the
# stack config's heroku:apiKey for the program; the component package's provider sets its own (heroku-peering:apiKey).
_token_key = ["heroku:apiKey"]


def token_config_key() -> str:
    return _token_key[0]


def use_token_config_key(key: str) -> None:
    """For a host whose token comes from another config key than the program's ``heroku:apiKey``."""
    _token_key[0] = key


# What an HTTP header value may hold (RFC 9110 field-value: visible ASCII, spaces and tabs inside). A token
# with anything else cannot be sent: requests would raise with the whole header, token included, in its text.
HEADER_SAFE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$")


def resolve_token(
    explicit: str | None = None,
    env: Mapping[str, str] | None = None,
    netrc_path: str | os.PathLike[str] | None = None,
) -> str:
    """Explicit value, else ``HEROKU_API_KEY``, else ``~/.netrc`` (what ``heroku login`` writes).

    Surrounding whitespace is dropped from each (a YAML block scalar or a file read whole ends in a
    newline); a token that still cannot be a header value is refused by its source, never shown."""
    env = os.environ if env is None else env
    path = Path(netrc_path) if netrc_path else _default_netrc(env)
    sources: tuple[tuple[str, Callable[[], str | None]], ...] = (
        (f"stack config {token_config_key()}", lambda: explicit),
        ("HEROKU_API_KEY", lambda: env.get("HEROKU_API_KEY")),
        (f"{path} (machine {NETRC_MACHINE})", lambda: _token_from_netrc(path)),
    )
    for source, read in sources:
        token = (read() or "").strip()
        if token:
            return _header_safe(token, source)
    raise HerokuCredentialsError(
        f"No Heroku API token found. Set it in one of: stack config `{token_config_key()}` "
        f"(pulumi config set --secret {token_config_key()} ...), the HEROKU_API_KEY environment "
        f"variable, or a `machine {NETRC_MACHINE}` entry in {path} (run `heroku login`). A destroy needs none: "
        "`pulumi destroy --refresh=false` asks nothing of Heroku."
    )


def _header_safe(token: str, source: str) -> str:
    if HEADER_SAFE.match(token):
        return token
    raise HerokuCredentialsError(
        f"The Heroku API token from {source} holds a character an HTTP header cannot carry (a line break, a "
        f"control character or a non-ASCII letter; {len(token)} characters in all, not shown). Set it again as "
        "the single line `heroku auth:token` prints."
    )


def _default_netrc(env: Mapping[str, str]) -> Path:
    explicit = env.get("NETRC")
    if explicit:
        return Path(explicit)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".netrc"


def _token_from_netrc(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(NETRC_MACHINE)
    except (netrc.NetrcParseError, OSError):
        # A broken netrc is reported as "no token" rather than echoing its content.
        return None
    if entry is None:
        return None
    password = entry[2]
    return password or None


def resolve_api_url(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Explicit URL, else ``HEROKU_HOST`` read as the Heroku CLI reads it, else api.heroku.com.

    ``HEROKU_HOST`` may be a full URL (``http://127.0.0.1:5000``) or a bare domain
    (``heroku.com`` means ``https://api.heroku.com``).
    """
    env = os.environ if env is None else env
    raw = explicit or env.get("HEROKU_HOST", "").strip()
    if not raw:
        return DEFAULT_API_URL
    url = raw if raw.startswith(("http://", "https://")) else f"https://api.{raw}"
    return validate_api_url(url)


def validate_api_url(url: str) -> str:
    """Refuse anything but https, except plain http to this machine's loopback."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unclosed [ipv6 bracket, a bad port
        raise HerokuConfigError(f"Heroku API URL {shown(url)} is not a URL; use e.g. {DEFAULT_API_URL}.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise HerokuConfigError(f"Heroku API URL {shown(url)} is not an http(s) URL; use e.g. {DEFAULT_API_URL}.")
    if parts.scheme == "http" and not is_loopback(host):
        raise HerokuConfigError(
            f"Heroku API URL {shown(url)} uses plain http to a non-loopback host; the token would "
            "travel unencrypted. Use https, or http only to 127.0.0.1/localhost."
        )
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
