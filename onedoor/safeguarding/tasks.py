"""Safeguarding notifications, queued in the same transaction as the concern that causes
them (the task queue is in the database), and sent once whatever runs them again."""

from __future__ import annotations

from functools import partial

from django_tasks import task

from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.safeguarding.models import Concern


@task()
def notify_concern_owner(concern_uuid: str) -> int:
    """Tell the safeguarding lead who owns a new concern, while it is open; returns 1 when
    told now. The email names the referral's reference only: the details are in OneDoor."""
    concern = (
        Concern.objects.select_related("owner", "referral")
        .filter(uuid=concern_uuid, closed_at__isnull=True)
        .first()
    )
    if concern is None or not concern.owner.email or not concern.owner.is_active:
        return 0
    message = partial(
        templated, "safeguarding-concern", concern.owner.email, {"referral": concern.referral}
    )
    return deliver(f"concern-raised:{concern.uuid}:{concern.owner_id}", message)
