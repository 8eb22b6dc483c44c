"""One access matrix across every record type in the register (issue 18, part 2; ADR 39).

For each of the matrix's children (`test_access_matrix.CHILDREN`) one record of every type
the register gives a reader is made, with whatever it hangs from, by `make` (from the
model's own fields, so a new record type needs no new code here, only its expectation).
Then, for every persona, the reader's answer is compared with what the rules say each may
see, written out by hand below from the brief and the policy, not derived from the readers.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import date
from typing import Any

import pytest
from django.db import models

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, AuditCriterion, Offer, Organisation
from onedoor.children.models import Child
from onedoor.privacy.register import NOBODY, REGISTER, Entry
from tests.personas import People
from tests.test_access_matrix import (
    EVERYONE,
    EXPECTED,
    EXPECTED_CARE,
    EXPECTED_NOTES,
    EXPECTED_REFERRALS,
    children,  # noqa: F401 (the fixture)
)
from tests.test_access_matrix import (
    NOBODY as NO_ONE,
)

Seen = dict[str, frozenset[str]]


def _view(table: dict[str, tuple[frozenset[str], frozenset[str]]]) -> Seen:
    return {persona: view for persona, (view, _) in table.items()}


def _only(**seen: frozenset[str]) -> Seen:
    return {persona: seen.get(persona, NO_ONE) for persona in EXPECTED}


CHILD = _view(EXPECTED)
REFERRAL = _view(EXPECTED_REFERRALS)
CARE = _view(EXPECTED_CARE)
NOTE = _view(EXPECTED_NOTES)  # shared with the alliance
# Raised (or recorded) by the triage lead: those involved, the lead provider's safeguarding
# lead and the clinical lead; a partner's safeguarding lead, its own children's.
INVOLVED = _only(
    triage=EVERYONE,
    clinical_lead=EVERYONE,
    safeguarding=EVERYONE,
    partner_safeguarding=frozenset({"chums"}),
)
# A round per child sampling the child's organisation (the lead provider's for a child
# with no partner): the clinical lead reads them all; a partner lead, their own.
AUDITED = _only(
    clinical_lead=EVERYONE, kooth_lead=frozenset({"kooth"}), chums_lead=frozenset({"chums"})
)
# Kooth's partner lead supervising a Kooth practitioner: the pair and the clinical lead.
SUPERVISED = _only(clinical_lead=EVERYONE, kooth_lead=EVERYONE, kooth_practitioner=EVERYONE)
# Reported by the triage lead for the lead provider: the reporter and the clinical lead.
REPORTED = _only(triage=EVERYONE, clinical_lead=EVERYONE)

EXPECTED_BY_TYPE: dict[str, Seen] = {
    "children.Child": CHILD,
    "children.CarerContact": CHILD,
    "children.Journey": CHILD,
    "children.SharingDecision": CHILD,
    "children.TimelineEvent": CHILD,
    "referrals.Referral": REFERRAL,
    "referrals.MatchCandidate": CHILD,
    "referrals.RetiredChild": CHILD,
    "referrals.AdviceContact": CHILD,
    "referrals.StatusSharing": CHILD,
    "triage.RiskScreening": CHILD,
    "triage.TriageDecision": CHILD,
    "triage.Escalation": CHILD,
    "triage.ComplexDecision": CHILD,
    "triage.ConsentReview": CHILD,
    "care.CheckIn": CARE,
    "care.Contact": CARE,
    "care.AppointmentOffer": CARE,
    "care.CarePlan": CARE,
    "care.Goal": CARE,
    "care.SafetyPlan": CARE,
    "care.RiskReview": CARE,
    "care.ClinicalNote": NOTE,
    "care.YoungAdultPathway": CARE,
    "care.Discharge": CHILD,
    "care.Feedback": CHILD,
    "care.Transition": CHILD,
    "care.CoordinatorAssignment": CHILD,
    "content.SentMaterial": CARE,
    "outcomes.Invitation": CHILD,
    "outcomes.MeasureResponse": CHILD,
    "safeguarding.Concern": INVOLVED,
    "safeguarding.FollowUp": INVOLVED,
    "meetings.Meeting": INVOLVED,
    "meetings.Attendee": INVOLVED,
    "meetings.Discussion": INVOLVED,
    "meetings.MeetingAction": INVOLVED,
    "case_audits.AuditRound": AUDITED,
    "case_audits.AuditCase": AUDITED,
    "case_audits.AuditScore": AUDITED,
    "case_audits.AuditAction": AUDITED,
    "governance.Supervision": SUPERVISED,
    "governance.Incident": REPORTED,
    "governance.PracticeChange": REPORTED,
}

# The register's record types with no reader, and where they are read instead.
READ_ELSEWHERE: dict[str, str] = {
    "access.BreakGlassGrant": "the clinical lead's emergency access review (test_break_glass)",
    "audit.AuditEvent": "the clinical lead's who-viewed page (test_audit_trail)",
    "access.RoleRequest": "the clinical lead's role requests (test_separation_of_duties)",
    "accounts.User": "the administrator's site (test_separation_of_duties)",
    "accounts.ReferrerDetails": "its own referrer (test_professional_referrers)",
    "integrations.ApiClient": "the administrator's API clients page (test_api_clients)",
    "integrations.ApiToken": "the administrator's API clients page (test_api_clients)",
    "accounts.Draft": "its author only, restored into their own form (test_drafts)",
    "webhooks.Subscription": "its client's system (test_webhooks)",
    "content.ContentItem": "every member of staff: the content library (test_content)",
    "coproduction.Theme": "every member of staff (test_coproduction)",
    "coproduction.ServiceFeedback": "every member of staff (test_coproduction)",
    "coproduction.YouSaidWeDid": "every member of staff (test_coproduction)",
    "insights.PackNarrative": "the review pack's readers (test_insights_pages)",
    "triage.SignpostingReview": "the triage team (test_signposted)",
    "insights.StateSnapshot": "figures only, small numbers suppressed (test_insights_pages)",
    "privacy.RetentionRun": "the server's command line (test_retention)",
    "subject_access.SubjectAccessRequest": "the clinical lead's requests (test_subject_access)",
    "subject_access.Redaction": "the clinical lead's requests (test_subject_access)",
    "children.Correction": "the child's page and the note's (test_rectification)",
}


def test_the_matrix_enumerates_every_record_type_in_the_register() -> None:
    with_reader = {e.model for e in REGISTER if e.reader is not None}
    unread = {e.model for e in REGISTER if e.reader is None}
    assert set(EXPECTED_BY_TYPE) == with_reader
    # Every other type is read by no page, or its page and its test are named.
    assert {e.model for e in REGISTER if e.reader is None and e.rule != NOBODY} == set(
        READ_ELSEWHERE
    )
    assert unread | with_reader == {e.model for e in REGISTER}


class Maker:
    """One record of a model for one child, with whatever it hangs from made for the same
    child (memoised), its required fields filled from their own kind."""

    def __init__(self, alliance: Alliance, people: People, child: Child) -> None:
        self.alliance, self.people, self.child = alliance, people, child
        self.referral = child.referrals.get()
        self.organisation = self.referral.allocated_organisation or Organisation.objects.get(
            alliance=alliance, kind=Organisation.Kind.LEAD_PROVIDER
        )
        self.made: dict[str, models.Model] = {}

    def make(self, label: str) -> models.Model:
        if label in self.made:
            return self.made[label]
        model = REGISTER_MODELS[label]
        values = {**self._fields(model), **self._people(label)}
        found = model._default_manager.create(**values)
        self._links(label, found)
        self.made[label] = found
        return found

    def _people(self, label: str) -> dict[str, Any]:
        p = self.people
        chosen: dict[str, dict[str, Any]] = {
            "safeguarding.Concern": {"raised_by": p.triage, "owner": p.safeguarding},
            "meetings.Meeting": {"recorded_by": p.triage, "chair_name": "Pat Example"},
            "governance.Supervision": {
                "supervisor": p.kooth_lead, "practitioner": p.kooth_practitioner
            },
            "governance.Incident": {
                "reported_by": p.triage,
                "organisation": Organisation.objects.get(
                    alliance=self.alliance, kind=Organisation.Kind.LEAD_PROVIDER
                ),
            },
            "care.ClinicalNote": {"sharing": "alliance"},
            "case_audits.AuditAction": {
                "owner": p.clinical_lead, "recorded_by": p.clinical_lead,
                "organisation": self.organisation,
            },
        }  # fmt: skip
        return chosen.get(label, {})

    def _links(self, label: str, found: models.Model) -> None:
        # (A meeting's children are its discussions, made as a record type of their own.)
        if label == "governance.Supervision":
            found.cases.add(self.referral)  # type: ignore[attr-defined]
        elif label == "case_audits.AuditRound":
            found.organisations.add(self.organisation)  # type: ignore[attr-defined]

    def _fields(self, model: type[models.Model]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.has_default():
                continue
            if field.is_relation:
                if field.null:
                    continue
                values[field.name] = self._related(field.related_model)
            elif not field.null and not (field.blank and field.empty_strings_allowed):
                values[field.name] = _value(field)
        return values

    def _related(self, model: Any) -> models.Model:
        label = model._meta.label
        known: dict[str, Any] = {
            "referrals.Referral": self.referral,
            "children.Child": self.child,
            "accounts.User": self.people.triage,
            "alliance.Organisation": self.organisation,
            "alliance.Alliance": self.alliance,
        }
        if label in known:
            return known[label]  # type: ignore[no-any-return]
        if label == "alliance.Offer":
            return Offer.objects.filter(organisation__alliance=self.alliance).first()  # type: ignore[return-value]
        if label == "alliance.AuditCriterion":
            return AuditCriterion.objects.filter(alliance=self.alliance).first()  # type: ignore[return-value]
        return self.make(label)


REGISTER_MODELS: dict[str, type[models.Model]] = {}


def _value(field: models.Field[Any, Any]) -> Any:
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.DateTimeField):
        return clock.now()
    if isinstance(field, models.DateField):
        return date(2026, 11, 2)
    if isinstance(field, models.EmailField):
        return "someone@example.org"
    if isinstance(field, models.UUIDField):
        return uuid_module.uuid4()
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.CharField):
        return uuid_module.uuid4().hex[: field.max_length or 32]
    return "Something written."


@pytest.fixture
def made(
    alliance: Alliance,
    people: People,
    children: dict[str, Child],  # noqa: F811
) -> dict[str, dict[str, models.Model]]:
    """record type -> child's name -> the record made for that child."""
    REGISTER_MODELS.update({e.model: e.model_class for e in REGISTER})
    by_type: dict[str, dict[str, models.Model]] = {label: {} for label in EXPECTED_BY_TYPE}
    for name, child in children.items():
        maker = Maker(alliance, people, child)
        maker.made["children.Child"] = child
        maker.made["referrals.Referral"] = maker.referral
        for label in EXPECTED_BY_TYPE:
            by_type[label][name] = maker.make(label)
    return by_type


READERS: dict[str, Entry] = {e.model: e for e in REGISTER if e.reader is not None}


@pytest.mark.parametrize("record_type", sorted(EXPECTED_BY_TYPE))
def test_each_record_type_is_seen_by_whom_the_rules_say(
    record_type: str, people: People, made: dict[str, dict[str, models.Model]]
) -> None:
    entry = READERS[record_type]
    assert entry.reader is not None
    records = made[record_type]
    by_pk = {record.pk: name for name, record in records.items()}
    seen = {}
    for persona, user in people.accounts().items():
        pks = entry.reader(user).filter(pk__in=list(by_pk)).values_list("pk", flat=True)
        seen[persona] = frozenset(by_pk[pk] for pk in pks)
    assert seen == EXPECTED_BY_TYPE[record_type]


def test_an_inactive_user_sees_no_record_of_any_type(
    people: People, made: dict[str, dict[str, models.Model]]
) -> None:
    User.objects.filter(pk=people.clinical_lead.pk).update(is_active=False)
    people.clinical_lead.refresh_from_db()
    for label, entry in READERS.items():
        assert entry.reader is not None
        assert not entry.reader(people.clinical_lead).exists(), label
