"""The records the partner API's tests call on: Kooth's own (the calling client's
organisation) and CHUMS's, which Kooth's system must neither see nor change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from onedoor import clock
from onedoor.alliance.models import Alliance, Offer
from onedoor.care.actions import start_transition
from onedoor.care.models import CarePlan, Contact, RiskReview, Transition
from onedoor.children.models import TimelineEvent
from onedoor.outcomes.actions import record_response
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child, organisation


@dataclass
class Side:
    """One organisation's records: an allocation waiting for its answer, a child in
    intervention with its care records, a discharged child, and a handover from another
    partner waiting for its answer."""

    allocated: Referral
    working: Referral
    discharged: Referral
    handover: Transition


def allocated(alliance: Alliance, name: str, to: str, status: Status, **extra: object) -> Referral:
    referral = make_child(alliance, name, allocated_to=to, status=status, **extra).referrals.get()  # type: ignore[arg-type]
    Referral.objects.filter(pk=referral.pk).update(allocated_at=clock.now())
    referral.refresh_from_db()
    return referral


def _with_records(alliance: Alliance, people: People, referral: Referral, slug: str) -> None:
    by = people.kooth_practitioner if slug == "kooth" else people.chums_practitioner
    common = {
        "referral": referral, "organisation": organisation(alliance, slug),
        "recorded_by": by, "recorded_at": clock.now(),
    }  # fmt: skip
    Contact.objects.create(**common, happened_at=clock.now(), outcome="attended", mode="video")
    CarePlan.objects.create(**common, summary="Weekly sessions.", review_due=date(2027, 1, 8))
    RiskReview.objects.create(
        **common, rating="amber", rationale="Low mood.", next_due=date(2026, 12, 4)
    )
    record_response(
        user=by,
        referral=referral,
        measure="gbo",
        answers={"goal_1": 3, "goal_2": 4, "goal_3": 5},
        completed_by="young_person",
    )


def _handover(alliance: Alliance, people: People, sender: str, to: str, name: str) -> Transition:
    referral = allocated(alliance, name, sender, Status.IN_INTERVENTION)
    by = people.kooth_practitioner if sender == "kooth" else people.chums_practitioner
    receiving = organisation(alliance, to)
    transition = start_transition(
        user=by, referral=referral, kind="between_partners", reason="Another need now.",
        receiving_organisation=receiving,
        receiving_offer=Offer.objects.filter(organisation=receiving).first(),
        handover="Sessions started.",
    )  # fmt: skip
    transition.referral.refresh_from_db()
    return transition


def side(alliance: Alliance, people: People, slug: str) -> Side:
    """`slug`'s records (kooth or chums); its handover comes from the other of the two, for
    kooth, or from chums to BFB Labs, for chums (so Kooth is involved in neither of CHUMS's)."""
    prefix = slug.title()
    working = allocated(alliance, f"{prefix}Working", slug, Status.IN_INTERVENTION)
    _with_records(alliance, people, working, slug)
    handover = (
        _handover(alliance, people, "chums", "kooth", "ToKooth")
        if slug == "kooth"
        else _handover(alliance, people, "chums", "bfb-labs", "ToBfb")
    )
    return Side(
        allocated=allocated(alliance, f"{prefix}Allocated", slug, Status.ALLOCATED),
        working=working,
        discharged=allocated(alliance, f"{prefix}Discharged", slug, Status.DISCHARGED),
        handover=handover,
    )


def written() -> tuple[object, ...]:
    """Everything a write could change: the timeline, every care record, every referral's
    state and version, every handover's answer."""
    from onedoor.care.models import Discharge
    from onedoor.outcomes.models import MeasureResponse

    return (
        TimelineEvent.objects.count(),
        Contact.objects.count(),
        MeasureResponse.objects.count(),
        RiskReview.objects.count(),
        Discharge.objects.count(),
        tuple(
            Referral.objects.order_by("pk").values_list("status", "version", "named_practitioner")
        ),
        tuple(Transition.objects.order_by("pk").values_list("acknowledged_at", flat=True)),
    )
