"""The register of personal data: every model that holds personal or clinical data, once.

Each entry says what the record is (its record type, in words), whom it is about (the path
from the model to the child, when it is about a child), who reads it (its reader: the
function in the access layer or its app's `records.py` that every page and the API read it
through, and the access rule in words), how long it is kept (its retention class,
`privacy.retention`) and how it enters a subject access export (`subject_access`).

Every model of the product is either here or in `NO_PERSONAL_DATA` with the reason; a model
that reaches a person (a relation to a child, a referral, an account or a registered model)
must be here (`unregistered`, tested: a new model cannot be forgotten). Parts of the
product that work across record types read this register rather than their own list: the
generated access matrix, subject access and retention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from onedoor.access.records import (
    care_records_visible_to,
    children_visible_to,
    referrals_visible_to,
)
from onedoor.accounts.models import User
from onedoor.care.records import handovers_visible_to, notes_visible_to
from onedoor.case_audits.records import actions_visible_to, rounds_visible_to
from onedoor.governance.records import incidents_visible_to, supervision_visible_to
from onedoor.meetings.records import meetings_visible_to
from onedoor.safeguarding.records import concerns_visible_to


class Retention(StrEnum):
    """A retention class: the rule that sets a record's end date (`privacy.retention`)."""

    # The longer of the children's rule (to the 25th birthday, or the 26th if 17 when care
    # ended) and the mental health rule (20 years after care ended): the NHS England Records
    # Management Code of Practice's defaults, in the alliance file's [retention].
    CHILD = "child's mental health record"
    # Who viewed or changed a child's record: kept with the trail; when the child's records
    # go, the rows about them are pseudonymised, the chain kept whole.
    AUDIT = "audit trail"
    # A member of staff's or a referrer's account, their work records, and the service's
    # own records (anonymous feedback). Not disposed of by the retention run: an account is
    # closed, never deleted, because the clinical records it wrote name it for as long as
    # they are kept.
    STAFF = "staff record"
    # Incidents and their practice changes: years after the incident.
    INCIDENT = "incident record"
    # Kept only until it expires or is used (codes, links, saved answers, attempts); each
    # deletes itself on its own clock and is not left to the retention run.
    EXPIRES = "kept until it expires"


class Export(StrEnum):
    """How a record enters a subject access export."""

    RECORD = "in full, for the reviewer to redact"
    # A record about several children (a meeting, a supervision): only the part about this
    # child, the rest withheld as third-party information.
    MENTION = "the part about the child only"
    # An audit row: who viewed or changed the record, and when.
    ACCESS_LOG = "as who viewed the record"
    # An email sent about the child's referral: what was sent, when (never its address's
    # other recipients), found by the referral in the delivery's key.
    EMAIL = "as an email sent about the referral"
    # Not about a child or a parent: a member of staff's own request goes to their employer.
    STAFF = "not in a child's or parent's export"
    # A secret's digest, a throwaway or a tombstone: nothing a person could read in it.
    SECRET = "never: nothing of the person readable in it"  # noqa: S105 (a word, not a secret)


Reader = Callable[[User], QuerySet[Any]]


@dataclass(frozen=True)
class Entry:
    model: str  # app label and model name, as Django names it: "care.ClinicalNote"
    record_type: str  # in words, as the pages and the export name it
    rule: str  # the access rule, in words
    retention: Retention
    export: Export
    # The path from the model to the child it is about ("" for the child itself), or None.
    child: str | None = None
    # The reader every page and the API read it through; None when no page shows it.
    reader: Reader | None = None

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)


def follows(model: str, referral: str = "referral") -> Reader:
    """A record that follows its referral: whoever sees the referral and its child sees it
    (a professional referrer sees the referral they made, never the work that followed)."""
    return lambda user: apps.get_model(model).objects.filter(
        **{
            f"{referral}__in": referrals_visible_to(user),
            f"{referral}__child__in": children_visible_to(user),
        }
    )


def with_child(model: str) -> Reader:
    """A record about the child as a whole: whoever sees the child sees it."""
    return lambda user: apps.get_model(model).objects.filter(child__in=children_visible_to(user))


def care(model: str) -> Reader:
    return lambda user: care_records_visible_to(user, apps.get_model(model))


def through(model: str, parent: str, reader: Reader) -> Reader:
    """A part of a record (a goal of a care plan): whoever sees the record sees its parts."""
    return lambda user: apps.get_model(model).objects.filter(**{f"{parent}__in": reader(user)})


R, E = Retention, Export
FOLLOWS = "whoever may see the child's referral and the child (the policy's two rows)"
CARE = "the access policy's care record row"
NOTE = "the access policy's clinical note row, and the note's sharing level"
NOBODY = "no page shows it"
OWN = "its owner only (and the administrator's site for accounts)"

REGISTER: tuple[Entry, ...] = (
    # The child and their family.
    Entry("children.Child", "child", "the access policy's child row", R.CHILD, E.RECORD, "",
          children_visible_to),
    Entry("children.CarerContact", "parent or carer", "with the child", R.CHILD, E.RECORD,
          "child", with_child("children.CarerContact")),
    Entry("children.Journey", "journey", "with the child", R.CHILD, E.RECORD, "child",
          with_child("children.Journey")),
    # Read on the child's page (`care.records.child_corrections_visible_to`, a note's to
    # those who may read the note) and by the triage team: above the register.
    Entry("children.Correction", "correction", "with the child, and a note's with the note",
          R.CHILD, E.RECORD, "child"),
    Entry("children.SharingDecision", "consent to share withdrawn or given again",
          "with the child", R.CHILD, E.RECORD, "child", with_child("children.SharingDecision")),
    Entry("children.TimelineEvent", "timeline event", "with the child, and its referral",
          R.CHILD, E.RECORD, "child", lambda user: apps.get_model(
              "children.TimelineEvent").objects.filter(
              Q(referral__isnull=True) | Q(referral__in=referrals_visible_to(user)),
              child__in=children_visible_to(user))),
    # The referral and triage.
    Entry("referrals.Referral", "referral", FOLLOWS, R.CHILD, E.RECORD, "child",
          referrals_visible_to),
    Entry("referrals.MatchCandidate", "possible match", "the triage team", R.CHILD,
          E.RECORD, "referral__child", follows("referrals.MatchCandidate")),
    Entry("referrals.RetiredChild", "joined record", "the triage team", R.CHILD, E.RECORD,
          "referral__child", follows("referrals.RetiredChild")),
    Entry("referrals.AdviceContact", "advice contact", "with the child", R.CHILD, E.RECORD,
          "child", with_child("referrals.AdviceContact")),
    Entry("referrals.StatusSharing", "status sharing decision", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("referrals.StatusSharing")),
    Entry("referrals.SavedAnswers", "saved referral answers", NOBODY, R.EXPIRES, E.SECRET),
    Entry("referrals.SavedForLaterRequest", "link to come back asked for", NOBODY, R.EXPIRES,
          E.SECRET),
    Entry("triage.RiskScreening", "risk screening", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("triage.RiskScreening")),
    Entry("triage.TriageDecision", "triage decision", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("triage.TriageDecision")),
    Entry("triage.Escalation", "escalation", FOLLOWS, R.CHILD, E.RECORD, "referral__child",
          follows("triage.Escalation")),
    Entry("triage.ComplexDecision", "complex-case decision", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("triage.ComplexDecision")),
    Entry("triage.ConsentReview", "consent review", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("triage.ConsentReview")),
    Entry("triage.SignpostingReview", "signposted list review", "the triage team", R.STAFF,
          E.STAFF),
    # The work with the child.
    Entry("care.CheckIn", "check-in", CARE, R.CHILD, E.RECORD, "referral__child",
          care("care.CheckIn")),
    Entry("care.Contact", "contact", CARE, R.CHILD, E.RECORD, "referral__child",
          care("care.Contact")),
    Entry("care.AppointmentOffer", "first appointment offered", CARE, R.CHILD, E.RECORD,
          "referral__child", care("care.AppointmentOffer")),
    Entry("care.CarePlan", "care plan", CARE, R.CHILD, E.RECORD, "referral__child",
          care("care.CarePlan")),
    Entry("care.Goal", "care plan goal", CARE, R.CHILD, E.RECORD, "care_plan__referral__child",
          through("care.Goal", "care_plan", care("care.CarePlan"))),
    Entry("care.SafetyPlan", "safety plan", CARE, R.CHILD, E.RECORD, "referral__child",
          care("care.SafetyPlan")),
    Entry("care.RiskReview", "risk review", CARE, R.CHILD, E.RECORD, "referral__child",
          care("care.RiskReview")),
    Entry("care.ClinicalNote", "clinical note", NOTE, R.CHILD, E.RECORD, "referral__child",
          notes_visible_to),
    Entry("care.YoungAdultPathway", "young adult pathway", CARE, R.CHILD, E.RECORD,
          "referral__child", care("care.YoungAdultPathway")),
    Entry("care.Discharge", "discharge", FOLLOWS, R.CHILD, E.RECORD, "referral__child",
          follows("care.Discharge")),
    Entry("care.Feedback", "feedback at discharge", FOLLOWS, R.CHILD, E.RECORD,
          "discharge__referral__child", follows("care.Feedback", "discharge__referral")),
    Entry("care.Transition", "handover or transition", "the child's partners, and a "
          "receiving partner while it waits", R.CHILD, E.RECORD, "referral__child",
          handovers_visible_to),
    Entry("care.CoordinatorAssignment", "named coordinator", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("care.CoordinatorAssignment")),
    Entry("content.SentMaterial", "material sent", CARE, R.CHILD, E.RECORD,
          "check_in__referral__child",
          through("content.SentMaterial", "check_in", care("care.CheckIn"))),
    Entry("outcomes.Invitation", "measure invitation", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("outcomes.Invitation")),
    Entry("outcomes.MeasureResponse", "outcome measure", FOLLOWS, R.CHILD, E.RECORD,
          "referral__child", follows("outcomes.MeasureResponse")),
    # Governance records about children.
    Entry("safeguarding.Concern", "safeguarding concern", "those involved: the safeguarding "
          "leads who reach the child, the clinical lead, whoever raised it", R.CHILD, E.RECORD,
          "referral__child", concerns_visible_to),
    Entry("safeguarding.FollowUp", "safeguarding follow-up action", "with its concern",
          R.CHILD, E.RECORD, "concern__referral__child",
          through("safeguarding.FollowUp", "concern", concerns_visible_to)),
    Entry("meetings.Meeting", "meeting", "those involved: its chair, attendees, and those "
          "who reach a child discussed", R.CHILD, E.MENTION, "children__child",
          meetings_visible_to),
    Entry("meetings.Attendee", "meeting attendee", "with its meeting", R.CHILD, E.STAFF,
          None, through("meetings.Attendee", "meeting", meetings_visible_to)),
    Entry("meetings.Discussion", "meeting discussion", "with its meeting", R.CHILD, E.RECORD,
          "referral__child", through("meetings.Discussion", "meeting", meetings_visible_to)),
    Entry("meetings.MeetingAction", "meeting action", "with its meeting", R.CHILD, E.RECORD,
          "referral__child", through("meetings.MeetingAction", "meeting", meetings_visible_to)),
    Entry("case_audits.AuditRound", "case audit round", "the clinical lead; a partner lead "
          "for rounds sampling their organisation", R.STAFF, E.STAFF, None, rounds_visible_to),
    Entry("case_audits.AuditCase", "case audit record", "with its round, to the records of "
          "the reader's organisation", R.CHILD, E.RECORD, "referral__child",
          lambda user: apps.get_model("case_audits.AuditCase").objects.filter(
              round__in=rounds_visible_to(user))),
    Entry("case_audits.AuditScore", "case audit score", "with its case", R.CHILD, E.RECORD,
          "case__referral__child", lambda user: apps.get_model(
              "case_audits.AuditScore").objects.filter(case__round__in=rounds_visible_to(user))),
    Entry("case_audits.AuditAction", "case audit action", "the clinical lead; its owner; "
          "the partner lead of its organisation", R.STAFF, E.STAFF, None, actions_visible_to),
    Entry("governance.Supervision", "clinical supervision", "the supervisor, the person "
          "supervised, the clinical lead, their partner lead (reflections for the pair and "
          "the clinical lead only)", R.STAFF, E.MENTION, "cases__child",
          supervision_visible_to),
    Entry("governance.Incident", "incident", "its reporter, their partner lead, the "
          "clinical lead", R.INCIDENT, E.RECORD, "referral__child", incidents_visible_to),
    Entry("governance.PracticeChange", "incident practice change", "with its incident",
          R.INCIDENT, E.STAFF, None,
          through("governance.PracticeChange", "incident", incidents_visible_to)),
    # A subject access request is read through `subject_access.records`, above the register
    # (which it reads); it is kept with the child's records and is in their next export.
    Entry("subject_access.SubjectAccessRequest", "subject access request", "the clinical "
          "lead (`subject_access.records.requests_visible_to`)", R.CHILD, E.RECORD, "child"),
    Entry("subject_access.Redaction", "subject access redaction", "with its request",
          R.CHILD, E.STAFF, "request__child"),
    Entry("access.BreakGlassGrant", "emergency access", "the clinical lead, and its holder",
          R.AUDIT, E.ACCESS_LOG, "child"),
    Entry("privacy.RetentionRun", "retention run", "no page shows it: `apply_retention`",
          R.AUDIT, E.STAFF),
    Entry("privacy.Tombstone", "tombstone", NOBODY, R.AUDIT, E.SECRET),
    Entry("audit.AuditEvent", "audit row", "the clinical lead, on a child's who-viewed page",
          R.AUDIT, E.ACCESS_LOG),
    Entry("emails.Delivery", "email sent", NOBODY, R.AUDIT, E.EMAIL),
    # The public's one-time codes and the API's records of a referral.
    Entry("tracking.TrackingCode", "tracking code", NOBODY, R.EXPIRES, E.SECRET),
    Entry("tracking.TrackingAttempt", "tracking attempt", NOBODY, R.EXPIRES, E.SECRET),
    Entry("integrations.ApiSubmission", "referral sent by a system", NOBODY, R.CHILD,
          E.SECRET, "referral__child"),
    Entry("webhooks.Event", "event for a partner's system", NOBODY, R.CHILD, E.SECRET,
          "referral__child"),
    Entry("insights.StateSnapshot", "KPI snapshot", "figures only, never a row", R.CHILD,
          E.SECRET, "referral__child"),
    # Staff and referrers' accounts and their own records.
    Entry("accounts.User", "account", OWN, R.STAFF, E.STAFF),
    Entry("accounts.Draft", "draft", "its author only", R.EXPIRES, E.SECRET),
    Entry("accounts.ReferrerDetails", "professional referrer's details", OWN, R.STAFF,
          E.STAFF),
    Entry("access.RoleRequest", "role request", "the clinical lead", R.STAFF, E.STAFF),
    Entry("referrers.EmailVerification", "email verification link", NOBODY, R.EXPIRES,
          E.SECRET),
    Entry("referrers.RegistrationAttempt", "registration attempt", NOBODY, R.EXPIRES,
          E.SECRET),
    Entry("integrations.ApiClient", "API client", "the administrator", R.STAFF, E.STAFF),
    Entry("integrations.ApiToken", "API token", "the administrator", R.STAFF, E.SECRET),
    Entry("webhooks.Subscription", "webhook subscription", "the client's system", R.STAFF,
          E.STAFF),
    Entry("webhooks.Delivery", "webhook delivery", NOBODY, R.EXPIRES, E.SECRET),
    Entry("content.ContentItem", "content library item", "every member of staff", R.STAFF,
          E.STAFF),
    Entry("coproduction.Theme", "feedback theme", "every member of staff", R.STAFF, E.STAFF),
    Entry("coproduction.ServiceFeedback", "any-time feedback (anonymous, but free text)",
          "every member of staff", R.STAFF, E.STAFF),
    Entry("coproduction.YouSaidWeDid", "you said, we did", "every member of staff",
          R.STAFF, E.STAFF),
    Entry("insights.PackNarrative", "KPI pack narrative", "the pack's readers", R.STAFF,
          E.STAFF),
    Entry("referrals.SubmissionAttempt", "referral submission attempt", NOBODY, R.EXPIRES,
          E.SECRET),
    Entry("coproduction.FeedbackAttempt", "feedback attempt", NOBODY, R.EXPIRES, E.SECRET),
)  # fmt: skip

# Models of the product that hold no personal data, and why.
NO_PERSONAL_DATA: dict[str, str] = {
    "alliance.Alliance": "the alliance's configuration",
    "alliance.Organisation": "an organisation",
    "alliance.Need": "configuration",
    "alliance.PriorityGroup": "configuration",
    "alliance.DeliveryMode": "configuration",
    "alliance.Offer": "configuration",
    "alliance.AreaPostcode": "configuration",
    "alliance.GpPractice": "the NHS's published list of practices",
    "alliance.TriageClock": "configuration",
    "alliance.CheckInCadence": "configuration",
    "alliance.AuditCriterion": "configuration",
    "alliance.EscalationLevel": "configuration",
    "alliance.DirectoryService": "the public directory of services",
    "alliance.KpiTarget": "configuration",
    "audit.AuditHead": "the last hash of the audit chain",
    "operations.Heartbeat": "a process's last sign of life",
    "insights.SeriesCache": "computed figures, small numbers suppressed",
}

# The models a record reaches a person through.
PERSON_MODELS = frozenset({"children.Child", "referrals.Referral", "accounts.User"})

BY_MODEL: dict[str, Entry] = {entry.model: entry for entry in REGISTER}


def product_models() -> list[type[Model]]:
    """Every concrete model of the product (not of Django or a library)."""
    return [m for m in apps.get_models() if m.__module__.startswith("onedoor.")]


def reaches_a_person(model: type[Model], registered: Iterable[str]) -> bool:
    """Whether a model holds personal data by its relations: a relation to a child, a
    referral, an account, or a registered model (a goal of a care plan)."""
    people = PERSON_MODELS | set(registered)
    return any(
        isinstance(field.related_model, type)
        and issubclass(field.related_model, Model)
        and field.related_model._meta.label in people
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation
    )


def unregistered(models: Iterable[type[Model]]) -> list[str]:
    """The models the register forgets: one reaching a person that is not in it, or one in
    neither the register nor `NO_PERSONAL_DATA` (each a line saying which and why)."""
    registered = {entry.model for entry in REGISTER}
    problems = []
    for model in models:
        label = model._meta.label
        if label in registered:
            continue
        if reaches_a_person(model, registered):
            problems.append(f"{label}: holds personal data and is not in the register")
        elif label not in NO_PERSONAL_DATA:
            problems.append(f"{label}: in neither the register nor NO_PERSONAL_DATA")
    return problems


def about_children() -> list[Entry]:
    """The entries of records about a child, in the register's order."""
    return [entry for entry in REGISTER if entry.child is not None]
