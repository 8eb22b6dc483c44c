"""The care record's pages: a one-screen summary, a page for each write, and the full history.
The allocated partner records; others read what they may (H19, H36)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.test import Client

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import record_note, start_transition
from onedoor.care.models import (
    CarePlan,
    CheckIn,
    ClinicalNote,
    Contact,
    Discharge,
    Goal,
    RiskReview,
    SafetyPlan,
    Transition,
)
from onedoor.children.models import TimelineEvent
from onedoor.outcomes.actions import record_response
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict
from tests.forms_built import forms_built, unbound_forms_of
from tests.personas import People, make_child, organisation, shown, sign_in


@pytest.fixture
def waiting(alliance: Alliance) -> Referral:
    return make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING).referrals.get()


def _camhs(referral: Referral) -> int:
    return organisation(referral.child.alliance, "specialist-camhs").pk


def _written() -> tuple[int, ...]:
    """Every kind of row a care write adds, and the audit trail's changes (not its views or
    denials)."""
    return (
        *(model.objects.count() for model in (
            Contact, CheckIn, CarePlan, SafetyPlan, RiskReview, ClinicalNote, Transition,
            Discharge, TimelineEvent,
        )),
        AuditEvent.objects.exclude(action__in=["view", "deny"]).count(),
    )  # fmt: skip


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _form(response: Any) -> forms.BaseForm:
    return response.context["form"]  # type: ignore[no-any-return]


# Each write: its address, what a good POST sends, and the record it leaves, exactly.
WRITES: dict[str, tuple[Callable[[Referral], dict[str, Any]], Callable[[Referral], object]]] = {
    "contacts/new/": (
        lambda r: {"happened_at": "2 11 2026 10:00", "outcome": "attended", "mode": "video",
                   "duration_minutes": "45"},
        lambda r: (
            [(c.happened_at, c.outcome, c.mode, c.duration_minutes, c.recorded_by.username)
             for c in Contact.objects.filter(referral=r)],
            Referral.objects.get(pk=r.pk).status,
        ),
    ),
    "check-in/": (
        lambda r: {"contact_made": "yes", "rating": "green", "notes": "Sleeping better."},
        lambda r: [(c.contact_made, c.rating, c.notes, c.recorded_by.username)
                   for c in CheckIn.objects.filter(referral=r)],
    ),
    "care-plan/": (
        lambda r: {"summary": "Weekly sessions.", "goals": "Sleep by 10pm\nBack to school",
                   "review_due": "1 3 2027"},
        lambda r: [(p.summary, p.review_due, [g.text for g in Goal.objects.filter(care_plan=p)])
                   for p in CarePlan.objects.filter(referral=r)],
    ),
    "safety-plan/": (
        lambda r: {"warning_signs": "Stops eating.", "coping_strategies": "Music.",
                   "people_and_places": "Gran's house.", "keeping_safe": ""},
        lambda r: [(p.warning_signs, p.coping_strategies, p.people_and_places, p.keeping_safe,
                    p.organisation.slug) for p in SafetyPlan.objects.filter(referral=r)],
    ),
    "risk-review/": (
        lambda r: {"rating": "amber", "rationale": "Low mood; no plans to act."},
        lambda r: (
            [(v.rating, v.rationale, v.next_due) for v in RiskReview.objects.filter(referral=r)],
            Referral.objects.get(pk=r.pk).risk_rating,
        ),
    ),
    "notes/new/": (
        lambda r: {"text": "Agreed goals.", "sharing": "organisation"},
        lambda r: [(n.text, n.sharing, n.organisation.slug)
                   for n in ClinicalNote.objects.filter(referral=r)],
    ),
    "transition/": (
        lambda r: {"kind": "step_up", "receiving_organisation": str(_camhs(r)),
                   "reason": "Self-harm escalating.", "handover": "Risk history attached."},
        lambda r: (
            [(t.kind, t.receiving_organisation.slug, t.reason, t.handover)
             for t in Transition.objects.filter(referral=r)],
            Referral.objects.get(pk=r.pk).status,
        ),
    ),
    "discharge/": (
        lambda r: {"reason": "goals_met", "summary": "Sleeping well, back at school."},
        lambda r: (
            [(d.reason, d.summary) for d in Discharge.objects.filter(referral=r)],
            Referral.objects.get(pk=r.pk).status,
        ),
    ),
}  # fmt: skip
RECORDED = {
    "contacts/new/": (
        [(datetime(2026, 11, 2, 10, 0, tzinfo=UTC), "attended", "video", 45, "kim-kooth")],
        Status.IN_INTERVENTION,  # the first attended contact starts the intervention
    ),
    "check-in/": [(True, "green", "Sleeping better.", "kim-kooth")],
    "care-plan/": [("Weekly sessions.", date(2027, 3, 1), ["Sleep by 10pm", "Back to school"])],
    "safety-plan/": [("Stops eating.", "Music.", "Gran's house.", "", "kooth")],
    "risk-review/": ([("amber", "Low mood; no plans to act.", date(2026, 12, 4))], "amber"),
    "notes/new/": [("Agreed goals.", "organisation", "kooth")],
    "transition/": (
        [("step_up", "specialist-camhs", "Self-harm escalating.", "Risk history attached.")],
        Status.IN_TRANSITION,
    ),
    "discharge/": ([("goals_met", "Sleeping well, back at school.")], Status.DISCHARGED),
}
DONE = {
    "contacts/new/": "Contact recorded.",
    "check-in/": "Check-in recorded.",
    "care-plan/": "Care plan saved.",
    "safety-plan/": "Safety plan saved.",
    "risk-review/": "Risk review saved.",
    "notes/new/": "Note saved.",
    "transition/": "Handover sent. It stays on the care coordinator's list until acknowledged.",
    "discharge/": "Discharged. The family has been invited to give feedback.",
}
# What an empty POST is told first.
FIRST_ERROR = {
    "contacts/new/": "Enter when the contact was",
    "check-in/": "Say whether you reached them",
    "care-plan/": "Write the plan",
    "safety-plan/": "Write the warning signs",
    "risk-review/": "Choose a risk rating: red, amber or green",
    "notes/new/": "Write the note",
    "transition/": "Choose the kind of transition",
    "discharge/": "Choose the reason for discharge",
}
HEADINGS = {
    "contacts/new/": "Record a contact for Kai Example",
    "check-in/": "Record a Waiting Well check-in for Kai Example",
    "care-plan/": "Record a care plan for Kai Example",
    "safety-plan/": "Record a safety plan for Kai Example",
    "risk-review/": "Record a risk review for Kai Example",
    "notes/new/": "Write a note for Kai Example",
    "transition/": "Transition to another service for Kai Example",
    "discharge/": "Discharge for Kai Example",
}


# Each write on its own page


@pytest.mark.parametrize("address", WRITES)
def test_each_write_is_recorded_from_its_own_page_and_goes_back_to_the_summary(
    client: Client, people: People, waiting: Referral, address: str
) -> None:
    send, recorded = WRITES[address]
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/{address}"
    page = client.get(url)
    assert page.status_code == 200
    text = shown(page)
    assert f"<h1>{HEADINGS[address]}</h1>" in text
    assert f'href="/care/{waiting.uuid}/">Back to the care record</a>' in text
    assert "data-child-banner" in text  # who the write is for, above the form
    response = client.post(url, send(waiting))
    assert (response.status_code, response["Location"]) == (302, f"/care/{waiting.uuid}/")
    assert _messages(response) == [DONE[address]]
    assert recorded(waiting) == RECORDED[address]


@pytest.mark.parametrize("address", WRITES)
def test_a_get_of_each_write_builds_one_unbound_form(
    client: Client, people: People, waiting: Referral, address: str
) -> None:
    sign_in(client, people.kooth_practitioner)
    with forms_built() as built:
        page = client.get(f"/care/{waiting.uuid}/{address}")
    assert unbound_forms_of(built, "onedoor.care") == [type(_form(page)).__name__]
    with forms_built() as built:
        client.get(f"/care/{waiting.uuid}/")
    assert unbound_forms_of(built, "onedoor") == []  # the summary links to each write


@pytest.mark.parametrize("address", WRITES)
def test_an_incomplete_write_says_how_to_fix_it_and_writes_nothing(
    client: Client, people: People, waiting: Referral, address: str
) -> None:
    sign_in(client, people.kooth_practitioner)
    before = _written()
    response = client.post(f"/care/{waiting.uuid}/{address}", {})
    assert response.status_code == 400
    assert _form(response).errors and FIRST_ERROR[address] in shown(response)
    assert shown(response).count('class="nhsuk-error-summary"') == 1
    assert _written() == before


@pytest.mark.parametrize("address", WRITES)
def test_someone_who_may_only_read_the_record_is_refused_each_write_and_nothing_is_written(
    client: Client, people: People, waiting: Referral, address: str
) -> None:
    send, _ = WRITES[address]
    before = _written()
    for user in (people.safeguarding, people.manager):
        sign_in(client, user)
        assert client.get(f"/care/{waiting.uuid}/").status_code == 200, user  # may read it
        assert client.get(f"/care/{waiting.uuid}/{address}").status_code == 403, user
        assert client.post(f"/care/{waiting.uuid}/{address}", send(waiting)).status_code == 403
    assert _written() == before


@pytest.mark.parametrize("address", [*WRITES, "step-down/", "acknowledge/", "history/"])
def test_another_partner_gets_a_404_for_each_page_and_nothing_is_written(
    client: Client, people: People, waiting: Referral, address: str
) -> None:
    sign_in(client, people.chums_practitioner)
    before = _written()
    assert client.get(f"/care/{waiting.uuid}/{address}").status_code == 404
    assert client.post(f"/care/{waiting.uuid}/{address}", {"text": "x"}).status_code in (404, 405)
    assert _written() == before
    denied = AuditEvent.objects.filter(action="deny", record_id=str(waiting.uuid))
    assert denied.count() == (1 if address == "history/" else 2)  # a POST to history is a 405


def test_another_partner_gets_a_404(client: Client, people: People, waiting: Referral) -> None:
    sign_in(client, people.chums_practitioner)
    assert client.get(f"/care/{waiting.uuid}/").status_code == 404


def test_a_write_for_a_child_no_longer_in_care_is_refused_in_words(
    client: Client, people: People, waiting: Referral
) -> None:
    Referral.objects.filter(pk=waiting.pk).update(status=Status.DISCHARGED)
    sign_in(client, people.kooth_practitioner)
    before = _written()
    response = client.post(
        f"/care/{waiting.uuid}/notes/new/", {"text": "Late note.", "sharing": "alliance"}
    )
    assert response.status_code == 400
    assert "Care is recorded for children waiting or in intervention" in shown(response)
    assert _written() == before


def test_a_referral_changed_meanwhile_is_a_conflict_in_words_not_an_error(
    client: Client, people: People, waiting: Referral, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onedoor.care import care_views

    def changed(**_: object) -> None:
        raise Conflict(Referral.objects.get(pk=waiting.pk))

    monkeypatch.setattr(care_views, "record_risk_review", changed)
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/care/{waiting.uuid}/risk-review/", {"rating": "red", "rationale": "Worse."}
    )
    assert response.status_code == 400
    assert "This referral changed while you were working on it" in shown(response)


def test_a_bad_contact_says_how_to_fix_it(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.post(f"/care/{waiting.uuid}/contacts/new/", {"happened_at": "soon"})
    page = shown(response)
    assert response.status_code == 400
    assert "The date of the contact must be a real date and time" in page
    assert "Choose what happened" in page
    assert Contact.objects.count() == 0


def test_the_partner_records_a_contact_on_the_page(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/care/{waiting.uuid}/contacts/new/",
        {"happened_at": "2 11 2026 10:00", "outcome": "attended", "mode": "video",
         "duration_minutes": "45"},
    )  # fmt: skip
    assert response["Location"] == f"/care/{waiting.uuid}/"
    contact = Contact.objects.get()
    assert (contact.mode, contact.duration_minutes, contact.recorded_by) == (
        "video", 45, people.kooth_practitioner,
    )  # fmt: skip
    page = shown(client.get(f"/care/{waiting.uuid}/"))
    assert "Contact recorded." in page
    recent = "<strong>Contact</strong>, 2 Nov 2026 10:00, Kim-Kooth<br>Attended, video, 45 minutes"
    assert recent in page


def test_a_write_goes_only_to_the_child_whose_address_it_is(
    client: Client, people: People, alliance: Alliance, waiting: Referral
) -> None:
    other = make_child(alliance, "Kit", allocated_to="kooth", status=Status.WAITING)
    sign_in(client, people.kooth_practitioner)
    client.post(f"/care/{waiting.uuid}/notes/new/", {"text": "For Kai.", "sharing": "alliance"})
    assert [(n.referral.child.given_name, n.text) for n in ClinicalNote.objects.all()] == [
        ("Kai", "For Kai.")
    ]
    assert "For Kai." not in shown(client.get(f"/care/{other.referrals.get().uuid}/"))


def test_a_safety_plan_is_recorded_and_shown(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    refused = client.post(f"/care/{waiting.uuid}/safety-plan/", {})
    assert refused.status_code == 400
    assert "Write the warning signs" in refused.content.decode()
    response = client.post(
        f"/care/{waiting.uuid}/safety-plan/",
        {"warning_signs": "Stops eating; stays in room.",
         "coping_strategies": "Music, walking the dog."},
    )  # fmt: skip
    assert response["Location"] == f"/care/{waiting.uuid}/"
    plan = SafetyPlan.objects.get()
    assert (plan.warning_signs, plan.organisation.slug) == ("Stops eating; stays in room.", "kooth")
    assert "Music, walking the dog." in client.get(f"/care/{waiting.uuid}/").content.decode()


# The step-down and the acknowledgement: other people's writes


def test_only_the_advice_point_records_a_step_down_from_its_page(
    client: Client, people: People, alliance: Alliance
) -> None:
    allocated = make_child(
        alliance, "Dana", allocated_to="kooth", status=Status.ALLOCATED
    ).referrals.get()
    url = f"/care/{allocated.uuid}/step-down/"
    send = {"sending_organisation": str(_camhs(allocated)), "reason": "Stable.",
            "handover": "Letter attached."}  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    assert "Record a step-down" not in shown(client.get(f"/care/{allocated.uuid}/"))
    assert (client.get(url).status_code, client.post(url, send).status_code) == (403, 403)
    assert Transition.objects.count() == 0
    sign_in(client, people.coordinator)
    assert f'href="{url}">Record a step-down into the alliance</a>' in shown(
        client.get(f"/care/{allocated.uuid}/")
    )
    response = client.post(url, send)
    assert (response.status_code, response["Location"]) == (302, f"/care/{allocated.uuid}/")
    assert [(t.kind, t.sending_organisation.slug, t.receiving_organisation.slug, t.handover)  # type: ignore[union-attr]
            for t in Transition.objects.all()] == [
        ("step_down", "specialist-camhs", "kooth", "Letter attached.")
    ]  # fmt: skip


@pytest.fixture
def stepping_up(alliance: Alliance, people: People) -> Transition:
    referral = make_child(
        alliance, "Stepan", allocated_to="north-kent-mind", status=Status.IN_INTERVENTION
    ).referrals.get()
    camhs = organisation(alliance, "specialist-camhs")
    return start_transition(
        user=people.coordinator, referral=referral, kind="step_up", reason="Escalating.",
        receiving_organisation=camhs, receiving_offer=None, handover="Risk history.",
    )  # fmt: skip


def test_the_care_coordinator_acknowledges_a_step_up_on_its_page(
    client: Client, people: People, stepping_up: Transition
) -> None:
    referral = stepping_up.referral
    url = f"/care/{referral.uuid}/acknowledge/"
    sign_in(client, people.coordinator)
    assert f'href="{url}">Acknowledge the handover</a>' in shown(
        client.get(f"/care/{referral.uuid}/")
    )
    page = client.get(url)
    assert page.status_code == 200 and "Risk history." in shown(page)
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 400
    assert "Say who at the receiving service acknowledged it, and how" in shown(refused)
    done = client.post(url, {"note": "CAMHS duty worker, by phone."})
    assert (done.status_code, done["Location"]) == (302, f"/care/{referral.uuid}/")
    assert _messages(done) == ["Handover acknowledged."]
    stepping_up.refresh_from_db()
    referral.refresh_from_db()
    assert (stepping_up.acknowledgement, stepping_up.acknowledged_by, referral.status) == (
        "CAMHS duty worker, by phone.", people.coordinator, Status.STEPPED_UP,
    )  # fmt: skip
    assert "Handover acknowledged." in shown(client.get(done["Location"]))
    again = client.get(url)  # nothing waits now
    assert (again.status_code, again["Location"]) == (302, f"/care/{referral.uuid}/")
    assert _messages(again) == ["There is no handover waiting to be acknowledged."]


def test_only_the_receiving_side_acknowledges_and_a_refusal_writes_nothing(
    client: Client, people: People, stepping_up: Transition
) -> None:
    referral = stepping_up.referral
    sign_in(client, people.triage)  # sees the child, is not the receiving side
    assert "Acknowledge the handover" not in shown(client.get(f"/care/{referral.uuid}/"))
    before = _written()
    url = f"/care/{referral.uuid}/acknowledge/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"note": "By phone."}).status_code == 403
    assert _written() == before
    stepping_up.refresh_from_db()
    assert stepping_up.acknowledged_at is None


# The summary


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
    for address in ("", "history/"):
        page = client.get(f"/care/{waiting.uuid}/{address}").content.decode()
        assert "Shared plan." in page and "Kooth only." not in page
    sign_in(client, people.clinical_lead)
    for address in ("", "history/"):
        page = client.get(f"/care/{waiting.uuid}/{address}").content.decode()
        assert "Shared plan." in page and "Kooth only." in page


def test_the_summary_links_each_write_only_for_those_who_may_make_it(
    client: Client, people: People, waiting: Referral
) -> None:
    links = ["Record a contact", "Record a Waiting Well check-in", "Record a risk review",
             "Record a safety plan", "Record a care plan", "Write a note",
             "Transition to another service", "Discharge",
             "Record a step-down into the alliance"]  # fmt: skip

    def offered(user: User) -> list[str]:
        sign_in(client, user)
        page = shown(client.get(f"/care/{waiting.uuid}/"))
        return [link for link in links if f">{link}</a>" in page]

    assert offered(people.kooth_practitioner) == links[:-1]
    assert offered(people.coordinator) == links  # and the Referral and Advice Point's own
    assert offered(people.safeguarding) == []
    assert offered(people.manager) == []
    Referral.objects.filter(pk=waiting.pk).update(status=Status.IN_INTERVENTION)
    assert offered(people.kooth_practitioner) == [links[0], *links[2:-1]]  # no check-in
    Referral.objects.filter(pk=waiting.pk).update(status=Status.DISCHARGED)
    assert offered(people.kooth_practitioner) == []


def test_the_summary_shows_risk_plans_measures_who_is_involved_tasks_and_recent_activity(
    client: Client, people: People, alliance: Alliance
) -> None:
    referral = make_child(
        alliance, "Sev", born=date(2009, 5, 1), allocated_to="kooth",
        status=Status.IN_INTERVENTION,
    ).referrals.get()  # fmt: skip
    Referral.objects.filter(pk=referral.pk).update(
        named_practitioner=people.kooth_practitioner, risk_rating="amber"
    )
    kooth = referral.allocated_organisation
    common = {"referral": referral, "organisation": kooth, "recorded_at": clock.now()}
    RiskReview.objects.create(
        **common, recorded_by=people.kooth_lead, rating="amber", rationale="Steady.",
        next_due=date(2026, 11, 25),
    )  # fmt: skip
    SafetyPlan.objects.create(
        **common, recorded_by=people.kooth_lead, warning_signs="Withdraws.",
        coping_strategies="Music.",
    )  # fmt: skip
    plan = CarePlan.objects.create(
        **common, recorded_by=people.kooth_lead, summary="Weekly sessions.",
        review_due=date(2027, 1, 8),
    )  # fmt: skip
    Goal.objects.create(care_plan=plan, text="Sleep by 10pm")
    Contact.objects.create(
        **common, recorded_by=people.chums_lead,
        happened_at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC), outcome="attended", mode="phone",
    )  # fmt: skip
    for answers in (
        {str(n): 1 for n in range(1, 10)},
        {**{str(n): 3 for n in range(1, 9)}, "9": 0},
    ):
        record_response(
            user=people.kooth_practitioner, referral=referral, measure="phq-9",
            answers=answers, completed_by="young_person",
        )  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    response = client.get(f"/care/{referral.uuid}/")
    page = shown(response)
    context = response.context
    assert (context["risk_review"].rationale, context["safety_plan"].warning_signs) == (
        "Steady.", "Withdraws.",
    )  # fmt: skip
    assert (context["care_plan"].summary, [g.text for g in context["goals"]]) == (
        "Weekly sessions.", ["Sleep by 10pm"],
    )  # fmt: skip
    assert [(d.what, d.when, d.clock.state) for d in context["due"]] == [
        ("Next risk review", datetime(2026, 11, 25, 17, 0, tzinfo=UTC), "on_time"),
        ("Care plan review", datetime(2027, 1, 8, 17, 0, tzinfo=UTC), "on_time"),
    ]
    assert [
        (t.measure, t.latest, t.band, t.previous, t.direction, t.since_first, t.count)
        for t in context["trends"]
    ] == [("PHQ-9", 24, "Severe", 9, "Worse", "Reliable deterioration", 2)]
    assert (context["named_practitioner"], context["involved"]) == (
        people.kooth_practitioner, [people.chums_lead],
    )  # fmt: skip
    assert context["severe_at"] is not None
    assert "Severe score: review risk and safety plan" in page
    assert [(row.item.what, row.item.due) for row in context["tasks"]] == [
        ("Severe score: review risk and safety plan", datetime(2026, 11, 23, 17, 0, tzinfo=UTC)),
        # the second crossed into the clinical range
        ("Review an outcome measure", datetime(2026, 11, 24, 17, 0, tzinfo=UTC)),
        ("Risk review", datetime(2026, 11, 25, 17, 0, tzinfo=UTC)),
    ]
    assert [(a.what, a.by) for a in context["recent"]] == [("Contact", "Cleo-Chums-Lead")]
    assert "Music." in page and "Weekly sessions." in page


@pytest.mark.parametrize("records", [2, 20])
def test_the_summary_runs_a_fixed_number_of_queries(
    client: Client,
    people: People,
    alliance: Alliance,
    django_assert_num_queries: Any,
    records: int,
) -> None:
    referral = make_child(
        alliance, "Sev", born=date(2009, 5, 1), allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(named_practitioner=people.kooth_practitioner)
    kooth = referral.allocated_organisation
    for n in range(records):
        common = {"referral": referral, "organisation": kooth, "recorded_at": clock.now()}
        Contact.objects.create(
            **common, recorded_by=people.kooth_practitioner, happened_at=clock.now(),
            outcome="did_not_attend", mode="phone",
        )  # fmt: skip
        CheckIn.objects.create(**common, recorded_by=people.kooth_lead, contact_made=False)
        ClinicalNote.objects.create(
            **common, recorded_by=people.kooth_lead, text=f"Note {n}.", sharing="alliance"
        )
        RiskReview.objects.create(
            **common, recorded_by=people.kooth_lead, rating="green", rationale="Fine.",
            next_due=date(2027, 1, 1),
        )  # fmt: skip
        SafetyPlan.objects.create(
            **common, recorded_by=people.kooth_lead, warning_signs="W.", coping_strategies="C."
        )
        plan = CarePlan.objects.create(
            **common, recorded_by=people.kooth_lead, summary="P.", review_due=date(2027, 1, 1)
        )
        Goal.objects.bulk_create(Goal(care_plan=plan, text=f"Goal {g}") for g in range(records))
        for measure, answers in (("phq-9", {str(q): n % 4 for q in range(1, 10)}),
                                 ("gad-7", {str(q): n % 4 for q in range(1, 8)})):  # fmt: skip
            record_response(
                user=people.kooth_practitioner, referral=referral, measure=measure,
                answers=answers, completed_by="young_person",
            )  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    client.get("/")
    with django_assert_num_queries(40):
        response = client.get(f"/care/{referral.uuid}/")
    assert (len(response.context["recent"]), len(response.context["trends"])) == (5, 2)
    assert len(response.context["goals"]) == records


def test_the_history_page_shows_every_record_the_user_may_read(
    client: Client, people: People, waiting: Referral
) -> None:
    kooth = waiting.allocated_organisation
    assert kooth is not None
    for n in range(7):
        Contact.objects.create(
            referral=waiting, organisation=kooth, recorded_by=people.kooth_practitioner,
            recorded_at=clock.now(), happened_at=datetime(2026, 11, 1 + n, 9, 0, tzinfo=UTC),
            outcome="did_not_attend", mode="phone",
        )  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    summary = client.get(f"/care/{waiting.uuid}/")
    assert len(summary.context["recent"]) == 5
    history = client.get(f"/care/{waiting.uuid}/history/")
    assert history.status_code == 200
    assert [c.happened_at.day for c in history.context["contacts"]] == [7, 6, 5, 4, 3, 2, 1]
    assert "<h1>Care history of Kai Example</h1>" in shown(history)


def test_the_care_record_says_what_falls_due_next_and_how_each_clock_stands(
    client: Client, people: People, waiting: Referral
) -> None:
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
    assert [(row.what, row.clock.state) for row in due] == [
        ("Next Waiting Well check-in", "overdue"),  # 14 days after 5 January
        ("Care plan review", "overdue"),
        ("Next risk review", "on_time"),
    ]
    Referral.objects.filter(pk=waiting.pk).update(status=Status.DISCHARGED)
    assert client.get(f"/care/{waiting.uuid}/").context["due"] == []


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
