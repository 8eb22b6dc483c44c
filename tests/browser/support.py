"""What browser tests do over and over: sign in, and check a page is accessible."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, Response, expect

from tests.personas import PASSWORD

__all__ = [
    "DJANGO_ADMIN_FINDINGS",
    "NHSUK_CONDITIONAL_REVEAL",
    "PASSWORD",
    "assert_accessible",
    "assert_accessible_at_both_widths",
    "error_summary",
    "expect_banner",
    "fill_date",
    "forget_assets",
    "sign_in",
    "watch_assets",
]

AXE = Axe()

# axe findings in Django's own admin markup (Django 5.2), tolerated on the admin pages
# only, and only on these elements: rule id -> CSS selector of Django's element. The rule
# stays on for everything else on the page.
DJANGO_ADMIN_FINDINGS = {
    # admin/js/SelectFilter2.js (the filter_horizontal widget) puts aria-label on a bare
    # <span class="help-tooltip search-label-icon">, which has no role that allows it.
    "aria-prohibited-attr": "span.help-tooltip.search-label-icon",
    # admin/change_form.html's breadcrumbs end in plain text, and admin/css/base.css
    # colours their links (#fff on #264b5d, text #c4dce8) with no underline: 1.42:1.
    "link-in-text-block": "div.breadcrumbs > a",
}

# NHS.UK frontend's radios with conditionally revealed content (the triage decision's
# outcomes): its script sets `aria-expanded` on each such radio, which the ARIA spec does not
# list for a radio, so axe reports it. The GOV.UK and NHS.UK design systems keep it on
# purpose: screen readers announce the content revealed, and their research found no harm
# (alphagov/govuk-frontend#979; accessibility.blog.gov.uk, 21 September 2021). Tolerated on
# those radios only, everywhere; the rule stays on for every other element.
NHSUK_CONDITIONAL_REVEAL = {"aria-allowed-attr": "input.nhsuk-radios__input[aria-controls]"}

# Failed requests for the page's own assets (stylesheets, scripts, images), per tab.
_failed_assets: dict[int, list[str]] = {}


def watch_assets(page: Page) -> None:
    failures: list[str] = []
    _failed_assets[id(page)] = failures

    def check(response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    page.on("response", check)


def forget_assets(page: Page) -> None:
    _failed_assets.pop(id(page), None)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def fill_date(scope: Page | Locator, legend: str, typed: str) -> None:
    """Type a date into the NHS.UK date input (onedoor/dates.py) whose legend is `legend`, as
    a person would, box by box: "1 3 2099", or "2 11 2026 10:00" with the time."""
    group = scope.get_by_role("group", name=legend, exact=True)
    for label, value in zip(("Day", "Month", "Year", "Time"), typed.split(), strict=False):
        group.get_by_label(label, exact=True).fill(value)


def expect_banner(page: Page, full_name: str) -> None:
    """The child banner (hazard H33) names the child, with their date of birth in view."""
    banner = page.locator("[data-child-banner]")
    expect(banner.locator(".onedoor-banner__name")).to_have_text(full_name)
    expect(banner.get_by_text("Born", exact=True)).to_be_visible()


def error_summary(page: Page) -> list[str]:
    """The messages in the page's error summary, in order."""
    return [text.strip() for text in page.locator(".nhsuk-error-summary li").all_inner_texts()]


def assert_accessible(page: Page, *, tolerate: Mapping[str, str] | None = None) -> None:
    """The page's styles loaded (axe's colour checks need them) and axe finds nothing.

    `tolerate` (rule id -> CSS selector) lets a rule's findings through on matching elements
    only; for markup that is not ours (see DJANGO_ADMIN_FINDINGS).
    """
    # The stylesheets may still be on their way: the server runs on the pinned clock
    # (tests/conftest.py), Chromium on the machine's, so its cache revalidates each one.
    page.wait_for_load_state("load")
    failed = _failed_assets.get(id(page), [])
    assert failed == [], f"assets failed to load on {page.url}: {failed}"
    unstyled = page.evaluate(
        """() => [...document.querySelectorAll('link[rel="stylesheet"]')]
            .filter(link => !link.sheet || link.sheet.cssRules.length === 0)
            .map(link => link.href)"""
    )
    assert unstyled == [], f"stylesheets without rules on {page.url}: {unstyled}"
    results = AXE.run(page)
    tolerate = {**NHSUK_CONDITIONAL_REVEAL, **(tolerate or {})}
    results.response["violations"] = _untolerated(page, results.response, tolerate)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _untolerated(
    page: Page, response: dict[str, Any], tolerate: Mapping[str, str]
) -> list[dict[str, Any]]:
    remaining = []
    for violation in response["violations"]:
        selector = tolerate.get(violation["id"])
        nodes = [
            node
            for node in violation["nodes"]
            if selector is None
            or len(node["target"]) != 1  # inside a shadow root or frame: not Django's
            or not page.evaluate(
                "([target, selector]) => document.querySelector(target).matches(selector)",
                [node["target"][0], selector],
            )
        ]
        if nodes:
            remaining.append({**violation, "nodes": nodes})
    return remaining


NARROW, WIDE = 320, 1280


def resize(page: Page, width: int, height: int) -> None:
    """Resize the window and let the page settle: NHS.UK's header moves the menu items that
    no longer fit into "More" in an animation frame after a resize (its resize observer asks
    for one more), and axe run before then sees them half-moved (white text on the grey of
    the menu). Three frames cover the resize's frame, the observer's and the move."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(
        """() => new Promise(done => {
            let frames = 3;
            const next = () => (--frames ? requestAnimationFrame(next) : done());
            requestAnimationFrame(next);
        })"""
    )


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe finds nothing at 1280 and at 320 pixels wide, and at 320 nothing overflows
    sideways (the page reflows for a phone, WCAG 1.4.10). Leaves the page at 1280."""
    height = (page.viewport_size or {"height": 800})["height"]
    resize(page, WIDE, height)
    assert_accessible(page)
    resize(page, NARROW, height)
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= NARROW, f"{page.url} is {overflow} pixels wide at {NARROW}"
    page.set_viewport_size({"width": WIDE, "height": height})
