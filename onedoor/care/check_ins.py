"""What a Waiting Well check-in does besides its own record, in its transaction: the library
materials sent, with the version of each (`record_sent`), and, when the risk is worse than
the referral's, the child back to triage (`back_to_triage`). Both are called by
`care.actions.record_check_in`."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.clocks import triage_deadline
from onedoor.audit.trail import Action, record
from onedoor.care.models import CheckIn
from onedoor.content.models import ContentItem, SentMaterial
from onedoor.referrals.bands import queue_band
from onedoor.referrals.models import Referral, RiskRating, Status
from onedoor.referrals.states import move
from onedoor.referrals.tasks import notify_red_referral


def record_sent(
    *, user: User, check_in: CheckIn, child_uuid: UUID, items: Sequence[ContentItem]
) -> None:
    """Which checked items went out with a check-in, and their version; audited."""
    for item in items:
        SentMaterial.objects.create(check_in=check_in, item=item, version=item.version)
        record(
            Action.CREATE,
            actor=user,
            record_type="sent_material",
            record_id=item.uuid,
            child_uuid=child_uuid,
            detail={"check_in": str(check_in.uuid), "version": item.version},
        )


def back_to_triage(*, user: User, referral: Referral, rating: str, summary: str) -> Referral:
    """A waiting child's risk has worsened: back to triage with its history, a new clock from
    now at the new rating, and, if red, on top of the queue with the clinical leads told."""
    now = clock.now()
    with transaction.atomic():
        move(
            user=user,
            referral=referral,
            to=Status.AWAITING_TRIAGE,
            version=referral.version,
            summary=summary,
            changes={
                "risk_rating": rating,
                "queue_band": queue_band(risk_rating=rating, red_reviewed=False),
                "red_reviewed_at": None,
                "triage_due_at": triage_deadline(
                    referral.child.alliance,
                    received_at=now,
                    risk_rating=rating,
                    priority_group=referral.child.priority_groups.filter(
                        shortens_triage_clock=True
                    ).exists(),
                ),
            },
        )
        if rating == RiskRating.RED:
            notify_red_referral.enqueue(str(referral.uuid))  # the clinical leads are told at once
    return referral
