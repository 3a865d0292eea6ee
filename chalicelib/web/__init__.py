"""The report web page's static files (index.html, app.css, app.js beside this module) and the
security headers every response that serves them carries.

Pure: `asset(name)` maps a whitelisted file name to its bytes and content type, read once per
process; anything else is None, so a request can never reach another file. app.py's `GET /` and
`GET /assets/{name}` routes serve what this returns with `SECURITY_HEADERS`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import MappingProxyType

_HERE = Path(__file__).resolve().parent

# The only files the page is made of; the page itself is "index.html" (served at GET /).
CONTENT_TYPES = MappingProxyType(
    {
        "index.html": "text/html; charset=utf-8",
        "app.css": "text/css; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
    }
)
PAGE = "index.html"

# No inline script or style, no remote origin of any kind: a bounce diagnostic that slipped past
# the page's text-only rendering still could not run or load anything.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = MappingProxyType(
    {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-cache",
    }
)


def security_headers(sign_in_endpoint: str = "") -> dict[str, str]:
    """SECURITY_HEADERS, with the sign-in service's origin (Cognito, or moto locally) added to
    connect-src: the page calls it directly for USER_PASSWORD_AUTH. Nothing else is added."""
    headers = dict(SECURITY_HEADERS)
    origin = _origin(sign_in_endpoint)
    if origin:
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "connect-src 'self'", f"connect-src 'self' {origin}"
        )
    return headers


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    # scheme://host[:port], nothing a setting could smuggle into the policy (; or spaces)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def asset(name: str) -> tuple[bytes, str] | None:
    """The file's bytes and content type, or None for a name outside the whitelist."""
    content_type = CONTENT_TYPES.get(name)
    if content_type is None:
        return None
    return _read(name), content_type


@functools.cache  # only whitelisted names get here, so the cache holds at most three files
def _read(name: str) -> bytes:
    return (_HERE / name).read_bytes()
