"""Offer matching: for the child in front of the triage lead, the alliance's offers that fit and
why, and those that don't and why not, each with its waiting list, recent waiting time and
capacity. The triage lead chooses; nothing here allocates.

THE rules, each applied to every active offer of an active organisation in the child's
alliance (inactive offers and other alliances' offers are not listed at all):

1. Age: the child's age on `today` is within the offer's range, both ends included.
2. Needs: if the referral records needs, the offer serves at least one of them. An offer that
   lists no needs serves any need; a referral with no needs recorded is not narrowed by need.
3. Priority groups: if the offer has a priority-group focus, the child is in at least one of
   its groups. An offer without a focus is for every child.
4. Grouping: if an i-THRIVE grouping is chosen, the offer's grouping is that one. With none
   chosen the rule does not apply and gives no reason.

Fitting offers come first, then the rest; within each, the most needs served (of those the
referral records; an offer serving "any need" counts none) first, then the shortest waiting
list, then the offer's name.

The waiting list of an offer is its referrals allocated to it and not yet started: status
allocated or waiting. `in_work` counts its referrals in intervention. `median_wait_days` is a
PROXY for recent waiting time: the median number of days from `received_at` to `today` over
the referrals on the waiting list now (so it is the time waited so far, not the completed wait
of children who have started). It stays a proxy until waits are measured from the allocation
and acceptance dates (`Referral.allocated_at`, `accepted_at`, recorded by the triage actions
from their introduction; older referrals have neither). Half a day rounds up, so a wait is
never understated.

Capacity: an offer's capacity is the children it can work with at once, so an offer with as
many children in intervention as its capacity, or more, is over capacity
(`over_capacity`): it is flagged "Over capacity (N of M)" where the triage lead chooses, and
allocating to it needs a reason (`actions.record_decision`).

Queries: seven whatever the number of offers and referrals (fewer only when the alliance has
no active offers): the referral's facts, the offers with their organisations, their needs,
priority groups (with whether the child is in each) and delivery modes, one aggregate of the
waiting and in-work counts, and one list of (offer, received_at) for the medians.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from onedoor.alliance.models import IThriveGrouping, Need, Offer, PriorityGroup
from onedoor.children.models import Child
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Referral, Status

WAITING_STATES = (Status.ALLOCATED, Status.WAITING)
IN_WORK_STATES = (Status.IN_INTERVENTION,)


@dataclass(frozen=True)
class OfferFit:
    offer: Offer
    fits: bool
    # Why it fits (every rule's result) or, when it doesn't, every reason it doesn't.
    reasons: tuple[str, ...]
    waiting: int  # children on the offer's waiting list now (allocated or waiting)
    in_work: int  # children in intervention with the offer now
    capacity: int
    # A proxy for recent waiting time (see the module's docstring); None with nobody waiting.
    median_wait_days: int | None

    @property
    def over_capacity(self) -> bool:
        return over_capacity(self.in_work, self.capacity)

    @property
    def capacity_words(self) -> str:
        """'Over capacity (12 of 10)': children in work of the offer's capacity."""
        return capacity_words(self.in_work, self.capacity)


@dataclass(frozen=True)
class _Rule:
    passed: bool
    reason: str


def offers_for(referral: Referral, *, grouping: str = "", today: date) -> list[OfferFit]:
    """Every active offer of the child's alliance, fitting first, each with its reasons."""
    if grouping and grouping not in IThriveGrouping.values:
        raise ValueError(f"Unknown i-THRIVE grouping: {grouping!r}")
    alliance_id, born, wanted = _referral_facts(referral)
    age = age_on(born, today)
    offers = list(_offers(alliance_id, referral.child_id))
    counts = _counts(offers)
    medians = _median_waits(offers, today)

    ranked: list[tuple[tuple[bool, int, int, str, str, int], OfferFit]] = []
    for offer in offers:
        served = [need for need in offer.needs.all() if need.pk in wanted]
        rules = [
            _age_rule(age, offer),
            _needs_rule(wanted, offer, served),
            _priority_group_rule(offer),
            *([_grouping_rule(grouping, offer)] if grouping else []),
        ]
        fits = all(rule.passed for rule in rules)
        waiting, in_work = counts.get(offer.pk, (0, 0))
        fit = OfferFit(
            offer=offer,
            fits=fits,
            reasons=tuple(rule.reason for rule in rules if rule.passed == fits),
            waiting=waiting,
            in_work=in_work,
            capacity=offer.capacity,
            median_wait_days=medians.get(offer.pk),
        )
        key = (not fits, -len(served), waiting, offer.name, offer.organisation.name, offer.pk)
        ranked.append((key, fit))
    ranked.sort(key=lambda pair: pair[0])
    return [fit for _, fit in ranked]


def over_capacity(in_work: int, capacity: int) -> bool:
    """THE capacity rule: an offer working with as many children as its capacity, or more, is
    over capacity (a child allocated to it now waits for a place to free up)."""
    return in_work >= capacity


def capacity_words(in_work: int, capacity: int) -> str:
    return f"Over capacity ({in_work} of {capacity})"


def in_work(offer: Offer) -> int:
    """Children in intervention with the offer now (one query): what its capacity counts."""
    return Referral.objects.filter(allocated_offer=offer, status__in=IN_WORK_STATES).count()


def _referral_facts(referral: Referral) -> tuple[int, date, dict[int, str]]:
    """The child's alliance and date of birth, and the referral's needs (id to name), in one
    query whether or not the child and needs are already loaded, so the count never varies."""
    rows = list(
        Referral.objects.filter(pk=referral.pk)
        .values_list("child__alliance_id", "child__date_of_birth", "needs__pk", "needs__name")
        .order_by("needs__name")
    )
    if not rows:
        raise Referral.DoesNotExist(f"Referral {referral.pk} is not saved.")
    alliance_id, born = rows[0][0], rows[0][1]
    wanted = {need_id: name for _, _, need_id, name in rows if need_id is not None}
    return alliance_id, born, wanted


def _offers(alliance_id: int, child_id: int) -> list[Offer]:
    child_in_group = Child.priority_groups.through.objects.filter(
        child_id=child_id, prioritygroup_id=OuterRef("pk")
    )
    return list(
        Offer.objects.filter(
            active=True, organisation__active=True, organisation__alliance_id=alliance_id
        )
        .select_related("organisation")
        .prefetch_related(
            Prefetch("needs", queryset=Need.objects.order_by("name")),
            Prefetch(
                "priority_groups",
                queryset=PriorityGroup.objects.annotate(child_in=Exists(child_in_group)),
            ),
            "delivery_modes",
        )
    )


def _counts(offers: list[Offer]) -> dict[int, tuple[int, int]]:
    """Offer id to (waiting, in work), from one aggregate query."""
    if not offers:
        return {}
    rows = (
        Referral.objects.filter(
            allocated_offer__in=[offer.pk for offer in offers],
            status__in=[*WAITING_STATES, *IN_WORK_STATES],
        )
        .order_by()
        .values("allocated_offer")
        .annotate(
            waiting=Count("pk", filter=Q(status__in=WAITING_STATES)),
            in_work=Count("pk", filter=Q(status__in=IN_WORK_STATES)),
        )
    )
    return {row["allocated_offer"]: (row["waiting"], row["in_work"]) for row in rows}


def _median_waits(offers: list[Offer], today: date) -> dict[int, int]:
    """Offer id to the median days waited so far by the children on its waiting list."""
    if not offers:
        return {}
    rows = (
        Referral.objects.filter(
            allocated_offer__in=[offer.pk for offer in offers], status__in=WAITING_STATES
        )
        .order_by()
        .values_list("allocated_offer_id", "received_at")
    )
    days: defaultdict[int, list[int]] = defaultdict(list)
    for offer_id, received_at in rows:
        days[offer_id].append(_days_since(received_at, today))
    return {offer_id: _median(waits) for offer_id, waits in days.items()}


def _days_since(moment: datetime, today: date) -> int:
    return max(0, (today - timezone.localdate(moment)).days)


def _median(values: list[int]) -> int:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle] + 1) // 2  # half a day rounds up


def _age_rule(age: int, offer: Offer) -> _Rule:
    if offer.min_age <= age <= offer.max_age:
        return _Rule(True, f"Age {age} is within {offer.min_age} to {offer.max_age}")
    return _Rule(False, f"Age {age} is outside {offer.min_age} to {offer.max_age}")


def _needs_rule(wanted: dict[int, str], offer: Offer, served: list[Need]) -> _Rule:
    if not wanted:
        return _Rule(True, "No needs recorded on the referral to match")
    if not offer.needs.all():
        return _Rule(True, "Serves any need")
    if served:
        return _Rule(True, "Serves " + _names(need.name for need in served))
    return _Rule(False, "Serves none of: " + _names(wanted.values()))


def _priority_group_rule(offer: Offer) -> _Rule:
    focus = list(offer.priority_groups.all())
    if not focus:
        return _Rule(True, "For every child: no priority-group focus")
    held = [group for group in focus if group.child_in]  # type: ignore[attr-defined]
    if held:
        return _Rule(True, f"Priority-group focus matches: {_names(g.name for g in held)}")
    plural = "s" if len(focus) > 1 else ""
    return _Rule(False, f"For priority group{plural} only: {_names(g.name for g in focus)}")


def _grouping_rule(grouping: str, offer: Offer) -> _Rule:
    label = offer.get_ithrive_grouping_display()
    if offer.ithrive_grouping == grouping:
        return _Rule(True, f"{label}, as chosen")
    return _Rule(False, f"{label}, not the chosen {IThriveGrouping(grouping).label}")


def _names(names: Iterable[str]) -> str:
    return ", ".join(_lower_first(name) for name in names)


def _lower_first(name: str) -> str:
    """'Low mood' -> 'low mood', for use mid-sentence; acronyms ('SEND ...') are kept."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]
