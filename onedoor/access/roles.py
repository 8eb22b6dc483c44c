"""Separation of duties (issue 18): an account comes to see other people's case data only
with two people's say. The administrator who configures accounts asks; a clinical lead, who
is neither the one asking nor the one concerned, approves (or refuses, saying why). Until
then the account keeps what it had (a new account waits inactive). Nobody changes their own
role, organisation or activation, and every change of them is audited with the old and new
values.

What needs approval (`needs_approval`): an account that will be active with a role in
`policy.SEES_CASE_DATA`, when it was not already active with that role in that organisation
(a new account, a raised or changed role, a move to another organisation, a reactivation).
Lowering a role or deactivating an account takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.models import RoleRequest
from onedoor.access.policy import SEES_CASE_DATA
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record

SELF_CHANGE = "You cannot change your own role, organisation or whether your account is active"
WAITING = "A change to this account already waits for a clinical lead's approval"


@dataclass(frozen=True)
class Standing:
    """What decides what an account may see."""

    role: str
    organisation_id: int | None
    is_active: bool


def standing_of(user: User) -> Standing:
    return Standing(user.role, user.organisation_id, user.is_active)


def needs_approval(before: Standing | None, after: Standing) -> bool:
    """Whether `after` gives the account case data it did not see as `before` (None: new)."""
    if not after.is_active or after.role not in SEES_CASE_DATA:
        return False
    return before is None or before != after


def check_account_change(*, by: User, user: User | None, after: Standing) -> None:
    """Refuse, before anything is saved, a change to one's own standing, and a change of an
    account whose earlier change still waits for approval."""
    if user is None or user.pk is None:
        return
    before = standing_of(User.objects.get(pk=user.pk))
    if before == after:
        return
    if by.pk == user.pk:
        raise ValidationError(SELF_CHANGE)
    if RoleRequest.objects.filter(user_id=user.pk, decided_at__isnull=True).exists():
        raise ValidationError(WAITING)


def save_account(*, by: User, user: User, before: Standing | None) -> RoleRequest | None:
    """Save an account the administrator has edited (`user` holds the form's values;
    `before` is its standing as stored, None for a new account). A change that needs
    approval is saved without it: the account keeps its standing (a new one is saved
    inactive) and a `RoleRequest` waits for a clinical lead. Returns that request."""
    after = standing_of(user)
    check_account_change(by=by, user=user if before is not None else None, after=after)
    with transaction.atomic():
        waiting = None
        if needs_approval(before, after):
            _apply(
                user,
                Standing(after.role, after.organisation_id, False) if before is None else before,
            )
            waiting = RoleRequest.objects.create(
                user=user,
                role=after.role,
                organisation_id=after.organisation_id,  # type: ignore[misc]  # set: a role needs one
                requested_by=by,
                requested_at=clock.now(),
            )
            record(
                Action.CREATE,
                actor=by,
                record_type="role_request",
                record_id=waiting.uuid,
                detail={
                    "user": str(user.uuid),
                    "requested_role": after.role,
                    "requested_organisation": _shown("organisation", after.organisation_id),
                },
            )
        else:
            user.save()
        _audit_standing(by, user, before, standing_of(user))
    return waiting


def decide_role_request(
    *, by: User, request: RoleRequest, approve: bool, note: str = ""
) -> RoleRequest:
    """A clinical lead's decision on a waiting request: approved, the account takes the role
    and organisation asked for and is active; refused (saying why), nothing changes."""
    if by.role != Role.CLINICAL_LEAD or not by.is_active:
        raise PermissionDenied("Only a clinical lead approves roles that see case data.")
    if by.pk in (request.requested_by_id, request.user_id):
        raise PermissionDenied(
            "Another clinical lead must decide: you asked for this change, or it is your own"
        )
    return _decide(by=by, request=request, approve=approve, note=note)


NO_CLINICAL_LEAD = "A clinical lead can decide: approve it on the Governance pages"


def approve_on_the_server(request: RoleRequest) -> RoleRequest:
    """The deployment's first clinical lead, or one after every other has left: with no
    active clinical lead who could decide, whoever runs the server approves a waiting request
    (`manage.py approve_role_request`), audited with no one as the actor. Refused while a
    clinical lead other than the account concerned could decide."""
    leads = User.objects.filter(role=Role.CLINICAL_LEAD, is_active=True)
    if leads.exclude(pk=request.user_id).exists():
        raise PermissionDenied(NO_CLINICAL_LEAD)
    return _decide(by=None, request=request, approve=True, note="Approved on the server.")


def _decide(*, by: User | None, request: RoleRequest, approve: bool, note: str) -> RoleRequest:
    note = note.strip()
    if not approve and not note:
        raise ValidationError("Say why you are refusing")
    outcome = RoleRequest.Outcome.APPROVED if approve else RoleRequest.Outcome.REFUSED
    with transaction.atomic():
        decided = RoleRequest.objects.filter(pk=request.pk, decided_at__isnull=True).update(
            decided_by=by, decided_at=clock.now(), outcome=outcome, note=note
        )
        if decided != 1:
            raise ValidationError("This request has already been decided")
        record(
            Action.CHANGE,
            actor=by,
            record_type="role_request",
            record_id=request.uuid,
            detail={"user": str(request.user.uuid), "outcome": str(outcome)},
        )
        if approve:
            user = User.objects.select_for_update().get(pk=request.user_id)
            before = standing_of(user)
            _apply(user, Standing(request.role, request.organisation_id, True))
            _audit_standing(by, user, before, standing_of(user))
    request.refresh_from_db()
    return request


def _apply(user: User, standing: Standing) -> None:
    user.role, user.organisation_id, user.is_active = (
        standing.role,
        standing.organisation_id,
        standing.is_active,
    )
    user.save()


def _audit_standing(by: User | None, user: User, before: Standing | None, after: Standing) -> None:
    """One audit row for a change of role, organisation or activation, with the old and new
    values of each that changed (codes and slugs: no personal data)."""
    if before == after:
        return
    record(
        Action.CREATE if before is None else Action.CHANGE,
        actor=by,
        record_type="account_standing",
        record_id=user.uuid,
        detail=_changes(before, after),
    )


def _changes(before: Standing | None, after: Standing) -> dict[str, str]:
    """`role_from`, `role_to` and so on, for each of role, organisation and activation that
    changed (all three for a new account)."""
    detail: dict[str, str] = {}
    for name, field in (
        ("role", "role"),
        ("organisation", "organisation_id"),
        ("active", "is_active"),
    ):
        old = getattr(before, field) if before else None
        new = getattr(after, field)
        if before is None or old != new:
            detail[f"{name}_from"], detail[f"{name}_to"] = _shown(name, old), _shown(name, new)
    return detail


def _shown(name: str, value: str | int | None) -> str:
    """A standing's value in the audit row: a role's code, an organisation's slug, true or
    false; "" for none."""
    if value is None:
        return ""
    if name == "organisation":
        slug = Organisation.objects.filter(pk=value).values_list("slug", flat=True).first()
        return slug or ""
    if name == "active":
        return str(value).lower()
    return str(value)
