""" "First appointment offered": the partner holding a waiting child records the appointment it
has offered them, when and how. Recording it is on the child's timeline and in the audit
trail; the first one is a milestone (`referrals/milestones.py`) the family and the referrer
are told of, by reference only. What then happens at the appointment is a `Contact`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import can_change_care
from onedoor.accounts.models import User
from onedoor.care.models import AppointmentOffer
from onedoor.care.young_adults import require_named_coordinator
from onedoor.referrals.milestones import Milestone, passed
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.timeline import written


def record_appointment_offer(
    *, user: User, referral: Referral, offered_for: datetime, mode: str
) -> AppointmentOffer:
    """The partner has offered the waiting child an appointment at `offered_for`, `mode`."""
    if not can_change_care(user, referral) or user.organisation is None:
        raise PermissionDenied("This child is not on your organisation's caseload.")
    if referral.status != Status.WAITING:
        raise ValidationError("A first appointment is offered to a child waiting with you")
    require_named_coordinator(referral)
    if offered_for <= clock.now():
        raise ValidationError("The appointment must be in the future")
    if mode not in AppointmentOffer.Mode.values:
        raise ValidationError("Choose how the appointment will be")
    with transaction.atomic():
        offer = AppointmentOffer.objects.create(
            referral=referral,
            organisation=user.organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            offered_for=offered_for,
            mode=mode,
        )
        when = timezone.localtime(offered_for)
        written(
            user,
            referral,
            f"First appointment offered: {offer.get_mode_display().lower()}, "
            f"{when:%-d %B %Y at %H:%M}.",
            record_type="appointment_offer",
            record_id=offer.uuid,
        )
        passed(referral, Milestone.FIRST_APPOINTMENT)
    return offer
