"""Changes to the clinical content library, each audited.

Who may do what:
- add an item: the clinical lead, the service manager and partner leads (the adder owns it);
- edit or retire an item: the clinical lead and the service manager, any item of their
  alliance; a partner lead, only the items they own;
- sign an item off: the clinical lead only.

A change to what an item says (its title, kind, description, link or audience) starts a new
version and clears the sign-off: the clinical lead signs off what families will get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Need
from onedoor.audit.trail import Action, record
from onedoor.children.models import Child
from onedoor.content.models import ContentItem, sendable
from onedoor.referrals.eligibility import age_on

EDITORS = frozenset({Role.CLINICAL_LEAD, Role.SERVICE_MANAGER, Role.PARTNER_LEAD})
# Editors of every item of the alliance; a partner lead edits only their own.
LIBRARIANS = frozenset({Role.CLINICAL_LEAD, Role.SERVICE_MANAGER})
REVIEW_DEFAULT_DAYS = 365
REVIEW_MOST_DAYS = 2 * 365 + 1  # 24 months, a leap day allowed for
OLDEST_AGE = 30


@dataclass(frozen=True)
class Substance:
    """What an item says: a change to any of it needs a new sign-off."""

    title: str
    kind: str
    description: str
    link: str
    min_age: int
    max_age: int
    needs: Sequence[Need]


def alliance_of(user: User) -> Alliance:
    if user.organisation is None:
        raise PermissionDenied("You belong to no organisation.")
    return user.organisation.alliance


def may_edit(user: User, item: ContentItem) -> bool:
    if user.organisation is None or user.organisation.alliance_id != item.alliance_id:
        return False
    return user.role in LIBRARIANS or (user.role == Role.PARTNER_LEAD and item.owner_id == user.pk)


def may_sign_off(user: User, item: ContentItem) -> bool:
    return (
        user.role == Role.CLINICAL_LEAD
        and user.organisation is not None
        and user.organisation.alliance_id == item.alliance_id
    )


def _checked(alliance: Alliance, substance: Substance) -> Substance:
    title = substance.title.strip()
    if not title:
        raise ValidationError("Enter the title")
    if substance.kind not in ContentItem.Kind.values:
        raise ValidationError("Choose the kind of material")
    if not 0 <= substance.min_age <= substance.max_age <= OLDEST_AGE:
        raise ValidationError(
            f"Enter ages from 0 to {OLDEST_AGE}, the youngest no older than the oldest"
        )
    if any(need.alliance_id != alliance.pk for need in substance.needs):
        raise ValidationError("Choose needs from your alliance's list")
    return Substance(
        title=title,
        kind=substance.kind,
        description=substance.description.strip(),
        link=substance.link.strip(),
        min_age=substance.min_age,
        max_age=substance.max_age,
        needs=list(substance.needs),
    )


def add_item(*, user: User, substance: Substance) -> ContentItem:
    if user.role not in EDITORS:
        raise PermissionDenied("Only the clinical lead, service manager and partner leads add.")
    alliance = alliance_of(user)
    checked = _checked(alliance, substance)
    with transaction.atomic():
        item = ContentItem.objects.create(
            alliance=alliance,
            title=checked.title,
            kind=checked.kind,
            description=checked.description,
            link=checked.link,
            owner=user,
            min_age=checked.min_age,
            max_age=checked.max_age,
            changed_at=clock.now(),
        )
        item.needs.set(checked.needs)
        record(Action.CREATE, actor=user, record_type="content_item", record_id=item.uuid)
    return item


def edit_item(*, user: User, item: ContentItem, substance: Substance, version: int) -> ContentItem:
    """A new version if anything changed, and its sign-off cleared; nothing if not."""
    if not may_edit(user, item):
        raise PermissionDenied("You may not edit this item.")
    checked = _checked(item.alliance, substance)
    with transaction.atomic():
        locked = ContentItem.objects.select_for_update().get(pk=item.pk)
        if locked.version != version:
            raise ValidationError("Someone changed this item since you opened it: look again")
        if locked.retired_at is not None:
            raise ValidationError("This item is retired")
        before = {f: getattr(locked, f) for f in ("title", "kind", "description", "link")}
        before_ages = (locked.min_age, locked.max_age)
        before_needs = set(locked.needs.values_list("pk", flat=True))
        changed = sorted(f for f, value in before.items() if getattr(checked, f) != value)
        if before_ages != (checked.min_age, checked.max_age):
            changed.append("ages")
        if before_needs != {need.pk for need in checked.needs}:
            changed.append("needs")
        if not changed:
            return locked
        for field in ("title", "kind", "description", "link", "min_age", "max_age"):
            setattr(locked, field, getattr(checked, field))
        locked.version += 1
        locked.changed_at = clock.now()
        cleared = locked.signed_off_at is not None
        locked.signed_off_by = None
        locked.signed_off_at = None
        locked.review_by = None
        locked.save()
        locked.needs.set(checked.needs)
        record(
            Action.CHANGE,
            actor=user,
            record_type="content_item",
            record_id=locked.uuid,
            detail={"changed": changed, "version": locked.version, "sign_off_cleared": cleared},
        )
    return locked


def default_review_by(today: date) -> date:
    return today + timedelta(days=REVIEW_DEFAULT_DAYS)


def sign_off(*, user: User, item: ContentItem, version: int, review_by: date) -> ContentItem:
    """The clinical lead signs off this version, to be reviewed by `review_by` (within 24
    months)."""
    if not may_sign_off(user, item):
        raise PermissionDenied("Only the clinical lead signs off clinical content.")
    today = clock.today()
    if not today < review_by <= today + timedelta(days=REVIEW_MOST_DAYS):
        raise ValidationError("Set a review date after today and within 24 months")
    with transaction.atomic():
        changed = ContentItem.objects.filter(
            pk=item.pk, version=version, retired_at__isnull=True
        ).update(signed_off_by=user, signed_off_at=clock.now(), review_by=review_by)
        if changed != 1:
            raise ValidationError("This item changed or was retired since you opened it")
        record(
            Action.CHANGE,
            actor=user,
            record_type="content_item",
            record_id=item.uuid,
            detail={"signed_off": True, "version": version, "review_by": review_by.isoformat()},
        )
    item.refresh_from_db()
    return item


def retire(*, user: User, item: ContentItem) -> ContentItem:
    """No longer sent to families; kept, with what it was sent in."""
    if not may_edit(user, item):
        raise PermissionDenied("You may not retire this item.")
    with transaction.atomic():
        changed = ContentItem.objects.filter(pk=item.pk, retired_at__isnull=True).update(
            retired_at=clock.now()
        )
        if changed != 1:
            raise ValidationError("This item is already retired")
        record(
            Action.CHANGE,
            actor=user,
            record_type="content_item",
            record_id=item.uuid,
            detail={"retired": True},
        )
    item.refresh_from_db()
    return item


def check_sendable(*, alliance: Alliance, items: Sequence[ContentItem]) -> list[ContentItem]:
    """The items, locked and re-read, if every one may be sent today; call it inside the
    sending transaction, before writing anything. Refuses with the first that may not."""
    if not items:
        return []
    today = clock.today()
    locked = list(
        ContentItem.objects.select_for_update()
        .filter(pk__in=[item.pk for item in items])
        .order_by("pk")
    )
    if len(locked) != len({item.pk for item in items}):
        raise ValidationError("A chosen material is no longer in the library")
    for item in locked:
        if item.alliance_id != alliance.pk:
            raise ValidationError("A chosen material is not in your alliance's library")
        if not sendable(item, today):
            raise ValidationError(
                f"“{item.title}” cannot be sent: it is not signed off or its review is overdue"
            )
    return locked


def materials_for(child: Child, today: date) -> list[ContentItem]:
    """The library items that may be sent to this child's family today and fit their age,
    in title order: what the check-in form offers."""
    age = age_on(child.date_of_birth, today)
    items = ContentItem.objects.filter(alliance_id=child.alliance_id).sendable(today).for_age(age)
    return list(items.order_by("title", "pk"))
