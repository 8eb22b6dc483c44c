"""My tasks, derived from the records themselves (never from a stored flag that can go
stale): whatever is waiting on someone, and by when, for the referrals they may see.

Work to act on now, whenever it is due:
- a referral that discloses a risk to life that no triage lead has screened (triage lead and
  clinical lead), due the alliance's `urgent_screening_hours` working hours after it
  arrived (`triage.work`);
- a red referral no clinician has reviewed (clinical lead), due by its triage deadline;
- a triage decision waiting for sign-off (clinical lead), due by the triage deadline;
- a subject access request waiting for a response (clinical lead), due by the end of its
  one-month deadline (`subject_access.work`);
- information requested for triage (triage lead), due by the end of the day asked for;
- a handover not yet acknowledged (care coordinators, and whoever sent it), due by its
  acknowledgement time; one from another partner is also the receiving partner lead's to
  answer, and a declined one goes back to its sender and the sending partner's lead
  (`care.work`);
- a missed Waiting Well check-in (the allocated partner), to follow up by the end of the
  next working day;
- a young adult (a care leaver aged 18 to 25) with no named care coordinator, which holds
  back every other step (care coordinators), due by the triage deadline, or at once;
- a child in intervention whose latest score on a measure is in the severe range with no
  risk review or no safety plan since (the named practitioner and the partner's leads), by
  the end of the next working day (`outcomes.severe`);
- a child with a partner whom nobody holds (no named practitioner, or one whose account
  is closed or who no longer practises there): "Name a practitioner" for the allocated
  organisation's lead (its partner lead; the lead provider's clinical lead), due by the end
  of the working day (`care.practitioners`).

The allocated partner's work about a child (the missed check-ins and the reminders below,
the outcome measures and severe scores to review) is its named practitioner's, and, while
nobody holds the child, every practitioner's of the organisation; its partner leads see all
of it (`_held`).

Reminders, shown from `LOOK_AHEAD` before they fall due:
- the next Waiting Well check-in (the allocated partner), by the cadence for the risk
  (`care.lists.with_check_in_due`);
- the next risk review and the care plan review (the allocated partner), by the end of the
  date the last one set.

And the triage clocks (triage lead): referrals awaiting triage whose clock ends today or has.
And each working day's list of signposted referrals that is over and nobody has reviewed
(triage lead), due by the end of the next working day, and, sooner, a referral the
eligibility rules turned away that discloses a risk to life, due by the end of its working
day until its list is reviewed (`triage.signposted`).

And, for anyone with a task list (`TASK_HOLDERS`):
- the open actions they own from a multi-agency or professionals' meeting (`meetings.work`)
  or a case audit (`case_audits.work`), due by the end of their day: such work is about a
  meeting or a round, not one referral, so its item has no referral and links to its page;
- a safeguarding concern they own with no follow-up action yet, to plan by the end of the
  next working day, and the open follow-up actions they own, by the end of their day
  (`safeguarding.work`; concerns they may see only).

Each kind is one query, so a list costs the same whatever its length. Whether an item is on
time, due today or overdue is `clock.calendar.time_left`, the one rule for every clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.care.lists import cadences_for, with_check_in_due
from onedoor.care.models import CarePlan, CheckIn, RiskReview, Transition
from onedoor.care.practitioners import held_by, practitioners_needed
from onedoor.care.work import handovers_declined, handovers_to_answer, sharing_withdrawn
from onedoor.care.young_adults import waiting_for_a_coordinator
from onedoor.case_audits.work import audit_actions
from onedoor.clock.calendar import (
    ENGLAND_AND_WALES,
    LONDON,
    TimeLeft,
    due_at,
    end_of,
    time_left,
)
from onedoor.meetings.work import meeting_actions
from onedoor.outcomes.severe import severe_scores
from onedoor.outcomes.work import measures_to_review
from onedoor.referrals.bands import RED_UNREVIEWED
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.work import safeguarding_work
from onedoor.subject_access.work import subject_access_requests
from onedoor.triage.models import Outcome, TriageDecision
from onedoor.triage.queue import TRIAGE_STATES
from onedoor.triage.signposted import signposted_to_review, urgent_signposted
from onedoor.triage.work import urgent_disclosures
from onedoor.work import Item

SHOWN = 200
LOOK_AHEAD = timedelta(days=7)
CARE_STATES = (Status.WAITING, Status.IN_INTERVENTION)


Source = Callable[[User, QuerySet[Referral], datetime], list[Item]]


def _red_reviews(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    referrals = (
        visible.filter(queue_band=RED_UNREVIEWED, status__in=TRIAGE_STATES)
        .select_related("child")
        .order_by("triage_due_at", "pk")[:SHOWN]
    )
    return [
        Item("Review a red referral today", r, r.triage_due_at, "triage:referral")
        for r in referrals
        if r.triage_due_at is not None
    ]


def _sign_offs(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    decisions = (
        TriageDecision.objects.filter(sign_off=TriageDecision.SignOff.WAITING, referral__in=visible)
        .select_related("referral__child")
        .order_by("decided_at", "pk")[:SHOWN]
    )
    return [
        Item(
            "Sign off a triage decision",
            d.referral,
            d.referral.triage_due_at or d.decided_at,
            "triage:referral",
        )
        for d in decisions
    ]


def _information_requested(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    waiting = visible.filter(status=Status.MORE_INFORMATION)
    decisions = (
        TriageDecision.objects.filter(outcome=Outcome.MORE_INFORMATION, referral__in=waiting)
        .select_related("referral__child")
        .order_by("referral_id", "-decided_at")
    )
    latest: dict[int, TriageDecision] = {}
    for decision in decisions:
        latest.setdefault(decision.referral_id, decision)
    return [
        Item(
            "Information requested for triage",
            d.referral,
            end_of(d.information_due),
            "triage:referral",
        )
        for d in latest.values()
        if d.information_due is not None
    ][:SHOWN]


def _triage_clocks(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    ending = (
        visible.filter(
            status=Status.AWAITING_TRIAGE,
            triage_due_at__lte=end_of(timezone.localdate(now, LONDON)),
        )
        .select_related("child")
        .order_by("triage_due_at", "pk")[:SHOWN]
    )
    return [Item("Triage this referral", r, r.triage_due_at, "triage:referral") for r in ending]  # type: ignore[arg-type]


def _coordinators_needed(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    return [
        Item("Name a care coordinator", r, r.triage_due_at or r.received_at, "care:coordinator")
        for r in waiting_for_a_coordinator(visible, timezone.localdate(now, LONDON))
    ]


def _handover_items(transitions: QuerySet[Transition]) -> list[Item]:
    return [
        Item("Handover waiting for the receiving side", t.referral, t.due_at, "care:record")
        for t in transitions.select_related("referral__child").order_by("due_at", "pk")[:SHOWN]
    ]


def _handovers(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    return _handover_items(
        Transition.objects.filter(acknowledged_at__isnull=True, referral__in=visible)
    )


def _handovers_sent(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    return _handover_items(
        Transition.objects.filter(acknowledged_at__isnull=True, sent_by=user, referral__in=visible)
    )


# The allocated partner's reminders


def _ours(user: User, visible: QuerySet[Referral], states: Sequence[str]) -> QuerySet[Referral]:
    return visible.filter(status__in=states, allocated_organisation_id=user.organisation_id)


def _check_ins(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    waiting = with_check_in_due(_ours(user, visible, [Status.WAITING]), cadences_for(user))
    due = (
        waiting.filter(check_in_due__lte=now + LOOK_AHEAD)  # type: ignore[misc]
        .select_related("child")
        .order_by("check_in_due", "pk")[:SHOWN]
    )
    return [Item("Waiting Well check-in", r, r.check_in_due, "care:record") for r in due]  # type: ignore[attr-defined]


def _latest(model: type[CheckIn | RiskReview | CarePlan], field: str) -> Subquery:
    return Subquery(
        model.objects.filter(referral=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values(field)[:1]
    )


def _missed_check_ins(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    missed = (
        _ours(user, visible, [Status.WAITING])
        .annotate(
            contact_made=_latest(CheckIn, "contact_made"),
            missed_at=_latest(CheckIn, "recorded_at"),
        )
        .filter(contact_made=False)
        .select_related("child")
        .order_by("missed_at", "pk")[:SHOWN]
    )
    return [
        Item(
            "Follow up a missed Waiting Well check-in",
            r,
            due_at(received_at=r.missed_at, working_days=1, calendar=ENGLAND_AND_WALES),  # type: ignore[attr-defined]
            "care:record",
        )
        for r in missed
    ]


def _reviews(what: str, model: type[RiskReview | CarePlan], field: str) -> Source:
    """The next review that the latest `model` record set, from `LOOK_AHEAD` before its date."""

    def source(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
        horizon = timezone.localdate(now + LOOK_AHEAD, LONDON)
        due = (
            _ours(user, visible, CARE_STATES)
            .annotate(review_due=_latest(model, field))
            .filter(review_due__lte=horizon)
            .select_related("child")
            .order_by("review_due", "pk")[:SHOWN]
        )
        return [Item(what, r, end_of(r.review_due), "care:record") for r in due]  # type: ignore[attr-defined]

    return source


_risk_reviews = _reviews("Risk review", RiskReview, "next_due")
_care_plan_reviews = _reviews("Review the care plan", CarePlan, "review_due")

PARTNER_WORK = (
    _missed_check_ins,
    _check_ins,
    _risk_reviews,
    _care_plan_reviews,
    measures_to_review,
    severe_scores,
)


def _held(source: Source) -> Source:
    """`source` for a practitioner: about the children named for them, and those nobody
    holds yet (`care.practitioners.held_by`); the partner lead has the whole organisation's."""

    def held(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
        return source(user, held_by(user, visible), now)

    return held


SOURCES: dict[str, tuple[Source, ...]] = {
    Role.CLINICAL_LEAD: (
        urgent_disclosures,
        _red_reviews,
        _sign_offs,
        practitioners_needed,
        subject_access_requests,
    ),
    Role.TRIAGE_LEAD: (
        urgent_disclosures,
        _information_requested,
        _triage_clocks,
        urgent_signposted,
        signposted_to_review,
        sharing_withdrawn,
    ),
    Role.CARE_COORDINATOR: (_handovers, _coordinators_needed, sharing_withdrawn),
    Role.PRACTITIONER: tuple(_held(source) for source in PARTNER_WORK),
    Role.PARTNER_LEAD: (*PARTNER_WORK, practitioners_needed),
}


# Work anyone with a task list may own: actions from meetings and case audits, and
# safeguarding concerns and their follow-up actions.
EVERYONES: tuple[Source, ...] = (meeting_actions, audit_actions, safeguarding_work)
# Handovers between partners: the receiving partner's lead answers one; a decline is work for
# whoever sent it and the sending partner's lead (`care.work`, each for those roles only).
BETWEEN_PARTNERS: tuple[Source, ...] = (handovers_to_answer, handovers_declined)


def due_items_for(
    user: User, now: datetime | None = None, about: Referral | None = None
) -> list[Item]:
    """The user's open work at `now`, soonest due first: one query per kind of work. With
    `about`, only their work about that referral (its care record's open tasks)."""
    now = now or clock.now()
    sources = SOURCES.get(user.role, ()) if user.role else ()
    if user.role != Role.CARE_COORDINATOR:  # a coordinator sees every handover already
        sources = (*sources, _handovers_sent)
    sources = (*sources, *BETWEEN_PARTNERS, *EVERYONES)
    visible = referrals_visible_to(user)
    if about is not None:
        visible = visible.filter(pk=about.pk)
    unique = {
        item.key: item
        for source in sources
        for item in source(user, visible, now)
        if about is None or (item.referral is not None and item.referral.pk == about.pk)
    }
    return sorted(unique.values(), key=_order)[:SHOWN]


def _order(item: Item) -> tuple[datetime, int, str]:
    return (item.due, item.referral.pk if item.referral is not None else 0, item.link)


@dataclass(frozen=True)
class Row:
    item: Item
    clock: TimeLeft  # on time, due today or overdue, in words and colour


def with_clocks(items: list[Item], now: datetime) -> list[Row]:
    return [
        Row(item, time_left(due=item.due, now=now, calendar=ENGLAND_AND_WALES)) for item in items
    ]
