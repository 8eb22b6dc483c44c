"""The care record page: the allocated partner records; others read what they may."""

from __future__ import annotations

import pytest
from django.test import Client

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.care.actions import record_note
from onedoor.care.models import Contact
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child, sign_in


@pytest.fixture
def waiting(alliance: Alliance) -> Referral:
    return make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING).referrals.get()


def test_the_partner_records_a_contact_on_the_page(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/care/{waiting.uuid}/",
        {"form": "contact", "contact-happened_at": "2 11 2026 10:00",
         "contact-outcome": "attended", "contact-mode": "video", "contact-duration_minutes": "45"},
    )  # fmt: skip
    assert response["Location"] == f"/care/{waiting.uuid}/"
    contact = Contact.objects.get()
    assert (contact.mode, contact.duration_minutes, contact.recorded_by) == (
        "video", 45, people.kooth_practitioner,
    )  # fmt: skip


def test_a_bad_contact_says_how_to_fix_it(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/care/{waiting.uuid}/", {"form": "contact", "contact-happened_at": "soon"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter the date and time like 27 3 2027 14:30" in page
    assert "Choose what happened" in page
    assert Contact.objects.count() == 0


def test_another_partner_gets_a_404(client: Client, people: People, waiting: Referral) -> None:
    sign_in(client, people.chums_practitioner)
    assert client.get(f"/care/{waiting.uuid}/").status_code == 404


def test_the_triage_lead_reads_shared_notes_but_not_kooths_own(
    client: Client, people: People, waiting: Referral
) -> None:
    record_note(
        user=people.kooth_practitioner, referral=waiting, text="Shared plan.", sharing="alliance"
    )
    record_note(
        user=people.kooth_practitioner, referral=waiting, text="Kooth only.", sharing="organisation"
    )
    sign_in(client, people.triage)
    page = client.get(f"/care/{waiting.uuid}/").content.decode()
    assert "Shared plan." in page and "Kooth only." not in page
    sign_in(client, people.clinical_lead)
    page = client.get(f"/care/{waiting.uuid}/").content.decode()
    assert "Shared plan." in page and "Kooth only." in page


def test_the_feedback_page_works_once_without_an_account(
    client: Client, people: People, waiting: Referral
) -> None:
    from onedoor.care.actions import discharge
    from onedoor.care.models import Feedback

    ended = discharge(
        user=people.kooth_practitioner, referral=waiting, reason="goals_met", summary="Done."
    )
    url = f"/care/feedback/{ended.feedback_token}/"
    assert client.get(url).status_code == 200
    empty = client.post(url, {})
    assert empty.status_code == 400
    assert "Choose how helpful the support was" in empty.content.decode()
    sent = client.post(url, {"helpful": "4", "comments": "<b>Kind</b> staff"})
    assert "Thank you for your feedback" in sent.content.decode()
    assert Feedback.objects.get().comments == "<b>Kind</b> staff"
    again = client.get(url)
    assert again.status_code == 410
    assert "This link has been used or has expired" in again.content.decode()
    assert client.get("/care/feedback/not-a-token/").status_code == 410


def test_a_safety_plan_is_recorded_and_shown(
    client: Client, people: People, waiting: Referral
) -> None:
    from onedoor.care.models import SafetyPlan

    sign_in(client, people.kooth_practitioner)
    refused = client.post(f"/care/{waiting.uuid}/", {"form": "safety_plan"})
    assert refused.status_code == 400
    assert "Write the warning signs" in refused.content.decode()
    response = client.post(
        f"/care/{waiting.uuid}/",
        {"form": "safety_plan", "safety_plan-warning_signs": "Stops eating; stays in room.",
         "safety_plan-coping_strategies": "Music, walking the dog."},
    )  # fmt: skip
    assert response["Location"] == f"/care/{waiting.uuid}/"
    plan = SafetyPlan.objects.get()
    assert (plan.warning_signs, plan.organisation.slug) == ("Stops eating; stays in room.", "kooth")
    assert "Music, walking the dog." in client.get(f"/care/{waiting.uuid}/").content.decode()


@pytest.mark.parametrize("contacts", [1, 8])
def test_the_care_record_runs_a_fixed_number_of_queries(
    client: Client,
    people: People,
    waiting: Referral,
    django_assert_num_queries: object,
    contacts: int,
) -> None:

    kooth = waiting.allocated_organisation
    assert kooth is not None
    for _ in range(contacts):
        Contact.objects.create(
            referral=waiting, organisation=kooth,
            recorded_by=people.kooth_practitioner, recorded_at=clock.now(),
            happened_at=clock.now(), outcome="did_not_attend", mode="phone",
        )  # fmt: skip
    record_note(user=people.kooth_practitioner, referral=waiting, text="Note.", sharing="alliance")
    sign_in(client, people.kooth_practitioner)
    client.get("/")
    # ... and two for what falls due (the cadences; the next check-in from the last one),
    # and one for the library materials the check-in form offers
    with django_assert_num_queries(23):  # type: ignore[operator]
        response = client.get(f"/care/{waiting.uuid}/")
    assert len(response.context["contacts"]) == contacts


def test_the_care_record_says_what_falls_due_next_and_how_each_clock_stands(
    client: Client, people: People, waiting: Referral
) -> None:
    from datetime import UTC, date, datetime

    from onedoor.care.models import CarePlan, RiskReview

    Referral.objects.filter(pk=waiting.pk).update(
        accepted_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC), risk_rating="amber"
    )
    kooth = waiting.allocated_organisation
    common = {
        "referral": waiting,
        "organisation": kooth,
        "recorded_by": people.kooth_practitioner,
        "recorded_at": clock.now(),
    }
    RiskReview.objects.create(
        **common, rating="amber", rationale="Steady.", next_due=date(2099, 1, 2)
    )
    CarePlan.objects.create(**common, summary="Plan.", review_due=date(2026, 1, 30))
    sign_in(client, people.kooth_practitioner)
    due = client.get(f"/care/{waiting.uuid}/").context["due"]
    assert [(what, clock.state) for what, clock in due] == [
        ("Next Waiting Well check-in", "overdue"),  # 14 days after 5 January
        ("Next risk review", "on_time"),
        ("Care plan review", "overdue"),
    ]
    Referral.objects.filter(pk=waiting.pk).update(status=Status.DISCHARGED)
    assert client.get(f"/care/{waiting.uuid}/").context["due"] == []
