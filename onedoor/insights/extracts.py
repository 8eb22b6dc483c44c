"""Record-level extracts for analysts: pseudonymised, never a name, NHS number, address,
postcode, date of birth or free text. A pseudonym is keyed (HMAC-SHA256 with
`PSEUDONYM_KEY`), so the same child has the same pseudonym in every extract and nobody without
the key can reverse or recompute it.

- `records`: one row per referral, for the alliance's own analysis.
- `mhsds_referrals`, `mhsds_care_contacts` and `mhsds_coded_scores`: rows shaped like the
  Mental Health Services Data Set's referral (MHS101), care contact (MHS201) and coded score
  assessment (MHS607) tables, with its code lists where OneDoor holds the same fact.
  Aligned, not certified: check the codes against the current MHSDS technical output
  specification before a submission.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact, Discharge
from onedoor.clock import LONDON
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Referral, Status
from onedoor.triage.models import TriageDecision


def _key() -> bytes:
    if settings.PSEUDONYM_KEY:
        return str(settings.PSEUDONYM_KEY).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"onedoor pseudonyms", hashlib.sha256).digest()


def pseudonym(kind: str, identifier: object) -> str:
    """A stable, keyed pseudonym: 16 characters of base32."""
    digest = hmac.new(_key(), f"{kind}:{identifier}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:16]


def _day(moment: object) -> str:
    return timezone.localtime(moment, LONDON).date().isoformat() if moment else ""  # type: ignore[arg-type]


def _nth_attended(n: int) -> Subquery:
    return Subquery(
        Contact.objects.filter(referral=OuterRef("pk"), outcome=Contact.Outcome.ATTENDED)
        .order_by("happened_at", "pk")
        .values("happened_at")[n - 1 : n]
    )


def _count(outcome: str) -> Coalesce:
    return Coalesce(
        Subquery(
            Contact.objects.filter(referral=OuterRef("pk"), outcome=outcome)
            .order_by()
            .values("referral")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


RECORD_COLUMNS = [
    "child", "referral", "received", "age_at_referral", "gender", "ethnicity",
    "priority_groups", "source", "route", "status", "risk_rating", "organisation", "offer",
    "first_decision", "first_contact", "second_contact", "attended", "did_not_attend",
    "discharged", "discharge_reason",
]  # fmt: skip


def records(alliance: Alliance) -> Iterator[list[str]]:
    """One row per referral of the alliance, header first, streamed in chunks."""
    yield RECORD_COLUMNS
    first_decision = Subquery(
        TriageDecision.objects.filter(referral=OuterRef("pk"))
        .exclude(sign_off__in=[TriageDecision.SignOff.WAITING, TriageDecision.SignOff.RETURNED])
        .order_by("decided_at")
        .values("decided_at")[:1]
    )
    referrals = (
        Referral.objects.filter(child__alliance=alliance)
        .annotate(
            decided=first_decision,
            first=_nth_attended(1),
            second=_nth_attended(2),
            attended=_count(Contact.Outcome.ATTENDED),
            missed=_count(Contact.Outcome.DID_NOT_ATTEND),
        )
        .select_related("child", "allocated_organisation", "allocated_offer", "discharge")
        .prefetch_related("child__priority_groups")
        .order_by("pk")
    )
    for r in referrals.iterator(chunk_size=2000):
        discharge: Discharge | None = getattr(r, "discharge", None)
        yield [
            pseudonym("child", r.child.uuid),
            pseudonym("referral", r.uuid),
            _day(r.received_at),
            str(age_on(r.child.date_of_birth, timezone.localtime(r.received_at, LONDON).date())),
            r.child.gender,
            r.child.ethnicity,
            " ".join(sorted(g.slug for g in r.child.priority_groups.all())),
            r.source,
            r.route,
            r.status,
            r.risk_rating,
            r.allocated_organisation.slug if r.allocated_organisation else "",
            r.allocated_offer.slug if r.allocated_offer else "",
            _day(r.decided),  # type: ignore[attr-defined]
            _day(r.first),  # type: ignore[attr-defined]
            _day(r.second),  # type: ignore[attr-defined]
            str(r.attended),  # type: ignore[attr-defined]
            str(r.missed),  # type: ignore[attr-defined]
            _day(discharge.discharged_at) if discharge else "",
            discharge.reason if discharge else "",
        ]


# MHSDS-aligned code lists (see the module's note on checking them).
SOURCE_OF_REFERRAL = {
    "gp": "A1",  # general medical practitioner practice
    "self": "B1",  # self
    "parent": "B2",  # carer or relative
    "social_care": "C1",  # local authority social services
    "health": "A3",  # other primary health care
    "school": "M3",  # education service or establishment
    "youth_justice": "E1",  # justice system
    "other": "N3",  # other
}
ATTENDANCE = {  # AttendOrDNACode
    Contact.Outcome.ATTENDED: "5",
    Contact.Outcome.DID_NOT_ATTEND: "3",
    Contact.Outcome.CANCELLED_BY_YOUNG_PERSON: "2",
    Contact.Outcome.CANCELLED_BY_SERVICE: "4",
}
MECHANISM = {  # ConsMechanismMH
    Contact.Mode.FACE_TO_FACE: "01",
    Contact.Mode.PHONE: "02",
    Contact.Mode.VIDEO: "11",
    Contact.Mode.ONLINE: "10",
    Contact.Mode.TEXT: "09",
}


def mhsds_referrals(alliance: Alliance) -> Iterator[list[str]]:
    yield ["ServiceRequestId", "Person_ID", "ReferralRequestReceivedDate", "SourceOfReferralMH",
           "OrgIDProv", "ServDischDate", "AgeServReferRecDate"]  # fmt: skip
    referrals = (
        Referral.objects.filter(child__alliance=alliance)
        .exclude(status=Status.JOINED)  # part of the service request it joined, not another
        .select_related("child", "allocated_organisation", "discharge")
        .order_by("pk")
    )
    for r in referrals.iterator(chunk_size=2000):
        discharge: Discharge | None = getattr(r, "discharge", None)
        received: date = timezone.localtime(r.received_at, LONDON).date()
        yield [
            pseudonym("referral", r.uuid),
            pseudonym("child", r.child.uuid),
            received.isoformat(),
            SOURCE_OF_REFERRAL.get(r.source, "N3"),
            r.allocated_organisation.slug if r.allocated_organisation else "",
            _day(discharge.discharged_at) if discharge else "",
            str(age_on(r.child.date_of_birth, received)),
        ]


def mhsds_care_contacts(alliance: Alliance) -> Iterator[list[str]]:
    yield ["CareContactId", "ServiceRequestId", "CareContDate", "AttendOrDNACode",
           "ConsMechanismMH", "ClinContDurOfCareCont", "OrgIDProv"]  # fmt: skip
    contacts = (
        Contact.objects.filter(referral__child__alliance=alliance)
        .select_related("referral", "organisation")
        .order_by("pk")
    )
    for c in contacts.iterator(chunk_size=2000):
        yield [
            pseudonym("contact", c.uuid),
            pseudonym("referral", c.referral.uuid),
            _day(c.happened_at),
            ATTENDANCE[Contact.Outcome(c.outcome)],
            MECHANISM[Contact.Mode(c.mode)],
            str(c.duration_minutes or ""),
            c.organisation.slug,
        ]


def mhsds_coded_scores(alliance: Alliance) -> Iterator[list[str]]:
    """One row per completed outcome measure: its headline score (MHS607-shaped). The data
    set codes a tool by SNOMED CT; OneDoor gives the measure's name and version here, to be
    mapped to SNOMED CT before a submission."""
    from onedoor.outcomes.measures import get_measure
    from onedoor.outcomes.models import MeasureResponse

    yield ["CodedAssToolId", "ServiceRequestId", "AssToolCompDate", "AssessmentTool",
           "AssessmentToolVersion", "PersScore"]  # fmt: skip
    responses = (
        MeasureResponse.objects.filter(referral__child__alliance=alliance)
        .select_related("referral")
        .order_by("pk")
    )
    for response in responses.iterator(chunk_size=2000):
        measure = get_measure(response.measure)
        headline = measure.headline if measure else ""
        value = next(
            (s["value"] for s in response.scores.get("scores", []) if s["slug"] == headline), None
        )
        yield [
            pseudonym("measure", response.uuid),
            pseudonym("referral", response.referral.uuid),
            _day(response.recorded_at),
            response.measure,
            response.measure_version,
            "" if value is None else f"{value:g}",
        ]


EXTRACTS = {
    "records": ("Record-level extract (pseudonymised)", records),
    "mhsds-referrals": ("MHSDS-aligned referrals (MHS101)", mhsds_referrals),
    "mhsds-care-contacts": ("MHSDS-aligned care contacts (MHS201)", mhsds_care_contacts),
    "mhsds-coded-scores": ("MHSDS-aligned outcome scores (MHS607)", mhsds_coded_scores),
}
