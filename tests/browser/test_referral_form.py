"""The public referral form in a browser: each route to a reference number, every page
(errors included) checked by axe, and what the alliance then holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child, Journey
from onedoor.referrals.models import Referral, SavedAnswers
from onedoor.referrals.reference import normalise
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
)
from tests.personas import NOW

YEAR = NOW.year  # the pinned clock's year (tests/conftest.py)
NHS_NUMBER = "943 476 5919"


def born(years: int) -> dict[str, str]:
    """A date of birth (1 January) that makes someone `years` old today."""
    return {"dob_day": "1", "dob_month": "1", "dob_year": str(YEAR - years)}


def fill(page: Page, answers: dict[str, Any]) -> None:
    """Answer the questions on the page, by field name."""
    for name, value in answers.items():
        if isinstance(value, list):
            for item in value:
                page.locator(f'[name="{name}"][value="{item}"]').check()
            continue
        field = page.locator(f'[name="{name}"]').first
        kind = field.evaluate("e => e.type")
        if kind == "radio":
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif kind == "select-one":
            field.select_option(value)
        else:
            field.fill(value)


def continue_to(page: Page, heading: str, button: str = "Continue") -> None:
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)


def walk(page: Page, steps: list[tuple[dict[str, Any], str]]) -> None:
    """From the start page: answer each page and check the next one is `heading`."""
    page.goto("/refer/")
    assert_accessible(page)
    for answers, heading in steps:
        fill(page, answers)
        continue_to(page, heading)


def send(page: Page, heading: str = "Referral sent") -> Referral:
    continue_to(page, heading, button="Send referral")
    reference = page.locator(".nhsuk-panel__body strong").inner_text()
    return Referral.objects.get(reference=normalise(reference))


CHILD = {
    "given_name": "Maya",
    "family_name": "Example",
    **born(9),
    "gender": "female",
    "ethnicity": "A",
    "address_line_1": "1 High Street",
    "town": "Chatham",
    "postcode": "ME4 4AB",
}
CHECK = "Check your answers before sending your referral"
SERVICE = "Medway Children and Young People's Wellbeing Service"  # medway.toml's public_name


def the_service_can_be_contacted(page: Page, title: str) -> None:
    """The confirmation names the service and says how to reach it, by links a phone can
    follow (hazard H40), at both widths."""
    expect(page).to_have_title(f"{title} \u2013 {SERVICE}")
    main = page.locator("main")
    expect(main.get_by_role("heading", name="How to contact us")).to_be_visible()
    phone = main.get_by_role("link", name="Call the Referral and Advice Point on 0808 157 0123")
    expect(phone).to_have_attribute("href", "tel:08081570123")
    email = main.get_by_role("link", name="advice@medway-wellbeing.example")
    expect(email).to_have_attribute("href", "mailto:advice@medway-wellbeing.example")
    expect(main).to_contain_text(
        "Opening hours: Monday to Friday, 9am to 5pm, except bank holidays."
    )
    samaritans = main.get_by_role("link", name="Call Samaritans on 116 123").last
    expect(samaritans).to_have_attribute("href", "tel:116123")
    assert_accessible_at_both_widths(page)


def test_a_parent_refers_their_9_year_old_through_every_error(page: Page, demo: Alliance) -> None:
    page.goto("/refer/")
    assert_accessible(page)
    pages: list[tuple[dict[str, Any], str, list[str] | None]] = [
        ({"who": "parent"}, "About you", ["Select who you are"]),
        (
            {"name": "Priya Example", "relationship": "Mother", "email": "priya@example.org"},
            "About your child",
            [
                "Enter your full name",
                "Enter your relationship to the child, like mother or foster carer",
                "Enter an email address or a phone number, so the team can contact you",
            ],
        ),
        (
            CHILD,
            "Parents and carers",
            [
                "Enter your child's first name",
                "Enter your child's last name",
                "Enter your child's date of birth",
                "Select your child's gender, or 'Prefer not to say'",
                "Select your child's ethnic group, or 'Prefer not to say'",
                "Enter the first line of your child's address",
                "Enter your child's postcode",
            ],
        ),
        (
            {"parental_responsibility": "yes"},  # the parent's own details are filled in
            "Why you are asking for help",
            ["Select whether they have parental responsibility, or 'I do not know'"],
        ),
        (
            {"reasons": "Worries a lot and has stopped going to school.", "needs": ["anxiety"]},
            "Your child's safety",
            ["Tell us why you are asking for help"],
        ),
        (
            {"risks": ["self_harm"]},
            "Communication needs",
            ["Select any that apply, or select 'None of these'"],
        ),
        (
            {"interpreter": "no"},
            "More about your child",
            ["Select yes if an interpreter is needed"],
        ),
        ({}, "Consent", None),
        (
            {"agreed": "parent_carer", "share": "yes"},
            CHECK,
            [
                "Select who has agreed to this referral",
                "Select yes if we can share this referral with partner organisations",
            ],
        ),
    ]
    for answers, heading, problems in pages:
        if problems is not None:
            title = page.title()
            page.get_by_role("button", name="Continue").click()
            expect(page).to_have_title(f"Error: {title}")
            assert error_summary(page) == problems
            assert_accessible(page)
        fill(page, answers)
        continue_to(page, heading)

    referral = send(page)

    assert referral.child.full_name == "Maya Example"
    assert (referral.route, referral.eligible, referral.self_harm) == ("parent", True, True)
    expect(page.get_by_text("What happens next")).to_be_visible()


def test_an_error_summary_link_takes_you_to_the_field(page: Page, demo: Alliance) -> None:
    walk(page, [({"who": "professional"}, "About you")])

    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Enter your job title or role, like school nurse").click()

    expect(page.locator("#id_role")).to_be_focused()


def test_a_school_refers_a_15_year_old(page: Page, demo: Alliance) -> None:
    walk(
        page,
        [
            ({"who": "professional"}, "About you"),
            (
                {
                    "name": "Sam Teacher",
                    "role": "Designated safeguarding lead",
                    "organisation": "Chatham Grammar",
                    "source": "school",
                    "email": "sam@school.example.org",
                },
                "About the young person",
            ),
            ({**CHILD, "given_name": "Leo", **born(15)}, "Parents and carers"),
            (
                {
                    "carer_name": "Ana Example",
                    "carer_relationship": "Mother",
                    "carer_phone": "07700 900982",
                    "parental_responsibility": "yes",
                },
                "Why you are asking for help",
            ),
            ({"reasons": "Low mood since the summer."}, "The young person's safety"),
            ({"risks": ["none"]}, "Communication needs"),
            ({"interpreter": "no"}, "More about the young person"),
            ({}, "Consent"),
        ],
    )
    fill(page, {"agreed": "young_person", "share": "yes", "contact_family": "yes"})
    page.get_by_role("button", name="Continue").click()
    assert error_summary(page) == [
        "Under 16, a young person can consent for themselves only when they are judged "
        "competent to. Say whether they are, or ask a parent or carer for consent."
    ]
    assert_accessible(page)
    fill(page, {"competent": "yes"})
    continue_to(page, CHECK)

    referral = send(page)

    assert (referral.source, referral.referrer_organisation) == ("school", "Chatham Grammar")
    assert (referral.consent_given_by, referral.judged_competent) == ("young_person", True)


def self_referral(page: Page, age: int, groups: list[str]) -> None:
    walk(
        page,
        [
            ({"who": "self"}, "About you"),
            (
                {**CHILD, "given_name": "Jo", **born(age), "email": "jo@example.org"},
                "Parents and carers",
            ),
            ({}, "Why you are asking for help"),
            ({"reasons": "I can't sleep and I feel on edge all the time."}, "Your safety"),
            ({"risks": ["none"]}, "Communication needs"),
            ({"interpreter": "no"}, "More about you"),
            ({"groups": groups} if groups else {}, "Consent"),
            ({"agreed": "young_person", "share": "yes", "contact_family": "no"}, CHECK),
        ],
    )


def test_a_care_leaver_aged_22_refers_themselves_and_is_eligible(
    page: Page, demo: Alliance
) -> None:
    self_referral(page, 22, ["care-leaver"])

    referral = send(page)

    assert (referral.route, referral.eligible) == ("self", True)
    assert list(referral.child.priority_groups.values_list("slug", flat=True)) == ["care-leaver"]
    the_service_can_be_contacted(page, "Referral sent")


def test_a_22_year_old_without_an_extension_is_signposted_and_kept(
    page: Page, demo: Alliance
) -> None:
    self_referral(page, 22, [])

    referral = send(page, heading="Referral received")

    assert referral.eligible is False
    expect(
        page.get_by_role("heading", name="The alliance is not the right service this time")
    ).to_be_visible()
    expect(page.get_by_text(referral.ineligibility_reason)).to_be_visible()
    services = list(referral.signposted_to.all())
    assert services != []
    for service in services:
        expect(page.get_by_role("heading", name=service.name, exact=True)).to_be_visible()
    the_service_can_be_contacted(page, "Referral received")


def parent_referral(page: Page, child: dict[str, str]) -> Referral:
    walk(
        page,
        [
            ({"who": "parent"}, "About you"),
            (
                {"name": "Priya Example", "relationship": "Mother", "phone": "07700 900982"},
                "About your child",
            ),
            (child, "Parents and carers"),
            ({"parental_responsibility": "yes"}, "Why you are asking for help"),
            ({"reasons": "Very anxious."}, "Your child's safety"),
            ({"risks": ["none"]}, "Communication needs"),
            ({"interpreter": "no"}, "More about your child"),
            ({}, "Consent"),
            ({"agreed": "parent_carer", "share": "yes"}, CHECK),
        ],
    )
    return send(page)


def test_a_second_referral_for_a_known_child_joins_their_journey(
    page: Page, demo: Alliance
) -> None:
    child = {**CHILD, "given_name": "Nadia", "family_name": "Oyelaran", "nhs_number": NHS_NUMBER}
    first = parent_referral(page, child)
    known = first.child

    second = parent_referral(page, {**child, "given_name": "nadia"})

    assert second.match_status == "exact"
    assert second.child == known
    assert Referral.objects.filter(child=known).count() == 2
    assert Child.objects.filter(nhs_number="9434765919").count() == 1
    assert Journey.objects.filter(child=known, closed_at__isnull=True).count() == 1


def test_a_parent_goes_back_two_steps_changes_an_answer_leaves_and_resumes(
    browser: Browser, live_server: LiveServer, demo: Alliance
) -> None:
    """Without JavaScript, as the public pages must work: the browser's Back button shows the
    earlier steps with their answers (never "Confirm form resubmission"), and the form is
    there to continue after the tab is closed. axe needs JavaScript in the page, so each page
    is checked in a second tab with it, sharing the session (the answers are on the server)."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    checker = browser.new_context(base_url=live_server.url)
    checker.set_default_timeout(10_000)
    tab, axe_tab = context.new_page(), checker.new_page()

    def accessible(path: str, heading: str) -> None:
        checker.add_cookies(
            [
                {"name": c["name"], "value": c["value"], "url": live_server.url}
                for c in context.cookies()
            ]
        )
        axe_tab.goto(path)
        expect(axe_tab.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible_at_both_widths(axe_tab)

    def step(answers: dict[str, Any], heading: str, caption: str) -> None:
        fill(tab, answers)
        tab.get_by_role("button", name="Continue").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
        expect(tab.locator(".nhsuk-caption-l")).to_have_text(caption)

    try:
        tab.goto("/refer/")
        step({"who": "parent"}, "About you", "Step 2 of 9")
        accessible("/refer/about-you/", "About you")
        step({"name": "Priya Example", "relationship": "Mother", "phone": "07700 900982"},
             "About your child", "Step 3 of 9")  # fmt: skip
        step(CHILD, "Parents and carers", "Step 4 of 9")

        tab.go_back()
        expect(tab.get_by_role("heading", level=1)).to_have_text("About your child")
        expect(tab.locator('[name="given_name"]')).to_have_value("Maya")
        tab.go_back()
        expect(tab.get_by_role("heading", level=1)).to_have_text("About you")
        expect(tab.locator(".nhsuk-caption-l")).to_have_text("Step 2 of 9")
        expect(tab.locator('[name="name"]')).to_have_value("Priya Example")
        assert tab.url.endswith("/refer/about-you/")

        step({"name": "Priya Sharma"}, "About your child", "Step 3 of 9")
        expect(tab.locator('[name="given_name"]')).to_have_value("Maya")  # kept
        step({}, "Parents and carers", "Step 4 of 9")
        expect(tab.locator('[name="carer_name"]')).to_have_value("Priya Sharma")
        step({"parental_responsibility": "yes"}, "Why you are asking for help", "Step 5 of 9")
        step({"reasons": "Very anxious."}, "Your child's safety", "Step 6 of 9")

        tab.close()  # leaves, and comes back in the same browser session
        tab = context.new_page()
        tab.goto("/refer/")
        expect(tab.get_by_text("You have started a referral on this device")).to_be_visible()
        accessible("/refer/", "Ask for help for a child or young person")
        tab.get_by_role("link", name="Continue where you left off").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Your child's safety")
        step({"risks": ["none"]}, "Communication needs", "Step 7 of 9")
        step({"interpreter": "no"}, "More about your child", "Step 8 of 9")
        step({}, "Consent", "Step 9 of 9")
        fill(tab, {"agreed": "parent_carer", "share": "yes"})
        tab.get_by_role("button", name="Continue").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(CHECK)
        accessible("/refer/check/", CHECK)
        tab.get_by_role("button", name="Send referral").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Referral sent")
        accessible("/refer/sent/", "Referral sent")
    finally:
        context.close()
        checker.close()

    referral = Referral.objects.get(referrer_name="Priya Sharma")
    assert (referral.child.full_name, referral.route) == ("Maya Example", "parent")
    assert SavedAnswers.objects.count() == 0


def test_a_filled_honeypot_is_refused_on_an_accessible_page(page: Page, demo: Alliance) -> None:
    before = Referral.objects.count()
    page.goto("/refer/")
    page.locator('[name="website"]').evaluate("e => e.value = 'http://spam.example'")
    fill(page, {"who": "parent"})
    continue_to(page, "We could not accept this form")
    assert Referral.objects.count() == before


def test_when_sending_fails_the_answers_are_kept_on_accessible_pages(
    page: Page, demo: Alliance, monkeypatch: Any
) -> None:
    from django.db import DatabaseError

    import onedoor.referrals.views as views
    from onedoor.referrals.actions import RateLimited

    before = Referral.objects.count()
    self_referral(page, 17, [])

    def unavailable(**kwargs: object) -> Referral:
        raise DatabaseError("down")

    monkeypatch.setattr(views, "submit_referral", unavailable)
    continue_to(page, "Your referral has not been sent yet", button="Send referral")
    expect(page.get_by_text("Something went wrong on our side")).to_be_visible()

    def limited(**kwargs: object) -> Referral:
        raise RateLimited("198.51.100.1")

    monkeypatch.setattr(views, "submit_referral", limited)
    continue_to(page, "Your referral has not been sent yet", button="Try again")
    expect(page.get_by_text("Too many referrals have been sent")).to_be_visible()
    assert Referral.objects.count() == before


def test_answers_left_past_their_time_are_gone_and_the_page_says_so(
    page: Page, demo: Alliance
) -> None:
    """Answers not saved to for longer than they are kept are deleted when the person comes
    back: the page says so, gives the contacts and the crisis lines, and starts again."""
    page.goto("/refer/")
    fill(page, {"who": "parent"})
    continue_to(page, "About you")
    assert SavedAnswers.objects.count() == 1
    SavedAnswers.objects.update(saved_at=NOW - timedelta(hours=3))

    page.reload()

    expect(page.get_by_role("heading", level=1)).to_have_text("This referral form has expired")
    expect(page.get_by_text("It was not used for 2 hours")).to_be_visible()
    assert SavedAnswers.objects.count() == 0
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Start again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ask for help for a child or young person"
    )
    expect(page.get_by_text("You have started a referral on this device")).to_have_count(0)
