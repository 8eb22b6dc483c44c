"""Two demo case audit rounds, so that compliance over time has something to compare: last
quarter's, every record scored and the round closed, and this quarter's, part scored.

Written through the case audit actions, as the demo clinical lead; the results follow from
each referral's uuid, so the same demo data gives the same figures. Nothing is made when a
round exists already, or there is no demo clinical lead.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Organisation
from onedoor.case_audits.actions import AUDITED_KINDS, close_round, score_case, start_round
from onedoor.case_audits.models import AuditRound, Result
from onedoor.clock import LONDON

# (result, weight): most records meet a criterion; a safety plan is often not needed.
USUAL = ((Result.MET, 78), (Result.NOT_MET, 14), (Result.NOT_APPLICABLE, 8))
SAFETY_PLAN = ((Result.MET, 40), (Result.NOT_MET, 10), (Result.NOT_APPLICABLE, 50))


def _result(rng: random.Random, slug: str) -> str:
    pairs = SAFETY_PLAN if slug == "safety-plan" else USUAL
    return rng.choices([r for r, _ in pairs], weights=[w for _, w in pairs])[0]


def seed_audit_rounds(alliance: Alliance, today: date) -> int:
    """Make the two rounds; returns how many were made."""
    if AuditRound.objects.filter(alliance=alliance).exists():
        return 0
    lead = User.objects.filter(
        organisation__alliance=alliance, role=Role.CLINICAL_LEAD, is_demo=True
    ).first()
    if lead is None:
        return 0
    organisations = list(
        Organisation.objects.filter(alliance=alliance, kind__in=AUDITED_KINDS, active=True)
    )
    made = 0
    for title, days_back, scored_share in (
        ("Case audit, last quarter", 91, 1.0),
        ("Case audit, this quarter", 0, 0.6),
    ):
        try:
            audit_round = start_round(
                user=lead, title=title, organisations=organisations, seed=2026 + made,
                allocated_from=today - timedelta(days=days_back + 180),
                allocated_to=today - timedelta(days=days_back), today=today,
            )  # fmt: skip
        except ValidationError:
            continue  # too few demo children for this period
        criteria = list(audit_round.criteria.all())
        for case in audit_round.cases.select_related("round", "referral__child"):
            rng = random.Random(f"{case.referral.uuid}:{title}")
            if rng.random() < scored_share:
                results = {c.pk: _result(rng, c.slug) for c in criteria}
                score_case(user=lead, case=case, results=results)
        if scored_share == 1.0:
            close_round(user=lead, audit_round=audit_round)
        started = datetime.combine(today - timedelta(days=days_back), time(10), tzinfo=LONDON)
        AuditRound.objects.filter(pk=audit_round.pk).update(started_at=started)
        made += 1
    return made
