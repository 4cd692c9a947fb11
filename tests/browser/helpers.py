"""Helpers for the browser tests: screenshots, the accessibility check, reading sign-up codes,
signing in."""

from __future__ import annotations

import hashlib
import re
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.core import mail
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

if TYPE_CHECKING:
    from repair.couples.models import User
    from tests.browser.browsing import Browsing

VENDOR_DIR = Path(__file__).parent / "vendor"
ARTIFACTS_DIR = Path(__file__).parent.parent / "artifacts"

# axe-core 4.14.1's axe.min.js from npm; the same digest is in the package's own sri-history.json.
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SECONDS = 90
AXE_FAILING_IMPACTS = {"serious", "critical"}

# What allauth's codes look like ("ABCD-EFGH" by default): one line of capitals, digits, dashes.
_CODE_LINE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.MULTILINE)


@cache
def axe_source() -> str:
    path = VENDOR_DIR / "axe.min.js"
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise AssertionError(
            f"{path} is not axe-core {AXE_VERSION} (sha256 {digest}). Re-vendor it: "
            f"npm pack axe-core@{AXE_VERSION} and copy package/axe.min.js."
        )
    # Ends in an expression statement, so evaluate() returns nothing instead of the axe object.
    return data.decode() + "\n;undefined;"


def run_axe(page: Page) -> dict[str, Any]:
    """Inject axe into the page (evaluate goes over the DevTools protocol, so the page's CSP does not
    block it, where a <script> tag would be) and run the WCAG 2.1 A/AA rules."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    # Runs of this suite hung for good in an evaluate() that awaited axe.run (evaluate has no
    # timeout). So axe is started without being awaited, its result left on the window, and polled
    # by wait_for_function, which has one: a run that does not finish within AXE_SECONDS fails the
    # test with the page's address instead of stalling the whole suite. Running CSS animations are
    # cancelled first (their effects go, the page's own styles stay).
    page.wait_for_load_state()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    page.evaluate(
        """(tags) => {
            for (const animation of document.getAnimations()) animation.cancel();
            window.__axeResult = null;
            axe.run(document, {runOnly: {type: "tag", values: tags}}).then(
                (r) => { window.__axeResult = {violations: r.violations, passes: r.passes.length}; },
                (e) => { window.__axeResult = {error: String(e)}; },
            );
        }""",
        AXE_TAGS,
    )
    try:
        handle = page.wait_for_function("() => window.__axeResult", timeout=AXE_SECONDS * 1000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"axe did not finish within {AXE_SECONDS} s on {page.url}") from None
    results: dict[str, Any] = handle.json_value()
    assert "error" not in results, f"axe failed on {page.url}: {results['error']}"
    return results


def describe_violations(violations: list[dict[str, Any]], where: str) -> str:
    lines = [f"axe-core found {len(violations)} serious or critical problem(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(str(node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more element(s)")
    return "\n".join(lines)


def failing_violations(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in results["violations"] if v["impact"] in AXE_FAILING_IMPACTS]


def snap(page: Page, name: str) -> Path:
    """A full-page PNG in tests/artifacts/ (gitignored), for a person to look at."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"Screenshot names are lowercase words with - or _; got {name!r}.")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def code_from_outbox(to: str, *, timeout: float = 10.0) -> str:
    """The verification code in the newest email to this address (locmem backend: the live server
    runs in this process, so its mail lands in django.core.mail.outbox)."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(mail.outbox):
            if to in message.to:
                codes = _CODE_LINE.findall(str(message.body))
                assert len(codes) == 1, f"Expected one code in the email to {to}:\n{message.body}"
                return str(codes[0])
        if time.monotonic() > deadline:
            sent = [(m.to, m.subject) for m in mail.outbox]
            raise AssertionError(f"No email to {to} within {timeout}s; sent: {sent}")
        time.sleep(0.05)


def type_like_a_person(field: Locator, text: str) -> None:
    """Key by key, holding Shift for each capital as a person on a keyboard does (Page.fill would
    insert the text without any key events)."""
    field.click()
    for char in text:
        if char.isupper():
            field.press(f"Shift+{char}")
        else:
            field.press_sequentially(char)


def sign_in(browsing: Browsing, who: str, user: User, password: str, *, landing: str = "/") -> Page:
    """A new browser context (its own cookies) where the person signs in through the real login
    form, landing on ``landing``. The login page is checked with axe; the landing page is the
    caller's to check."""
    page = browsing.new_page(who)
    page.goto(f"/accounts/login/?next={quote(landing)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    browsing.check_a11y(page)
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{browsing.base_url}{landing}")
    return page
