"""The one change made in insights: the service manager's narrative for a review pack."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.trail import Action, record
from onedoor.insights.kpis import Period
from onedoor.insights.models import PackNarrative
from onedoor.insights.screening import problems

NARRATIVE_MAX = 5000


def write_narrative(*, user: User, alliance: Alliance, period: Period, text: str) -> PackNarrative:
    """Write (or rewrite) the narrative for the period's review pack; text that looks like
    personal data is refused, every problem named (`screening.problems`)."""
    if (
        user.role != Role.SERVICE_MANAGER
        or user.organisation is None
        or (user.organisation.alliance_id != alliance.pk)
    ):
        raise PermissionDenied("The service manager writes the review pack's narrative.")
    text = text.strip()
    if not text:
        raise ValidationError("Write the narrative")
    if len(text) > NARRATIVE_MAX:
        raise ValidationError(f"The narrative must be {NARRATIVE_MAX} characters or fewer")
    # The commissioners read aggregates only: no NHS number, postcode, date of birth or
    # child's name goes into their pack (`screening.py`).
    found = problems(alliance, text)
    if found:
        raise ValidationError([problem.message for problem in found])
    with transaction.atomic():
        narrative, created = PackNarrative.objects.update_or_create(
            alliance=alliance, period_start=period.start, period_end=period.end,
            defaults={"text": text, "written_by": user, "written_at": clock.now()},
        )  # fmt: skip
        record(
            Action.CREATE if created else Action.CHANGE, actor=user,
            record_type="pack_narrative", record_id=narrative.pk,
            detail={"period": f"{period.start}/{period.end}"},
        )  # fmt: skip
    return narrative
