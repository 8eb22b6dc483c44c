"""A practitioner enters an outcome measure (the second time without the answer to the
question about risk, which the young person chose not to give) and sees the chart; a young
person completes one through the link on a phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.children.models import CarerContact
from onedoor.outcomes.actions import invite
from onedoor.outcomes.measures import get_measure
from onedoor.outcomes.models import Invitation, MeasureResponse
from onedoor.referrals.models import Status
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
    expect_banner,
    sign_in,
)
from tests.personas import make_child

# YP-CORE answers by item number: a total of 9, then of 26 (items 3, 5 and 10 reversed)
LOW = ["Only occasionally"] * 2 + ["Often", "Not at all", "Often"] + ["Only occasionally"] * 4
LOW += ["Often"]
HIGH = ["Often", "Often", "Only occasionally", "Not at all", "Only occasionally", "Often",
        "Often", "Sometimes", "Often", "Only occasionally"]  # fmt: skip
# HIGH without question 4, about self-harm: 26 from nine answers, prorated to 29
DECLINED = [*HIGH[:3], "The young person chose not to answer", *HIGH[4:]]


def _answer(page: Page, answers: list[str]) -> None:
    measure = get_measure("yp-core")
    assert measure is not None
    for number, (item, label) in enumerate(zip(measure.items, answers, strict=True), start=1):
        group = page.get_by_role("group", name=f"{number}. {item.text}")
        group.get_by_label(label, exact=True).check()


def test_a_practitioner_enters_a_measure_and_sees_the_chart(page: Page, demo: Alliance) -> None:
    """Each write on its own page: choose, record (twice), send a link, mark reviewed."""
    referral = make_child(
        demo, "Mira", "Measurewell", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    CarerContact.objects.create(
        child=referral.child, name="Jo Measurewell", relationship="Mother",
        email="jo@example.org", parental_responsibility="yes",
    )  # fmt: skip
    sign_in(page, "kooth-practitioner")
    page.goto(f"/care/{referral.uuid}/")
    page.get_by_role("link", name="Outcome measures", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mira Measurewell")
    expect(page.get_by_text("No outcome measures yet.")).to_be_visible()
    expect(page.get_by_role("region", name="Child or young person")).to_be_visible()
    assert_accessible_at_both_widths(page)

    for answers in (LOW, DECLINED):
        page.get_by_role("link", name="Record a measure", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Record a measure")
        if answers is LOW:
            assert_accessible_at_both_widths(page)
        page.get_by_role(
            "link", name="Young Person's Clinical Outcomes in Routine Evaluation"
        ).click()
        if answers is LOW:
            page.get_by_role("button", name="Save YP-CORE").click()
            assert error_summary(page) == [
                "Choose who completed the measure",
                "Answer question 4, or say that the young person chose not to answer it",
            ]
            assert_accessible_at_both_widths(page)
        page.get_by_role("group", name="Who completed it").get_by_label("The young person").check()
        _answer(page, answers)
        page.get_by_role("button", name="Save YP-CORE").click()
        expect(page.get_by_text("YP-CORE saved.")).to_be_visible()
    table = page.get_by_role("table", name="YP-CORE scores, oldest first")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("row").nth(2)).to_contain_text("29 (prorated)")
    expect(table.get_by_role("row").nth(2)).to_contain_text("Risk not answered")
    expect(page.get_by_text("The risk question was not answered.")).to_be_visible()
    expect(page.get_by_role("img", name="YP-CORE scores over time")).to_be_visible()
    expect(page.locator("svg[role=img] polyline")).to_have_count(1)
    expect(page.get_by_text("Total: 9 to 29: reliable deterioration")).to_be_visible()
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Send a link to complete a measure").click()
    page.get_by_role("button", name="Send the link").click()
    assert error_summary(page) == ["Choose a measure", "Choose who to send the link to"]
    assert_accessible_at_both_widths(page)
    page.get_by_role("group", name="Measure", exact=True).get_by_label(
        "Revised Children's Anxiety and Depression Scale, 25 items (parent or carer)"
    ).check()
    page.get_by_label("Jo Measurewell (Mother), at jo@example.org").check()
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Link sent. It works once, for 14 days.")).to_be_visible()
    invitation = Invitation.objects.get(referral=referral)
    assert (invitation.measure, invitation.email) == ("rcads-25-parent", "jo@example.org")

    response = MeasureResponse.objects.get(referral=referral, needs_review=True)
    page.goto(f"/care/{referral.uuid}/measures/{response.uuid}/review/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review YP-CORE")
    expect_banner(page, "Mira Measurewell")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("Marked as reviewed.")).to_be_visible()
    assert MeasureResponse.objects.filter(referral=referral, reviewed_at__isnull=False).count() == 1


def test_a_young_person_completes_a_measure_through_the_link_on_a_phone(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Pip", "Phoneley", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    practitioner = User.objects.get(username="kooth-practitioner")
    invitation = invite(
        user=practitioner, referral=referral, measure="yp-core", respondent="young_person",
        email="pip@example.org",
    )  # fmt: skip
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/measures/{invitation.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Young Person's Clinical Outcomes in Routine Evaluation (YP-CORE)"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Send my answers").click()
    assert error_summary(page)[:2] == ["Answer question 1", "Answer question 2"]
    assert_accessible(page)
    _answer(page, HIGH)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your answers have been sent"
    )
    assert_accessible(page)
    response = MeasureResponse.objects.get(referral=referral)
    assert (response.completed_by, response.scores["scores"][0]["value"]) == ("young_person", 26)

    page.goto(f"/measures/{invitation.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This link has been used or has expired"
    )
    assert_accessible(page)
