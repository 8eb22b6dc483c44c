"""Signposted referrals stay in sight: the triage lead's daily list of the referrals
signposted (turned away by the eligibility rules at the door, or signposted by a triage
decision), marking a day's list reviewed, and overruling the eligibility rules to bring a
referral into triage.

A working day's list holds the referrals signposted from the start of that working day (in
London) up to the start of the next one, so a referral signposted at a weekend or on a bank
holiday is on the list of the working day before it, and no moment falls between two lists.
A list can be marked reviewed once its time is over; by default the page shows the list of the
working day before today, the one to review today.

Overruling starts the triage clock at the overrule, not at receipt: triage could not start
while the referral was signposted, and a clock that had already run out would put it at once
past its deadline and escalate it, while telling nobody anything new (hazard H30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM, Role
from onedoor.audit.trail import Action, record
from onedoor.clock import LONDON
from onedoor.clock.calendar import ENGLAND_AND_WALES, end_of
from onedoor.paging import Keyset, Page
from onedoor.referrals.actions import entering_triage
from onedoor.referrals.models import URGENT_INDICATORS, Referral, Status
from onedoor.referrals.states import Conflict, move
from onedoor.triage.models import SignpostingReview
from onedoor.work import Item

PAGE_SIZE = 50
# A day's list, in the order things happened: keyset pages on the partial index.
DAY_ORDER = Keyset(("signposted_at", "pk"))
# The first day a list can be asked for: before it, a date is a typing mistake.
FIRST_DAY = date(2020, 1, 1)
# How far back My tasks looks for a list nobody has reviewed.
LOOK_BACK = timedelta(days=28)
_ONE_DAY = timedelta(days=1)
SHOWN = 200
URGENT_SIGNPOSTED = "Signposted, but discloses a risk to life"


# Which day, and when its list begins and ends


def list_day(day: date) -> date:
    """The working day whose list holds what was signposted on `day`: `day` itself on a
    working day, else the working day before it."""
    while not ENGLAND_AND_WALES.is_working_day(day):
        day -= _ONE_DAY
    return day


def next_list_day(day: date) -> date:
    """The working day after `day`, where its list ends."""
    return ENGLAND_AND_WALES.add_working_days(day + _ONE_DAY, 0)


def previous_list_day(day: date) -> date:
    return list_day(day - _ONE_DAY)


def to_review(today: date) -> date:
    """The list to review today: the previous working day's."""
    return previous_list_day(today)


def period(day: date) -> tuple[datetime, datetime]:
    """From the start of working day `day` to the start of the next working day, London."""
    return (
        datetime.combine(day, time(0), tzinfo=LONDON),
        datetime.combine(next_list_day(day), time(0), tzinfo=LONDON),
    )


def is_over(day: date, now: datetime) -> bool:
    return period(day)[1] <= now


# The lists


def signposted(user: User) -> QuerySet[Referral]:
    """Every referral ever signposted that the user may see, with what its rows show."""
    return (
        referrals_visible_to(user)
        .filter(signposted_at__isnull=False)
        .select_related("child", "signposted_by", "eligibility_overruled_by")
        .prefetch_related("signposted_to")
    )


def signposted_on(user: User, day: date) -> QuerySet[Referral]:
    start, end = period(day)
    return signposted(user).filter(signposted_at__gte=start, signposted_at__lt=end)


def page_of_day(user: User, day: date, cursor: str = "") -> Page[Referral]:
    return DAY_ORDER.page(signposted_on(user, day), cursor, PAGE_SIZE)


@dataclass(frozen=True)
class Row:
    """One signposted referral as the lists show it."""

    referral: Referral

    @property
    def age(self) -> int:
        """On the day of the referral: the age the eligibility rules used."""
        return self.referral.age_when_referred

    @property
    def why(self) -> str:
        if self.referral.ineligibility_reason:
            return f"Not eligible: {self.referral.ineligibility_reason}"
        return "A triage decision of advice and signposting."

    @property
    def by(self) -> str:
        if self.referral.signposted_by is not None:
            return str(self.referral.signposted_by)
        return "The eligibility rules, when the referral arrived"


def rows(referrals: list[Referral]) -> list[Row]:
    return [Row(referral) for referral in referrals]


def review_of(user: User, day: date) -> SignpostingReview | None:
    assert user.organisation is not None
    return (
        SignpostingReview.objects.filter(alliance_id=user.organisation.alliance_id, day=day)
        .select_related("reviewed_by")
        .first()
    )


def mark_reviewed(*, user: User, day: date) -> SignpostingReview:
    """The triage team has read `day`'s list of signposted referrals (audited)."""
    if user.role not in TRIAGE_TEAM or user.organisation is None:
        raise PermissionDenied("Only the triage team reviews signposted referrals.")
    now = clock.now()
    if not FIRST_DAY <= day <= timezone.localdate(now, LONDON):
        raise ValidationError(f"Choose a day from {FIRST_DAY:%Y-%m-%d} to today")
    if list_day(day) != day:
        raise ValidationError("Choose a working day: a weekend's referrals are on Friday's list")
    if not is_over(day, now):
        raise ValidationError(
            "This list is not finished yet: review it once the next working day has begun"
        )
    try:
        with transaction.atomic():
            review = SignpostingReview.objects.create(
                alliance_id=user.organisation.alliance_id,
                day=day,
                reviewed_by=user,
                reviewed_at=now,
            )
            record(
                Action.CREATE,
                actor=user,
                record_type="signposted_list",
                record_id=day.isoformat(),
                detail={"day": day.isoformat()},
            )
    except IntegrityError as error:
        raise ValidationError("This list has already been reviewed") from error
    return review


# Overruling the eligibility rules


def overrule_eligibility(*, user: User, referral: Referral, version: int, reason: str) -> Referral:
    """A triage lead brings a referral the eligibility rules turned away into triage, with
    the reason, who and when on the referral, its timeline and the audit trail. Its triage
    clock starts now (see the module's docstring); a disclosed risk to life still runs the
    red clock and puts it at the top of the queue until it is screened."""
    if user.role != Role.TRIAGE_LEAD:
        raise PermissionDenied("Only a triage lead can overrule the eligibility rules.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the alliance should take this referral")
    if referral.version != version:
        raise Conflict(referral)
    if referral.status != Status.SIGNPOSTED or referral.eligible:
        raise ValidationError(
            "Only a referral the eligibility rules signposted can be brought into triage"
        )
    now = clock.now()
    child = referral.child
    with transaction.atomic():
        move(
            user=user,
            referral=referral,
            to=Status.AWAITING_TRIAGE,
            version=version,
            summary=f"Eligibility overruled by {user}: {reason} The referral is in triage.",
            changes={
                **entering_triage(referral, at=now),
                "eligibility_overruled_at": now,
                "eligibility_overruled_by": user,
                "eligibility_overrule_reason": reason,
            },
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=child.uuid,
            detail={"eligibility": "overruled"},
        )
    return referral


# My tasks


def lists_to_review(user: User, visible: QuerySet[Referral], now: datetime) -> list[date]:
    """The working days, over the last `LOOK_BACK`, whose list is over, holds a signposted
    referral and has not been reviewed: one query for the days, one for the reviews."""
    if user.organisation is None:
        return []
    today = timezone.localdate(now, LONDON)
    start = period(list_day(today - LOOK_BACK))[0]
    days = (
        visible.filter(signposted_at__gte=start, signposted_at__lt=now)
        .annotate(on=TruncDate("signposted_at", tzinfo=LONDON))
        .order_by()
        .values_list("on", flat=True)
        .distinct()
    )
    closed = {list_day(day) for day in days} - {list_day(today)}
    closed = {day for day in closed if is_over(day, now)}
    reviewed = set(
        SignpostingReview.objects.filter(
            alliance_id=user.organisation.alliance_id, day__in=closed
        ).values_list("day", flat=True)
    )
    return sorted(closed - reviewed)


def _list_day_of(referral: Referral) -> date:
    assert referral.signposted_at is not None
    return list_day(timezone.localdate(referral.signposted_at, LONDON))


def urgent_signposted(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """My tasks: a referral the eligibility rules turned away that discloses a risk to life
    (`URGENT_INDICATORS`), to read by the end of its working day, until its day's list is
    reviewed or it is brought into triage: one query for the referrals, one for the reviews."""
    if user.organisation is None:
        return []
    start = period(list_day(timezone.localdate(now, LONDON) - LOOK_BACK))[0]
    discloses = Q()
    for field in sorted(URGENT_INDICATORS):
        discloses |= Q(**{field: True})
    referrals = list(
        visible.filter(
            discloses, status=Status.SIGNPOSTED, eligible=False, signposted_at__gte=start
        )
        .select_related("child")
        .order_by("signposted_at", "pk")[:SHOWN]
    )
    day_of = {r.pk: _list_day_of(r) for r in referrals}
    reviewed = set(
        SignpostingReview.objects.filter(
            alliance_id=user.organisation.alliance_id, day__in=set(day_of.values())
        ).values_list("day", flat=True)
    )
    return [
        Item(URGENT_SIGNPOSTED, referral, end_of(day_of[referral.pk]), "triage:referral")
        for referral in referrals
        if day_of[referral.pk] not in reviewed
    ]


def due_by(day: date) -> datetime:
    """A day's list is to be reviewed by the end of the next working day."""
    return end_of(next_list_day(day))


def signposted_to_review(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """My tasks: each list in `lists_to_review`, linked to the list and named by its day
    (it is about many referrals: never a child's name)."""
    return [
        Item(
            "Signposted referrals to review",
            None,
            due_by(day),
            link=f"{reverse('triage:signposted')}?day={day.isoformat()}",
            label=f"Signposted on {day.day} {day:%b %Y}",
        )
        for day in lists_to_review(user, visible, now)
    ]
