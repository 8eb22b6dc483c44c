"""The changes to a subject access request, each in one transaction, each audited (never with
personal data: identifiers, record types and field names only).

open -> gathered (the review starts) -> reviewed -> disclosed, or withdrawn before it is
disclosed (`models.TRANSITIONS`). Redactions are added and removed while the request is being
reviewed; a change after the review is complete takes it back to review. Disclosure freezes
the archive: the JSON as disclosed, its SHA-256 and the count of items of each record type;
it is refused while an item gathered now was not there when the review was completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.checks import checked_text
from onedoor.children.models import CarerContact, Child
from onedoor.subject_access import archive
from onedoor.subject_access.deadline import due_date
from onedoor.subject_access.gather import Item, Section, fingerprint, keys
from onedoor.subject_access.models import (
    TRANSITIONS,
    Exemption,
    Redaction,
    Status,
    SubjectAccessRequest,
)
from onedoor.subject_access.records import RECORD_TYPE, RESPONDERS


def _check(user: User) -> None:
    if user.role not in RESPONDERS or user.organisation is None:
        raise PermissionDenied("Only the clinical lead responds to subject access requests.")


def _audit(user: User, request: SubjectAccessRequest, step: str, **detail: object) -> None:
    record(
        Action.CREATE if step == "opened" else Action.CHANGE,
        actor=user,
        record_type=RECORD_TYPE,
        record_id=request.uuid,
        child_uuid=request.child.uuid,
        detail={"step": step, "status": request.status, **detail},
    )


def _locked(request: SubjectAccessRequest) -> SubjectAccessRequest:
    locked = (
        SubjectAccessRequest.objects.select_for_update(of=("self",))
        .select_related("child", "carer")
        .get(pk=request.pk)
    )
    if locked.version != request.version:
        raise ValidationError("Someone else has changed this request: look at it again")
    return locked


def _move(request: SubjectAccessRequest, to: Status) -> None:
    if to not in TRANSITIONS[request.status]:
        raise ValidationError(
            f"This request is {request.get_status_display().lower()}: it cannot be "
            f"{to.label.lower()} now"
        )
    request.status = to
    request.version += 1


def open_request(
    *,
    user: User,
    child: Child,
    carer: CarerContact | None,
    requester_name: str,
    requester_contact: str,
    received_on: date,
) -> SubjectAccessRequest:
    """A request for what is held about the child, or about this parent or carer of theirs,
    due one calendar month after it was received."""
    _check(user)
    assert user.organisation is not None
    if child.alliance_id != user.organisation.alliance_id:
        raise PermissionDenied("The child is not in your alliance.")
    if carer is not None and carer.child_id != child.pk:
        raise ValidationError("Choose one of this child's parents or carers")
    if received_on > clock.today():
        raise ValidationError("The date it was received must be today or in the past")
    name = checked_text(requester_name, "who asked", 200, required="Enter who asked")
    contact = checked_text(
        requester_contact, "how to reach them", required="Enter how to reach them"
    )
    with transaction.atomic():
        request = SubjectAccessRequest.objects.create(
            alliance_id=child.alliance_id,
            child=child,
            carer=carer,
            requester_name=name,
            requester_contact=contact,
            received_on=received_on,
            due_on=due_date(received_on),
            opened_by=user,
            opened_at=clock.now(),
        )
        _audit(user, request, "opened", subject="carer" if carer else "child")
    return request


def start_review(*, user: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """The records are gathered for review (they are read afresh on every look)."""
    _check(user)
    with transaction.atomic():
        request = _locked(request)
        _move(request, Status.GATHERED)
        request.gathered_at = clock.now()
        request.save(update_fields=["status", "version", "gathered_at"])
        _audit(user, request, "gathered")
    return request


def _back_to_review(request: SubjectAccessRequest) -> None:
    if request.status == Status.REVIEWED:
        _move(request, Status.GATHERED)
        request.save(update_fields=["status", "version"])
    elif request.status != Status.GATHERED:
        raise ValidationError(
            f"This request is {request.get_status_display().lower()}: its redactions "
            "cannot change now"
        )


def withhold(
    *,
    user: User,
    request: SubjectAccessRequest,
    section: Section,
    item: Item,
    field: str,
    reason: str,
    reason_text: str = "",
) -> Redaction:
    """Withhold a gathered item (`field` empty) or one of its fields, for a reason."""
    _check(user)
    if field and field not in {each.name for each in item.fields if each.name}:
        raise ValidationError("Choose what to withhold")
    if reason not in Exemption.values:
        raise ValidationError("Choose why it is withheld")
    text = checked_text(reason_text, "the reason")
    if reason == Exemption.OTHER and not text:
        raise ValidationError("Enter the reason it is withheld")
    with transaction.atomic():
        request = _locked(request)
        _back_to_review(request)
        try:
            with transaction.atomic():
                redaction = Redaction.objects.create(
                    request=request,
                    record_type=section.record_type,
                    record_key=item.key,
                    field=field,
                    reason=reason,
                    reason_text=text if reason == Exemption.OTHER else "",
                    redacted_by=user,
                    redacted_at=clock.now(),
                )
        except IntegrityError:
            raise ValidationError("That is withheld already") from None
        _audit(
            user, request, "withheld", redaction=str(redaction.uuid),
            record=section.record_type, field=field, reason=reason,
        )  # fmt: skip
    return redaction


def remove_redaction(*, user: User, redaction: Redaction) -> None:
    """Disclose again what was withheld (before the disclosure)."""
    _check(user)
    with transaction.atomic():
        request = _locked(redaction.request)
        _back_to_review(request)
        Redaction.objects.filter(pk=redaction.pk).delete()
        _audit(user, request, "redaction removed", redaction=str(redaction.uuid))


def mark_reviewed(
    *, user: User, request: SubjectAccessRequest, sections: Sequence[Section], seen: str
) -> SubjectAccessRequest:
    """The reviewer has looked at every item gathered (`sections`), as they saw them: `seen`
    is the `fingerprint` of the page they read, refused if the records changed since."""
    _check(user)
    if seen != fingerprint(sections):
        raise ValidationError("The records changed while you were reviewing them: check them again")
    with transaction.atomic():
        request = _locked(request)
        if request.status == Status.REVIEWED:
            request.version += 1  # reviewed again: records gathered since are now reviewed
        else:
            _move(request, Status.REVIEWED)
        request.reviewed_at, request.reviewed_by = clock.now(), user
        request.reviewed_items = keys(sections)
        request.save(
            update_fields=["status", "version", "reviewed_at", "reviewed_by", "reviewed_items"]
        )
        _audit(user, request, "reviewed", items=len(request.reviewed_items))
    return request


def disclose(
    *,
    user: User,
    request: SubjectAccessRequest,
    to: str,
    sections: Sequence[Section],
    service: str,
) -> SubjectAccessRequest:
    """Record the disclosure (to whom, when, by whom) and freeze the archive."""
    _check(user)
    to = checked_text(to, "who it is disclosed to", required="Enter who it is disclosed to")
    with transaction.atomic():
        request = _locked(request)
        unreviewed = set(keys(sections)) - set(request.reviewed_items)
        if request.status == Status.REVIEWED and unreviewed:
            raise ValidationError(
                f"{len(unreviewed)} record{'s were' if len(unreviewed) > 1 else ' was'} "
                "gathered after the review: check the records and mark the review complete "
                "again"
            )
        _move(request, Status.DISCLOSED)
        now = clock.now()
        built = archive.build(
            request, sections, request.redactions.all(), produced_at=now, service=service
        )
        request.archive = archive.dumps(built)
        request.archive_sha256 = archive.sha256(request.archive)
        request.item_counts = {s.record_type: len(s.items) for s in sections}
        request.disclosed_to, request.disclosed_at, request.disclosed_by = to, now, user
        request.save(
            update_fields=[
                "status", "version", "archive", "archive_sha256", "item_counts",
                "disclosed_to", "disclosed_at", "disclosed_by",
            ]
        )  # fmt: skip
        _audit(user, request, "disclosed", sha256=request.archive_sha256)
    return request


def withdraw(*, user: User, request: SubjectAccessRequest, reason: str) -> SubjectAccessRequest:
    """The requester withdrew the request (or it was made in error), with why."""
    _check(user)
    reason = checked_text(reason, "the reason", required="Enter why it is withdrawn")
    with transaction.atomic():
        request = _locked(request)
        _move(request, Status.WITHDRAWN)
        request.withdrawn_at, request.withdrawn_reason = clock.now(), reason
        request.save(update_fields=["status", "version", "withdrawn_at", "withdrawn_reason"])
        _audit(user, request, "withdrawn")
    return request


def downloaded(*, user: User, request: SubjectAccessRequest, kind: str) -> None:
    """A copy of the disclosed archive was downloaded (`kind`: "pdf" or "json")."""
    _check(user)
    if request.status != Status.DISCLOSED:
        raise ValidationError("Only a disclosed request's archive can be downloaded")
    record(
        Action.VIEW,
        actor=user,
        record_type=RECORD_TYPE,
        record_id=request.uuid,
        child_uuid=request.child.uuid,
        detail={"download": kind, "sha256": request.archive_sha256},
    )
