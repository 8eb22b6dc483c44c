"""Who may read which safeguarding concerns, decided in the query (limited to those
involved, not by the access layer's case scopes), and the getter that audits a view."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from onedoor.access.records import denied
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.audit.trail import Action, record
from onedoor.children.sharing import shared_with
from onedoor.safeguarding.models import Concern


def concerns_visible_to(user: User) -> QuerySet[Concern]:
    """Safeguarding concerns: the lead provider's safeguarding leads and the clinical lead see
    every concern in the alliance; a partner's safeguarding lead, those about children
    allocated to their organisation (unless consent to share was withdrawn and their
    organisation did not keep the child); whoever raised a concern, that concern. Nobody else."""
    if not user.is_active or user.organisation is None:
        return Concern.objects.none()
    alliance = Q(referral__child__alliance_id=user.organisation.alliance_id)
    mine = Q(raised_by=user)
    if user.role == Role.CLINICAL_LEAD or (
        user.role == Role.SAFEGUARDING_LEAD
        and user.organisation.kind == user.organisation.Kind.LEAD_PROVIDER
    ):
        return Concern.objects.filter(alliance)
    if user.role == Role.SAFEGUARDING_LEAD:
        # Consent to share withdrawn: only the partner that kept the child (H55).
        allocated = Q(referral__allocated_organisation_id=user.organisation_id) & shared_with(
            user.organisation, "referral__child__"
        )
        return Concern.objects.filter(alliance & (allocated | mine))
    return Concern.objects.filter(alliance & mine)


def get_concern_for_user(user: User, concern_uuid: UUID) -> Concern:
    """One safeguarding concern, with its child, owner and raiser, its view audited; a 404
    otherwise, the denial audited."""
    found = (
        concerns_visible_to(user)
        .select_related("referral__child", "owner", "raised_by")
        .filter(uuid=concern_uuid)
        .first()
    )
    if found is None:
        raise denied(user, "safeguarding_concern", concern_uuid)
    record(
        Action.VIEW,
        actor=user,
        record_type="safeguarding_concern",
        record_id=found.uuid,
        child_uuid=found.referral.child.uuid,
    )
    return found
