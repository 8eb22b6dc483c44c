"""A child handed from one partner to another: the receiving partner sees the handover and
what it needs of the child's record while it waits, answers it, and the child is never left
between services.

Kooth holds the child and hands them to CHUMS; BFB Labs, a partner not involved, must see
nothing at any point.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.test import Client

from onedoor import clock
from onedoor.access.policy import HANDOVER_BETWEEN_PARTNERS, Do
from onedoor.access.records import (
    can_change_care,
    care_records_visible_to,
    children_visible_to,
    get_referral_for_user,
    referrals_visible_to,
)
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Offer
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import start_transition
from onedoor.care.handovers import (
    accept_handover,
    decline_handover,
    read_decline,
    returns_to,
)
from onedoor.care.lists import caseload_page
from onedoor.care.models import (
    CarePlan,
    ClinicalNote,
    Contact,
    RiskReview,
    SafetyPlan,
    Transition,
)
from onedoor.care.records import get_handover_for_user, notes_visible_to
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.triage.escalation import escalate_overdue, open_escalations
from onedoor.triage.models import Escalation
from onedoor.triage.tasks import notify_escalation
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, make_user, organisation, shown, sign_in

# Sent on Friday 20 November at 12:00 (the pinned clock): two working days to answer, so by
# Tuesday 24 November at 17:00 London (GMT).
DUE = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
ANSWER = "Answer a handover from another partner"
DECLINED = "Read why a handover was declined"
WAITING_FOR_THEM = "Handover waiting for the receiving side"


@pytest.fixture
def bfb(alliance: Alliance) -> User:
    """A practitioner at a third partner, not involved in the handover."""
    return make_user("bo-bfb", Role.PRACTITIONER, organisation(alliance, "bfb-labs"))


@pytest.fixture
def referral(alliance: Alliance, people: People) -> Referral:
    """Kai, in intervention with Kooth, with Kooth's records: a contact, a care plan, a safety
    plan, a risk review, a note shared with the alliance and one kept to Kooth."""
    kai = make_child(
        alliance, "Kai", "Handley", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    common = {
        "referral": kai, "organisation": organisation(alliance, "kooth"),
        "recorded_by": people.kooth_practitioner, "recorded_at": clock.now(),
    }  # fmt: skip
    Contact.objects.create(**common, happened_at=clock.now(), outcome="attended", mode="video")
    CarePlan.objects.create(**common, summary="Weekly sessions.", review_due=date(2027, 1, 8))
    SafetyPlan.objects.create(**common, warning_signs="Withdraws.", coping_strategies="Music.")
    RiskReview.objects.create(
        **common, rating="amber", rationale="Low mood.", next_due=date(2026, 12, 4)
    )
    ClinicalNote.objects.create(**common, text="Shared: grief work needed.", sharing="alliance")
    ClinicalNote.objects.create(**common, text="Kooth only: staff concern.", sharing="organisation")
    return kai


def _hand_to_chums(people: People, referral: Referral) -> Transition:
    return start_transition(
        user=people.kooth_practitioner, referral=referral, kind="between_partners",
        reason="Bereavement is now the main need.",
        receiving_organisation=organisation(referral.child.alliance, "chums"),
        receiving_offer=Offer.objects.get(slug="bereavement-support"),
        handover="Dad died in May; sessions on grief started.",
    )  # fmt: skip


@pytest.fixture
def handover(people: People, referral: Referral) -> Transition:
    transition = _hand_to_chums(people, referral)
    transition.referral.refresh_from_db()
    return transition


def _last_audit() -> int:
    return AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0


def _nothing_written(handover: Transition, audit_before: int) -> None:
    referral = Referral.objects.get(pk=handover.referral.pk)
    answered = Transition.objects.get(pk=handover.pk)
    assert (referral.status, referral.version, referral.allocated_organisation.slug) == (  # type: ignore[union-attr]
        Status.IN_TRANSITION, handover.referral.version, "kooth",
    )  # fmt: skip
    assert (answered.acknowledged_at, answered.declined_at) == (None, None)
    assert _last_audit() == audit_before


# The access rule


def test_the_policy_names_the_handover_kind_the_care_app_uses() -> None:
    assert Transition.Kind.BETWEEN_PARTNERS.value == HANDOVER_BETWEEN_PARTNERS


def test_the_receiving_partner_reads_the_record_only_while_the_handover_waits(
    people: People, referral: Referral
) -> None:
    lead = people.chums_lead
    with pytest.raises(Exception, match="No such record"):
        get_referral_for_user(lead, referral.uuid)  # before: not CHUMS's child
    transition = _hand_to_chums(people, referral)
    # During: the child, the referral and Kooth's care records, to view and never to change,
    # and only the notes Kooth shared with the alliance.
    for user in (people.chums_lead, people.chums_practitioner, people.partner_safeguarding):
        assert list(children_visible_to(user)) == [referral.child]
        assert list(referrals_visible_to(user)) == [referral]
        assert list(referrals_visible_to(user, Do.CHANGE)) == []
        assert can_change_care(user, referral) is False
        for model in (Contact, CarePlan, SafetyPlan, RiskReview):
            assert care_records_visible_to(user, model).count() == 1, model
            assert care_records_visible_to(user, model, Do.CHANGE).count() == 0, model
        assert [note.text for note in notes_visible_to(user)] == ["Shared: grief work needed."]
    assert get_referral_for_user(lead, referral.uuid) == referral
    event = AuditEvent.objects.order_by("sequence").last()
    assert (event.action, event.record_id, event.actor_organisation) == (  # type: ignore[union-attr]
        "view", str(referral.uuid), "chums",
    )  # fmt: skip
    referral.refresh_from_db()
    decline_handover(user=lead, transition=transition, version=referral.version, reason="Full.")
    # After a decline: nothing again.
    assert list(referrals_visible_to(lead)) == []
    assert notes_visible_to(lead).count() == 0
    with pytest.raises(Exception, match="No such record"):
        get_handover_for_user(lead, transition.uuid)


def test_after_acceptance_the_child_is_the_receiving_partners_and_the_sender_sees_nothing(
    people: People, handover: Transition
) -> None:
    referral = handover.referral
    accept_handover(user=people.chums_lead, transition=handover, version=referral.version)
    assert list(referrals_visible_to(people.chums_practitioner, Do.CHANGE)) == [referral]
    assert can_change_care(people.chums_practitioner, referral) is True
    # The sender's access follows the allocation, as everywhere: its past records stay in the
    # child's record for CHUMS (shared notes) and the alliance-wide roles, not for Kooth.
    for user in (people.kooth_practitioner, people.kooth_lead):
        assert list(referrals_visible_to(user)) == []
        assert care_records_visible_to(user, Contact).count() == 0
        with pytest.raises(Exception, match="No such record"):
            get_referral_for_user(user, referral.uuid)
    assert [n.text for n in notes_visible_to(people.chums_lead)] == ["Shared: grief work needed."]
    assert notes_visible_to(people.coordinator).count() == 1  # Kooth's own stays Kooth's
    assert notes_visible_to(people.clinical_lead).count() == 2


@pytest.mark.parametrize(
    "path",
    ["/care/handovers/{handover}/", "/care/{referral}/", "/children/{child}/"],
)
def test_another_partner_gets_a_404_before_during_and_after_with_only_the_denial_audited(
    client: Client, people: People, handover: Transition, bfb: User, path: str
) -> None:
    referral = handover.referral
    url = path.format(handover=handover.uuid, referral=referral.uuid, child=referral.child.uuid)
    sign_in(client, bfb)
    for moment in ("during", "after"):
        before = _last_audit()
        response = client.get(url)
        assert response.status_code == 404, moment
        assert "Kai" not in shown(response)
        written = AuditEvent.objects.filter(sequence__gt=before)
        assert [(e.action, e.actor_username) for e in written] == [("deny", "bo-bfb")]
        if moment == "during":
            accept_handover(user=people.chums_lead, transition=handover, version=referral.version)


def test_another_partners_accept_is_a_404_that_writes_only_the_denial(
    client: Client, handover: Transition, bfb: User
) -> None:
    sign_in(client, bfb)
    before = _last_audit()
    response = client.post(
        f"/care/handovers/{handover.uuid}/accept/", {"version": handover.referral.version}
    )
    assert response.status_code == 404
    denial = AuditEvent.objects.get(sequence__gt=before)
    assert (denial.action, denial.record_type, denial.record_id) == (
        "deny", "transition", str(handover.uuid),
    )  # fmt: skip
    referral = Referral.objects.get(pk=handover.referral.pk)
    sender = referral.allocated_organisation
    assert (referral.status, sender.slug if sender else "") == (Status.IN_TRANSITION, "kooth")
    assert Transition.objects.get(pk=handover.pk).acknowledged_at is None


# Answering


def test_accepting_moves_the_allocation_onto_the_receiving_partners_waiting_list(
    people: People, handover: Transition
) -> None:
    referral = handover.referral
    answered = accept_handover(
        user=people.chums_practitioner, transition=handover, version=referral.version
    )
    referral.refresh_from_db()
    now = answered.acknowledged_at
    assert now is not None
    assert (
        referral.status, referral.allocated_organisation.slug, referral.allocated_offer.slug,  # type: ignore[union-attr]
        referral.allocated_at, referral.accepted_at,
    ) == (Status.WAITING, "chums", "bereavement-support", now, now)  # fmt: skip
    assert (answered.acknowledged_by, answered.declined_at) == (people.chums_practitioner, None)
    assert [e.summary for e in TimelineEvent.objects.filter(referral=referral)[:2]] == [
        "Named practitioner: Chris-Chums.",  # whoever accepts, unless they name someone else
        "Handover accepted by CHUMS: waiting for Bereavement support.",
    ]
    assert referral.named_practitioner == people.chums_practitioner
    audit = AuditEvent.objects.filter(record_type="transition", action="change").get()
    assert (audit.record_id, audit.detail) == (str(handover.uuid), {"answer": "accepted"})
    # On CHUMS's caseload, off Kooth's.
    assert [r.pk for r in caseload_page(people.chums_lead).rows] == [referral.pk]
    assert caseload_page(people.kooth_lead).rows == []
    with pytest.raises(ValidationError, match="already been answered"):
        decline_handover(
            user=people.chums_lead, transition=handover, version=referral.version, reason="No."
        )


@pytest.mark.parametrize("before", [Status.IN_INTERVENTION, Status.WAITING])
def test_declining_returns_the_child_to_the_sender_as_they_were_with_the_reason(
    people: People, referral: Referral, before: Status
) -> None:
    Referral.objects.filter(pk=referral.pk).update(status=before)
    referral.refresh_from_db()
    transition = _hand_to_chums(people, referral)
    assert (transition.returns_to, transition.sending_organisation.slug) == (before, "kooth")  # type: ignore[union-attr]
    referral.refresh_from_db()
    answered = decline_handover(
        user=people.chums_lead, transition=transition, version=referral.version,
        reason="  No bereavement places until March.  ",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation.slug, referral.allocated_offer) == (  # type: ignore[union-attr]
        before, "kooth", Offer.objects.filter(organisation__slug="kooth").first(),
    )  # fmt: skip
    assert (answered.acknowledged_by, answered.decline_reason, answered.declined_at) == (
        people.chums_lead, "No bereavement places until March.", answered.acknowledged_at,
    )  # fmt: skip
    assert TimelineEvent.objects.filter(referral=referral).first().summary == (  # type: ignore[union-attr]
        "Handover declined by CHUMS: No bereavement places until March. "
        f"Back with Kooth ({before.label.lower()})."
    )
    audit = AuditEvent.objects.filter(record_type="transition", action="change").get()
    assert audit.detail == {"answer": "declined"}  # the reason is free text: not in the trail


@pytest.mark.parametrize(
    ("attended", "back"), [(True, Status.IN_INTERVENTION), (False, Status.WAITING)]
)
def test_a_handover_sent_before_its_status_was_kept_returns_by_the_contacts_attended(
    people: People, referral: Referral, attended: bool, back: Status
) -> None:
    if not attended:
        Contact.objects.filter(referral=referral).update(outcome="did_not_attend")
    Referral.objects.filter(pk=referral.pk).update(status=Status.IN_TRANSITION)
    older = Transition.objects.create(
        referral=referral, kind=Transition.Kind.BETWEEN_PARTNERS, reason="Move.",
        receiving_organisation=organisation(referral.child.alliance, "chums"), handover="Notes.",
        due_at=DUE, sent_by=people.kooth_practitioner, sent_at=clock.now(),
    )  # fmt: skip
    assert returns_to(older) == back


def test_a_decline_without_a_reason_is_refused_and_writes_nothing(
    people: People, handover: Transition
) -> None:
    before = _last_audit()
    with pytest.raises(ValidationError, match="Say why you are declining"):
        decline_handover(
            user=people.chums_lead, transition=handover, version=handover.referral.version,
            reason="   ",
        )  # fmt: skip
    _nothing_written(handover, before)


@pytest.mark.parametrize(
    "persona",
    ["kooth_practitioner", "kooth_lead", "partner_safeguarding", "coordinator", "clinical_lead"],
)
def test_only_the_receiving_partners_practitioners_and_lead_answer(
    people: People, handover: Transition, persona: str
) -> None:
    user = people.by_role()[persona]
    before = _last_audit()
    version = handover.referral.version
    with pytest.raises(PermissionDenied):
        accept_handover(user=user, transition=handover, version=version)
    with pytest.raises(PermissionDenied):
        decline_handover(user=user, transition=handover, version=version, reason="No.")
    _nothing_written(handover, before)


@pytest.mark.parametrize(("persona", "status"), [("kooth_practitioner", 403), ("coordinator", 403)])
def test_a_denied_accept_through_the_page_writes_nothing(
    client: Client, people: People, handover: Transition, persona: str, status: int
) -> None:
    sign_in(client, people.by_role()[persona])
    before = _last_audit()
    response = client.post(
        f"/care/handovers/{handover.uuid}/accept/", {"version": handover.referral.version}
    )
    assert response.status_code == status
    _nothing_written(handover, before)


def test_a_stale_page_gets_the_conflict_and_nothing_is_saved(
    client: Client, people: People, handover: Transition
) -> None:
    sign_in(client, people.chums_lead)
    before = _last_audit()
    response = client.post(
        f"/care/handovers/{handover.uuid}/accept/",
        {"version": handover.referral.version - 1, "practitioner": people.chums_lead.uuid},
    )
    assert response.status_code == 409
    assert "changed while you were working on it" in response.content.decode()
    _nothing_written(handover, before)


def test_a_move_between_partners_goes_to_another_partners_offer(
    people: People, referral: Referral
) -> None:
    alliance = referral.child.alliance
    for receiving, offer in (("kooth", "bereavement-support"), ("specialist-camhs", None)):
        with pytest.raises(ValidationError, match="Choose another partner"):
            start_transition(
                user=people.kooth_practitioner, referral=referral, kind="between_partners",
                reason="Move.", receiving_organisation=organisation(alliance, receiving),
                receiving_offer=Offer.objects.get(slug=offer) if offer else None,
                handover="Notes.",
            )  # fmt: skip
    assert Transition.objects.count() == 0


# Through the pages


def test_the_receiving_lead_opens_the_handover_and_the_record_without_the_senders_own_notes(
    client: Client, people: People, handover: Transition
) -> None:
    referral = handover.referral
    sign_in(client, people.chums_lead)
    incoming = client.get("/triage/incoming/")
    assert list(incoming.context["handovers"]) == [handover]
    assert f"/care/handovers/{handover.uuid}/" in incoming.content.decode()
    page = client.get(f"/care/handovers/{handover.uuid}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dad died in May; sessions on grief started." in text
    assert "Accept the handover" in text and "Decline the handover" in text
    record = client.get(f"/care/{referral.uuid}/")
    assert record.status_code == 200
    text = record.content.decode()
    assert "Shared: grief work needed." in text and "Kooth only: staff concern." not in text
    assert ("Withdraws." in text, "Weekly sessions." in text, "Record a contact" in text) == (
        True, True, False,
    )  # fmt: skip
    assert f"/care/handovers/{handover.uuid}/" in text  # "Accept or decline the handover"
    # The sender sees the handover, but not the answer buttons.
    sign_in(client, people.kooth_practitioner)
    text = client.get(f"/care/handovers/{handover.uuid}/").content.decode()
    assert ("Dad died in May" in text, "Accept the handover" in text) == (True, False)


def test_a_decline_through_the_pages_puts_the_child_back_with_the_reason_on_the_timeline(
    client: Client, people: People, handover: Transition
) -> None:
    referral = handover.referral
    url = f"/care/handovers/{handover.uuid}/decline/"
    sign_in(client, people.chums_lead)
    refused = client.post(url, {"version": referral.version, "reason": ""})
    assert refused.status_code == 400
    assert "Say why you are declining, for the sending partner" in refused.content.decode()
    declined = client.post(url, {"version": referral.version, "reason": "No places."})
    assert (declined.status_code, declined["Location"]) == (302, "/triage/incoming/")
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation.slug) == (  # type: ignore[union-attr]
        Status.IN_INTERVENTION, "kooth",
    )  # fmt: skip
    assert client.get(f"/care/{referral.uuid}/").status_code == 404  # CHUMS: no more access
    sign_in(client, people.kooth_practitioner)
    timeline = client.get(f"/children/{referral.child.uuid}/").content.decode()
    assert "Handover declined by CHUMS: No places. Back with Kooth (in intervention)." in timeline
    record = client.get(f"/care/{referral.uuid}/").content.decode()
    assert "CHUMS declined the handover" in record
    read = client.post(f"/care/handovers/{handover.uuid}/read/")
    assert (read.status_code, read["Location"]) == (302, f"/care/{referral.uuid}/")
    assert (
        "CHUMS declined the handover" not in client.get(f"/care/{referral.uuid}/").content.decode()
    )


@pytest.mark.parametrize(
    ("answer", "data"),
    [
        ("accept", {}),
        ("accept", {"version": "x"}),
        ("accept", {"version": "9" * 30}),
        ("decline", {"version": "-1", "reason": "No."}),
        ("decline", {"version": "2", "reason": "x" * 2001}),
    ],
)
def test_a_bad_answer_is_a_clear_400_and_writes_nothing(
    client: Client, people: People, handover: Transition, answer: str, data: dict[str, str]
) -> None:
    sign_in(client, people.chums_lead)
    before = _last_audit()
    response = client.post(f"/care/handovers/{handover.uuid}/{answer}/", data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    _nothing_written(handover, before)


@pytest.mark.parametrize("size", [1, 6])
def test_the_incoming_list_runs_a_fixed_number_of_queries(
    client: Client,
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    size: int,
) -> None:
    for n in range(size):
        child = make_child(alliance, f"Child{n}", allocated_to="kooth", status=Status.WAITING)
        _hand_to_chums(people, child.referrals.get())
    sign_in(client, people.chums_lead)
    client.get("/")
    # session, user, device; the allocated referrals; the handovers with their children,
    # senders and offers
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = client.get("/triage/incoming/")
    assert len(response.context["handovers"]) == size


# My tasks and the escalation framework


def _tasks(user: User) -> list[tuple[str, str]]:
    return [
        (item.what, item.referral.child.given_name)
        for item in due_items_for(user)
        if item.referral is not None
    ]


def test_the_handover_is_the_receiving_leads_task_until_answered_then_a_decline_the_senders(
    people: People, handover: Transition
) -> None:
    referral = handover.referral
    [task] = [item for item in due_items_for(people.chums_lead) if item.what == ANSWER]
    assert (task.referral, task.due, task.url) == (
        referral, DUE, f"/care/handovers/{handover.uuid}/",
    )  # fmt: skip
    assert _tasks(people.chums_practitioner) == []
    assert _tasks(people.kooth_practitioner) == [(WAITING_FOR_THEM, "Kai")]
    decline_handover(
        user=people.chums_lead, transition=handover, version=referral.version, reason="Full."
    )
    # The decline: for the sender and Kooth's lead, by the end of the next working day.
    for user in (people.kooth_practitioner, people.kooth_lead):
        [task] = [item for item in due_items_for(user) if item.what == DECLINED]
        assert (task.referral, task.due) == (referral, datetime(2026, 11, 23, 17, tzinfo=UTC))
    assert [i.what for i in due_items_for(people.chums_lead)] == []
    handover.refresh_from_db()
    read_decline(user=people.kooth_lead, transition=handover)
    assert DECLINED not in [i.what for i in due_items_for(people.kooth_practitioner)]
    with pytest.raises(ValidationError, match="already read"):
        read_decline(user=people.kooth_practitioner, transition=handover)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_unanswered_handover_escalates_to_the_receiving_partner_and_stops_once_answered(
    people: People, handover: Transition, bfb: User, time_machine: time_machine.TimeMachineFixture,
    answer: str,
) -> None:  # fmt: skip
    for user, address in (
        (people.chums_lead, "cleo@example.org"),  # the receiving partner's lead
        (people.kooth_lead, "kit@example.org"),  # the sender's
        (people.coordinator, "cora@example.org"),
    ):
        user.email = address
        user.save()
    make_user("bea-bfb-lead", Role.PARTNER_LEAD, bfb.organisation, email="bea@example.org")  # type: ignore[arg-type]
    time_machine.move_to(DUE - timedelta(minutes=1), tick=False)
    assert escalate_overdue() == 0
    time_machine.move_to(DUE, tick=False)
    assert escalate_overdue() == 1
    referral, item = str(handover.referral.uuid), str(handover.uuid)
    assert notify_escalation.call(referral, 1, item, "handover") == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "cleo@example.org", "cora@example.org", "kit@example.org",
    ]  # fmt: skip
    assert all("Kai" not in m.body and "Handley" not in m.body for m in mail.outbox)
    # CHUMS sees its open escalation (it owns it) while it waits.
    assert [(e.kind.value, e.owner) for e in open_escalations(people.chums_lead)] == [
        ("handover", "CHUMS")
    ]
    version = handover.referral.version
    if answer == "accept":
        accept_handover(user=people.chums_lead, transition=handover, version=version)
    else:
        decline_handover(user=people.chums_lead, transition=handover, version=version, reason="No.")
    time_machine.move_to(DUE + timedelta(days=3), tick=False)
    assert escalate_overdue() == 0  # answered: it climbs no further
    assert open_escalations(people.clinical_lead) == []
    assert Escalation.objects.count() == 1
