"""One child, one waiting place: a confirmed match joins the later referral to the child's open
referral, a child who already waits is never allocated a second place by any route, and a
mistaken match is undone by the triage team with a reason."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from onedoor.alliance.models import Alliance, IThriveGrouping, Offer
from onedoor.audit.models import AuditEvent
from onedoor.children.models import CarerContact, Child, Journey, TimelineEvent
from onedoor.insights.extracts import mhsds_referrals, pseudonym
from onedoor.insights.kpis import BY_SLUG, Cut, Period, Scope
from onedoor.referrals.actions import confirm_match, submit_referral
from onedoor.referrals.answers import CarerAnswers, ReferralAnswers
from onedoor.referrals.joins import undo_match
from onedoor.referrals.models import (
    MatchCandidate,
    MatchStatus,
    Referral,
    RetiredChild,
    Route,
    Source,
    Status,
)
from onedoor.referrals.places import HOLDS_A_PLACE, PLACE_RANK, OneWaitingPlace, place_rank
from onedoor.referrals.states import Conflict
from onedoor.triage import actions as triage_actions
from onedoor.triage.actions import decline_allocation, record_decision, screen_risk, sign_off
from onedoor.triage.models import Outcome, TriageDecision
from onedoor.triage.queue import Filters, page_of
from tests.personas import People, shown, sign_in

HELP = IThriveGrouping.GETTING_HELP
NHS_NUMBER = "9434765919"

ROWAN = ReferralAnswers(
    route=Route.PARENT,
    source=Source.PARENT,
    given_name="Rowan",
    family_name="Testerly",
    date_of_birth=date(2013, 6, 21),
    gender="female",
    ethnicity="A",
    postcode="ME4 4AB",
    nhs_number=NHS_NUMBER,
    referrer_name="Jo Testerly",
    referrer_relationship="Mother",
    referrer_email="jo@example.org",
    carers=(CarerAnswers("Jo Testerly", "Mother", parental_responsibility="yes"),),
    reasons="Very anxious about school since the summer.",
    needs=("anxiety",),
    consent_to_refer=True,
    consent_given_by="parent_carer",
    consent_to_share=True,
)
# The same child, referred again by school: no NHS number, the family name misspelt, so a
# possible match for the triage lead, and what it says is new.
FROM_SCHOOL = replace(
    ROWAN,
    route=Route.PROFESSIONAL,
    source=Source.SCHOOL,
    family_name="Testerley",
    nhs_number="",
    referrer_name="Mr Class",
    referrer_relationship="",
    referrer_role="Head of year",
    referrer_organisation="Medway Academy",
    referrer_email="class@school.example",
    carers=(CarerAnswers("Sam Testerley", "Father", parental_responsibility="yes"),),
    reasons="Panic attacks in lessons; has stopped eating lunch.",
    needs=("anxiety", "school"),
    what_tried="Time-out card and a mentor since October.",
    risk_details="Said she sometimes skips meals to feel in control.",
    language="Polish",
    interpreter_needed=True,
    priority_groups=("send",),
)


def submit(answers: ReferralAnswers) -> Referral:
    return submit_referral(answers=answers, submission_key=uuid.uuid4())


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def kooth_offer() -> Offer:
    return Offer.objects.filter(organisation__slug="kooth").order_by("pk").first()  # type: ignore[return-value]


def screen(people: People, referral: Referral, rating: str = "amber") -> Referral:
    screen_risk(
        user=people.triage, referral=referral, version=fresh(referral).version, rating=rating,
        indicators=set(), rationale="Read the referral and spoke to the referrer.",
    )  # fmt: skip
    return fresh(referral)


def allocate(people: People, referral: Referral, offer: Offer | None = None) -> TriageDecision:
    referral = fresh(referral)
    return record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.ALLOCATE, offer=offer or kooth_offer(),
    )  # fmt: skip


def waiting_at_kooth(people: People) -> Referral:
    """Rowan, allocated to Kooth after triage."""
    first = screen(people, submit(ROWAN))
    allocate(people, first)
    return fresh(first)


def joined_pair(people: People) -> tuple[Referral, Referral]:
    """Rowan waiting at Kooth, and the school's referral confirmed to be about her: joined."""
    first = waiting_at_kooth(people)
    again = submit(FROM_SCHOOL)
    confirm_match(user=people.triage, candidate=again.candidates.get())
    return fresh(first), fresh(again)


def queue_rows(people: People) -> list[Referral]:
    return list(page_of(people.triage, Filters()).rows)


# How the refusal says the place's referral stands.
STANDS = {
    Status.ALLOCATED: "allocated, waiting for the partner to accept",
    Status.WAITING: "accepted and waiting",
    Status.IN_INTERVENTION: "in intervention",
    Status.IN_TRANSITION: "in transition to another service",
}


def refused_place_message(held: Referral) -> str:
    offer = held.allocated_offer
    assert offer is not None
    return (
        f"This child already has a waiting place: {offer.name} at {offer.organisation.name}, "
        f"referral {held.reference_display} ({STANDS[Status(held.status)]}). A child "
        "holds one waiting place at a time: decide this referral another way, or end that "
        "place first."
    )


# Joining


def test_confirming_a_match_joins_the_later_referral_to_the_childs_open_referral(
    alliance: Alliance, people: People
) -> None:
    first = waiting_at_kooth(people)
    again = submit(FROM_SCHOOL)
    provisional = again.child
    due = again.triage_due_at
    assert again in queue_rows(people)
    audit_before = AuditEvent.objects.count()

    confirm_match(user=people.triage, candidate=again.candidates.get())

    again, first = fresh(again), fresh(first)
    assert (again.status, again.joined_to, again.child, again.journey) == (
        Status.JOINED, first, first.child, first.journey,
    )  # fmt: skip
    assert (again.match_status, again.triage_due_at, again.allocated_organisation) == (
        MatchStatus.CONFIRMED, due, None,
    )  # fmt: skip
    assert (first.status, first.version) == (Status.ALLOCATED, 4)  # screened, allocated, joined
    assert not Child.objects.filter(pk=provisional.pk).exists()
    assert again not in queue_rows(people)
    joined_event = TimelineEvent.objects.filter(referral=first).first()
    assert joined_event is not None
    assert (joined_event.kind, joined_event.actor, joined_event.child) == (
        TimelineEvent.Kind.MATCH_CONFIRMED, people.triage, first.child,
    )  # fmt: skip
    assert joined_event.summary == (
        f"Referral {again.reference_display} joined this referral. It adds its referrer "
        "(School), the reasons for referral, 2 needs, what has been tried, risk details and "
        "communication needs: read them on this referral's page."
    )
    moved = TimelineEvent.objects.filter(referral=again, kind="status_changed").get()
    assert moved.summary == (
        f"Joined referral {first.reference_display}: the same child, so one referral goes on."
    )
    details = list(
        AuditEvent.objects.order_by("sequence")[audit_before:].values_list("record_id", "detail")
    )
    assert details == [
        (str(again.uuid), {"match": "confirmed", "retired_child": str(provisional.uuid)}),
        (str(again.uuid), {"from": "awaiting_triage", "to": "joined"}),
        (str(first.uuid), {"joined_by": str(again.uuid)}),
    ]


def test_the_open_referrals_page_shows_what_the_joined_referral_says(
    client: Client, alliance: Alliance, people: People
) -> None:
    first, again = joined_pair(people)
    sign_in(client, people.triage)
    page = shown(client.get(f"/referrals/{first.uuid}/"))
    assert "Referrals joined to this one" in page
    for said in (
        "Panic attacks in lessons; has stopped eating lunch.",
        "Time-out card and a mentor since October.",
        "Said she sometimes skips meals to feel in control.",
        "Mr Class, Head of year, Medway Academy",
        "Polish, interpreter needed",
    ):
        assert said in page
    assert f'href="/referrals/{again.uuid}/undo-match/"' in page
    joined_page = shown(client.get(f"/referrals/{again.uuid}/"))
    assert f'href="/referrals/{first.uuid}/"' in joined_page
    assert "the child's open referral: what it says is shown there" in joined_page


def test_a_partner_reads_a_joined_referral_only_with_consent_to_share(
    client: Client, alliance: Alliance, people: People
) -> None:
    first = waiting_at_kooth(people)
    sharing = submit(FROM_SCHOOL)
    confirm_match(user=people.triage, candidate=sharing.candidates.get())
    private = submit(
        replace(
            FROM_SCHOOL, reasons="Told the GP about the family's debts.", consent_to_share=False
        )
    )
    confirm_match(user=people.triage, candidate=private.candidates.get())
    sign_in(client, people.kooth_practitioner)
    page = shown(client.get(f"/referrals/{first.uuid}/"))
    assert "Panic attacks in lessons" in page
    assert "debts" not in page
    assert (
        "Another referral for this child has joined this one without consent to share with "
        "alliance partners: the triage team holds what it says." in page
    )
    # the partner sees the joined referral on the open one, never on its own
    assert f'href="/referrals/{sharing.uuid}/"' not in page
    assert client.get(f"/referrals/{sharing.uuid}/").status_code == 404
    assert "undo-match" not in page


def test_the_later_of_two_referrals_in_triage_joins_the_earlier(
    alliance: Alliance, people: People
) -> None:
    known = submit(ROWAN)
    Referral.objects.filter(pk=known.pk).update(status=Status.NOT_ACCEPTED)
    earlier = submit(FROM_SCHOOL)  # a possible match, waiting for the triage lead
    later = submit(replace(ROWAN, reasons="Not sleeping."))  # the NHS number: the known child
    assert (later.child, later.match_status) == (known.child, MatchStatus.EXACT)

    confirm_match(user=people.triage, candidate=earlier.candidates.get())

    earlier, later = fresh(earlier), fresh(later)
    assert (earlier.status, earlier.joined_to) == (Status.AWAITING_TRIAGE, None)
    assert (later.status, later.joined_to) == (Status.JOINED, earlier)
    assert [r.pk for r in queue_rows(people)] == [earlier.pk]


def test_undoing_a_match_that_another_referral_joined_sends_that_one_back_to_triage(
    alliance: Alliance, people: People
) -> None:
    known = submit(ROWAN)
    Referral.objects.filter(pk=known.pk).update(status=Status.NOT_ACCEPTED)
    earlier = submit(FROM_SCHOOL)
    later = submit(replace(ROWAN, reasons="Not sleeping."))
    confirm_match(user=people.triage, candidate=earlier.candidates.get())
    earlier = fresh(earlier)
    undo_match(user=people.triage, referral=earlier, version=earlier.version, reason="Cousin.")
    later = fresh(later)
    assert (later.status, later.joined_to, later.child) == (
        Status.AWAITING_TRIAGE, None, known.child,
    )  # fmt: skip
    assert fresh(earlier).child != known.child
    assert TimelineEvent.objects.filter(referral=later).first().summary == (  # type: ignore[union-attr]
        f"Back in triage on its own: referral {earlier.reference_display}, which it had "
        "joined, is about another child."
    )
    assert {r.pk for r in queue_rows(people)} == {earlier.pk, later.pk}


def test_a_referral_that_discloses_a_risk_to_life_joins_only_once_screened(
    alliance: Alliance, people: People
) -> None:
    first = waiting_at_kooth(people)
    urgent = submit(replace(FROM_SCHOOL, risk_indicators=("self_harm",)))
    candidate = urgent.candidates.get()
    with pytest.raises(ValidationError) as refused:
        confirm_match(user=people.triage, candidate=candidate)
    assert refused.value.messages == [
        f"Referral {urgent.reference_display} discloses a risk to life and nobody has screened "
        "it yet: screen its risk on its triage page first (it stays at the top of the triage "
        "queue until then), then confirm the match."
    ]
    assert (fresh(urgent).status, fresh(urgent).match_status) == (
        Status.AWAITING_TRIAGE, MatchStatus.POSSIBLE,
    )  # fmt: skip
    assert candidate.__class__.objects.get(pk=candidate.pk).decision == "pending"
    assert Child.objects.filter(pk=urgent.child_id).exists()
    assert RetiredChild.objects.count() == 0
    assert fresh(first).version == 3

    screen(people, urgent, "amber")
    confirm_match(user=people.triage, candidate=candidate)
    assert (fresh(urgent).status, fresh(urgent).joined_to) == (Status.JOINED, first)


def test_a_joined_referral_is_never_decided_or_allocated_on_its_own(
    alliance: Alliance, people: People
) -> None:
    _, again = joined_pair(people)
    with pytest.raises(ValidationError) as refused:
        allocate(people, again)
    assert refused.value.messages == [
        "This referral joined the child's open referral: it is never decided on its own"
    ]
    assert TriageDecision.objects.filter(referral=again).count() == 0
    assert (fresh(again).status, fresh(again).version) == (again.status, again.version)


def test_with_no_other_open_referral_a_confirmed_match_simply_attaches(
    alliance: Alliance, people: People
) -> None:
    known = submit(ROWAN)
    Referral.objects.filter(pk=known.pk).update(status=Status.DISCHARGED)
    again = submit(FROM_SCHOOL)
    confirm_match(user=people.triage, candidate=again.candidates.get())
    again = fresh(again)
    assert (again.status, again.joined_to, again.child) == (
        Status.AWAITING_TRIAGE, None, known.child,
    )  # fmt: skip
    assert again in queue_rows(people)


# One waiting place, by every route


def test_a_triage_decision_to_allocate_a_child_who_already_waits_is_refused(
    alliance: Alliance, people: People
) -> None:
    first = waiting_at_kooth(people)
    second = screen(people, submit(replace(ROWAN, reasons="Now not sleeping either.")))
    with pytest.raises(OneWaitingPlace) as refused:
        allocate(people, second, Offer.objects.filter(organisation__slug="chums").first())
    assert refused.value.messages == [refused_place_message(first)]
    assert refused.value.held == first
    second_now = fresh(second)
    assert (second_now.status, second_now.version, second_now.allocated_organisation) == (
        Status.AWAITING_TRIAGE, second.version, None,
    )  # fmt: skip
    assert TriageDecision.objects.filter(referral=second).count() == 0


@pytest.mark.parametrize("holding", sorted(HOLDS_A_PLACE), ids=str)
def test_a_child_holding_a_place_in_any_state_is_not_allocated_another(
    alliance: Alliance, people: People, holding: Status
) -> None:
    first = waiting_at_kooth(people)
    Referral.objects.filter(pk=first.pk).update(status=holding)
    second = screen(people, submit(replace(ROWAN, reasons="Again.")))
    with pytest.raises(OneWaitingPlace) as refused:
        allocate(people, second)
    assert refused.value.messages == [refused_place_message(fresh(first))]
    assert fresh(second).status == Status.AWAITING_TRIAGE


def test_the_clinical_leads_sign_off_cannot_give_a_second_place(
    alliance: Alliance, people: People
) -> None:
    first = screen(people, submit(ROWAN))
    second = screen(people, submit(replace(ROWAN, reasons="Again.")), "red")
    waiting = allocate(people, second)  # red: it waits for the clinical lead's sign-off
    assert waiting.sign_off == TriageDecision.SignOff.WAITING
    allocate(people, first)  # meanwhile the first is allocated
    second = fresh(second)
    with pytest.raises(OneWaitingPlace) as refused:
        sign_off(user=people.clinical_lead, decision=waiting, version=second.version, approve=True)
    assert refused.value.messages == [refused_place_message(fresh(first))]
    waiting.refresh_from_db()
    assert (waiting.sign_off, waiting.signed_off_by) == (TriageDecision.SignOff.WAITING, None)
    assert (fresh(second).status, fresh(second).version) == (
        Status.AWAITING_SIGN_OFF, second.version,
    )  # fmt: skip


def test_a_referral_declined_back_to_triage_is_not_allocated_while_another_holds_the_place(
    alliance: Alliance, people: People
) -> None:
    first = waiting_at_kooth(people)
    decline_allocation(
        user=people.kooth_practitioner, referral=first, version=first.version,
        reason="Needs face-to-face support we cannot offer.",
    )  # fmt: skip
    second = screen(people, submit(replace(ROWAN, reasons="Again.")))
    chums = Offer.objects.filter(organisation__slug="chums").order_by("pk").first()
    allocate(people, second, chums)  # the place is free again: the second takes it
    with pytest.raises(OneWaitingPlace) as refused:
        allocate(people, first, chums)
    assert refused.value.messages == [refused_place_message(fresh(second))]
    assert (fresh(first).status, fresh(first).allocated_organisation) == (
        Status.AWAITING_TRIAGE, None,
    )  # fmt: skip


def test_the_triage_page_says_where_the_child_waits_before_and_when_allocation_is_tried(
    client: Client, alliance: Alliance, people: People
) -> None:
    first = waiting_at_kooth(people)
    second = screen(people, submit(replace(ROWAN, reasons="Again.")))
    sign_in(client, people.triage)
    page = shown(client.get(f"/triage/{second.uuid}/"))
    assert "This child already has a waiting place" in page
    offer = kooth_offer()
    assert f"already waits for {offer.name} at {offer.organisation.name}" in page
    assert f'href="/referrals/{first.uuid}/"' in page
    response = client.post(
        f"/triage/{second.uuid}/decision/",
        {"version": second.version, "grouping": HELP,
         "outcome": Outcome.ALLOCATE, "offer": offer.pk},
    )  # fmt: skip
    assert response.status_code == 400
    assert refused_place_message(first).replace("'", "&#x27;") in shown(response)
    assert fresh(second).status == Status.AWAITING_TRIAGE
    assert TriageDecision.objects.filter(referral=second).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_allocations_for_one_child_at_once_give_one_place(
    alliance: Alliance, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL: the first allocation holds the child's row until it commits, so the
    second, made meanwhile for the same child, waits for it and then sees the place taken.
    (SQLite takes one writer at a time anyway: the sequential tests above cover it.)"""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL; the PostgreSQL tier runs this test")
    one = screen(people, submit(ROWAN))
    two = screen(people, submit(replace(ROWAN, reasons="Again.")))
    first_wrote = threading.Event()
    real_move = triage_actions.move

    def slow_move(**kwargs: Any) -> Referral:
        moved = real_move(**kwargs)
        if threading.current_thread().name == "first":
            first_wrote.set()
            time.sleep(1)  # still inside its transaction: the child's row stays locked
        return moved

    monkeypatch.setattr(triage_actions, "move", slow_move)
    outcomes: dict[str, object] = {}

    def decide(name: str, referral: Referral) -> None:
        try:
            outcomes[name] = allocate(people, referral).outcome
        except ValidationError as error:
            outcomes[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=decide, args=("first", one), name="first")
    first.start()
    assert first_wrote.wait(timeout=20)
    second = threading.Thread(target=decide, args=("second", two), name="second")
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)
    assert outcomes["first"] == Outcome.ALLOCATE
    assert isinstance(outcomes["second"], OneWaitingPlace)
    assert [fresh(one).status, fresh(two).status] == [Status.ALLOCATED, Status.AWAITING_TRIAGE]
    assert TriageDecision.objects.filter(referral=two).count() == 0


# Undoing a mistaken match


def test_undoing_a_match_brings_the_referral_back_to_triage_as_its_own_child(
    alliance: Alliance, people: People, time_machine: Any
) -> None:
    first, again = joined_pair(people)
    retired = RetiredChild.objects.get(referral=again)
    described = retired.child_uuid
    due = again.triage_due_at
    time_machine.move_to("2026-11-24 10:00:00+00:00")  # days later: the clock never paused
    before = first.version

    undo_match(
        user=people.triage, referral=again, version=again.version,
        reason="The school's pupil is a cousin with the same birthday; different GP.",
    )  # fmt: skip

    again = fresh(again)
    child = again.child
    assert (child.uuid, child.full_name, child.nhs_number) == (described, "Rowan Testerley", "")
    assert (again.status, again.joined_to, again.triage_due_at) == (
        Status.AWAITING_TRIAGE, None, due,
    )  # fmt: skip
    assert again.match_status == MatchStatus.REJECTED
    assert again.candidates.get().decision == MatchCandidate.Decision.REJECTED
    assert again.journey == Journey.objects.get(child=child, closed_at__isnull=True)
    assert list(CarerContact.objects.filter(child=child).values_list("name", flat=True)) == [
        "Sam Testerley"
    ]
    assert list(child.priority_groups.values_list("slug", flat=True)) == ["send"]
    assert not first.child.priority_groups.filter(slug="send").exists()
    assert list(CarerContact.objects.filter(child=first.child).values_list("name", flat=True)) == [
        "Jo Testerly"
    ]
    assert again in queue_rows(people)
    assert fresh(first).version == before + 1
    assert TimelineEvent.objects.filter(referral=first).first().summary == (  # type: ignore[union-attr]
        f"Referral {again.reference_display} is about another child: the match was undone, "
        "and what it added is no longer part of this referral."
    )
    undone = TimelineEvent.objects.filter(referral=again).first()
    assert undone is not None
    assert (undone.child, undone.kind, undone.actor, undone.summary) == (
        child, TimelineEvent.Kind.MATCH_REJECTED, people.triage,
        "Match undone: this referral is not about the child it was matched to. Reason: The "
        "school's pupil is a cousin with the same birthday; different GP.",
    )  # fmt: skip
    assert set(TimelineEvent.objects.filter(referral=again).values_list("child", flat=True)) == {
        child.pk
    }
    audit = AuditEvent.objects.order_by("-sequence").first()
    assert audit is not None
    assert (audit.actor_username, audit.record_id, audit.child_uuid, audit.reason) == (
        people.triage.username, str(again.uuid), child.uuid,
        "The school's pupil is a cousin with the same birthday; different GP.",
    )  # fmt: skip
    assert audit.detail == {
        "match": "undone", "matched_child": str(first.child.uuid), "had_joined": str(first.uuid),
    }  # fmt: skip
    assert RetiredChild.objects.count() == 0


def test_the_open_referral_no_longer_shows_what_an_undone_match_added(
    client: Client, alliance: Alliance, people: People
) -> None:
    first, again = joined_pair(people)
    undo_match(user=people.triage, referral=again, version=again.version, reason="Cousin.")
    sign_in(client, people.triage)
    page = shown(client.get(f"/referrals/{first.uuid}/"))
    assert "Panic attacks in lessons" not in page
    assert "Referrals joined to this one" not in page


def test_undoing_a_match_needs_a_reason_and_writes_nothing_without_one(
    alliance: Alliance, people: People
) -> None:
    _, again = joined_pair(people)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        undo_match(user=people.triage, referral=again, version=again.version, reason="  ")
    assert refused.value.messages == ["Write why this referral is not about this child"]
    assert (fresh(again).status, fresh(again).version) == (Status.JOINED, again.version)
    assert AuditEvent.objects.count() == audit_before
    assert RetiredChild.objects.filter(referral=again).exists()


@pytest.mark.parametrize("persona", ["coordinator", "kooth_practitioner", "safeguarding"])
def test_only_the_triage_team_undoes_a_match_and_a_refusal_writes_nothing(
    client: Client, alliance: Alliance, people: People, persona: str
) -> None:
    _, again = joined_pair(people)
    user = getattr(people, persona)
    events_before = TimelineEvent.objects.count()
    with pytest.raises(PermissionDenied):
        undo_match(user=user, referral=again, version=again.version, reason="Not her.")
    sign_in(client, user)
    response = client.post(
        f"/referrals/{again.uuid}/undo-match/", {"version": again.version, "reason": "Not her."}
    )
    assert response.status_code == 403
    assert (fresh(again).status, fresh(again).version) == (Status.JOINED, again.version)
    assert TimelineEvent.objects.count() == events_before
    assert not AuditEvent.objects.filter(action="change", reason="Not her.").exists()
    assert RetiredChild.objects.filter(referral=again).exists()


def test_the_undo_page_asks_for_the_reason_then_undoes(
    client: Client, alliance: Alliance, people: People
) -> None:
    _, again = joined_pair(people)
    sign_in(client, people.triage)
    page = shown(client.get(f"/referrals/{again.uuid}/undo-match/"))
    assert "Rowan Testerley" in page  # the child as the referral described them
    assert "21 June 2013" in page
    blank = client.post(
        f"/referrals/{again.uuid}/undo-match/", {"version": again.version, "reason": ""}
    )
    assert blank.status_code == 400
    assert "Write why this referral is not about this child" in shown(blank)
    assert fresh(again).status == Status.JOINED
    done = client.post(
        f"/referrals/{again.uuid}/undo-match/", {"version": again.version, "reason": "Cousin."}
    )
    assert done["Location"] == f"/triage/{again.uuid}/"
    assert fresh(again).status == Status.AWAITING_TRIAGE


def test_undoing_puts_the_other_possible_matches_back_to_check(
    alliance: Alliance, people: People
) -> None:
    waiting_at_kooth(people)
    submit(replace(ROWAN, family_name="Testerlee", nhs_number="", given_name="Rowan"))
    again = submit(FROM_SCHOOL)
    assert again.candidates.count() == 2
    confirmed = again.candidates.get(child__nhs_number=NHS_NUMBER)
    confirm_match(user=people.triage, candidate=confirmed)
    other = again.candidates.exclude(pk=confirmed.pk).get()
    assert other.decision == MatchCandidate.Decision.REJECTED
    undo_match(user=people.triage, referral=again, version=fresh(again).version, reason="No.")
    other.refresh_from_db()
    confirmed.refresh_from_db()
    assert (other.decision, other.decided_by) == (MatchCandidate.Decision.PENDING, None)
    assert confirmed.decision == MatchCandidate.Decision.REJECTED
    assert fresh(again).match_status == MatchStatus.POSSIBLE


# Two people at once


def test_a_decision_on_the_open_referral_from_a_page_loaded_before_the_join_is_a_conflict(
    alliance: Alliance, people: People
) -> None:
    first = screen(people, submit(ROWAN))
    loaded = first.version  # the triage lead opened the first referral's page
    again = submit(FROM_SCHOOL)
    confirm_match(user=people.clinical_lead, candidate=again.candidates.get())
    with pytest.raises(Conflict) as conflict:
        record_decision(
            user=people.triage, referral=fresh(first), version=loaded, grouping=HELP,
            outcome=Outcome.ALLOCATE, offer=kooth_offer(),
        )  # fmt: skip
    assert conflict.value.latest is not None
    assert conflict.value.latest.summary.startswith(
        f"Referral {fresh(again).reference_display} joined this referral."
    )
    assert fresh(first).status == Status.AWAITING_TRIAGE
    assert TriageDecision.objects.filter(referral=first).count() == 0


def test_an_undo_from_a_page_loaded_before_another_change_is_a_conflict(
    alliance: Alliance, people: People
) -> None:
    _, again = joined_pair(people)
    loaded = again.version
    Referral.objects.filter(pk=again.pk).update(version=loaded + 1)  # someone else moved it
    with pytest.raises(Conflict):
        undo_match(user=people.triage, referral=again, version=loaded, reason="Cousin.")
    assert fresh(again).status == Status.JOINED
    assert RetiredChild.objects.filter(referral=again).exists()


# The KPIs


def test_a_joined_referral_is_not_counted_as_another_referral(
    alliance: Alliance, people: People
) -> None:
    first, _ = joined_pair(people)
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    [received] = BY_SLUG["referrals"](alliance, Scope(), period, Cut.NONE)
    assert (received.numerator, received.children) == (1, 1)
    [again] = BY_SLUG["re-referrals"](alliance, Scope(), period, Cut.NONE)
    assert (again.numerator, again.denominator) == (0, 1)
    # the MHSDS referral table: one service request, the one it joined
    assert [row[0] for row in mhsds_referrals(alliance)][1:] == [pseudonym("referral", first.uuid)]


def test_which_referral_stands_for_a_child_is_ranked_alike_in_python_and_in_a_query(
    alliance: Alliance,
) -> None:
    """`place_rank` (the banner's current referral) and `PLACE_RANK` (the referral another
    joins) are one order: the place held, then sign-off, then another open one, then closed."""
    from onedoor import clock
    from onedoor.referrals.models import Status
    from tests.personas import make_child, make_reference

    child = make_child(alliance, "Rae")
    first = child.referrals.get()
    for status in Status:
        Referral.objects.create(
            reference=make_reference(), child=child, received_at=clock.now(), source="gp",
            status=status,
        )  # fmt: skip
    ranked = dict(
        child.referrals.exclude(pk=first.pk).annotate(rank=PLACE_RANK).values_list("status", "rank")
    )
    assert ranked == {status.value: place_rank(status) for status in Status}
    assert {status.value: place_rank(status) for status in Status} == {
        "allocated": 0, "waiting": 0, "in_intervention": 0, "in_transition": 0,
        "awaiting_sign_off": 1, "awaiting_triage": 2, "more_information": 2,
        "signposted": 3, "stepped_up": 3, "safeguarding_referral": 3, "not_accepted": 3,
        "discharged": 3, "joined": 3,
    }  # fmt: skip
