"""Everything held about a request's subject, gathered from the register (`privacy.register`).

For a child: a section for every register entry that enters an export (`EXPORTING`) and is
about a child (it has a path to the child), and for the audit trail and the emails, found by
the child's uuid and their referrals: a registered model enters the export without a line
here. Each entry's rows are read through its reader in the access layer, as the clinical
lead (who sees everything in their alliance), narrowed to the child by the entry's path.
How a row is shown follows its entry's `Export`:

- RECORD: every concrete field in words (its verbose name; a choice by its label; a related
  record by its readable name, never an id), less the internal ones (`INTERNAL`);
- MENTION: only the part about this child (a meeting's title, date and kind and its
  discussion of this child; a supervision only as the date the case was discussed);
- ACCESS_LOG: who viewed the record, when, their role and organisation (audit rows about the
  child, emergency access grants);
- EMAIL: what was sent and when (sent emails whose key names one of the child's referrals).

For a parent or carer (`CARER_RECORDS`): their own parent or carer record; the child's
referrals they made (the referrer's email is theirs, or the referrer's name and phone
are); the outcome measure invitations sent to their email and the measures completed through
them; and the emails about those referrals and invitations. What is about the child alone is
not theirs to receive: that is the child's own request. Everything else about them that the
records hold (their name in a referral, a timeline event) is in these records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Organisation
from onedoor.audit.models import AuditEvent
from onedoor.children.models import CarerContact, Child
from onedoor.clock import LONDON
from onedoor.emails.models import Delivery
from onedoor.meetings.models import Discussion
from onedoor.outcomes.models import Invitation
from onedoor.privacy.register import BY_MODEL, REGISTER, Entry, Export
from onedoor.referrals.models import Referral
from onedoor.subject_access.models import SubjectAccessRequest

EXPORTING = (Export.RECORD, Export.MENTION, Export.ACCESS_LOG, Export.EMAIL)
NOT_RECORDED = "Not recorded"
# Fields that say nothing about the person: identifiers, secrets, digests, counters and the
# matcher's own copies of the names.
INTERNAL = frozenset({
    "id", "uuid", "version", "token", "feedback_token", "submission_key", "hash", "prev_hash",
    "sequence", "queue_band", "search_terms", "archive", "archive_sha256", "claimed_until",
    "attempts", "last_error",
})  # fmt: skip


@dataclass(frozen=True)
class Field:
    name: str  # the model field's name ("" for what is not one field)
    label: str
    value: str


@dataclass(frozen=True)
class Item:
    key: str  # the record's uuid, or its primary key when it has none
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Section:
    record_type: str
    model: str
    how: str  # the entry's `Export`, in words
    items: tuple[Item, ...]


def child_entries() -> list[Entry]:
    """The entries a child's export has a section for, in the register's order."""
    return [
        entry
        for entry in REGISTER
        if entry.export in EXPORTING
        and (entry.child is not None or entry.export in (Export.ACCESS_LOG, Export.EMAIL))
    ]


def gather(request: SubjectAccessRequest, user: User) -> list[Section]:
    """Every section of the request's export, read as `user` (a clinical lead)."""
    assert user.role == Role.CLINICAL_LEAD
    child = request.child
    if request.carer is not None:
        return _for_carer(request.carer, child, user)
    referrals = list(Referral.objects.filter(child=child).values_list("uuid", flat=True))
    return [
        _section(entry, _child_rows(entry, child, user, referrals), child)
        for entry in child_entries()
    ]


def counts(sections: Iterable[Section]) -> dict[str, int]:
    return {section.record_type: len(section.items) for section in sections}


def _reviewed(sections: Iterable[Section]) -> Iterable[tuple[Section, Item]]:
    """The items a review must have seen: all but the access log, which grows as the request
    is worked (each step is audited) and is disclosed as it stands at disclosure."""
    for section in sections:
        if section.how != Export.ACCESS_LOG:
            for item in section.items:
                yield section, item


def keys(sections: Iterable[Section]) -> list[str]:
    """Every item the review must see, as "record type|id"."""
    return [f"{section.record_type}|{item.key}" for section, item in _reviewed(sections)]


def fingerprint(sections: Iterable[Section]) -> str:
    """What the reviewer saw: the items and every value, digested (the review page sends it
    back, so that a record added or changed while they read is not marked reviewed)."""
    digest = hashlib.sha256()
    for section, item in _reviewed(sections):
        digest.update(f"{section.record_type}|{item.key}|{item.fields!r}\n".encode())
    return digest.hexdigest()


# The rows


def _readable_rows(entry: Entry, user: User) -> QuerySet[Any]:
    if entry.reader is not None:
        return entry.reader(user)
    return entry.model_class._default_manager.all()


def _child_rows(
    entry: Entry, child: Child, user: User, referrals: list[Any]
) -> QuerySet[Any] | list[Any]:
    if entry.export is Export.EMAIL:
        return _emails([str(uuid) for uuid in referrals])
    if entry.child is None:  # the audit trail names the child by uuid
        return AuditEvent.objects.filter(child_uuid=child.uuid).order_by("sequence")
    path = entry.child or "pk"
    return _readable_rows(entry, user).filter(**{path: child.pk}).distinct()


def _emails(uuids: list[str]) -> QuerySet[Delivery]:
    if not uuids:
        return Delivery.objects.none()
    about = Q()
    for uuid in uuids:
        about |= Q(key__contains=uuid)
    return Delivery.objects.filter(about, sent_at__isnull=False).order_by("sent_at", "pk")


def carer_finders(carer: CarerContact, child: Child) -> dict[str, Callable[[QuerySet[Any]], Any]]:
    """How each of a parent or carer's records is found among the rows the reader gives."""
    made = Q(pk__in=[])
    if carer.email:
        made |= Q(referrer_email__iexact=carer.email)
    if carer.phone:
        made |= Q(referrer_name__iexact=carer.name, referrer_phone=carer.phone)
    sent_to = Q(email__iexact=carer.email) if carer.email else Q(pk__in=[])
    referrals = Referral.objects.filter(made, child=child)
    invitations = Invitation.objects.filter(sent_to, referral__child=child)
    return {
        "children.CarerContact": lambda rows: rows.filter(pk=carer.pk),
        "referrals.Referral": lambda rows: rows.filter(pk__in=referrals.values("pk")),
        "outcomes.Invitation": lambda rows: rows.filter(pk__in=invitations.values("pk")),
        "outcomes.MeasureResponse": lambda rows: rows.filter(
            invitation__in=invitations.values("pk")
        ),
        "emails.Delivery": lambda rows: _emails(
            [str(u) for u in referrals.values_list("uuid", flat=True)]
            + [str(u) for u in invitations.values_list("uuid", flat=True)]
        ),
    }


# The models a parent or carer's export has a section for (`carer_finders`).
CARER_RECORDS = (
    "children.CarerContact",
    "referrals.Referral",
    "outcomes.Invitation",
    "outcomes.MeasureResponse",
    "emails.Delivery",
)


def _for_carer(carer: CarerContact, child: Child, user: User) -> list[Section]:
    finders = carer_finders(carer, child)
    return [
        _section(entry, finders[entry.model](_readable_rows(entry, user)), child)
        for entry in REGISTER
        if entry.model in finders
    ]


# Each row in words


def _section(entry: Entry, rows: QuerySet[Any] | list[Any], child: Child) -> Section:
    model = entry.model_class
    if isinstance(rows, QuerySet):
        rows = _with_related(rows, model, entry, child)
    shown = {
        Export.RECORD: _record,
        Export.MENTION: _mention,
        Export.ACCESS_LOG: _access,
        Export.EMAIL: _email,
    }[entry.export]
    rows = list(rows)
    extra = _access_context(rows) if entry.model == "audit.AuditEvent" else {}
    items = tuple(shown(entry, row, extra) for row in rows)
    return Section(entry.record_type, entry.model, str(entry.export), items)


def _with_related(
    rows: QuerySet[Any], model: type[Model], entry: Entry, child: Child
) -> QuerySet[Any]:
    related = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.name not in INTERNAL and f.name != "alliance"
    ]
    many = [f.name for f in model._meta.many_to_many]
    if entry.export is Export.ACCESS_LOG and entry.model != "audit.AuditEvent":
        related.append("user__organisation")
    rows = rows.select_related(*related).prefetch_related(*many)
    if entry.model == "meetings.Meeting":
        rows = rows.prefetch_related(
            Prefetch(
                "discussions",
                queryset=Discussion.objects.filter(referral__child=child).order_by("pk"),
                to_attr="about_child",
            )
        )
    return rows.order_by("pk")


def key_of(row: Model) -> str:
    return str(getattr(row, "uuid", None) or row.pk)


def _record(entry: Entry, row: Model, extra: dict[str, Any]) -> Item:
    fields = []
    for field in [*row._meta.concrete_fields, *row._meta.many_to_many]:
        if field.name in INTERNAL or field.name.startswith("match_") or field.name == "alliance":
            continue
        fields.append(Field(field.name, _label(field), _value(row, field)))
    return Item(key_of(row), _title(entry, row), tuple(fields))


def _mention(entry: Entry, row: Model, extra: dict[str, Any]) -> Item:
    """The part about this child: a meeting's title, date, kind and its discussion of the
    child; anything else (a supervision) only as the date the case was discussed."""
    when = _first_date(row)
    if entry.model == "meetings.Meeting":
        discussed = "\n".join(d.decisions for d in getattr(row, "about_child", []))
        fields: tuple[Field, ...] = (
            Field("title", "Title", row.title),  # type: ignore[attr-defined]
            Field("held_on", "Date", when),
            Field("kind", "Kind", row.get_kind_display()),  # type: ignore[attr-defined]
            Field("discussions", "Decisions about the child", discussed or NOT_RECORDED),
        )
    else:
        fields = (Field("", "Mentioned", f"The case was discussed on {when}"),)
    return Item(key_of(row), _title(entry, row), fields)


def _access_context(rows: list[Any]) -> dict[str, Any]:
    """The names of the staff and organisations the audit rows name (two queries)."""
    users = User.objects.filter(uuid__in={row.actor_uuid for row in rows if row.actor_uuid})
    slugs = {row.actor_organisation for row in rows if row.actor_organisation}
    return {
        "users": {user.uuid: str(user) for user in users},
        "organisations": dict(
            Organisation.objects.filter(slug__in=slugs).values_list("slug", "name")
        ),
    }


def _access(entry: Entry, row: Any, extra: dict[str, Any]) -> Item:
    """Who viewed or changed the record, when, in what role and organisation."""
    if isinstance(row, AuditEvent):
        who = extra["users"].get(row.actor_uuid) or row.actor_username or "The system"
        role = Role(row.actor_role).label if row.actor_role in Role.values else ""
        organisation = extra["organisations"].get(row.actor_organisation, "")
        what, when = f"{row.get_action_display()}: {row.record_type}", row.at
    else:  # an emergency access grant
        user = row.user
        who, role = str(user), user.role_label
        organisation = user.organisation.name if user.organisation else ""
        what, when = "Emergency access", row.granted_at
    fields = (
        Field("at", "When", _when(when)),
        Field("action", "What", what),
        Field("actor", "Who", who),
        Field("role", "Role", role or NOT_RECORDED),
        Field("organisation", "Organisation", organisation or NOT_RECORDED),
    )
    return Item(key_of(row), f"{what}, {_when(when)}", fields)


def _email(entry: Entry, row: Any, extra: dict[str, Any]) -> Item:
    kind = row.key.split(":", 1)[0].replace("-", " ").capitalize()
    fields = (Field("key", "Email", kind), Field("sent_at", "Sent", _when(row.sent_at)))
    return Item(key_of(row), f"{kind}, {_when(row.sent_at)}", fields)


# Values in words


def _label(field: Any) -> str:
    label = str(field.verbose_name)
    return label[:1].upper() + label[1:]


def _value(row: Model, field: Any) -> str:
    if field.many_to_many:
        return ", ".join(readable(each) for each in getattr(row, field.name).all()) or "None"
    value = getattr(row, field.name)
    if field.is_relation:
        return readable(value) if value is not None else NOT_RECORDED
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    return in_words(value)


def in_words(value: object) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime | date):
        return _when(value)
    if isinstance(value, list | tuple):
        return ", ".join(in_words(each) for each in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {in_words(each)}" for key, each in value.items())
    return str(value)


def _when(value: date | datetime | None) -> str:
    if value is None:
        return NOT_RECORDED
    if isinstance(value, datetime):
        here = value.astimezone(LONDON)
        return f"{here.day} {here:%B %Y %H:%M}"
    return f"{value.day} {value:%B %Y}"


def readable(row: Any) -> str:
    """A related record by its name, never its id: a person's name, a referral's reference,
    a configured thing's name, or a record by its type and date."""
    if isinstance(row, User | Child):
        return str(row)
    if isinstance(row, Referral):
        return f"Referral {row.reference_display}"
    for attribute in ("name", "title"):
        if isinstance(getattr(row, attribute, None), str):
            return str(getattr(row, attribute))
    entry = BY_MODEL.get(row._meta.label)
    if entry is not None:
        when = _first_date(row)
        kind = entry.record_type[:1].upper() + entry.record_type[1:]
        return f"{kind} of {when}" if when != NOT_RECORDED else kind
    return str(row)


def _first_date(row: Model) -> str:
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname, None)
        if isinstance(value, datetime | date):
            return _when(value)
    return NOT_RECORDED


def _title(entry: Entry, row: Model) -> str:
    if isinstance(row, Child | Referral):
        return readable(row)
    kind = entry.record_type[:1].upper() + entry.record_type[1:]
    when = _first_date(row)
    return f"{kind}, {when}" if when != NOT_RECORDED else kind
