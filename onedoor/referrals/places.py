"""One child, one waiting place: the place a child already holds (a referral allocated to a
partner, waiting, in intervention or in transition), the child's open referral another joins,
and the one rule every route to an allocation goes through (`require_one_waiting_place`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When

from onedoor.children.models import Child
from onedoor.referrals.models import Referral, Status

S = Status

# A referral that holds the child's waiting place with a partner.
HOLDS_A_PLACE = frozenset({S.ALLOCATED, S.WAITING, S.IN_INTERVENTION, S.IN_TRANSITION})
# A referral still being triaged: it may join the child's open referral.
JOINABLE = frozenset({S.AWAITING_TRIAGE, S.MORE_INFORMATION})
# A referral another of the same child's may join: being triaged or holding the place.
OPEN = JOINABLE | {S.AWAITING_SIGN_OFF} | HOLDS_A_PLACE

# Which of a child's referrals stands for the child, first to last: the one holding the
# waiting place, then one waiting for sign-off, then another open one, then any other.
# `place_rank` in Python, `PLACE_RANK` in a query: the same order.
_RANKED = (HOLDS_A_PLACE, frozenset({S.AWAITING_SIGN_OFF}), OPEN)


def place_rank(status: str) -> int:
    return next((rank for rank, ranked in enumerate(_RANKED) if status in ranked), len(_RANKED))


PLACE_RANK = Case(
    *(When(status__in=ranked, then=Value(rank)) for rank, ranked in enumerate(_RANKED)),
    default=Value(len(_RANKED)),
    output_field=IntegerField(),
)


def place_held(child_id: int, *, besides: Referral | None = None) -> Referral | None:
    """The referral that holds the child's waiting place, other than `besides`."""
    held = Referral.objects.filter(child_id=child_id, status__in=HOLDS_A_PLACE)
    if besides is not None:
        held = held.exclude(pk=besides.pk)
    return (
        held.select_related("allocated_organisation", "allocated_offer")
        .order_by("allocated_at", "pk")
        .first()
    )


def _open(child_ids: list[int], besides: Referral) -> QuerySet[Referral]:
    """The children's open referrals, each child's first the one another would join: the one
    holding the waiting place, else one waiting for sign-off, else the first received."""
    return (
        Referral.objects.filter(child_id__in=child_ids, status__in=OPEN)
        .exclude(pk=besides.pk)
        .select_related("child", "allocated_organisation", "allocated_offer")
        .order_by("child_id", PLACE_RANK, "received_at", "pk")
    )


def open_referral(child_id: int, *, besides: Referral) -> Referral | None:
    """The child's open referral that `besides` would join, if the child has one."""
    return _open([child_id], besides).first()


def open_referrals(child_ids: list[int], *, besides: Referral) -> dict[int, Referral]:
    """`open_referral` for several children at once (one query): child id -> referral."""
    found: dict[int, Referral] = {}
    for referral in _open(child_ids, besides):
        found.setdefault(referral.child_id, referral)
    return found


# How a referral holding the place stands, in words (`triage/includes/one_waiting_place.html`
# says the same).
PLACE_WORDS = {
    S.ALLOCATED: "allocated, waiting for the partner to accept",
    S.WAITING: "accepted and waiting",
    S.IN_INTERVENTION: "in intervention",
    S.IN_TRANSITION: "in transition to another service",
}


def where_it_waits(held: Referral) -> str:
    """Where the child already waits, in words: the partner, the offer, the referral."""
    offer = f"{held.allocated_offer.name} at " if held.allocated_offer else ""
    partner = held.allocated_organisation.name if held.allocated_organisation else "a partner"
    state = PLACE_WORDS.get(Status(held.status), held.get_status_display().lower())
    return f"{offer}{partner}, referral {held.reference_display} ({state})"


class OneWaitingPlace(ValidationError):
    """A second waiting place for a child who already holds one: refused, naming where."""

    def __init__(self, held: Referral) -> None:
        self.held = held
        super().__init__(
            f"This child already has a waiting place: {where_it_waits(held)}. A child holds "
            "one waiting place at a time: decide this referral another way, or end that "
            "place first."
        )


def require_one_waiting_place(referral: Referral) -> None:
    """Refuse to allocate `referral` while another referral of its child holds a waiting
    place. Call it inside the transaction that allocates: it locks the child's row (on
    PostgreSQL), so two allocations for one child at once take turns, and the second sees
    the first."""
    Child.objects.select_for_update().filter(pk=referral.child_id).values_list("pk").first()
    held = place_held(referral.child_id, besides=referral)
    if held is not None:
        raise OneWaitingPlace(held)
