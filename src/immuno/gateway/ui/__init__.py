"""The operator's dashboard at ``/ui``: server-rendered pages, no script, forms for
every decision. Mounted by :func:`immuno.gateway.app.build_app`.

Pages answer GET and render one page of rows; actions answer POST (a form with its
CSRF token), then redirect to the page they came from with the result shown once
(post/redirect/get). Errors are HTML pages naming what is wrong; an internal error
decides nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from immuno.core.errors import InputError, StoreError
from immuno.gateway.limits import read_body
from immuno.gateway.replies import HTTPError
from immuno.gateway.service import Gateway
from immuno.gateway.ui import actions, auth, incident_pages, pages
from immuno.gateway.ui.layout import CSS, page
from immuno.gateway.ui.markup import Html, fill, hidden_csrf
from immuno.gateway.ui.view import View

log = logging.getLogger("immuno.gateway.ui")
Page = Callable[[View], Awaitable[Html]]
Action = Callable[[View, dict[str, str]], Awaitable[actions.Flash]]
MAX_FORM_BYTES = 16_384
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:;"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def _error(exc: HTTPError, csrf: str | None = None) -> HTMLResponse:
    body = fill(
        '<p class="flash error" role="alert">{m}</p><p><a href="/ui">Back to the overview</a></p>',
        m=exc.message,
    )
    return _html(page(f"Error {exc.status}", body, csrf=csrf), exc.status)


async def _guarded(name: str, request: Request, run: Callable[[], Awaitable[Response]]) -> Response:
    """Errors as HTML pages (a 422 names the field); every request is timed."""
    gateway: Gateway = request.app.state.gateway
    started = time.perf_counter()
    try:
        response = await run()
    except HTTPError as exc:
        response = _error(exc)
    except InputError as exc:
        response = _error(HTTPError(422, "invalid", str(exc), field=exc.field))
    except StoreError as exc:
        log.warning("store unreachable: %s", exc)
        response = _error(HTTPError(503, "unavailable", "the store is unreachable"))
    except Exception:
        log.exception("internal error in %s", name)
        response = _error(HTTPError(500, "internal", "internal error; nothing was decided"))
    gateway.metrics.request(
        name, request.method, response.status_code, time.perf_counter() - started
    )
    return response


def _signed_in(gateway: Gateway, request: Request) -> auth.Operator | Response:
    """The operator, or (a browser without a session) a redirect to the login page."""
    try:
        return auth.operator(gateway, request)
    except HTTPError as exc:
        if exc.status == 401 and request.headers.get("authorization") is None:
            return RedirectResponse("/ui/login", status_code=303, headers=HEADERS)
        raise


def _page(name: str, title: str, current: str, render: Page) -> Route:
    async def endpoint(request: Request) -> Response:
        async def run() -> Response:
            gateway: Gateway = request.app.state.gateway
            who = _signed_in(gateway, request)
            if isinstance(who, Response):
                return who
            view = View(request, gateway, who)
            body = await render(view)
            flash = auth.unseal(gateway, request.cookies.get(auth.FLASH), "flash")
            shown = (flash.kind, flash.text) if flash is not None else None
            banner = view.reader.lockdown()
            html = page(
                title,
                body,
                current=current,
                csrf=who.csrf,
                flash=shown,
                banner=f"Network lockdown: {banner}" if banner else None,
            )
            response = _html(html)
            if auth.FLASH in request.cookies:
                auth.clear_cookie(response, request, auth.FLASH)
            return response

        return await _guarded(f"GET {name}", request, run)

    return Route(name, endpoint, methods=["GET"])


async def _form(gateway: Gateway, request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() not in (
        "application/x-www-form-urlencoded",
        "",
    ):
        raise HTTPError(415, "unsupported", "send the form as application/x-www-form-urlencoded")
    body = await read_body(request, min(MAX_FORM_BYTES, gateway.settings.max_body_bytes))
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        raise HTTPError(400, "malformed", "the form is not valid UTF-8") from None


def _action(name: str, back: Callable[[Request], str], act: Action) -> Route:
    async def endpoint(request: Request) -> Response:
        async def run() -> Response:
            gateway: Gateway = request.app.state.gateway
            who = auth.operator(gateway, request)  # a POST never redirects to log in
            form = await _form(gateway, request)
            auth.check_csrf(who, form)
            view = View(request, gateway, who)
            try:
                kind, text = await act(view, form)
            except InputError as exc:
                kind, text = "error", exc.problem
            if who.csrf is None:  # a script: the result as text, no cookie
                return _html(fill("<p>{t}</p>", t=text), 200 if kind == "ok" else 409)
            response = RedirectResponse(back(request), status_code=303, headers=HEADERS)
            auth.set_cookie(
                response, request, auth.FLASH, auth.flash_value(gateway, kind, text), 60
            )
            return response

        return await _guarded(f"POST {name}", request, run)

    return Route(name, endpoint, methods=["POST"])


_LOGIN = """<form method="post" action="/ui/login" class="card">{csrf}
<p>Paste an operator token (<code>immuno token issue NAME --audience immuno-gateway
--scope operator</code>). It is exchanged for a session cookie and not kept.</p>
<p><label for="token">Operator token</label><br>
<input id="token" name="token" type="password" autocomplete="off" required></p>
<p><button type="submit" class="primary">Log in</button></p></form>{problem}"""


def _login_page(
    request: Request, gateway: Gateway, problem: str = "", status: int = 200
) -> Response:
    nonce, cookie = auth.login_nonce(gateway)
    note = fill('<p class="flash error" role="alert">{p}</p>', p=problem) if problem else Html("")
    response = _html(page("Log in", fill(_LOGIN, csrf=hidden_csrf(nonce), problem=note)), status)
    auth.set_cookie(response, request, auth.LOGIN, cookie, auth.LOGIN_SECONDS)
    return response


async def login_form(request: Request) -> Response:
    return await _guarded(
        "GET /ui/login", request, lambda: _async(_login_page(request, request.app.state.gateway))
    )


async def _async(response: Response) -> Response:
    return response


async def login(request: Request) -> Response:
    async def run() -> Response:
        gateway: Gateway = request.app.state.gateway
        form = await _form(gateway, request)
        try:
            cookie = auth.exchange(gateway, request, form.get("token", ""), form.get("csrf", ""))
        except HTTPError as exc:
            return _login_page(request, gateway, exc.message, exc.status)
        response = RedirectResponse("/ui", status_code=303, headers=HEADERS)
        auth.set_cookie(response, request, auth.SESSION, cookie, auth.SESSION_SECONDS)
        auth.clear_cookie(response, request, auth.LOGIN)
        return response

    return await _guarded("POST /ui/login", request, run)


async def logout(request: Request) -> Response:
    async def run() -> Response:
        gateway: Gateway = request.app.state.gateway
        who = auth.operator(gateway, request)
        auth.check_csrf(who, await _form(gateway, request))
        response = RedirectResponse("/ui/login", status_code=303, headers=HEADERS)
        auth.clear_cookie(response, request, auth.SESSION)
        return response

    return await _guarded("POST /ui/logout", request, run)


async def stylesheet(request: Request) -> Response:
    return Response(
        CSS,
        media_type="text/css",
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def _to(path: str) -> Callable[[Request], str]:
    return lambda request: path


def _incident(request: Request) -> str:
    return f"/ui/incidents/{request.path_params['id']}"


def routes() -> list[BaseRoute]:
    return [
        Route("/ui/login", login_form, methods=["GET"]),
        Route("/ui/login", login, methods=["POST"]),
        Route("/ui/logout", logout, methods=["POST"]),
        Route("/ui/static/app.css", stylesheet, methods=["GET"]),
        _page("/ui", "Overview", "/ui", pages.overview),
        _page("/ui/incidents", "Incidents", "/ui/incidents", incident_pages.incidents),
        _page("/ui/incidents/{id}", "Incident", "/ui/incidents", incident_pages.incident),
        _page("/ui/quarantine", "Quarantine", "/ui/quarantine", pages.quarantine),
        _page("/ui/approvals", "Approvals", "/ui/approvals", pages.approvals),
        _page("/ui/audit", "Audit log", "/ui/audit", pages.audit),
        _page("/ui/redteam", "Last red-team scorecard", "/ui/redteam", pages.redteam),
        _action("/ui/incidents/{id}/confirm", _incident, actions.confirm),
        _action("/ui/incidents/{id}/false-positive", _incident, actions.false_positive),
        _action("/ui/quarantine/{id}/release", _to("/ui/quarantine"), actions.release),
        _action(
            "/ui/quarantine/{id}/false-positive", _to("/ui/quarantine"), actions.release_benign
        ),
        _action("/ui/approvals/{id}/approve", _to("/ui/approvals"), actions.approve),
        _action("/ui/approvals/{id}/deny", _to("/ui/approvals"), actions.deny),
        _action("/ui/audit/verify", _to("/ui/audit"), actions.verify),
    ]
