"""Which backend a store location names, and where it points."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from immuno.core.errors import StoreError

StoreKind = Literal["sqlite", "postgresql"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def parse_location(location: str) -> tuple[StoreKind, str]:
    """(kind, target): a SQLite path, or the PostgreSQL URL as libpq takes it.

    ``sqlite:///relative.db`` and ``sqlite:////absolute.db`` follow the usual URL
    convention (the path is what follows the third slash); a bare path is SQLite too.
    """
    found = _SCHEME.match(location)
    if found is None:
        return "sqlite", location
    scheme = found.group(1).lower()
    if scheme in ("postgresql", "postgres"):
        return "postgresql", location
    if scheme == "sqlite":
        path = location[found.end() :]
        if path.startswith("/"):
            path = path[1:]
        return "sqlite", path or ":memory:"
    raise StoreError(f"unknown store scheme {scheme!r}: use a path, sqlite:// or postgresql://")


def redact(url: str) -> str:
    """``url`` without its password, fit for messages and logs."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if "password" in query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs])
    return urlunsplit(parts._replace(netloc=netloc, query=query))
