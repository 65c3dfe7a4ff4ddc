"""Where the Heroku API token and base URL come from, in the order Heroku's own tools use."""

from __future__ import annotations

import ipaddress
import netrc
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .heroku_errors import HerokuConfigError, HerokuCredentialsError

DEFAULT_API_URL = "https://api.heroku.com"
NETRC_MACHINE = "api.heroku.com"


def resolve_token(
    explicit: str | None = None,
    env: Mapping[str, str] | None = None,
    netrc_path: str | os.PathLike[str] | None = None,
) -> str:
    """Explicit value, else ``HEROKU_API_KEY``, else ``~/.netrc`` (what ``heroku login`` writes)."""
    if explicit:
        return explicit
    env = os.environ if env is None else env
    from_env = env.get("HEROKU_API_KEY", "").strip()
    if from_env:
        return from_env
    path = Path(netrc_path) if netrc_path else _default_netrc(env)
    from_netrc = _token_from_netrc(path)
    if from_netrc:
        return from_netrc
    raise HerokuCredentialsError(
        "No Heroku API token found. Set it in one of: stack config `heroku:apiKey` "
        "(pulumi config set --secret heroku:apiKey ...), the HEROKU_API_KEY environment "
        f"variable, or a `machine {NETRC_MACHINE}` entry in {path} (run `heroku login`)."
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
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HerokuConfigError(f"Heroku API URL {url!r} is not an http(s) URL; use e.g. {DEFAULT_API_URL}.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise HerokuConfigError(
            f"Heroku API URL {url!r} uses plain http to a non-loopback host; the token would "
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
