"""A real browser for the console's tests: Debian's chromium, driven by Selenium through
Debian's chromedriver (no browser download), headless, on a fresh profile, with axe-core
(vendored beside this file) for accessibility checks."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.common.exceptions import StaleElementReferenceException as StaleElementReference
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# The network here is closed: without these, Chromium keeps trying to reach its services.
QUIET = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _program(name: str, *fallbacks: str) -> str:
    for candidate in (name, *fallbacks):
        found = shutil.which(candidate)
        if found:
            return found
    raise RuntimeError(f"{name} is missing: apt-get install chromium chromium-driver")


class Browser:
    """One headless Chromium window; methods block (see `AsyncBrowser` for async tests)."""

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        self.profile = tempfile.mkdtemp(prefix="chronicle-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = _program("chromium", "chromium-browser")
        for flag in [*QUIET, f"--user-data-dir={self.profile}", f"--window-size={width},{height}"]:
            options.add_argument(flag)
        service = Service(executable_path=_program("chromedriver"))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_script_timeout(60)

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, url: str) -> None:
        self.driver.get(url)

    def back(self) -> None:
        self.driver.back()

    def size(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)

    def until(self, condition, what: str, within: float = 20):
        """Wait on a condition of the page (a callable of the driver), never a fixed sleep."""
        wait = WebDriverWait(
            self.driver,
            within,
            poll_frequency=0.05,
            ignored_exceptions=[StaleElementReference, NoSuchElementException],
        )
        return wait.until(lambda d: condition(d), message=f"waiting for {what}")

    def until_js(self, script: str, what: str, within: float = 20):
        return self.until(lambda d: d.execute_script(script), what, within)

    def one(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def texts(self, css: str) -> list[str]:
        """The text of each element `css` finds (hidden ones too, e.g. in closed details)."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())",
            css,
        )

    def text(self, css: str) -> str:
        return self.one(css).text

    def page_text(self) -> str:
        return self.driver.execute_script("return document.body.textContent")

    def attributes(self, css: str, name: str) -> list[str]:
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(e => e.getAttribute(arguments[1]))",
            css,
            name,
        )

    def attribute(self, css: str, name: str) -> str | None:
        return self.one(css).get_attribute(name)

    def count(self, css: str) -> int:
        return len(self.all(css))

    def click(self, css: str) -> None:
        self.one(css).click()

    def until_count(self, css: str, what: str, at_least: int = 1) -> None:
        self.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, css)) >= at_least, what)

    def until_text(self, css: str, text: str, what: str) -> None:
        def shown(driver) -> bool:
            found = driver.find_elements(By.CSS_SELECTOR, css)
            return bool(found) and text in found[0].get_attribute("textContent")

        self.until(shown, what)

    def run(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def run_async(self, script: str, *args):
        """A script that ends by calling its last argument with the result."""
        return self.driver.execute_async_script(script, *args)

    def cookies(self) -> dict[str, dict]:
        return {c["name"]: c for c in self.driver.get_cookies()}

    def accessibility_violations(self) -> list[dict]:
        """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
        if not self.run("return typeof axe !== 'undefined'"):
            self.run(AXE.read_text())
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))),"
            " e => done([{id: 'axe-error', help: String(e)}]));",
            WCAG,
        )

    def script_errors(self) -> list[str]:
        """Uncaught script errors and Content-Security-Policy refusals logged since last asked
        (failed requests are not errors here: a 403 can be the expected answer)."""
        logged = [e["message"] for e in self.driver.get_log("browser")]
        return [m for m in logged if "Uncaught" in m or "Content Security Policy" in m]

    def screenshot(self, folder: Path, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.png"
        self.driver.save_screenshot(str(target))
        return target


class AsyncBrowser:
    """The same browser for async tests: each call runs in a thread, so the event loop (and
    the API server the test runs in it) keeps serving the page meanwhile."""

    def __init__(self, browser: Browser) -> None:
        self.sync = browser

    def __getattr__(self, name: str):
        method = getattr(self.sync, name)

        @functools.wraps(method)
        async def call(*args, **kwargs):
            return await asyncio.to_thread(method, *args, **kwargs)

        return call


def screenshot_folder(default: Path) -> Path:
    """Where the tests save screenshots: CHRONICLE_CONSOLE_SCREENSHOTS (docs/console to
    refresh the docs' pictures), else a temporary folder."""
    chosen = os.environ.get("CHRONICLE_CONSOLE_SCREENSHOTS")
    return Path(chosen) if chosen else default
