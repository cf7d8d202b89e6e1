"""Which agent a request is for, and which session (one conversation) it belongs to.

The chat API is stateless: every request sends the conversation again, so a
session is found from the request itself, in this order:

1. the header ``X-Immuno-Session`` (the client names the conversation);
2. ``metadata.immuno_session`` in the body (taken out before the request goes on,
   with ``metadata`` itself when nothing else is in it: see :func:`strip_session`);
3. otherwise the conversation's start: a hash of the agent, the ``user`` field, and
   every message up to and including the first user message. Every later turn of a
   conversation starts the same way, so it lands in the same session; two
   conversations that start with the same words for the same ``user`` share one
   (what one read then vouches in the other). Name sessions when that matters.

The agent is ``--agent`` when the proxy was started with one (a request naming
another agent in ``X-Immuno-Agent`` is refused: a client must not pick a more
privileged manifest), else the ``X-Immuno-Agent`` header, else the request is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from immuno.chat_proxy.errors import ProxyError, malformed
from immuno.chat_proxy.wire import Message, encode
from immuno.core.errors import InputError
from immuno.policy.sessions import check_id

SESSION_HEADER = "x-immuno-session"
AGENT_HEADER = "x-immuno-agent"
METADATA_KEY = "immuno_session"
DERIVED_PREFIX = "chat-"
MAX_AGENT = 128


def agent_of(headers: Mapping[str, str], fixed: str | None) -> str:
    named = headers.get(AGENT_HEADER)
    if fixed is not None:
        if named is not None and named != fixed:
            raise ProxyError(
                403,
                "forbidden",
                f"this proxy serves the agent {fixed!r}; X-Immuno-Agent names {named!r}",
                field="X-Immuno-Agent",
            )
        return fixed
    if named is None or not named.strip():
        raise malformed(
            "X-Immuno-Agent",
            "name the agent (the header X-Immuno-Agent, or start the proxy with --agent)",
        )
    if len(named) > MAX_AGENT:
        raise malformed("X-Immuno-Agent", f"an agent name is at most {MAX_AGENT} characters")
    return named


def strip_session(body: dict[str, Any]) -> bool:
    """Take the proxy's own key out of ``metadata``; True when the body changed."""
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        return False
    del metadata[METADATA_KEY]
    if not metadata:
        del body["metadata"]
    return True


def session_of(
    headers: Mapping[str, str], body: Mapping[str, Any], agent: str, messages: Sequence[Message]
) -> str:
    """The session id of the request (see the module's docstring)."""
    named = headers.get(SESSION_HEADER)
    where = "X-Immuno-Session"
    if named is None:
        metadata = body.get("metadata")
        if isinstance(metadata, dict) and METADATA_KEY in metadata:
            named, where = metadata[METADATA_KEY], f"metadata.{METADATA_KEY}"
    if named is not None:
        try:
            return check_id(named)
        except InputError as exc:
            raise malformed(where, exc.problem) from None
    user = body.get("user")
    opening: list[tuple[str, str]] = []
    for message in messages:
        opening.append((message.role, message.text))
        if message.role == "user":
            break
    key = encode((agent, user if isinstance(user, str) else None, opening))
    return DERIVED_PREFIX + hashlib.blake2b(key, digest_size=16).hexdigest()
