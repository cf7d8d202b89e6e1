"""Who may use the dashboard: the API's operator role, nothing else.

* A script sends ``Authorization: Bearer <operator JWT>`` with every request (the
  API's own check, :class:`immuno.gateway.auth.Authenticator`). No cookie is
  involved, so its POSTs need no CSRF token.
* A browser exchanges an operator token once, on ``/ui/login``, for a session
  cookie: ``HttpOnly``, ``SameSite=Strict``, ``Path=/ui`` (``Secure`` over HTTPS),
  signed with the authority's Ed25519 key (the ``cryptography`` library, through
  :class:`immuno.core.authority.Authority`) so every worker and replica can check
  it. It names the agent, the token it came from (``jti``), an expiry (the token's,
  at most 8 hours) and a random CSRF token that every POST form must echo.

Every request re-checks what could have changed since: the agent is registered and
active, and the token the session came from is not revoked. Anything missing,
malformed, expired or unsigned is refused (fail closed). The login form itself is
protected by a short-lived signed nonce cookie (double submit).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import dataclass

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from immuno.gateway.auth import OPERATOR
from immuno.gateway.replies import HTTPError, forbidden, unauthorized
from immuno.gateway.service import Gateway
from immuno.identity import TokenRejected

SESSION = "immuno_ui"
LOGIN = "immuno_ui_login"
FLASH = "immuno_ui_flash"
SESSION_SECONDS = 8 * 3600
LOGIN_SECONDS = 600
_DOMAIN = b"immuno-ui-cookie/1\x00"  # keeps these signatures apart from heads and JWTs


class Claims(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    purpose: str  # session | login | flash
    exp: float
    sub: str = ""
    jti: str = ""
    csrf: str = ""
    text: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Operator:
    """An authenticated operator; ``csrf`` is None for a bearer-token caller."""

    agent: str
    csrf: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(gateway: Gateway, claims: Claims) -> str:
    body = msgspec.json.encode(claims)
    signature = gateway.immune.authority.sign(_DOMAIN + body)
    return f"{_b64(body)}.{_b64(signature)}"


def unseal(gateway: Gateway, value: str | None, purpose: str) -> Claims | None:
    """The claims of a cookie this service signed for ``purpose``, or None."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    body_text, signature_text = value.split(".")
    try:
        body, signature = _unb64(body_text), _unb64(signature_text)
    except (binascii.Error, ValueError):
        return None
    if not gateway.immune.authority.verify(signature, _DOMAIN + body):
        return None
    try:
        claims = msgspec.json.decode(body, type=Claims)
    except msgspec.DecodeError:
        return None
    if claims.purpose != purpose or claims.exp < gateway.immune.clock():
        return None
    return claims


def set_cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path="/ui", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def _revoked(gateway: Gateway, jti: str) -> bool:
    rows = gateway.immune.store.query("SELECT 1 FROM identity_revoked_tokens WHERE jti = ?", (jti,))
    return bool(rows)


def operator(gateway: Gateway, request: Request) -> Operator:
    """The operator making this request, or 401 / 403."""
    if request.headers.get("authorization") is not None:
        principal = gateway.auth.authenticate(request)  # 401 on a bad token
        if principal.role != OPERATOR:
            raise forbidden(f"{principal.agent!r} is an agent; the dashboard needs an operator")
        return Operator(principal.agent, None)
    claims = unseal(gateway, request.cookies.get(SESSION), "session")
    if claims is None:
        raise unauthorized("log in with an operator token at /ui/login")
    if gateway.auth.registry.status(claims.sub) != "active":
        raise unauthorized(f"{claims.sub!r} is not an active registered agent")
    if _revoked(gateway, claims.jti):
        raise unauthorized("the token this session came from was revoked")
    return Operator(claims.sub, claims.csrf)


def check_csrf(who: Operator, form: dict[str, str]) -> None:
    """A browser session's form must carry its CSRF token (fails closed)."""
    if who.csrf is None:
        return  # a bearer token is sent on purpose, never by the browser on its own
    sent = form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
        raise HTTPError(403, "csrf", "the form's CSRF token is missing or wrong; reload the page")


def login_nonce(gateway: Gateway) -> tuple[str, str]:
    """A fresh login nonce and its signed cookie value."""
    nonce = secrets.token_urlsafe(32)
    exp = gateway.immune.clock() + LOGIN_SECONDS
    return nonce, seal(gateway, Claims(purpose="login", exp=exp, csrf=nonce))


def exchange(gateway: Gateway, request: Request, token: str, nonce: str) -> str:
    """Check the login form and the operator token; the new session cookie's value."""
    claims = unseal(gateway, request.cookies.get(LOGIN), "login")
    if claims is None or not nonce or not hmac.compare_digest(nonce.encode(), claims.csrf.encode()):
        raise HTTPError(
            403,
            "csrf",
            "the login form expired or was not sent from this page; reload it and try again",
            field="csrf",
        )
    token = token.strip()
    if not token:
        raise HTTPError(422, "invalid", "token: paste an operator token", field="token")
    try:
        verified = gateway.auth.tokens.verify(token, gateway.auth.audience)
    except TokenRejected as exc:
        raise HTTPError(
            401, "unauthenticated", f"token rejected ({exc.code}): {exc.problem}", field="token"
        ) from None
    if OPERATOR not in verified.scopes:
        raise HTTPError(
            403, "forbidden", f"{verified.agent!r}'s token lacks the operator scope", field="token"
        )
    if gateway.auth.registry.status(verified.agent) != "active":
        raise HTTPError(
            401,
            "unauthenticated",
            f"{verified.agent!r} is not an active registered agent",
            field="token",
        )
    now = gateway.immune.clock()
    session = Claims(
        purpose="session",
        exp=min(verified.expires_at, now + SESSION_SECONDS),
        sub=verified.agent,
        jti=verified.jti,
        csrf=secrets.token_urlsafe(32),
    )
    return seal(gateway, session)


def flash_value(gateway: Gateway, kind: str, text: str) -> str:
    exp = gateway.immune.clock() + 60
    return seal(gateway, Claims(purpose="flash", exp=exp, kind=kind, text=text[:2000]))
