"""Retention: how long each record is kept, what is due, and the approved run that disposes
of it (issue 18, part 5).

The rules are the alliance's (`Alliance.retention`, from the alliance file's [retention],
the NHS England Records Management Code of Practice's periods by default):

- a child's records (`Retention.CHILD`) are kept until the later of their 25th birthday
  (their 26th if they were 17 when care ended) and 20 years after care ended;
- an incident and its practice changes (`Retention.INCIDENT`), 10 years after it happened.

Care has ended when every referral of the child has ended (`referrals.states.ENDS`) and no
journey is open; it ended on the latest day anything happened on the child's record (the
last timeline event or journey closed). A record is kept to the end of its last day and is
due the day after.

`due` is the dry run: what the run would dispose of, counted by class and record type. `run`
is the run itself, approved by a named clinical lead: in one transaction, it deletes each
record of a due child the register lists (the child's part of a record about several, a
meeting or a supervision, is unlinked; an incident, which keeps its own clock, forgets the
referral), leaves a tombstone for each (type, id, last day, rule), pseudonymises the audit
rows about the child (their uuid becomes a keyed pseudonym) and re-seals the chain, so that
`verify_audit` passes after it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, Model, OuterRef, ProtectedError, QuerySet
from django.db.models.deletion import RestrictedError
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import RETENTION_DEFAULTS, Alliance
from onedoor.audit.trail import Action, pseudonymise_children, record
from onedoor.children.models import Child, Journey
from onedoor.clock import LONDON
from onedoor.governance.models import Incident, PracticeChange
from onedoor.privacy.models import RetentionRun, Tombstone
from onedoor.privacy.register import Entry, Retention, about_children
from onedoor.referrals.models import Referral
from onedoor.referrals.states import ENDS


@dataclass(frozen=True)
class Rules:
    """The alliance's retention periods; the defaults are the alliance file's own."""

    children_until_birthday: int = RETENTION_DEFAULTS["children_until_birthday"]
    children_until_birthday_if_17: int = RETENTION_DEFAULTS["children_until_birthday_if_17"]
    mental_health_years: int = RETENTION_DEFAULTS["mental_health_years"]
    incident_years: int = RETENTION_DEFAULTS["incident_years"]

    @classmethod
    def of(cls, alliance: Alliance) -> Rules:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in alliance.retention.items() if k in names})


def anniversary(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls on 1 March in a year without one (as a
    birthday does in England), so that a record is never let go a day early."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on `day` (a 29 February birthday counts from 1 March)."""
    return (
        day.year
        - date_of_birth.year
        - (anniversary(date_of_birth, day.year - date_of_birth.year) > day)
    )


def child_kept_until(date_of_birth: date, care_ended: date, rules: Rules) -> date:
    """The last day a child's records are kept: the later of the birthday the children's rule
    names (the 26th if they were 17 when care ended, else the 25th) and the mental health
    rule's years after care ended."""
    birthday = (
        rules.children_until_birthday_if_17
        if age_on(date_of_birth, care_ended) == 17
        else rules.children_until_birthday
    )
    return max(
        anniversary(date_of_birth, birthday),
        anniversary(care_ended, rules.mental_health_years),
    )


def child_rule(date_of_birth: date, care_ended: date, rules: Rules) -> str:
    """The rule that set the child's last day, in words, for its tombstones."""
    kept = child_kept_until(date_of_birth, care_ended, rules)
    if kept == anniversary(care_ended, rules.mental_health_years):
        return (
            f"{Retention.CHILD}: {rules.mental_health_years} years after care ended "
            f"on {care_ended.isoformat()}"
        )
    years = kept.year - date_of_birth.year
    return f"{Retention.CHILD}: to the {years}th birthday"


def incident_kept_until(occurred_on: date, rules: Rules) -> date:
    return anniversary(occurred_on, rules.incident_years)


@dataclass
class DueChild:
    child: Child
    kept_until: date
    rule: str


@dataclass
class Plan:
    """What a run would dispose of on `today`: the children and incidents due, and how many
    records of each class and record type."""

    alliance: Alliance
    today: date
    children: list[DueChild] = field(default_factory=list)
    incidents: list[tuple[Incident, date]] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def by_class(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (retention, _), n in self.counts.items():
            totals[retention] += n
        return dict(sorted(totals.items()))


def _care_ended(alliance: Alliance) -> QuerySet[Child]:
    open_referral = Referral.objects.filter(child=OuterRef("pk")).exclude(status__in=ENDS)
    open_journey = Journey.objects.filter(child=OuterRef("pk"), closed_at__isnull=True)
    return (
        Child.objects.filter(alliance=alliance)
        .annotate(
            still_open=Exists(open_referral) | Exists(open_journey),
            last_event=Max("timeline__at"),
            last_closed=Max("journeys__closed_at"),
        )
        .filter(still_open=False)
        .order_by("pk")
    )


def _care_ended_on(child: Any) -> date:
    """The day care ended: the latest thing on the child's record (its creation if none)."""
    moments = [m for m in (child.last_event, child.last_closed) if m is not None]
    return timezone.localtime(max(moments, default=child.created_at), LONDON).date()


# How many children's records one query counts: well under any database's limit of values.
CHUNK = 500


def _of_children(entry: Entry, child_ids: list[int]) -> QuerySet[Any]:
    """The records of `entry` about any of the children."""
    lookup = f"{entry.child}__in" if entry.child else "pk__in"
    return entry.model_class._default_manager.filter(**{lookup: child_ids}).distinct()


def due(alliance: Alliance, today: date | None = None) -> Plan:
    """The dry run: what is due on `today` (the clock's today by default)."""
    today = today or clock.today()
    rules = Rules.of(alliance)
    plan = Plan(alliance, today)
    for child in _care_ended(alliance).iterator(chunk_size=2000):
        ended = _care_ended_on(child)
        kept = child_kept_until(child.date_of_birth, ended, rules)
        if today > kept:
            plan.children.append(
                DueChild(child, kept, child_rule(child.date_of_birth, ended, rules))
            )
    due_ids = [d.child.pk for d in plan.children]
    for entry in about_children():
        if outlives_the_child(entry) or not due_ids:
            continue
        n = sum(
            _of_children(entry, due_ids[i : i + CHUNK]).count()
            for i in range(0, len(due_ids), CHUNK)
        )
        if n:
            plan.counts[(Retention.CHILD.value, entry.record_type)] += n
    for incident in Incident.objects.filter(alliance=alliance).order_by("pk"):
        kept = incident_kept_until(incident.occurred_on, rules)
        if today > kept:
            plan.incidents.append((incident, kept))
    if plan.incidents:
        plan.counts[(Retention.INCIDENT.value, "incident")] = len(plan.incidents)
        changes = PracticeChange.objects.filter(incident__in=[i for i, _ in plan.incidents])
        if n := changes.count():
            plan.counts[(Retention.INCIDENT.value, "incident practice change")] = n
    return plan


def outlives_the_child(entry: Entry) -> bool:
    """Whether a record about a due child outlives the child's records: a record about
    several children (its link to this one goes), or an incident, which keeps its own clock
    (it forgets the child's referral)."""
    step = (entry.child or "").split("__")[0]
    return entry.retention is Retention.INCIDENT or (
        bool(step) and bool(entry.model_class._meta.get_field(step).many_to_many)
    )


class NotApproved(Exception):
    """The run was not approved by an active clinical lead of the alliance."""


def pseudonym(child_uuid: uuid.UUID) -> uuid.UUID:
    """The child's uuid in the audit trail once their records are gone: keyed with the
    audit key, so nobody without it can go back, and the same for every row of the child."""
    digest = hmac.new(settings.AUDIT_KEY.encode(), child_uuid.bytes, hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def run(plan: Plan, *, approved_by: User) -> RetentionRun:
    """Dispose of what `plan` lists, approved by `approved_by`: an active clinical lead of the
    plan's alliance. One transaction: all of it, or nothing."""
    if not (
        approved_by.is_active
        and approved_by.role == Role.CLINICAL_LEAD
        and approved_by.organisation is not None
        and approved_by.organisation.alliance_id == plan.alliance.pk
    ):
        raise NotApproved("A retention run is approved by an active clinical lead of the alliance.")
    with transaction.atomic():
        retention_run = RetentionRun.objects.create(
            alliance=plan.alliance,
            approved_by=approved_by,
            ran_at=clock.now(),
            counts={f"{c}: {t}": n for (c, t), n in sorted(plan.counts.items())},
        )
        pseudonyms = {}
        for due_child in plan.children:
            pseudonyms[due_child.child.uuid] = pseudonym(due_child.child.uuid)
            _dispose_of_child(retention_run, due_child, pseudonyms[due_child.child.uuid])
        for incident, kept in plan.incidents:
            _dispose_of_incident(retention_run, incident, kept)
        pseudonymise_children(pseudonyms)
        record(
            Action.DELETE,
            actor=approved_by,
            record_type="retention_run",
            record_id=retention_run.uuid,
            detail={"children": len(plan.children), "incidents": len(plan.incidents)},
        )
    return retention_run


def _id_of(row: Model) -> str:
    return str(getattr(row, "uuid", None) or row.pk)


def _dispose_of_child(
    retention_run: RetentionRun, due_child: DueChild, child_pseudonym: uuid.UUID
) -> None:
    """Every record about the child the register lists, read before anything changes (a
    meeting's link to the child is its discussion): the kept ones let go of the child, the
    rest deleted, each with its tombstone."""
    child = due_child.child
    found = [(entry, list(_of_children(entry, [child.pk]))) for entry in about_children()]
    stones: list[Tombstone] = []
    to_delete: list[tuple[type[Model], list[Any]]] = []
    for entry, rows in found:
        if rows and not outlives_the_child(entry):
            record_id = (lambda r: str(child_pseudonym)) if entry.model_class is Child else _id_of
            stones += [
                Tombstone(
                    run=retention_run,
                    record_type=entry.record_type,
                    record_id=record_id(r),
                    kept_until=due_child.kept_until,
                    rule=due_child.rule,
                )
                for r in rows
            ]
            to_delete.append((entry.model_class, [r.pk for r in rows]))
    for entry, rows in found:
        if rows and outlives_the_child(entry):
            _let_go(entry, rows, child)
    _delete_all(to_delete)
    Tombstone.objects.bulk_create(stones)


def _let_go(entry: Entry, rows: list[Any], child: Child) -> None:
    """A kept record lets go of the child: a record about several children loses its link
    to this one; an incident forgets the referral."""
    model = entry.model_class
    step, _, rest = (entry.child or "").partition("__")
    first: Any = model._meta.get_field(step)
    if first.many_to_many:
        link = {f"{first.m2m_reverse_field_name()}__{rest}": child}
        first.remote_field.through.objects.filter(**link).delete()
    else:
        model._default_manager.filter(pk__in=[r.pk for r in rows]).update(**{step: None})


def _dispose_of_incident(retention_run: RetentionRun, incident: Incident, kept: date) -> None:
    years = Rules.of(retention_run.alliance).incident_years
    rule = f"{Retention.INCIDENT}: {years} years after it happened"
    changes = list(PracticeChange.objects.filter(incident=incident))
    Tombstone.objects.bulk_create(
        [
            Tombstone(
                run=retention_run,
                record_type="incident practice change",
                record_id=str(c.pk),
                kept_until=kept,
                rule=rule,
            )
            for c in changes
        ]
        + [
            Tombstone(
                run=retention_run,
                record_type="incident",
                record_id=_id_of(incident),
                kept_until=kept,
                rule=rule,
            )
        ]
    )
    _delete_all([(PracticeChange, [c.pk for c in changes]), (Incident, [incident.pk])])


def _delete_all(batches: Iterable[tuple[type[Model], list[Any]]]) -> None:
    """Delete every batch, those that others protect after the others: records point at each
    other (an escalation at a handover, both at the referral), and each pass deletes what
    nothing left points at, until all are gone."""
    pending = [(model, pks) for model, pks in batches if pks]
    while pending:
        left = []
        for model, pks in pending:
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk__in=pks).delete()
            except (ProtectedError, RestrictedError):
                left.append((model, pks))
        if len(left) == len(pending):
            names = ", ".join(model._meta.label for model, _ in left)
            raise ProtectedError(f"Retention could not delete: {names}", set())
        pending = left
