"""The browser tier's set-up: the system Chromium, a live server, and the demo alliance.

One browser for the session and a fresh context (cookies, storage) for every test. Every
test in this folder is marked `browser`, so the main tier (`-m "not browser"`) never runs
it; without Chromium the tests still collect and then skip with one clear reason (or fail
under CI=true, where a missing browser is a failure).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.alliance.models import Alliance
from onedoor.demo.population import ensure_demo_accounts, seed_population
from tests.browser.support import PASSWORD, forget_assets, watch_assets

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser` before `-m` selects (so tryfirst)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop in this thread, which Django's
    # async-safety check mistakes for async code calling the ORM. Allowed for this
    # session only, so the main tier keeps the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, on 127.0.0.1 (its default is `localhost`, which can
    resolve to ::1): the host in ALLOWED_HOSTS, and one address for the lockout."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def live_server_url(live_server: LiveServer) -> str:
    return str(live_server.url)


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    watch_assets(tab)
    yield tab
    forget_assets(tab)
    context.close()


@pytest.fixture
def demo(live_server: LiveServer, settings: Settings) -> Alliance:
    """The Medway alliance, every demo account (password `PASSWORD`) and 30 children.

    Demo mode has no second factor (tests of the second factor switch it back on). (The
    cookies stay `Secure`: Chromium keeps them for http://127.0.0.1.)"""
    settings.OTP_REQUIRED = False
    alliance = load(DEFAULT_FILE)
    ensure_demo_accounts(alliance, PASSWORD)
    seed_population(alliance, 30)
    return alliance
