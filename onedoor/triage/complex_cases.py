"""Complex-case decisions: the clinical lead decides on a complex case (an escalation, a
transition, a step up or down) and records the rationale, on the child's timeline."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.referrals.models import Referral
from onedoor.referrals.timeline import written
from onedoor.triage.models import ComplexDecision


def record_complex_decision(
    *, user: User, referral: Referral, kind: str, decision: str, rationale: str
) -> ComplexDecision:
    if user.role != Role.CLINICAL_LEAD or not (
        referrals_visible_to(user).filter(pk=referral.pk).exists()
    ):
        raise PermissionDenied("The clinical lead records complex-case decisions.")
    if kind not in ComplexDecision.Kind.values:
        raise ValidationError("Choose what the decision is about")
    if not decision.strip() or not rationale.strip():
        raise ValidationError("Write the decision and the rationale")
    now = clock.now()
    with transaction.atomic():
        made = ComplexDecision.objects.create(
            referral=referral, kind=kind, decision=decision.strip(),
            rationale=rationale.strip(), decided_by=user, decided_at=now,
        )  # fmt: skip
        written(
            user, referral,
            f"Complex-case decision ({made.get_kind_display().lower()}): {made.decision}",
            record_type="complex_decision", record_id=made.uuid, detail={"kind": kind},
        )  # fmt: skip
    return made


def decisions_for(user: User, referral: Referral) -> QuerySet[ComplexDecision]:
    """The complex-case decisions on a referral the user may see."""
    return ComplexDecision.objects.filter(
        referral=referral, referral__in=referrals_visible_to(user)
    ).select_related("decided_by")
