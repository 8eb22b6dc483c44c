"""The Young Adult Support Offer: a care leaver aged 18 to 25 has a named care coordinator
before any other step can proceed, and their pathway (mentoring, advocacy, community-based
engagement, a link with the Care Leaver Local Offer) is recorded.

The rule (`needs_named_coordinator`) and the gate that the triage decision and the care
actions call (`require_named_coordinator`); the actions that name a coordinator, record the
pathway and move a leaving worker's whole caseload (each checks access, writes the timeline
and one audit record per young adult); and the coordinator's own caseload, keyset paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from onedoor import clock
from onedoor.access.records import can_change_care, care_records_visible_to, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM, Role
from onedoor.audit.trail import Action, record
from onedoor.care.models import CoordinatorAssignment, YoungAdultPathway
from onedoor.children.models import Child, TimelineEvent
from onedoor.paging import Keyset, Page
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Referral
from onedoor.referrals.states import ENDS
from onedoor.referrals.timeline import written

CARE_LEAVER = "care-leaver"  # the priority group's slug in the alliance's configuration
# The offer starts at adulthood; it ends at the alliance's extended age (default 25).
ADULT_AGE = 18

NAME_A_COORDINATOR_FIRST = "Name a care coordinator for this young adult first"
FOR_CARE_LEAVERS = "The Young Adult Support Offer is for care leavers"
RACE = "Someone else changed the named care coordinator just now: check and try again"

# Who names a young adult's care coordinator: the triage team, the care coordinators, and the
# service manager (who looks after caseloads).
ASSIGNERS = TRIAGE_TEAM | {Role.CARE_COORDINATOR, Role.SERVICE_MANAGER}
# Who moves a leaving worker's whole caseload.
CASELOAD_MANAGERS = frozenset({Role.SERVICE_MANAGER})


# The rule


def is_young_adult(*, born: date, on: date, up_to: int) -> bool:
    """Aged ADULT_AGE to `up_to` inclusive on the day (pure)."""
    return ADULT_AGE <= age_on(born, on) <= up_to


def is_care_leaver(child: Child) -> bool:
    return child.priority_groups.filter(slug=CARE_LEAVER).exists()


def needs_named_coordinator(child: Child, on_date: date) -> bool:
    """A care leaver aged 18 to the alliance's extended age (25) on the day."""
    return is_young_adult(
        born=child.date_of_birth, on=on_date, up_to=child.alliance.extended_max_age
    ) and is_care_leaver(child)


def current_coordinator(referral: Referral) -> CoordinatorAssignment | None:
    return (
        CoordinatorAssignment.objects.current()
        .filter(referral=referral)
        .select_related("coordinator", "assigned_by")
        .first()
    )


def coordinator_history(referral: Referral) -> QuerySet[CoordinatorAssignment]:
    """Who has been the young adult's named coordinator, the latest 20 (for a referral the
    caller has fetched through the access layer)."""
    return CoordinatorAssignment.objects.filter(referral=referral).select_related(
        "coordinator", "assigned_by"
    )[:20]


def require_named_coordinator(referral: Referral, on_date: date | None = None) -> None:
    """The gate: nothing else happens for a young adult who needs a named care coordinator
    and has none. (Its callers never hold back safety: risk reviews, safety plans, a step-up
    or a safeguarding referral.)"""
    if not needs_named_coordinator(referral.child, on_date or clock.today()):
        return
    if not CoordinatorAssignment.objects.named().filter(referral=referral).exists():
        raise ValidationError(NAME_A_COORDINATOR_FIRST)


def waiting_for_a_coordinator(referrals: QuerySet[Referral], on_date: date) -> list[Referral]:
    """Of `referrals`, the open ones of young adults who need a named care coordinator and
    have none (at most 200): the database narrows to care leavers born 17 to 27 years ago
    with no current coordinator; the rule itself (`is_young_adult`) decides."""
    widest = date(on_date.year - 27, 1, 1), date(on_date.year - 17, 12, 31)
    candidates = (
        referrals.exclude(status__in=ENDS)
        .filter(
            child__priority_groups__slug=CARE_LEAVER,
            child__date_of_birth__range=widest,
        )
        .exclude(Exists(CoordinatorAssignment.objects.named().filter(referral=OuterRef("pk"))))
        .select_related("child__alliance")
        .order_by("received_at", "pk")[:200]
    )
    return [
        referral
        for referral in candidates
        if is_young_adult(
            born=referral.child.date_of_birth,
            on=on_date,
            up_to=referral.child.alliance.extended_max_age,
        )
    ]


# Who may be named


def _alliance_id(user: User) -> int | None:
    return user.organisation.alliance_id if user.organisation is not None else None


def coordinators_of(alliance_id: int | None) -> QuerySet[User]:
    """The alliance's active care coordinators: who can be named."""
    return all_coordinators_of(alliance_id).filter(is_active=True)


def all_coordinators_of(alliance_id: int | None) -> QuerySet[User]:
    """Every care coordinator of the alliance, including those who have left (inactive)."""
    if alliance_id is None:
        return User.objects.none()
    return User.objects.filter(
        role=Role.CARE_COORDINATOR, organisation__alliance_id=alliance_id
    ).order_by("first_name", "last_name", "username")


# Actions


def _may_name(user: User, referral: Referral) -> None:
    if (
        user.role not in ASSIGNERS
        or _alliance_id(user) != referral.child.alliance_id
        or not referrals_visible_to(user).filter(pk=referral.pk).exists()
    ):
        raise PermissionDenied("Your role cannot name a care coordinator for this young adult.")


def assign_coordinator(
    *, user: User, referral: Referral, coordinator: User
) -> CoordinatorAssignment:
    """Name `coordinator` for the young adult; naming someone else ends the current one."""
    _may_name(user, referral)
    if referral.status in ENDS:
        raise ValidationError("This referral has ended: there is no open case to coordinate")
    if not is_care_leaver(referral.child):
        raise ValidationError(FOR_CARE_LEAVERS)
    if not coordinators_of(referral.child.alliance_id).filter(pk=coordinator.pk).exists():
        raise ValidationError("Choose an active care coordinator of the alliance")
    now = clock.now()
    with transaction.atomic():
        current = (
            CoordinatorAssignment.objects.current()
            .select_for_update()
            .filter(referral=referral)
            .first()
        )
        if current is not None and current.coordinator_id == coordinator.pk:
            raise ValidationError(f"{coordinator} is already the named care coordinator")
        if (
            current is not None
            and CoordinatorAssignment.objects.filter(pk=current.pk, ended_at__isnull=True).update(
                ended_at=now, ended_by=user
            )
            != 1
        ):
            raise ValidationError(RACE)
        how = CoordinatorAssignment.How.REASSIGNED if current else CoordinatorAssignment.How.NAMED
        try:
            with transaction.atomic():
                assignment = CoordinatorAssignment.objects.create(
                    referral=referral,
                    coordinator=coordinator,
                    how=how,
                    assigned_by=user,
                    assigned_at=now,
                )
        except IntegrityError as error:  # someone named one at the same moment
            raise ValidationError(RACE) from error
        written(
            user,
            referral,
            f"Named care coordinator: {coordinator}.",
            record_type="coordinator_assignment",
            record_id=assignment.uuid,
            detail={
                "referral": str(referral.uuid),
                "coordinator": str(coordinator.uuid),
                "how": str(how),
                "previous": str(current.uuid) if current else "",
            },
        )
    return assignment


PATHWAY_PARTS = ("mentoring", "advocacy", "community_engagement", "local_offer_linked")


def record_pathway(
    *,
    user: User,
    referral: Referral,
    mentoring: bool,
    advocacy: bool,
    community_engagement: bool,
    local_offer_linked: bool,
    local_offer_notes: str = "",
    notes: str = "",
) -> YoungAdultPathway:
    """The young adult's pathway; the newest is the current one."""
    if not can_change_care(user, referral) or user.organisation is None:
        raise PermissionDenied("This young adult is not on your organisation's caseload.")
    if referral.status in ENDS:
        raise ValidationError("This referral has ended: record the pathway on an open one")
    if not is_care_leaver(referral.child):
        raise ValidationError(FOR_CARE_LEAVERS)
    require_named_coordinator(referral)
    chosen = {
        "mentoring": mentoring,
        "advocacy": advocacy,
        "community_engagement": community_engagement,
        "local_offer_linked": local_offer_linked,
    }
    if not any(chosen.values()):
        raise ValidationError("Choose at least one part of the pathway")
    with transaction.atomic():
        pathway = YoungAdultPathway.objects.create(
            referral=referral,
            organisation=user.organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            local_offer_notes=local_offer_notes.strip(),
            notes=notes.strip(),
            **chosen,
        )
        written(
            user,
            referral,
            f"Young Adult Support Offer pathway: {', '.join(pathway.parts).lower()}.",
            record_type="young_adult_pathway",
            record_id=pathway.uuid,
            detail={"parts": [part for part in PATHWAY_PARTS if chosen[part]]},
        )
    return pathway


def open_cases(coordinator: User, viewer: User) -> QuerySet[CoordinatorAssignment]:
    """The young adults `coordinator` is currently named for on an open referral, among the
    referrals `viewer` may see."""
    return (
        CoordinatorAssignment.objects.current()
        .filter(coordinator=coordinator)
        .filter(referral__in=referrals_visible_to(viewer).exclude(status__in=ENDS))
    )


def reassign_caseload(*, from_user: User, to_user: User, by: User) -> int:
    """Move every open case of a leaving care coordinator to another, in one transaction,
    with a timeline event and an audit record for each young adult. Returns how many moved."""
    if by.role not in CASELOAD_MANAGERS:
        raise PermissionDenied("Only a service manager moves a caseload.")
    alliance = _alliance_id(by)
    if not all_coordinators_of(alliance).filter(pk=from_user.pk).exists():
        raise ValidationError("Choose the care coordinator who is leaving")
    if not coordinators_of(alliance).filter(pk=to_user.pk).exists():
        raise ValidationError("Choose an active care coordinator to take the caseload")
    if from_user.pk == to_user.pk:
        raise ValidationError("Choose a different care coordinator to take the caseload")
    now = clock.now()
    with transaction.atomic():
        moving = list(
            open_cases(from_user, by)
            .select_for_update(of=("self",))
            .select_related("referral__child")
            .order_by("assigned_at", "pk")
        )
        if not moving:
            raise ValidationError(f"{from_user} has no open cases to move")
        ended = CoordinatorAssignment.objects.filter(
            pk__in=[row.pk for row in moving], ended_at__isnull=True
        ).update(ended_at=now, ended_by=by)
        if ended != len(moving):
            raise ValidationError("The caseload changed while you were moving it: try again")
        moved = CoordinatorAssignment.objects.bulk_create(
            CoordinatorAssignment(
                referral=row.referral,
                coordinator=to_user,
                how=CoordinatorAssignment.How.CASELOAD_MOVED,
                assigned_by=by,
                assigned_at=now,
            )
            for row in moving
        )
        TimelineEvent.objects.bulk_create(
            TimelineEvent(
                child=row.referral.child,
                at=now,
                kind=TimelineEvent.Kind.STATUS_CHANGED,
                actor=by,
                referral=row.referral,
                summary=f"Named care coordinator: {to_user} (caseload moved from {from_user}).",
            )
            for row in moving
        )
        for old, new in zip(moving, moved, strict=True):
            record(
                Action.CHANGE,
                actor=by,
                record_type="coordinator_assignment",
                record_id=new.uuid,
                child_uuid=old.referral.child.uuid,
                detail={
                    "referral": str(old.referral.uuid),
                    "coordinator": str(to_user.uuid),
                    "how": str(CoordinatorAssignment.How.CASELOAD_MOVED),
                    "previous": str(old.uuid),
                    "from": str(from_user.uuid),
                },
            )
    return len(moved)


# On the care record


@dataclass(frozen=True)
class YoungAdult:
    """What the care record shows of the Young Adult Support Offer."""

    coordinator: CoordinatorAssignment | None
    needs_coordinator: bool  # and has none: nothing else can happen until one is named
    pathway: YoungAdultPathway | None  # the current one, if the user may see it
    may_name: bool


def young_adult_for(user: User, referral: Referral) -> YoungAdult | None:
    """The offer's part of a care leaver's record (three queries); None for anyone else
    (one query)."""
    if not is_care_leaver(referral.child):
        return None
    coordinator = current_coordinator(referral)
    return YoungAdult(
        coordinator=coordinator,
        needs_coordinator=coordinator is None
        and is_young_adult(
            born=referral.child.date_of_birth,
            on=clock.today(),
            up_to=referral.child.alliance.extended_max_age,
        ),
        pathway=care_records_visible_to(user, YoungAdultPathway)
        .filter(referral=referral)
        .select_related("recorded_by")
        .first(),
        may_name=user.role in ASSIGNERS and referral.status not in ENDS,
    )


# The named coordinator's own caseload

PAGE_SIZE = 50
CASELOAD_ORDER = Keyset(("assigned_at", "pk"))


def caseload_page(user: User, cursor: str = "") -> Page[CoordinatorAssignment]:
    """The young adults `user` is the named care coordinator for, longest named first, with
    whether a pathway is recorded: one query, whatever the page."""
    rows = (
        open_cases(user, user)
        .select_related("referral__child", "referral__allocated_offer")
        .annotate(
            has_pathway=Exists(
                care_records_visible_to(user, YoungAdultPathway).filter(
                    referral=OuterRef("referral")
                )
            )
        )
    )
    return CASELOAD_ORDER.page(rows, cursor, PAGE_SIZE)
