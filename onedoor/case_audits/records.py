"""Who may read case audits, decided in the query.

The clinical lead runs the alliance's audit rounds and reads all of them. A partner lead
reads the rounds that sampled their organisation, and only their organisation's records
and figures in them. A sampled record names its child only to someone who may still see
that referral (`referrals_visible_to`): a record that has since moved to another partner
shows its reference alone.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from onedoor.access.records import alliance_of, denied, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import AuditCriterion, Organisation
from onedoor.audit.trail import Action, record
from onedoor.case_audits.models import AuditAction, AuditCase, AuditRound, AuditScore

AUDITORS = frozenset({Role.CLINICAL_LEAD})
READERS = AUDITORS | {Role.PARTNER_LEAD}


def _alliance(user: User) -> int | None:
    return alliance_of(user) if user.role in READERS else None


def own_organisations(user: User) -> list[int] | None:
    """The organisations whose records and figures `user` reads: None for all of them."""
    return None if user.role in AUDITORS else [user.organisation_id or 0]


def rounds_visible_to(user: User) -> QuerySet[AuditRound]:
    alliance = _alliance(user)
    if alliance is None:
        return AuditRound.objects.none()
    rounds = AuditRound.objects.filter(alliance_id=alliance)
    if user.role not in AUDITORS:
        rounds = rounds.filter(organisations=user.organisation_id)
    return rounds


def cases_visible_to(user: User, audit_round: AuditRound) -> QuerySet[AuditCase]:
    """The round's sampled records `user` reads, with `record_visible` saying whether they
    may see the referral itself (and so the child's name), and their scores."""
    cases = AuditCase.objects.filter(round=audit_round)
    organisations = own_organisations(user)
    if organisations is not None:
        cases = cases.filter(organisation_id__in=organisations)
    return (
        cases.annotate(
            record_visible=Exists(referrals_visible_to(user).filter(pk=OuterRef("referral_id")))
        )
        .select_related("referral__child", "organisation", "scored_by")
        .prefetch_related(Prefetch("scores", queryset=AuditScore.objects.order_by("pk")))
    )


def round_organisations(user: User, audit_round: AuditRound) -> list[Organisation]:
    organisations = audit_round.organisations.order_by("name")
    if (own := own_organisations(user)) is not None:
        organisations = organisations.filter(pk__in=own)
    return list(organisations)


def round_criteria(audit_round: AuditRound) -> list[AuditCriterion]:
    return list(audit_round.criteria.order_by("position", "pk"))


def round_actions(user: User, audit_round: AuditRound) -> QuerySet[AuditAction]:
    actions = audit_round.actions.select_related("owner", "organisation")
    if (own := own_organisations(user)) is not None:
        actions = actions.filter(organisation_id__in=own)
    return actions


def actions_visible_to(user: User) -> QuerySet[AuditAction]:
    """Audit actions `user` may read on their own (without the round's records): those they
    own or recorded; the clinical lead, all of the alliance's; a partner lead, also those
    for their organisation."""
    if not user.is_active or user.organisation is None:
        return AuditAction.objects.none()
    actions = AuditAction.objects.filter(round__alliance_id=user.organisation.alliance_id)
    if user.role in AUDITORS:
        return actions
    scope = Q(owner=user) | Q(recorded_by=user)
    if user.role == Role.PARTNER_LEAD:
        scope |= Q(organisation_id=user.organisation_id)
    return actions.filter(scope)


def get_action_for_user(user: User, uuid: UUID) -> AuditAction:
    found = (
        actions_visible_to(user)
        .select_related("round", "owner__organisation", "organisation", "done_by")
        .filter(uuid=uuid)
        .first()
    )
    if found is None:
        raise denied(user, "case_audits.action", uuid)
    return found


def get_round_for_user(user: User, uuid: UUID) -> AuditRound:
    """One round, its view audited (its page names sampled children); a 404 otherwise."""
    found = rounds_visible_to(user).select_related("started_by").filter(uuid=uuid).first()
    if found is None:
        raise denied(user, "case_audits.round", uuid)
    record(Action.VIEW, actor=user, record_type="case_audits.round", record_id=uuid)
    return found


def get_case_for_user(user: User, round_uuid: UUID, case_uuid: UUID) -> AuditCase:
    """One sampled record of a round the user reads, its view audited; a 404 otherwise."""
    audit_round = rounds_visible_to(user).filter(uuid=round_uuid).first()
    found = None
    if audit_round is not None:
        found = cases_visible_to(user, audit_round).filter(uuid=case_uuid).first()
    if found is None:
        raise denied(user, "case_audits.case", case_uuid)
    record(
        Action.VIEW,
        actor=user,
        record_type="case_audits.case",
        record_id=case_uuid,
        child_uuid=found.referral.child.uuid,
    )
    return found
