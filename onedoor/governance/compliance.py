"""Supervision compliance: who has had no clinical supervision in the alliance's last
`supervision_every_days` days. `is_overdue` is pure; `supervisees` is the query behind the
compliance view, with each person's latest supervision date computed in the database."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max, Q, QuerySet

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.governance.records import SUPERVISEES


def cutoff(today: date, every_days: int) -> date:
    """The earliest date a supervision may have been held on to count as in time."""
    return today - timedelta(days=every_days)


def is_overdue(last_supervised: date | None, today: date, every_days: int) -> bool:
    """Overdue: never supervised, or the latest supervision is before the cutoff."""
    return last_supervised is None or last_supervised < cutoff(today, every_days)


def due_on(last_supervised: date | None, every_days: int) -> date | None:
    """When the next supervision is due by; None when there has never been one (now)."""
    return None if last_supervised is None else last_supervised + timedelta(days=every_days)


def supervisees(viewer: User, today: date, *, overdue_only: bool = False) -> QuerySet[User]:
    """The active practitioners and partner leads the viewer answers for (the clinical lead:
    the alliance's; a partner lead: their organisation's), each with `last_supervised`."""
    if viewer.organisation is None or viewer.role not in {Role.CLINICAL_LEAD, Role.PARTNER_LEAD}:
        return User.objects.none()
    alliance = viewer.organisation.alliance
    people = User.objects.filter(
        is_active=True, role__in=SUPERVISEES, organisation__alliance_id=alliance.pk
    )
    if viewer.role == Role.PARTNER_LEAD:
        people = people.filter(organisation=viewer.organisation)
    people = people.select_related("organisation").annotate(
        last_supervised=Max("supervisions_received__held_on")
    )
    if overdue_only:
        since = cutoff(today, alliance.supervision_every_days)
        people = people.filter(Q(last_supervised__isnull=True) | Q(last_supervised__lt=since))
    return people
