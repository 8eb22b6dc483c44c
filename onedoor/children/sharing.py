"""Consent to share withdrawn: which organisations a child's records may still be shared with.

A family (or a young person consenting for themselves) can withdraw their consent to share
the child's records with the alliance's partners. From that moment
(`Child.sharing_withdrawn_at`, set by `referrals/sharing.py`) a child's records are shared
with:

- the lead provider, always: it holds the referral under the consent to refer, runs triage
  and care coordination, and is not a partner the records are shared with;
- the partner already working with the child, if the withdrawal said it keeps the child
  (`Child.sharing_kept_by`);
- no other organisation: no partner may be allocated the child or handed them, and no
  partner's staff or system reads their records (the access layer's own-organisation
  scope, and a handover waiting for its answer, ask this rule too).

`shared_with` is the one rule. The access layer applies it in its querysets
(`access/records.py::_within`); every route to an allocation or a handover asks
`require_sharing`, which asks the same rule of the database, at the moment of the change.
Emergency (break-glass) access is not narrowed: see ADR 37.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from onedoor.children.models import Child
from onedoor.clock import LONDON

NOTHING = Q(pk__in=[])
WITHDRAWN = "Consent to share withdrawn"


class Receiving(Protocol):
    """An organisation the records would be shared with (`alliance.Organisation`)."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_lead_provider(self) -> bool: ...


def shared_with(organisation: Receiving | None, child: str = "") -> Q:
    """The children whose records may be shared with `organisation` now, as a filter on a
    record whose path to its child is `child` ("" on a child, "child__" on a referral,
    "referral__child__" on a care record)."""
    if organisation is not None and organisation.is_lead_provider:
        return Q()
    shared = Q(**{f"{child}sharing_withdrawn_at__isnull": True})
    if organisation is None:
        return shared
    return shared | Q(**{f"{child}sharing_kept_by_id": organisation.pk})


def require_sharing(child: Child, organisation: Receiving, doing: str) -> None:
    """Refuse `doing` (an allocation, a handover...) that would share the child's records
    with `organisation` when `shared_with` says no, as the database has it now."""
    found = (
        Child.objects.filter(pk=child.pk)
        .annotate(shared=ExpressionWrapper(shared_with(organisation), BooleanField()))
        .values_list("shared", "sharing_withdrawn_at")
        .get()
    )
    shared, withdrawn_at = found
    if not shared:
        day = timezone.localdate(withdrawn_at, LONDON)
        raise ValidationError(
            f"{WITHDRAWN} with the alliance's partners on {day.day} {day:%B %Y}: {doing} "
            f"to {organisation} is not allowed. Only the partner already working with the "
            "child, if the withdrawal kept them, may work with the child."
        )
