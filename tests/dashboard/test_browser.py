"""The dashboard in headless Chromium (Debian's ``chromium``, driven by Playwright)
against ``immuno serve`` on 127.0.0.1: every page at 1280 and 390 px wide with no
console error and nothing wider than the screen, and a decision taken with the
keyboard alone. Screenshots are kept in ``tests/dashboard/artifacts/``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from immuno import Config, Immune
from immuno.core.config import DetectConfig, StoreConfig
from immuno.identity import Registry
from immuno.identity.tokens import TokenIssuer
from tests.net import free_port

from .conftest import ATTACK, AUDIENCE, HOSTILE

# A server on a SQLite file of its own: one run is enough.
pytestmark = pytest.mark.sqlite_only
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = (1280, 390)
PAGES = {
    "/ui": "Overview",
    "/ui/incidents": "Incidents",
    "/ui/quarantine": "Quarantine",
    "/ui/approvals": "Approvals",
    "/ui/audit": "Audit log",
    "/ui/redteam": "Last red-team scorecard",
}
sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Server:
    url: str
    token: str
    incidents: list[str]


def _prepare(folder: Path) -> tuple[str, list[str]]:
    """A store with two payload incidents (one hostile) and an operator's token."""
    config = Config(
        store=StoreConfig(path=str(folder / "immuno.db")), detect=DetectConfig(excise=[])
    )
    immune = Immune(config)
    try:
        Registry(immune.store, immune.clock).register("ops")
        for text in (ATTACK, HOSTILE.replace("customer", "payroll")):
            for agent in ("alice", "bob"):
                immune.check(
                    {"kind": "tool_result", "agent": agent, "tool": "web.fetch", "content": text}
                )
        immune.layer("response").flush()
        rows = immune.store.query(
            "SELECT id FROM response_incidents WHERE kind = 'payload' ORDER BY id"
        )
        token = TokenIssuer(immune.authority, immune.store, immune.clock).issue(
            "ops", AUDIENCE, ("operator",)
        )
    finally:
        immune.close()
    return token, [str(row[0]) for row in rows]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/services.sh start installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("browser")
    (folder / "immuno.yaml").write_text(
        "store:\n  path: immuno.db\ndetect:\n  excise: []\n", encoding="utf-8"
    )
    token, incidents = _prepare(folder)
    port = free_port()
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "immuno",
            "serve",
            "--config",
            "immuno.yaml",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"immuno serve did not start: {(folder / 'server.log').read_text()}")
            time.sleep(0.2)
        yield Server(url, token, incidents)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], timeout=30_000
        )
        yield launched
        launched.close()


def _session(browser: object, server: Server, width: int) -> tuple[object, list[str]]:
    """A page logged in through the login form (typed, then Enter), and the list
    its console errors, uncaught exceptions and dialogs (alert) go to."""
    context = browser.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"a dialog opened: {d.message}"), d.dismiss()))
    page.goto(f"{server.url}/ui")
    assert page.url.endswith("/ui/login")
    page.get_by_label("Operator token").fill(server.token)
    page.get_by_label("Operator token").press("Enter")
    page.wait_for_url(f"{server.url}/ui")
    return page, errors


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_renders_cleanly(browser: object, server: Server, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _session(browser, server, width)
    for path, title in {**PAGES, f"/ui/incidents/{server.incidents[0]}": "Incident"}.items():
        answer = page.goto(server.url + path)
        assert answer is not None and answer.status == 200, path
        assert page.locator("h1").inner_text() == title
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{path} is {wide}px wide at {width}px"
        name = (path.strip("/").replace("/", "_") or "root") + f"-{width}.png"
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    assert errors == []  # the hostile payload's alert() never ran: no dialog either
    print(f"screenshots in {ARTIFACTS}")
    page.context.close()


def test_keyboard_only_confirm(browser: object, server: Server) -> None:
    page, errors = _session(browser, server, 1280)
    incident = server.incidents[1]
    page.goto(f"{server.url}/ui/incidents/{incident}")
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if focused == "Confirm attack and vaccinate":
            break
    else:
        pytest.fail("Tab never reached the confirm button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows no focus style"
    page.screenshot(path=str(ARTIFACTS / "keyboard-focus-1280.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/ui/incidents/{incident}")
    flash = page.get_by_role("status").inner_text()
    assert f"{incident} confirmed: vac_" in flash
    assert page.get_by_role("button", name="Confirm attack and vaccinate").count() == 0
    page.screenshot(path=str(ARTIFACTS / "keyboard-confirmed-1280.png"), full_page=True)
    assert errors == []
    page.context.close()
