"""What a triage write leaves behind, for tests that assert a refused write left nothing."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral
from onedoor.triage.models import RiskScreening, TriageDecision


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def written(referral: Referral) -> tuple[object, ...]:
    """Everything a triage write could leave behind: the referral's version, state, rating
    and red review, its screenings and decisions, the timeline, the audit trail's changes and
    the tasks queued."""
    now = fresh(referral)
    return (
        now.version,
        now.status,
        now.risk_rating,
        now.red_reviewed_at,
        RiskScreening.objects.count(),
        list(TriageDecision.objects.values_list("outcome", "sign_off")),
        TimelineEvent.objects.count(),
        AuditEvent.objects.filter(action="change").count(),
        DBTaskResult.objects.count(),
    )
