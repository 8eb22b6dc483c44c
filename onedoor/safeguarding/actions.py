"""Raising and working a safeguarding concern. Anyone with access to the child raises one;
the owning safeguarding lead (or the clinical lead) adds follow-up actions, marks them done
and closes the concern with its outcome. Each writes the audit trail; raising one also goes
on the child's timeline (in words that name no detail)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.governance.records import action_owners
from onedoor.referrals.models import Referral
from onedoor.referrals.timeline import written
from onedoor.safeguarding.models import Concern, FollowUp
from onedoor.safeguarding.records import concerns_visible_to
from onedoor.safeguarding.tasks import notify_concern_owner
from onedoor.webhooks.events import publish
from onedoor.webhooks.models import Kind as EventKind


def safeguarding_leads(referral: Referral) -> list[User]:
    """Who may own a concern about this child: the lead provider's safeguarding leads and
    those of the partner the child is allocated to."""
    where = Q(organisation__kind=Organisation.Kind.LEAD_PROVIDER)
    if referral.allocated_organisation_id is not None:
        where |= Q(organisation_id=referral.allocated_organisation_id)
    return list(
        User.objects.filter(
            where,
            role=Role.SAFEGUARDING_LEAD,
            is_active=True,
            organisation__alliance=referral.child.alliance_id,
        )
        .select_related("organisation")
        .order_by("first_name", "last_name", "pk")
    )


def raise_concern(
    *,
    user: User,
    referral: Referral,
    category: str,
    seen_or_said: str,
    immediate_actions: str,
    referred_to_social_care: bool,
    social_care_reference: str,
    owner: User,
) -> Concern:
    if not referrals_visible_to(user).filter(pk=referral.pk).exists():
        raise PermissionDenied("You can raise a concern about a child whose record you can see.")
    if category not in Concern.Category.values:
        raise ValidationError("Choose the kind of concern")
    if not seen_or_said.strip() or not immediate_actions.strip():
        raise ValidationError("Say what was seen or said, and what was done straight away")
    if referred_to_social_care and not social_care_reference.strip():
        raise ValidationError("Give children's social care's reference for the referral")
    if owner not in safeguarding_leads(referral):
        raise ValidationError("Choose the safeguarding lead who will own the concern")
    return _open(
        user=user, referral=referral, category=category, seen_or_said=seen_or_said.strip(),
        immediate_actions=immediate_actions.strip(),
        referred_to_social_care=referred_to_social_care,
        social_care_reference=social_care_reference.strip(), owner=owner,
    )  # fmt: skip


def open_from_triage(*, user: User, referral: Referral, reason: str) -> Concern:
    """A triage decision to refer to children's social care opens a concern, owned by the
    lead provider's first safeguarding lead (the decider when the alliance has none), for
    them to add the social care reference and the follow-up actions. Called inside the
    decision's transaction."""
    leads = [
        lead
        for lead in safeguarding_leads(referral)
        if lead.organisation and lead.organisation.kind == Organisation.Kind.LEAD_PROVIDER
    ]
    return _open(
        user=user, referral=referral, category=Concern.Category.OTHER,
        seen_or_said=reason.strip(),
        immediate_actions="Referred to children's social care at triage.",
        referred_to_social_care=True, social_care_reference="",
        owner=leads[0] if leads else user,
    )  # fmt: skip


def _open(
    *,
    user: User,
    referral: Referral,
    category: str,
    seen_or_said: str,
    immediate_actions: str,
    referred_to_social_care: bool,
    social_care_reference: str,
    owner: User,
) -> Concern:
    now = clock.now()
    with transaction.atomic():
        concern = Concern.objects.create(
            referral=referral, category=category, seen_or_said=seen_or_said,
            immediate_actions=immediate_actions, referred_to_social_care=referred_to_social_care,
            social_care_reference=social_care_reference, owner=owner, raised_by=user,
            raised_at=now,
        )  # fmt: skip
        notify_concern_owner.enqueue(str(concern.uuid))  # the queue is in this transaction
        publish(EventKind.CONCERN_RAISED, referral.allocated_organisation, referral)
        written(
            user, referral, f"Safeguarding concern raised; owned by {owner}.",
            record_type="safeguarding_concern", record_id=concern.uuid,
            detail={"category": category, "referred_to_social_care": referred_to_social_care},
        )  # fmt: skip
    return concern


def _may_work(user: User, concern: Concern) -> None:
    if user.role not in (Role.SAFEGUARDING_LEAD, Role.CLINICAL_LEAD) or not (
        concerns_visible_to(user).filter(pk=concern.pk).exists()
    ):
        raise PermissionDenied("The safeguarding lead works the concern.")
    if concern.closed_at is not None:
        raise ValidationError("This concern is closed")


def add_follow_up(*, user: User, concern: Concern, text: str, owner: User, due: date) -> FollowUp:
    _may_work(user, concern)
    if not text.strip():
        raise ValidationError("Say what is to be done")
    if due < clock.today():
        raise ValidationError("The due date cannot be in the past")
    if not action_owners(user).filter(pk=owner.pk).exists():
        raise ValidationError("Choose who will do it")
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            concern=concern, text=text.strip(), owner=owner, due=due
        )
        record(
            Action.CREATE, actor=user, record_type="safeguarding_follow_up",
            record_id=follow_up.uuid, child_uuid=concern.referral.child.uuid,
        )  # fmt: skip
    return follow_up


def complete_follow_up(*, user: User, follow_up: FollowUp) -> FollowUp:
    concern = follow_up.concern
    if user != follow_up.owner:
        _may_work(user, concern)
    with transaction.atomic():
        done = FollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
            done_at=clock.now()
        )
        if not done:
            raise ValidationError("This action is already done")
        record(
            Action.CHANGE, actor=user, record_type="safeguarding_follow_up",
            record_id=follow_up.uuid, child_uuid=concern.referral.child.uuid,
            detail={"done": True},
        )  # fmt: skip
    follow_up.refresh_from_db()
    return follow_up


def close_concern(*, user: User, concern: Concern, outcome: str) -> Concern:
    _may_work(user, concern)
    if not outcome.strip():
        raise ValidationError("Record the outcome")
    if concern.follow_ups.filter(done_at__isnull=True).exists():
        raise ValidationError("Every follow-up action must be done before the concern closes")
    with transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(outcome=outcome.strip(), closed_at=clock.now())
        record(
            Action.CHANGE, actor=user, record_type="safeguarding_concern",
            record_id=concern.uuid, child_uuid=concern.referral.child.uuid,
            detail={"closed": True},
        )  # fmt: skip
    concern.refresh_from_db()
    return concern
