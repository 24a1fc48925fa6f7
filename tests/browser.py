"""Playwright helpers: Debian's Chromium, headless, driven against pytest-django's live
server. Screenshots go to test-artifacts/screenshots/ for people to look at."""

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed: bin/setup installs it")
    return path


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe here.
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            yield instance
            instance.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1366, "height": 860}, base_url=live_server.url, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []

    def on_console(message):
        # A blocked inline script or style shows up only as a console error.
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, f"JavaScript or CSP errors on the page: {errors}"


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def pick_links(page, label, *names):
    """Add ``names`` to the link field labelled ``label`` as a user does: type in its search
    box, then click the option (the searchable add/remove widget on every link field)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for name in names:
        box.click()
        box.press_sequentially(name[:12])
        listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
        listbox.get_by_role("option", name=name, exact=True).click()
    box.press("Escape")
