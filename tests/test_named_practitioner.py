"""The named practitioner: who holds a child's care at the partner. Named as the partner
accepts (whoever accepts, unless a partner lead chooses a colleague), changed by the partner
lead, cleared by a decline and kept at discharge, on the timeline and in the audit trail; a
practitioner's caseload and tasks are their own children, the partner lead sees them all, and
a child nobody holds reaches the leads and every practitioner rather than nobody.

Kim practises at Kooth and Kit is its partner lead; CHUMS is another partner."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.test import Client

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Offer
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import discharge, start_transition
from onedoor.care.handovers import accept_handover, decline_handover
from onedoor.care.models import CarePlan, CheckIn, Contact, RiskReview
from onedoor.care.practitioners import (
    NAME_A_PRACTITIONER,
    choose,
    held_by,
    name_practitioner,
    needing_a_practitioner,
)
from onedoor.children.models import TimelineEvent
from onedoor.demo.population import ensure_demo_accounts, seed_population
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict
from onedoor.triage.actions import accept_allocation
from onedoor.worklist.items import due_items_for
from tests.personas import RECEIVED, People, make_child, make_user, organisation, sign_in

# Allocated on Monday 2 November at 10:00; the pinned clock is Friday 20 November at 12:00:
# 14 working days later (no bank holiday between).
ALLOCATED = RECEIVED
ACCEPTED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _last_audit() -> int:
    return AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0


def _audit_since(before: int) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (event.action, event.record_type, event.detail)
        for event in AuditEvent.objects.filter(sequence__gt=before).order_by("sequence")
    ]


def _timeline(referral: Referral, n: int) -> list[tuple[str, str]]:
    return [
        (event.summary, str(event.actor))
        for event in TimelineEvent.objects.filter(referral=referral)[:n]
    ]


def _allocated(alliance: Alliance, name: str, to: str = "kooth") -> Referral:
    referral = make_child(alliance, name, allocated_to=to, status=Status.ALLOCATED).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(allocated_at=ALLOCATED, consent_to_share=True)
    referral.refresh_from_db()
    return referral


def _held(
    alliance: Alliance,
    name: str,
    named: User | None,
    *,
    to: str = "kooth",
    status: Status = Status.WAITING,
    accepted: datetime = ACCEPTED,
    rating: str = "amber",
    born: date = date(2012, 3, 14),
) -> Referral:
    referral = make_child(alliance, name, allocated_to=to, status=status, born=born)
    found = referral.referrals.get()
    Referral.objects.filter(pk=found.pk).update(
        allocated_at=accepted - timedelta(days=1),
        accepted_at=accepted,
        named_practitioner=named,
        risk_rating=rating,
    )
    found.refresh_from_db()
    return found


@pytest.fixture
def kim(people: People) -> User:
    return people.kooth_practitioner


@pytest.fixture
def kit(people: People) -> User:
    return people.kooth_lead


# Named as the partner accepts


def test_a_practitioner_accepting_is_named_on_the_timeline_and_in_the_audit_trail(
    alliance: Alliance, kim: User
) -> None:
    referral = _allocated(alliance, "Ada")
    before = _last_audit()
    accept_allocation(user=kim, referral=referral, version=referral.version)
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (Status.WAITING, kim)
    assert _timeline(referral, 2) == [
        ("Named practitioner: Kim-Kooth.", "Kim-Kooth"),
        ("Accepted by Kooth.", "Kim-Kooth"),
    ]
    assert _audit_since(before) == [
        ("change", "referral", {"from": "allocated", "to": "waiting"}),
        ("change", "referral", {"named_practitioner": str(kim.uuid), "previous": ""}),
    ]


def test_a_partner_lead_accepts_naming_a_practitioner_on_the_accept_page(
    client: Client, alliance: Alliance, kim: User, kit: User
) -> None:
    referral = _allocated(alliance, "Ada")
    sign_in(client, kit)
    page = client.get(f"/triage/incoming/{referral.uuid}/accept/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "data-child-banner" in text and "Accept Ada Example" in text
    # The choice is Kooth's practitioners and partner leads, and a partner lead chooses.
    field = page.context["form"]["practitioner"]
    assert [str(choice.choice_label) for choice in field] == [
        "Choose", "Kim-Kooth (practitioner)", "Kit-Kooth-Lead (partner lead)",
    ]  # fmt: skip
    assert field.value() is None
    before = _last_audit()
    response = client.post(
        f"/triage/incoming/{referral.uuid}/accept/",
        {"version": referral.version, "practitioner": kim.uuid},
    )
    assert (response.status_code, response["Location"]) == (302, f"/care/{referral.uuid}/")
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (Status.WAITING, kim)
    assert _timeline(referral, 2) == [
        ("Named practitioner: Kim-Kooth.", "Kit-Kooth-Lead"),
        ("Accepted by Kooth.", "Kit-Kooth-Lead"),
    ]
    assert _audit_since(before) == [
        ("change", "referral", {"from": "allocated", "to": "waiting"}),
        ("change", "referral", {"named_practitioner": str(kim.uuid), "previous": ""}),
    ]
    record = client.get(f"/care/{referral.uuid}/")
    assert "Accepted " + referral.reference_display + ": Kim-Kooth is the named practitioner." in (
        record.content.decode()
    )


def test_the_accept_page_names_a_practitioner_themselves_by_default(
    client: Client, alliance: Alliance, kim: User
) -> None:
    referral = _allocated(alliance, "Ada")
    sign_in(client, kim)
    page = client.get(f"/triage/incoming/{referral.uuid}/accept/")
    assert page.context["form"]["practitioner"].value() == kim.uuid
    assert f'<option value="{kim.uuid}" selected>Kim-Kooth (practitioner)</option>' in (
        page.content.decode()
    )


@pytest.mark.parametrize(
    "who",
    ["nobody", "chums_practitioner", "partner_safeguarding", "closed", "not-a-uuid", "9" * 30],
)
def test_an_accept_naming_nobody_who_practises_at_the_partner_is_refused_and_writes_nothing(
    client: Client, alliance: Alliance, people: People, kit: User, who: str
) -> None:
    referral = _allocated(alliance, "Ada")
    closed = make_user("kay-kooth", Role.PRACTITIONER, kit.organisation, is_active=False)  # type: ignore[arg-type]
    chosen = {
        "nobody": "",
        "chums_practitioner": str(people.chums_practitioner.uuid),
        "partner_safeguarding": str(people.partner_safeguarding.uuid),
        "closed": str(closed.uuid),
    }.get(who, who)
    sign_in(client, kit)
    before = _last_audit()
    response = client.post(
        f"/triage/incoming/{referral.uuid}/accept/",
        {"version": referral.version, "practitioner": chosen},
    )
    assert response.status_code == 400
    assert "Choose the named practitioner" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.named_practitioner) == (
        Status.ALLOCATED, 1, None,
    )  # fmt: skip
    assert _last_audit() == before


def test_the_action_refuses_another_organisations_or_a_closed_account(
    alliance: Alliance, people: People, kit: User
) -> None:
    referral = _allocated(alliance, "Ada")
    closed = make_user("kay-kooth", Role.PRACTITIONER, kit.organisation, is_active=False)  # type: ignore[arg-type]
    for someone in (people.chums_practitioner, closed, people.coordinator):
        with pytest.raises(ValidationError, match="Choose the named practitioner from Kooth"):
            accept_allocation(
                user=kit, referral=referral, version=referral.version, practitioner=someone
            )
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.named_practitioner) == (
        Status.ALLOCATED, 1, None,
    )  # fmt: skip
    assert TimelineEvent.objects.filter(referral=referral).count() == 0


def test_another_partner_cannot_open_or_answer_the_allocation(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _allocated(alliance, "Ada")
    sign_in(client, people.chums_lead)
    for answer in ("accept", "decline"):
        before = _last_audit()
        response = client.post(
            f"/triage/incoming/{referral.uuid}/{answer}/",
            {"version": referral.version, "practitioner": people.chums_lead.uuid, "reason": "No"},
        )
        assert response.status_code == 404
        assert [(e.action, e.actor_username) for e in AuditEvent.objects.filter(
            sequence__gt=before
        )] == [("deny", "cleo-chums-lead")]  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (Status.ALLOCATED, 1)


def test_an_accept_on_a_stale_page_is_a_conflict_and_writes_nothing(
    client: Client, alliance: Alliance, kim: User
) -> None:
    referral = _allocated(alliance, "Ada")
    sign_in(client, kim)
    before = _last_audit()
    response = client.post(
        f"/triage/incoming/{referral.uuid}/accept/", {"version": 0, "practitioner": kim.uuid}
    )
    assert response.status_code == 409
    assert "changed while you were working on it" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (Status.ALLOCATED, None)
    assert _last_audit() == before


def test_an_answered_allocation_says_so_and_a_second_answer_writes_nothing(
    client: Client, alliance: Alliance, kim: User
) -> None:
    referral = _allocated(alliance, "Ada")
    accept_allocation(user=kim, referral=referral, version=referral.version)
    referral.refresh_from_db()
    sign_in(client, kim)
    page = client.get(f"/triage/incoming/{referral.uuid}/decline/")
    assert page.status_code == 200
    assert "This child is no longer waiting for your answer" in page.content.decode()
    before = _last_audit()
    response = client.post(
        f"/triage/incoming/{referral.uuid}/decline/",
        {"version": referral.version, "reason": "Changed our minds."},
    )
    assert response.status_code == 409
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (Status.WAITING, kim)
    assert _last_audit() == before


def test_a_decline_through_its_page_clears_the_named_practitioner(
    client: Client, alliance: Alliance, kim: User
) -> None:
    referral = _allocated(alliance, "Ada")
    Referral.objects.filter(pk=referral.pk).update(named_practitioner=kim)  # an earlier episode
    sign_in(client, kim)
    assert client.get(f"/triage/incoming/{referral.uuid}/decline/").status_code == 200
    response = client.post(
        f"/triage/incoming/{referral.uuid}/decline/",
        {"version": referral.version, "reason": "No places this term."},
    )
    assert (response.status_code, response["Location"]) == (302, "/triage/incoming/")
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation, referral.named_practitioner) == (
        Status.AWAITING_TRIAGE, None, None,
    )  # fmt: skip


def test_discharge_keeps_the_named_practitioner(alliance: Alliance, kim: User) -> None:
    referral = _held(alliance, "Ada", kim, status=Status.IN_INTERVENTION)
    discharge(user=kim, referral=referral, reason="goals_met", summary="Goals met.")
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (Status.DISCHARGED, kim)


def _hand_to_chums(kim: User, referral: Referral) -> Referral:
    handover = start_transition(
        user=kim, referral=referral, kind="between_partners", reason="Bereavement.",
        receiving_organisation=organisation(referral.child.alliance, "chums"),
        receiving_offer=Offer.objects.get(slug="bereavement-support"), handover="Notes.",
    )  # fmt: skip
    referral.refresh_from_db()
    return handover.referral


def test_a_handover_accepted_names_the_receiving_partners_practitioner(
    alliance: Alliance, people: People, kim: User
) -> None:
    referral = _hand_to_chums(kim, _held(alliance, "Kai", kim, status=Status.IN_INTERVENTION))
    handover = referral.transitions.get()
    with pytest.raises(ValidationError, match="Choose the named practitioner from CHUMS"):
        accept_handover(
            user=people.chums_lead, transition=handover, version=referral.version,
            practitioner=kim,
        )  # fmt: skip
    before = _last_audit()
    accept_handover(
        user=people.chums_lead, transition=handover, version=referral.version,
        practitioner=people.chums_practitioner,
    )  # fmt: skip
    referral.refresh_from_db()
    assert referral.named_practitioner == people.chums_practitioner
    assert _timeline(referral, 1) == [("Named practitioner: Chris-Chums.", "Cleo-Chums-Lead")]
    assert _audit_since(before)[-1] == (
        "change", "referral",
        {"named_practitioner": str(people.chums_practitioner.uuid), "previous": str(kim.uuid)},
    )  # fmt: skip


def test_a_handover_declined_leaves_the_child_with_the_senders_practitioner(
    alliance: Alliance, people: People, kim: User
) -> None:
    referral = _hand_to_chums(kim, _held(alliance, "Kai", kim, status=Status.IN_INTERVENTION))
    decline_handover(
        user=people.chums_lead, transition=referral.transitions.get(), version=referral.version,
        reason="No places.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (Status.IN_INTERVENTION, kim)


def test_the_handover_accept_page_asks_the_receiving_lead_to_choose(
    client: Client, alliance: Alliance, people: People, kim: User
) -> None:
    referral = _hand_to_chums(kim, _held(alliance, "Kai", kim, status=Status.IN_INTERVENTION))
    handover = referral.transitions.get()
    sign_in(client, people.chums_lead)
    url = f"/care/handovers/{handover.uuid}/accept/"
    page = client.get(url)
    assert page.status_code == 200
    assert [str(c.choice_label) for c in page.context["form"]["practitioner"]] == [
        "Choose", "Chris-Chums (practitioner)", "Cleo-Chums-Lead (partner lead)",
    ]  # fmt: skip
    refused = client.post(url, {"version": referral.version})
    assert refused.status_code == 400
    assert "Choose the named practitioner" in refused.content.decode()
    accepted = client.post(
        url, {"version": referral.version, "practitioner": people.chums_practitioner.uuid}
    )
    assert (accepted.status_code, accepted["Location"]) == (302, f"/care/{referral.uuid}/")
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (
        Status.WAITING, people.chums_practitioner,
    )  # fmt: skip


# Changed by the partner lead


def test_the_partner_lead_changes_the_named_practitioner_on_its_own_page(
    client: Client, alliance: Alliance, kim: User, kit: User
) -> None:
    referral = _held(alliance, "Ada", kim)
    sign_in(client, kit)
    url = f"/care/{referral.uuid}/practitioner/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "data-child-banner" in text and "Named practitioner for Ada Example" in text
    assert page.context["holder"] == kim
    before = _last_audit()
    response = client.post(
        url,
        {"version": referral.version, "practitioner": kit.uuid, "reason": "Kim is on leave."},
    )
    assert (response.status_code, response["Location"]) == (302, f"/care/{referral.uuid}/")
    referral.refresh_from_db()
    assert (referral.named_practitioner, referral.version) == (kit, 2)
    assert _timeline(referral, 1) == [
        ("Named practitioner: Kit-Kooth-Lead. Reason: Kim is on leave.", "Kit-Kooth-Lead")
    ]
    assert _audit_since(before) == [
        ("change", "referral", {"named_practitioner": str(kit.uuid), "previous": str(kim.uuid)}),
    ]
    assert (
        "Kit-Kooth-Lead is now the named practitioner."
        in client.get(f"/care/{referral.uuid}/").content.decode()
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("kooth_practitioner", 403), ("chums_lead", 404), ("clinical_lead", 403), ("triage", 403)],
)
def test_a_denied_change_writes_nothing(
    client: Client, alliance: Alliance, people: People, kim: User, persona: str, status: int
) -> None:
    referral = _held(alliance, "Ada", kim)
    user = people.by_role()[persona]
    sign_in(client, user)
    before = _last_audit()
    response = client.post(
        f"/care/{referral.uuid}/practitioner/",
        {"version": referral.version, "practitioner": people.kooth_lead.uuid},
    )
    assert response.status_code == status
    referral.refresh_from_db()
    assert (referral.named_practitioner, referral.version) == (kim, 1)
    assert TimelineEvent.objects.filter(referral=referral).count() == 0
    denials = [("deny", user.username)] if status == 404 else []
    assert [
        (e.action, e.actor_username) for e in AuditEvent.objects.filter(sequence__gt=before)
    ] == denials
    with pytest.raises(PermissionDenied):
        name_practitioner(user=user, referral=referral, practitioner=people.kooth_lead, version=1)


def test_the_clinical_lead_names_the_practitioner_for_the_lead_providers_own_offer(
    alliance: Alliance, people: People
) -> None:
    lead_provider = organisation(alliance, "north-kent-mind")
    pat = make_user("pat-practitioner", Role.PRACTITIONER, lead_provider)
    referral = _held(alliance, "Lou", None, to="north-kent-mind")
    name_practitioner(user=people.clinical_lead, referral=referral, practitioner=pat, version=1)
    referral.refresh_from_db()
    assert referral.named_practitioner == pat


def test_a_change_is_refused_when_it_changes_nothing_or_the_child_is_no_longer_held(
    alliance: Alliance, kim: User, kit: User
) -> None:
    referral = _held(alliance, "Ada", kim)
    with pytest.raises(ValidationError, match="Kim-Kooth is already the named practitioner"):
        name_practitioner(user=kit, referral=referral, practitioner=kim, version=1)
    ended = _held(alliance, "Ben", kim, status=Status.DISCHARGED)
    with pytest.raises(ValidationError, match="has a named practitioner to change"):
        name_practitioner(user=kit, referral=ended, practitioner=kit, version=1)
    for row in (referral, ended):
        row.refresh_from_db()
        assert (row.named_practitioner, row.version) == (kim, 1)


def test_a_change_on_a_stale_page_is_a_conflict_and_writes_nothing(
    client: Client, alliance: Alliance, kim: User, kit: User
) -> None:
    referral = _held(alliance, "Ada", kim)
    with pytest.raises(Conflict):
        name_practitioner(user=kit, referral=referral, practitioner=kit, version=0)
    sign_in(client, kit)
    before = _last_audit()
    response = client.post(
        f"/care/{referral.uuid}/practitioner/", {"version": 0, "practitioner": kit.uuid}
    )
    assert response.status_code == 409
    assert "changed while you were working on it" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.named_practitioner, referral.version) == (kim, 1)
    assert _last_audit() == before


def test_choose_names_whoever_accepts_unless_someone_is_chosen(
    alliance: Alliance, kim: User, kit: User
) -> None:
    kooth = organisation(alliance, "kooth")
    assert choose(user=kim, organisation=kooth, practitioner=None) == kim
    assert choose(user=kim, organisation=kooth, practitioner=kit) == kit


# Nobody holds the child


def test_a_child_nobody_holds_is_a_task_for_the_partner_lead_until_someone_is_named(
    alliance: Alliance, people: People, kim: User, kit: User
) -> None:
    closed = make_user("kay-kooth", Role.PRACTITIONER, kit.organisation, is_active=False)  # type: ignore[arg-type]
    moved = make_user("mo-moved", Role.PRACTITIONER, people.chums_lead.organisation)  # type: ignore[arg-type]
    held = _held(alliance, "Ada", kim)
    nobody = _held(alliance, "Cai", None, status=Status.IN_INTERVENTION)
    left = _held(alliance, "Dee", closed)
    elsewhere = _held(alliance, "Eli", moved)
    _held(alliance, "Fay", None, status=Status.DISCHARGED)  # ended: nobody to name
    _allocated(alliance, "Gil")  # named as it is accepted
    assert set(needing_a_practitioner(Referral.objects.all())) == {nobody, left, elsewhere}
    due = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # the end of today's working day
    needed = [
        (item.referral.child.given_name, item.due, item.url)  # type: ignore[union-attr]
        for item in due_items_for(kit)
        if item.what == NAME_A_PRACTITIONER
    ]
    assert needed == [
        (r.child.given_name, due, f"/care/{r.uuid}/practitioner/")
        for r in (nobody, left, elsewhere)
    ]
    for user in (kim, people.chums_lead, people.clinical_lead):
        assert [i for i in due_items_for(user) if i.what == NAME_A_PRACTITIONER] == []
    name_practitioner(user=kit, referral=left, practitioner=kim, version=left.version)
    assert [
        i.referral.child.given_name  # type: ignore[union-attr]
        for i in due_items_for(kit)
        if i.what == NAME_A_PRACTITIONER
    ] == ["Cai", "Eli"]
    assert held.named_practitioner == kim


def test_the_clinical_lead_is_told_of_a_lead_provider_child_nobody_holds(
    alliance: Alliance, people: People
) -> None:
    ours = _held(alliance, "Lou", None, to="north-kent-mind")
    _held(alliance, "Cai", None)  # Kooth's: its partner lead's to name
    assert [(i.what, i.referral) for i in due_items_for(people.clinical_lead) if i.referral] == [
        (NAME_A_PRACTITIONER, ours)
    ]


# Tasks about a child go to its named practitioner


def test_a_practitioners_tasks_are_their_own_children_and_those_nobody_holds(
    alliance: Alliance, people: People, kim: User, kit: User
) -> None:
    kez = make_user("kez-kooth", Role.PRACTITIONER, kit.organisation)  # type: ignore[arg-type]
    closed = make_user("kay-kooth", Role.PRACTITIONER, kit.organisation, is_active=False)  # type: ignore[arg-type]
    _held(alliance, "Ada", kim)
    _held(alliance, "Ben", kit)
    _held(alliance, "Cai", None)
    _held(alliance, "Dee", closed)
    _held(alliance, "Eve", people.chums_practitioner, to="chums")

    def check_ins(user: User) -> list[str]:
        return sorted(
            i.referral.child.given_name  # type: ignore[union-attr]
            for i in due_items_for(user)
            if i.what == "Waiting Well check-in"
        )

    assert check_ins(kim) == ["Ada", "Cai", "Dee"]
    assert check_ins(kez) == ["Cai", "Dee"]  # nobody holds them: nothing waits on nobody
    assert check_ins(kit) == ["Ada", "Ben", "Cai", "Dee"]  # the partner lead sees them all
    assert check_ins(people.chums_practitioner) == ["Eve"]
    assert check_ins(people.chums_lead) == ["Eve"]


def test_held_by_narrows_only_a_practitioners_work(
    alliance: Alliance, people: People, kim: User, kit: User
) -> None:
    ada, ben = _held(alliance, "Ada", kim), _held(alliance, "Ben", kit)
    cai = _held(alliance, "Cai", None)
    everyone = Referral.objects.all()
    assert set(held_by(kim, everyone)) == {ada, cai}
    assert set(held_by(kit, everyone)) == {ada, ben, cai}
    assert set(held_by(people.coordinator, everyone)) == {ada, ben, cai}


# The caseload


def _caseload(response: object) -> list[str]:
    return [row.referral.child.given_name for row in response.context["rows"]]  # type: ignore[attr-defined]


def test_a_practitioners_caseload_is_their_own_children_the_organisations_a_filter_away(
    client: Client, alliance: Alliance, people: People, kim: User, kit: User
) -> None:
    _held(alliance, "Ada", kim, accepted=ACCEPTED)
    _held(alliance, "Ben", kit, accepted=ACCEPTED + timedelta(days=1))
    _held(alliance, "Cai", None, accepted=ACCEPTED + timedelta(days=2))
    _held(alliance, "Eve", people.chums_practitioner, to="chums")
    sign_in(client, kim)
    mine = client.get("/caseload/")
    assert (_caseload(mine), mine.context["whose"]) == (["Ada"], "mine")
    text = mine.content.decode()
    assert '<a href="?whose=mine" aria-current="page"><strong>My children</strong></a>' in text
    assert '<a href="?whose=organisation">All of Kooth</a>' in text
    everyone = client.get("/caseload/?whose=organisation")
    assert _caseload(everyone) == ["Ada", "Ben", "Cai"]
    assert '<a href="?whose=organisation" aria-current="page">' in everyone.content.decode()
    assert _caseload(client.get("/caseload/?whose=nonsense")) == ["Ada"]  # the default
    sign_in(client, kit)
    assert _caseload(client.get("/caseload/")) == ["Ada", "Ben", "Cai"]
    assert _caseload(client.get("/caseload/?whose=mine")) == ["Ben"]
    sign_in(client, people.coordinator)  # never named: no filter to offer
    response = client.get("/caseload/")
    assert response.context["whose"] == "organisation"
    assert "?whose=mine" not in response.content.decode()


def test_the_caseload_shows_who_holds_each_child_and_what_falls_due(
    client: Client, alliance: Alliance, people: People, kim: User, kit: User
) -> None:
    closed = make_user("kay-kooth", Role.PRACTITIONER, kit.organisation, is_active=False)  # type: ignore[arg-type]
    ada = _held(alliance, "Ada", kim, born=date(2011, 6, 9))
    ben = _held(
        alliance, "Ben", kit, status=Status.IN_INTERVENTION, accepted=ACCEPTED + timedelta(1)
    )
    _held(alliance, "Cai", None, rating="", accepted=ACCEPTED + timedelta(2))
    _held(alliance, "Dee", closed, accepted=ACCEPTED + timedelta(3))
    kooth = organisation(alliance, "kooth")

    def common(referral: Referral) -> dict[str, object]:
        return {
            "referral": referral, "organisation": kooth, "recorded_by": kim,
            "recorded_at": datetime(2026, 11, 10, 10, 0, tzinfo=UTC),
        }  # fmt: skip

    # Ada, waiting, amber: reached at a check-in on 10 November, so the next is a fortnight on.
    CheckIn.objects.create(**common(ada), contact_made=True, rating="amber")
    RiskReview.objects.create(
        **common(ada), rating="amber", rationale="Low mood.", next_due=date(2026, 11, 18)
    )
    CarePlan.objects.create(**common(ada), summary="Sessions.", review_due=date(2026, 11, 27))
    # Ben, in intervention: an attended contact later than a missed one; his plan due today.
    Contact.objects.create(
        **common(ben), happened_at=datetime(2026, 11, 12, 15, 0, tzinfo=UTC),
        outcome="attended", mode="video",
    )  # fmt: skip
    Contact.objects.create(
        **common(ben), happened_at=datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        outcome="did_not_attend", mode="video",
    )  # fmt: skip
    CarePlan.objects.create(**common(ben), summary="Sessions.", review_due=date(2026, 11, 20))
    sign_in(client, kit)
    response = client.get("/caseload/")

    def when(deadline: object) -> tuple[str, str] | None:
        if deadline is None:
            return None
        return (f"{deadline.at:%Y-%m-%d %H:%M}", deadline.clock.words)  # type: ignore[attr-defined]

    rows = [
        (
            row.referral.child.given_name,
            str(row.named) if row.named else None,
            row.may_name,
            f"{row.last_contact:%Y-%m-%d}" if row.last_contact else None,
            when(row.check_in),
            when(row.risk_review),
            when(row.care_plan_review),
        )
        for row in response.context["rows"]
    ]
    assert rows == [
        ("Ada", "Kim-Kooth", True, "2026-11-10", ("2026-11-24 10:00", "2 working days left"),
         ("2026-11-18 17:00", "Overdue by 2 working days"),
         ("2026-11-27 17:00", "5 working days left")),
        ("Ben", "Kit-Kooth-Lead", True, "2026-11-12", None, None,
         ("2026-11-20 17:00", "Due today by 5pm")),
        # Not yet rated: the green cadence (28 days) from acceptance.
        ("Cai", None, True, None, ("2026-10-31 09:00", "Overdue by 15 working days"), None, None),
        ("Dee", None, True, None, ("2026-10-18 09:00", "Overdue by 25 working days"), None, None),
    ]  # fmt: skip
    text = response.content.decode()
    assert "Born 9 Jun 2011" in text
    assert text.count("No named practitioner") == 2
    assert f'href="/care/{ada.uuid}/practitioner/"' in text
    sign_in(client, kim)  # a practitioner sees who holds each child, and changes nothing
    page = client.get("/caseload/?whose=organisation")
    assert [row.may_name for row in page.context["rows"]] == [False] * 4
    assert "/practitioner/" not in page.content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_the_caseload_runs_a_fixed_number_of_queries_at_any_size(
    client: Client, alliance: Alliance, kim: User, django_assert_num_queries: object, size: int
) -> None:
    kooth = organisation(alliance, "kooth")
    for n in range(size):
        referral = _held(alliance, f"Child{n}", kim if n % 2 else None)
        common = {
            "referral": referral, "organisation": kooth, "recorded_by": kim,
            "recorded_at": clock.now(),
        }  # fmt: skip
        CheckIn.objects.create(**common, contact_made=True, rating="amber")
        RiskReview.objects.create(
            **common, rating="amber", rationale="R.", next_due=date(2026, 12, 1)
        )
        CarePlan.objects.create(**common, summary="P.", review_due=date(2026, 12, 1))
    sign_in(client, kim)
    client.get("/")
    # session, user, device; the cadences; the page, with who holds each child and what falls
    # due for each
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = client.get("/caseload/?whose=organisation")
    assert len(response.context["rows"]) == size


# Incoming allocations


def test_incoming_shows_how_long_each_allocation_has_waited_and_each_childs_date_of_birth(
    client: Client, alliance: Alliance, kim: User
) -> None:
    older = _allocated(alliance, "Ada")
    today = _allocated(alliance, "Ben")
    Referral.objects.filter(pk=today.pk).update(allocated_at=clock.now() - timedelta(hours=1))
    sign_in(client, kim)
    response = client.get("/triage/incoming/")
    rows = response.context["allocated"]
    assert [(row.referral, row.working_days, row.waited) for row in rows] == [
        (older, 14, "14 working days"),
        (today, 0, "Allocated today"),
    ]
    text = response.content.decode()
    assert "Born 14 Mar 2012" in text
    assert f'href="/triage/incoming/{older.uuid}/accept/"' in text
    assert f'href="/triage/incoming/{older.uuid}/decline/"' in text


def test_a_care_coordinator_sees_incoming_allocations_but_no_answers(
    client: Client, alliance: Alliance, people: People
) -> None:
    _allocated(alliance, "Lou", to="north-kent-mind")
    sign_in(client, people.coordinator)
    response = client.get("/triage/incoming/")
    assert [row.referral.child.given_name for row in response.context["allocated"]] == ["Lou"]
    assert "/accept/" not in response.content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_incoming_runs_a_fixed_number_of_queries_at_any_size(
    client: Client, alliance: Alliance, kit: User, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        _allocated(alliance, f"Child{n}")
    sign_in(client, kit)
    client.get("/")
    # session, user, device; the allocations with their children and offers; the handovers
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = client.get("/triage/incoming/")
    assert len(response.context["allocated"]) == size


# The demo


def test_the_demos_children_with_a_partner_each_have_a_named_practitioner(
    alliance: Alliance,
) -> None:
    ensure_demo_accounts(alliance, "demo-password-for-tests")
    seed_population(alliance, 150, today=clock.today())
    taken_on = Referral.objects.filter(accepted_at__isnull=False).select_related(
        "named_practitioner", "allocated_organisation"
    )
    assert taken_on.count() > 20
    assert needing_a_practitioner(taken_on).count() == 0
    assert all(
        r.named_practitioner is not None
        and r.named_practitioner.organisation_id == r.allocated_organisation_id
        for r in taken_on
    )
    # Still waiting for the partner's answer: named as it accepts.
    assert not Referral.objects.filter(status=Status.ALLOCATED, named_practitioner__isnull=False)
    holders = set(taken_on.values_list("named_practitioner__username", flat=True))
    assert {"kooth-practitioner", "practitioner"} <= holders
    assert any(name.endswith("-lead") for name in holders)  # spread across the partner
    held = taken_on.filter(named_practitioner__username="kooth-practitioner")
    assert (
        TimelineEvent.objects.filter(
            referral__in=held, summary="Named practitioner: Demo kooth-practitioner."
        ).count()
        == held.count()
    )
