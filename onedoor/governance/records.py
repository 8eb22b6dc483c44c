"""Who may read which governance records, decided in the query.

Supervision records: the supervisor and the person supervised read their own; a partner
lead reads those of their organisation's people; the clinical lead reads all. Reflective
notes are narrower: the pair and the clinical lead only (`reflections_visible_to`); everyone
else with access gets the record with `reflective_notes` empty.

Incidents: the reporter reads what they reported, a partner lead their organisation's, the
clinical lead all. A linked referral is shown only to those who may see it.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Case, F, Prefetch, Q, QuerySet, TextField, Value, When

from onedoor.access.records import alliance_of, denied, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import STAFF_ROLES, TASK_HOLDERS, Role
from onedoor.audit.trail import Action, record
from onedoor.governance.models import Incident, PracticeChange, Supervision

# Who gives supervision, and who must receive it (and so appears on the compliance view).
SUPERVISORS = frozenset({Role.CLINICAL_LEAD, Role.PARTNER_LEAD, Role.CARE_COORDINATOR})
SUPERVISEES = frozenset({Role.PRACTITIONER, Role.PARTNER_LEAD})
SUPERVISION_READERS = SUPERVISORS | SUPERVISEES
COMPLIANCE_READERS = frozenset({Role.CLINICAL_LEAD, Role.PARTNER_LEAD})
# Anyone on the alliance's staff may report an incident and read the learning log; the
# commissioner is not alliance staff.
STAFF = frozenset(STAFF_ROLES - {Role.COMMISSIONER})


def _reflection_readers(user: User) -> Q:
    if user.role == Role.CLINICAL_LEAD:
        return Q(pk__isnull=False)
    return Q(supervisor=user) | Q(practitioner=user)


def action_owners(user: User) -> QuerySet[User]:
    """Who may own an action in the user's alliance: active staff with a task list, where
    the action appears (`TASK_HOLDERS`), by name."""
    alliance = alliance_of(user)
    if alliance is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True, organisation__alliance_id=alliance, role__in=TASK_HOLDERS
        )
        .select_related("organisation")
        .order_by("first_name", "last_name", "pk")
    )


def supervisable_by(supervisor: User) -> QuerySet[User]:
    """Whom a supervisor may record supervision of: the clinical lead, any practitioner or
    partner lead in the alliance; a partner lead, their own organisation's practitioners; a
    care coordinator, the alliance's practitioners. Active people only, never oneself."""
    alliance = alliance_of(supervisor)
    if supervisor.role not in SUPERVISORS or alliance is None:
        return User.objects.none()
    people = User.objects.filter(is_active=True, organisation__alliance_id=alliance).exclude(
        pk=supervisor.pk
    )
    if supervisor.role == Role.CLINICAL_LEAD:
        people = people.filter(role__in=SUPERVISEES)
    elif supervisor.role == Role.PARTNER_LEAD:
        people = people.filter(role=Role.PRACTITIONER, organisation=supervisor.organisation)
    else:
        people = people.filter(role=Role.PRACTITIONER)
    return people.select_related("organisation").order_by("first_name", "last_name", "pk")


def reflections_visible_to(user: User) -> QuerySet[Supervision]:
    """The supervision records whose reflective notes `user` may read."""
    alliance = alliance_of(user)
    if user.role not in SUPERVISION_READERS or alliance is None:
        return Supervision.objects.none()
    return Supervision.objects.filter(_reflection_readers(user), alliance_id=alliance)


def supervision_visible_to(user: User) -> QuerySet[Supervision]:
    """The supervision records `user` may see, with `reflective_notes` holding the notes
    only where they may read them (empty otherwise; the column itself is not loaded), and
    the cases discussed that they may see, with the supervisor and practitioner."""
    alliance = alliance_of(user)
    if user.role not in SUPERVISION_READERS or alliance is None:
        return Supervision.objects.none()
    scope = Q(supervisor=user) | Q(practitioner=user)
    if user.role == Role.CLINICAL_LEAD:
        scope = Q(pk__isnull=False)
    elif user.role == Role.PARTNER_LEAD:
        scope |= Q(practitioner__organisation_id=user.organisation_id)
    return (
        Supervision.objects.filter(scope, alliance_id=alliance)
        .defer("reflections")
        .annotate(
            reflective_notes=Case(
                When(_reflection_readers(user), then=F("reflections")),
                default=Value(""),
                output_field=TextField(),
            )
        )
        .select_related("supervisor__organisation", "practitioner__organisation")
        .prefetch_related(
            Prefetch("cases", queryset=referrals_visible_to(user).order_by("reference"))
        )
    )


def get_supervision_for_user(user: User, uuid: UUID) -> Supervision:
    """One supervision record, its view audited; a 404 (the denial audited) otherwise."""
    found = supervision_visible_to(user).filter(uuid=uuid).first()
    if found is None:
        raise denied(user, "governance.supervision", uuid)
    record(Action.VIEW, actor=user, record_type="governance.supervision", record_id=uuid)
    return found


def incidents_visible_to(user: User) -> QuerySet[Incident]:
    alliance = alliance_of(user)
    if user.role not in STAFF or alliance is None:
        return Incident.objects.none()
    scope = Q(reported_by=user)
    if user.role == Role.CLINICAL_LEAD:
        scope = Q(pk__isnull=False)
    elif user.role == Role.PARTNER_LEAD:
        scope |= Q(organisation_id=user.organisation_id)
    return Incident.objects.filter(scope, alliance_id=alliance)


def get_incident_for_user(user: User, uuid: UUID) -> Incident:
    found = (
        incidents_visible_to(user)
        .select_related("organisation", "reported_by", "reviewer")
        .filter(uuid=uuid)
        .first()
    )
    if found is None:
        raise denied(user, "governance.incident", uuid)
    record(Action.VIEW, actor=user, record_type="governance.incident", record_id=uuid)
    return found


def linked_referral(user: User, incident: Incident) -> object | None:
    """The incident's referral, for those who may see it; None otherwise."""
    if incident.referral_id is None:
        return None
    return referrals_visible_to(user).filter(pk=incident.referral_id).first()


def learning_log(user: User) -> QuerySet[Incident]:
    """Shared lessons: the kind, severity, lessons and practice changes of each shared
    incident, and nothing else (no title, no account of what happened, no child)."""
    alliance = alliance_of(user)
    if user.role not in STAFF or alliance is None:
        return Incident.objects.none()
    return (
        Incident.objects.filter(alliance_id=alliance, shared_at__isnull=False)
        .only("uuid", "kind", "severity", "lessons", "shared_at")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=PracticeChange.objects.select_related("owner").only(
                    "incident_id", "change", "due_on", "owner__first_name",
                    "owner__last_name", "owner__username",
                ),
            )
        )
    )  # fmt: skip
