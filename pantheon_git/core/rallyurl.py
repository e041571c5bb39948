"""``RALLY_URL`` as a user writes it, checked once and reduced to ``scheme://host[:port]``.

A URL that cannot be Rally's is a configuration error (exit 3) with one line naming what is
wrong, never a crash further down: no scheme but http/https, no host, a port out of range,
spaces or control characters, a query or fragment. A user name and password in it are refused:
Rally takes the API key from ``RALLY_API_KEY``, and the URL is printed and may be committed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pantheon_git.errors import ConfigError, mask_url_credentials

API_PREFIX = "/slm/webservice/v2.0"
_HINT = "Set RALLY_URL (or rally_url in _bmad/pantheon/config.yaml) to your Rally host."


def check_rally_url(url: str, *, name: str = "RALLY_URL") -> str:
    """``https://host[:port]`` from ``url`` (a trailing ``/slm/webservice/v2.0`` is fine).
    ``name``: what the messages call the value (the setting, the flag)."""
    raw = url if isinstance(url, str) else str(url)
    shown = _shown(raw)
    text = raw.strip().rstrip("/")
    if text.endswith(API_PREFIX):
        text = text[: -len(API_PREFIX)].rstrip("/")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ConfigError(f"{name} has spaces or control characters: {shown}", hint=_HINT)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{name} is not a valid URL ({exc}): {shown}", hint=_HINT) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name} must look like https://rally1.rallydev.com, not {shown}", hint=_HINT
        )
    if parts.username is not None or parts.password is not None:
        host = parts.netloc.rpartition("@")[2]
        raise ConfigError(
            f"{name} holds a user name or password: {parts.scheme}://***@{_shown(host)[1:-1]}",
            hint="Remove them from the URL: Rally takes the API key from RALLY_API_KEY.",
        )
    if port == 0:
        raise ConfigError(f"{name} has port 0: {shown}", hint=_HINT)
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not have a query or fragment: {shown}", hint=_HINT)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _shown(url: str) -> str:
    """The URL as an error may print it: credentials masked, at most 200 characters, no
    control characters."""
    text = mask_url_credentials(url)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(text[:200] + ("..." if len(text) > 200 else ""))
