"""Every read of case data on behalf of a user: querysets and getters.

`*_visible_to(user)` returns what the user may see; `get_*_for_user(user, uuid)` fetches
one record, audits the view, and answers 404 (never 403) for anything outside the user's
scope, so a record's existence is not revealed. The denial itself is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from onedoor import clock
from onedoor.access.models import BreakGlassGrant
from onedoor.access.policy import (
    BREAK_GLASS_ROLES,
    HANDOVER_BETWEEN_PARTNERS,
    Do,
    RecordType,
    Scope,
    scope_for,
)
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.children.models import Child, TimelineEvent
from onedoor.children.sharing import shared_with
from onedoor.referrals.models import Referral

NOTHING = Q(pk__in=[])


def _scope(user: Any, record_type: RecordType, action: Do) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope.NONE
    if user.is_superuser and not user.role:
        return Scope.NONE  # a bare superuser configures; they do not read clinical records
    scope = scope_for(user.role, record_type, action)
    if scope is Scope.REACH:
        lead = user.organisation is not None and user.organisation.is_lead_provider
        return Scope.ALL if lead else Scope.OWN_ORGANISATION
    return scope


def _within(user: User, record_type: RecordType, action: Do, referral: str = "") -> Q:
    """What the user's scope reaches, as a filter on a referral, or on a record reaching its
    referral by the path `referral` (e.g. "referral__" for a care record)."""
    scope = _scope(user, record_type, action)
    if scope is Scope.ALL:
        return Q()
    if scope is Scope.OWN_ORGANISATION and user.organisation_id:
        own = Q(**{f"{referral}allocated_organisation_id": user.organisation_id})
        reached = (own | _handed_over(user, referral)) if action is Do.VIEW else own
        # Consent to share withdrawn: only the partner that kept the child (H55).
        return reached & shared_with(user.organisation, f"{referral}child__")
    if scope is Scope.OWN_REFERRALS:
        return Q(**{f"{referral}referred_by": user})
    return NOTHING


def _handed_over(user: User, referral: str) -> Q:
    """Referrals another partner is handing to the user's organisation, while the handover
    waits for its answer (`policy.HANDOVER_BETWEEN_PARTNERS`): viewed, never changed; and,
    as every own-organisation read, not once consent to share is withdrawn and the user's
    organisation did not keep the child (`children.sharing.shared_with`, in `_within`)."""
    waiting = Referral.objects.filter(
        transitions__kind=HANDOVER_BETWEEN_PARTNERS,
        transitions__receiving_organisation_id=user.organisation_id,
        transitions__acknowledged_at__isnull=True,
    )
    return Q(**{f"{referral}pk__in": waiting.values("pk")})


def _emergency(user: User, child: str) -> Q:
    """Records of children this user holds an unexpired break-glass grant for; `child` is the
    path from the record to its child ("pk" for a child itself)."""
    if user.role not in BREAK_GLASS_ROLES:
        return NOTHING
    return Q(
        Exists(
            BreakGlassGrant.objects.filter(
                user=user, child=OuterRef(child), expires_at__gt=clock.now()
            )
        )
    )


def _visible(user: User, record_type: RecordType, action: Do, *, within: Q, child: str) -> Q:
    """The scope's records, and (to view, never to change) those of emergency grants."""
    if action is Do.VIEW and _scope(user, record_type, action) is not Scope.ALL:
        return within | _emergency(user, child)
    return within


def _child_filter(user: User, action: Do) -> Q:
    """A child is within scope when one of their referrals is."""
    if _scope(user, RecordType.CHILD, action) is Scope.ALL:
        return Q()
    reached = _within(user, RecordType.CHILD, action)
    if reached is NOTHING:
        return NOTHING
    return Q(Exists(Referral.objects.filter(reached, child=OuterRef("pk"))))


def children_visible_to(user: User, action: Do = Do.VIEW) -> QuerySet[Child]:
    within = _child_filter(user, action)
    return Child.objects.filter(_visible(user, RecordType.CHILD, action, within=within, child="pk"))


def referrals_visible_to(user: User, action: Do = Do.VIEW) -> QuerySet[Referral]:
    within = _within(user, RecordType.REFERRAL, action)
    return Referral.objects.filter(
        _visible(user, RecordType.REFERRAL, action, within=within, child="child")
    )


def alliance_of(user: User) -> int | None:
    """The alliance an active member of staff works in; None for anyone else."""
    if not user.is_active or user.organisation is None:
        return None
    return user.organisation.alliance_id


def denied(
    user: User,
    record_type: str,
    record_id: object,
    detail: dict[str, str] | None = None,
    *,
    child_uuid: UUID | None = None,
) -> Http404:
    """A record outside the user's scope: the denial audited (with the child it is about,
    when known, so that it shows on the child's "who viewed" page), and a 404, which does
    not say whether the record exists."""
    record(
        Action.DENY,
        actor=user,
        record_type=record_type,
        record_id=record_id,
        child_uuid=child_uuid,
        detail=detail,
    )
    return Http404("No such record")


def _deny(user: User, record_type: RecordType, record_id: UUID, action: Do) -> Http404:
    return denied(
        user,
        record_type,
        record_id,
        {"wanted": str(action)},
        child_uuid=_known_child(record_type, record_id),
    )


def _known_child(record_type: RecordType, record_id: UUID) -> UUID | None:
    """The child a denied child or referral is about, when it exists (the user is not told)."""
    if record_type is RecordType.CHILD:
        return Child.objects.filter(uuid=record_id).values_list("uuid", flat=True).first()
    if record_type is RecordType.REFERRAL:
        found = Referral.objects.filter(uuid=record_id).values_list("child__uuid", flat=True)
        return found.first()
    return None


@dataclass(frozen=True)
class ChildView:
    child: Child
    emergency_grant: BreakGlassGrant | None  # set when only emergency access allows the view


def view_child(user: User, child_uuid: UUID) -> ChildView:
    """One child the user may see, and the grant when only emergency access allows it; the
    view is audited, saying how it was allowed. One query finds the child and, for someone who
    may use emergency access, their newest unexpired grant for the child; only when they hold
    one, a second asks whether their own scope reaches the child too (then the view is theirs
    by scope, not by the grant), and a third reads the grant."""
    children = children_visible_to(user).filter(uuid=child_uuid)
    if _may_use_emergency_access(user):
        grants = (
            BreakGlassGrant.objects.active()
            .filter(user=user, child=OuterRef("pk"))
            .order_by("-expires_at")
        )
        children = children.annotate(grant_id=Subquery(grants.values("pk")[:1]))
    child = children.first()
    if child is None:
        raise _deny(user, RecordType.CHILD, child_uuid, Do.VIEW)
    grant = None
    grant_id = getattr(child, "grant_id", None)
    if grant_id is not None and not _in_scope(user, child):
        grant = BreakGlassGrant.objects.get(pk=grant_id)
    record(
        Action.VIEW,
        actor=user,
        record_type=RecordType.CHILD,
        record_id=child.uuid,
        child_uuid=child.uuid,
        detail={"via": "break-glass", "grant": str(grant.uuid)} if grant else {},
    )
    return ChildView(child, grant)


def _may_use_emergency_access(user: User) -> bool:
    """Whether an emergency grant can widen what the user sees (`_visible`, `_emergency`)."""
    return (
        user.role in BREAK_GLASS_ROLES and _scope(user, RecordType.CHILD, Do.VIEW) is not Scope.ALL
    )


def _in_scope(user: User, child: Child) -> bool:
    """Whether the user's own scope, without emergency access, reaches the child."""
    return Child.objects.filter(_child_filter(user, Do.VIEW), pk=child.pk).exists()


@dataclass(frozen=True)
class ChildRecord:
    """A child's page as its viewer may see it: the child, the grant when only emergency
    access allows it, and the child's referrals the viewer may see, newest first. What the
    page shows beside them (the banner, the timeline, the notes) is narrowed to these
    referrals, so the rule that chose them runs once a page (issue 17, B9)."""

    viewer: User
    child: Child
    emergency_grant: BreakGlassGrant | None
    referrals: list[Referral]

    @property
    def referral_ids(self) -> list[int]:
        return [referral.pk for referral in self.referrals]


def open_child_record(user: User, child_uuid: UUID) -> ChildRecord:
    """`view_child` (audited) and the child's referrals the user may see."""
    viewed = view_child(user, child_uuid)
    referrals = child_referrals_visible_to(user, viewed.child)
    return ChildRecord(user, viewed.child, viewed.emergency_grant, list(referrals))


def child_referrals_visible_to(user: User, child: Child) -> QuerySet[Referral]:
    """One child's referrals the user may see, newest first, with their allocation. Looked
    for among the child's own: the rule is the same, and the database reads a few rows, not
    every referral the user may see (issue 17, B9)."""
    return (
        referrals_visible_to(user)
        .filter(child=child)
        .select_related("allocated_organisation", "allocated_offer")
        .order_by("-received_at", "-pk")
    )


def get_child_for_user(user: User, child_uuid: UUID, action: Do = Do.VIEW) -> Child:
    """One child, if the user may see (or change) it; a view is audited (`view_child`)."""
    if action is Do.VIEW:
        return view_child(user, child_uuid).child
    child = children_visible_to(user, action).filter(uuid=child_uuid).first()
    if child is None:
        raise _deny(user, RecordType.CHILD, child_uuid, action)
    return child


def child_for_emergency(user: User, *, nhs_number: str = "", reference: str = "") -> Child | None:
    """The child an emergency-access request names (by NHS number or referral reference),
    looked up alliance-wide on purpose: this is the one read outside the user's scope, and
    it only ever leads to an audited, time-limited, reviewed grant."""
    if not (nhs_number or reference) or user.organisation_id is None:
        return None
    match = Q(nhs_number=nhs_number) if nhs_number else Q(referrals__reference=reference)
    return (
        Child.objects.filter(match, alliance__organisations=user.organisation_id).distinct().first()
    )


def get_referral_for_user(user: User, referral_uuid: UUID, action: Do = Do.VIEW) -> Referral:
    referral = (
        referrals_visible_to(user, action)
        .select_related("child__alliance", "allocated_organisation", "allocated_offer")
        .filter(uuid=referral_uuid)
        .first()
    )
    if referral is None:
        raise _deny(user, RecordType.REFERRAL, referral_uuid, action)
    if action is Do.VIEW:
        record(
            Action.VIEW,
            actor=user,
            record_type=RecordType.REFERRAL,
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
        )
    return referral


CareModel = TypeVar("CareModel", bound=Model)


def care_records_visible_to(
    user: User, model: type[CareModel], action: Do = Do.VIEW
) -> QuerySet[CareModel]:
    """Contacts, check-ins, plans, risk reviews and notes (any record reaching its child
    through its `referral`) the user may see (or change), by the policy row the model names
    (`care.models.CareRecord.record_type`). Clinical notes have their sharing rule on top:
    `care.records.notes_visible_to`."""
    record_type: RecordType = model.record_type  # type: ignore[attr-defined]  # every CareRecord's
    within = _within(user, record_type, action, referral="referral__")
    return model._default_manager.filter(
        _visible(user, record_type, action, within=within, child="referral__child")
    )


def child_care_records_visible_to(
    record: ChildRecord, model: type[CareModel]
) -> QuerySet[CareModel]:
    """One child's care records of `model` its viewer may see (`care_records_visible_to`,
    for the child of `record`). Where the viewer's scope over these records is their scope
    over referrals (every role but those who see referrals and no care records), a record is
    visible exactly when its referral is: the records of the referrals the page has read,
    without applying the rule again (issue 17, B9)."""
    user = record.viewer
    record_type: RecordType = model.record_type  # type: ignore[attr-defined]  # every CareRecord's
    if _scope(user, record_type, Do.VIEW) is _scope(user, RecordType.REFERRAL, Do.VIEW):
        return model._default_manager.filter(referral_id__in=record.referral_ids)
    return care_records_visible_to(user, model).filter(referral__child=record.child)


def timeline_visible_to(record: ChildRecord) -> QuerySet[TimelineEvent]:
    """A child's timeline as the user may see it, filtered here, in the query: what is about
    the child as a whole (advice given, say), and what belongs to one of the child's referrals
    the user may see (`record.referrals`, chosen by `referrals_visible_to`). Another partner's
    contacts, plans and reviews never leave the database."""
    return TimelineEvent.objects.filter(child=record.child).filter(
        Q(referral__isnull=True) | Q(referral_id__in=record.referral_ids)
    )


def can_change_care(user: User, referral: Referral) -> bool:
    """Whether the user may write care records (contacts, notes...) for this referral."""
    within = _within(user, RecordType.CARE_RECORD, Do.CHANGE)
    return within is not NOTHING and Referral.objects.filter(within, pk=referral.pk).exists()
