"""The real app served by waitress, and Chromium through Playwright's sync API.

Chromium comes from the operating system (Debian's ``chromium`` package at
/usr/bin/chromium, or BME_CHROMIUM); ``playwright install`` is never needed. Without it the
browser tests are skipped on a developer's machine, but in CI (``CI`` set) a
missing browser is a failure, so that the tests cannot silently stop running.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("BME_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Long enough for a slow CI machine, short enough that a wrong locator fails fast.
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory):
    """The real app (TESTING off, CSRF on), on its own SQLite database."""
    from webapp import create_app

    folder = tmp_path_factory.mktemp("browser-app")
    return create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "browser-test-secret",
            "INSTANCE_PATH": folder / "instance",
            "DATABASE_URL": f"sqlite:///{folder / 'bme.sqlite'}",
            # Every browser test signs in from 127.0.0.1: the limit is tested elsewhere.
            "STAFF_SIGN_IN_PER_MINUTE": 1000,
        }
    )


@pytest.fixture(scope="session")
def base_url(browser_app):
    """The real app served by waitress on a free local port."""
    from waitress import create_server, wasyncore

    server = create_server(browser_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    # Close every socket from inside the server's own loop (closing them from
    # this thread would race with it); the loop ends when nothing is left open.
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    thread.join(timeout=10)
    server.task_dispatcher.shutdown(timeout=5)
    assert not thread.is_alive(), "the waitress server did not stop"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = (
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium) to run the browser tests"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message}. CI is set, so the browser tests must run.", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser, base_url, *, javascript: bool):
    """A page in a fresh context (its own cookies); close the context when done."""
    context = browser.new_context(
        base_url=base_url, java_script_enabled=javascript, viewport=DESKTOP, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, base_url):
    """A page in a fresh browser context (its own cookies), JavaScript on."""
    context, page = new_page(browser, base_url, javascript=True)
    yield page
    context.close()


@pytest.fixture
def page_nojs(browser, base_url):
    """A page in a fresh browser context with JavaScript turned off."""
    context, page = new_page(browser, base_url, javascript=False)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: BME_SCREENSHOTS if set, else a folder in pytest's tmp dir."""
    wanted = os.environ.get("BME_SCREENSHOTS")
    if wanted:
        folder = Path(wanted)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots", numbered=False)


def serious_violations(axe, page) -> list:
    """axe's serious and critical violations on the page: (rule id, element targets)."""
    return [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in axe.run(page).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def pdf_text(path) -> str:
    """A PDF's text laid out as printed (poppler's pdftotext; .ci/run installs it)."""
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout


def pdf_pages(path) -> int:
    out = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def submitted(app, answers: dict) -> str:
    """A submission made through the app itself (the test client posts its own CSRF
    tokens while TESTING is on); returns its reference code."""
    from ..web import answer_all, submit

    client = app.test_client()
    app.config["TESTING"] = True
    try:
        answer_all(client, answers)
        submit(client)
        html = client.get("/summary").get_data(as_text=True)
    finally:
        app.config["TESTING"] = False
    return re.search(r'class="reference-code">([0-9A-Z-]+)<', html).group(1)
