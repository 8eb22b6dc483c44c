"""Correcting a record without losing what it said: rectification.

A correction keeps, for each field it changes, the earlier and the new value, who made it,
when and why (`Correction`). The history is generic: any record keeps its corrections here,
named by its type and uuid (`keep_history`); a child's details are one such record
(`correct_details`, here) and a clinical note another (`care/corrections.py`).

`correct_details` is the Referral and Advice Point's (the triage team and the care
coordinators, who may change every child): a correction of names, date of birth, address,
NHS number, school, GP practice, phone, email, gender or ethnicity, with the reason. It keeps
the names matching compares (`Child.set_match_names`) with the names; it refuses an NHS
number another of the alliance's children has (the correction would make one child look like
another: hazard H54), a correction that changes nothing, and one made on a page opened before
someone else corrected the same child. The timeline says which details were corrected and by
whom, never the values; the audit trail names the fields only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import ADVICE_POINT
from onedoor.audit.trail import Action, record
from onedoor.checks import checked_text
from onedoor.children import nhs_number
from onedoor.children.models import Child, Correction, Ethnicity, Gender, TimelineEvent
from onedoor.children.postcode import normalise_postcode

CHILD = "child"  # the record type of a child's details, as the audit trail names it
REASON_LIMIT = 2000
NOTHING_GIVEN = "Not given"

# The details a correction may change, in the order the page asks for them.
DETAILS: dict[str, str] = {
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "nhs_number": "NHS number",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town or city",
    "postcode": "Postcode",
    "school": "School or college",
    "gp_practice": "GP practice",
    "phone": "Phone number",
    "email": "Email address",
}
REQUIRED = frozenset({"given_name", "family_name", "date_of_birth"})
NOT_CHANGED = "Nothing was changed: change at least one detail, or go back to the child's record"
CORRECTED_MEANWHILE = (
    "Someone else corrected this child's details after you opened this page: check the "
    "details as they are now, and make your correction again"
)


@dataclass(frozen=True)
class Changed:
    """One field a correction changes, each value as the page shows it."""

    field: str
    label: str
    earlier: str
    new: str


def shown(field: str, value: object) -> str:
    """A detail's value in words, as the page and the history show it ("" for none)."""
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    text = "" if value is None else str(value)
    if field == "gender" and text:
        return str(Gender(text).label) if text in Gender.values else text
    if field == "ethnicity" and text:
        return str(Ethnicity(text).label) if text in Ethnicity.values else text
    if field == "nhs_number" and text:
        return nhs_number.format_nhs_number(text)
    return text


def limit_of(field: str) -> int:
    """The most characters the child's record keeps of a text detail."""
    return int(getattr(Child._meta.get_field(field), "max_length", None) or 200)


def changes(child: Child, details: Mapping[str, object]) -> list[Changed]:
    """The fields of `details` (each `DETAILS` key, already checked) whose value differs from
    the child's, in `DETAILS` order."""
    return [
        Changed(field, label, shown(field, getattr(child, field)), shown(field, details[field]))
        for field, label in DETAILS.items()
        if field in details and details[field] != getattr(child, field)
    ]


def checked_details(
    alliance_id: int, child_id: int, details: Mapping[str, object]
) -> dict[str, object]:
    """`details` as the child's record keeps them, or a `ValidationError` saying what is
    wrong: names and dates present, the NHS number one that could have been issued and no
    other child's, the postcode a real one in its canonical form."""
    unknown = set(details) - set(DETAILS)
    if unknown:
        raise ValidationError(f"These are not details a correction changes: {sorted(unknown)}")
    cleaned: dict[str, object] = {}
    for field, value in details.items():
        if field == "date_of_birth":
            if not isinstance(value, date):
                raise ValidationError("Enter the date of birth")
            if value > clock.today():
                raise ValidationError("The date of birth must be today or in the past")
            cleaned[field] = value
            continue
        text = " ".join(str(value or "").split())
        if field == "nhs_number":
            text = nhs_number.normalise(text)
        limit = limit_of(field)
        text = checked_text(
            text,
            DETAILS[field].lower(),
            limit,
            required=f"Enter the {DETAILS[field].lower()}" if field in REQUIRED else "",
        )
        cleaned[field] = text
    if cleaned.get("nhs_number"):
        number = nhs_number.normalise(str(cleaned["nhs_number"]))
        problem = nhs_number.problem(number)
        if problem:
            raise ValidationError(problem)
        if (
            Child.objects.filter(alliance_id=alliance_id, nhs_number=number)
            .exclude(pk=child_id)
            .exists()
        ):
            raise ValidationError(
                "Another child's record has this NHS number: check the number. If they are "
                "the same child, the triage lead confirms the match from the referral instead"
            )
        cleaned["nhs_number"] = number
    if cleaned.get("postcode"):
        postcode = normalise_postcode(str(cleaned["postcode"]))
        if postcode is None:
            raise ValidationError("Enter a full UK postcode, like ME4 4AB")
        cleaned["postcode"] = postcode
    if "gender" in cleaned and cleaned["gender"] not in Gender.values:
        raise ValidationError("Choose the gender")
    if "ethnicity" in cleaned and cleaned["ethnicity"] not in Ethnicity.values:
        raise ValidationError("Choose the ethnicity")
    return cleaned


def keep_history(
    *,
    child: Child,
    record_type: str,
    record_uuid: UUID,
    changed: Sequence[Changed],
    reason: str,
    user: User,
    at: datetime,
) -> list[Correction]:
    """Keep one correction of any record: a row per field changed, the earlier value with the
    new, who, when and why, in one batch. The caller's transaction makes the change itself."""
    batch = uuid.uuid4()
    return Correction.objects.bulk_create(
        Correction(
            batch=batch,
            child=child,
            record_type=record_type,
            record_uuid=record_uuid,
            field=item.field,
            label=item.label,
            earlier=item.earlier,
            new=item.new,
            reason=reason,
            corrected_by=user,
            corrected_at=at,
        )
        for item in changed
    )


def may_correct_details(user: User) -> bool:
    return user.is_active and user.role in ADVICE_POINT


def correct_details(
    *, user: User, child: Child, details: Mapping[str, object], reason: str, seen: int
) -> list[Changed]:
    """Correct the child's details; `seen` is how many corrections of them the page showed
    (`corrections_made`), so that a correction made meanwhile is not silently overwritten."""
    if not may_correct_details(user):
        raise PermissionDenied("Only the Referral and Advice Point corrects a child's details.")
    reason = checked_text(
        reason, "the reason", REASON_LIMIT, required="Say why the details are being corrected"
    )
    cleaned = checked_details(child.alliance_id, child.pk, details)
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if corrections_made(locked) != seen:
            raise ValidationError(CORRECTED_MEANWHILE)
        changed = changes(locked, cleaned)
        if not changed:
            raise ValidationError(NOT_CHANGED)
        now = clock.now()
        for item in changed:
            setattr(locked, item.field, cleaned[item.field])
        locked.set_match_names()
        fields = [item.field for item in changed]
        locked.save(update_fields=[*fields, "match_given_name", "match_family_name"])
        keep_history(
            child=locked,
            record_type=CHILD,
            record_uuid=locked.uuid,
            changed=changed,
            reason=reason,
            user=user,
            at=now,
        )
        TimelineEvent.objects.create(
            child=locked,
            at=now,
            kind=TimelineEvent.Kind.DETAILS_CORRECTED,
            actor=user,
            summary="Corrected: " + ", ".join(item.label.lower() for item in changed) + ".",
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type=CHILD,
            record_id=locked.uuid,
            child_uuid=locked.uuid,
            detail={"corrected": fields},
        )
    for field in fields:
        setattr(child, field, getattr(locked, field))
    child.set_match_names()
    return changed


def corrections_made(child: Child) -> int:
    """How many fields of the child's details have been corrected so far."""
    return Correction.objects.filter(child=child, record_type=CHILD).count()
