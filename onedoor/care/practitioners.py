"""A child's named practitioner: the person at the allocated organisation who holds the
child's care (`Referral.named_practitioner`).

- Named as the organisation takes the child on, inside the action that does it (one
  write): accepting an allocation (`triage.actions.accept_allocation`) or a handover from
  another partner (`care.handovers.accept_handover`). Whoever accepts is named unless they
  choose someone else; `choose` refuses anyone who does not practise there now.
- Changed by the allocated organisation's lead (`name_practitioner`, `may_name`): its
  partner lead; for the lead provider's own offers, which have no partner lead, its
  clinical lead. A partner's staff are the partner's to deploy, so the clinical lead does
  not name a partner's practitioner.
- Cleared when the partner declines the allocation; kept at discharge (history).

Each naming is on the child's timeline ("Named practitioner: ...") and in the audit trail.

Nobody holds a child with a partner (`HELD_STATES`) when nobody is named, or the person named
can no longer hold them: their account is closed, or they no longer practise at the
allocated organisation (`holds`). Such a child is "Name a practitioner" on the leads' My
tasks (`practitioners_needed`), and, until someone is named, every practitioner of the
organisation still gets the child's other tasks (`held_by`), so nothing waits on nobody.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.clock import LONDON
from onedoor.clock.calendar import ENGLAND_AND_WALES, end_of
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import change
from onedoor.referrals.timeline import on_timeline
from onedoor.work import Item

# Who may be named: those who practise at a partner (its practitioners and partner lead).
PRACTISING = frozenset({Role.PRACTITIONER, Role.PARTNER_LEAD})
# Who changes the named practitioner: the allocated organisation's lead (a partner's partner
# lead; the lead provider's clinical lead for its own offers).
NAMERS = frozenset({Role.PARTNER_LEAD, Role.CLINICAL_LEAD})
# Where a child is with the allocated organisation, and so is held by someone there.
HELD_STATES = (Status.WAITING, Status.IN_INTERVENTION, Status.IN_TRANSITION)

NAME_A_PRACTITIONER = "Name a practitioner"
SHOWN = 200


def practising_at(organisation_id: int | None) -> QuerySet[User]:
    """The organisation's active practitioners and partner leads: who can be named."""
    if organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=organisation_id, role__in=PRACTISING, is_active=True
    ).order_by("first_name", "last_name", "username")


def holds() -> Exists:
    """In a query of referrals: someone is named who can hold the child (active, and
    practising at the allocated organisation now)."""
    return Exists(
        User.objects.filter(
            pk=OuterRef("named_practitioner_id"),
            organisation_id=OuterRef("allocated_organisation_id"),
            role__in=PRACTISING,
            is_active=True,
        )
    )


def holder(referral: Referral) -> User | None:
    """Who holds the child: the named practitioner, if they still can (as `holds`, for a
    referral loaded with its named practitioner); None when nobody does."""
    named = referral.named_practitioner
    if (
        named is None
        or not named.is_active
        or named.role not in PRACTISING
        or named.organisation_id != referral.allocated_organisation_id
    ):
        return None
    return named


def needing_a_practitioner(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Of `referrals`, the children with the allocated organisation whom nobody holds."""
    return referrals.filter(status__in=HELD_STATES).exclude(holds())


def held_by(user: User, referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Of `referrals`, those whose work is `user`'s: for a practitioner, the children they
    are named for and those nobody holds yet; for anyone else (a partner lead sees the whole
    organisation's), all of them."""
    if user.role != Role.PRACTITIONER:
        return referrals
    return referrals.filter(Q(named_practitioner=user) | ~holds())


def choose(*, user: User, organisation: Organisation, practitioner: User | None) -> User:
    """Who is named as `organisation` takes a child on: `practitioner`, or, when nobody is
    chosen, whoever accepts. Refused unless they practise at the organisation now."""
    chosen = practitioner or user
    if not practising_at(organisation.pk).filter(pk=chosen.pk).exists():
        raise ValidationError(
            f"Choose the named practitioner from {organisation}'s practitioners and partner leads"
        )
    return chosen


def record_naming(
    user: User, referral: Referral, practitioner: User, previous: User | None, reason: str = ""
) -> None:
    """The naming on the child's timeline, and in the audit trail (identifiers only)."""
    said = reason.strip().rstrip(".")
    on_timeline(
        referral,
        f"Named practitioner: {practitioner}." + (f" Reason: {said}." if said else ""),
        actor=user,
    )
    record(
        Action.CHANGE,
        actor=user,
        record_type="referral",
        record_id=referral.uuid,
        child_uuid=referral.child.uuid,
        detail={
            "named_practitioner": str(practitioner.uuid),
            "previous": str(previous.uuid) if previous is not None else "",
        },
    )


def may_name(user: User, referral: Referral) -> bool:
    """Whether `user` may change the named practitioner: the allocated organisation's lead,
    while the child is with it."""
    return (
        user.is_active
        and user.role in NAMERS
        and referral.allocated_organisation_id is not None
        and user.organisation_id == referral.allocated_organisation_id
    )


def name_practitioner(
    *, user: User, referral: Referral, practitioner: User, version: int, reason: str = ""
) -> Referral:
    """The allocated organisation's lead names someone else to hold the child (or names
    someone for a child nobody holds); `version` is the referral's, as the page showed it."""
    if not may_name(user, referral):
        raise PermissionDenied(
            "Only the partner lead of the organisation the child is allocated to names "
            "the practitioner."
        )
    if referral.status not in HELD_STATES:
        raise ValidationError(
            "Only a child waiting, in intervention or in transition with your organisation "
            "has a named practitioner to change"
        )
    assert referral.allocated_organisation is not None  # may_name
    chosen = choose(
        user=user, organisation=referral.allocated_organisation, practitioner=practitioner
    )
    previous = referral.named_practitioner
    if previous is not None and previous.pk == chosen.pk:
        raise ValidationError(f"{chosen} is already the named practitioner")
    with transaction.atomic():
        change(referral=referral, version=version, named_practitioner=chosen)
        record_naming(user, referral, chosen, previous, reason)
    return referral


def practitioners_needed(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """ "Name a practitioner": for the allocated organisation's lead, each child with it whom
    nobody holds, due by the end of today's working day (one query)."""
    if user.role not in NAMERS or user.organisation_id is None:
        return []
    referrals = (
        needing_a_practitioner(visible.filter(allocated_organisation_id=user.organisation_id))
        .select_related("child")
        .order_by("accepted_at", "pk")[:SHOWN]
    )
    due = end_of(ENGLAND_AND_WALES.add_working_days(now.astimezone(LONDON).date(), 0))
    return [Item(NAME_A_PRACTITIONER, referral, due, "care:practitioner") for referral in referrals]
