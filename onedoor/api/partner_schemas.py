"""What the partner endpoints answer and take (`partner_reads.py`, `partner_writes.py`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AwareDatetime, Field

from onedoor.api.schemas import Strict
from onedoor.care.models import Contact, Discharge, RiskRating
from onedoor.outcomes.models import Respondent

# The states of a referral a partner's system sees on its list (`?status=`).
PartnerStatus = Literal["allocated", "waiting", "in_intervention", "in_transition", "discharged"]


class PersonOut(Schema):
    uuid: UUID
    name: str


class OrganisationOut(Schema):
    slug: str
    name: str


class OfferOut(Schema):
    slug: str
    name: str


class ChildOut(Schema):
    uuid: UUID
    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str
    gender: str


class ReferralOut(Schema):
    uuid: UUID
    reference: str
    status: str
    version: int
    child: ChildOut
    offer: OfferOut | None
    named_practitioner: PersonOut | None
    received_at: datetime
    allocated_at: datetime | None
    accepted_at: datetime | None
    updated_at: datetime


class ReferralPage(Schema):
    items: list[ReferralOut]
    next: str | None = Field(
        description="The cursor of the next page (`?after=`); null on the last"
    )


class ContactOut(Schema):
    uuid: UUID
    happened_at: datetime
    outcome: str
    mode: str
    duration_minutes: int | None
    recorded_at: datetime


class ScoreOut(Schema):
    slug: str
    name: str
    value: float | None
    band: str
    clinical: bool | None
    reason: str


class MeasureOut(Schema):
    uuid: UUID
    measure: str
    completed_by: str
    recorded_at: datetime
    scores: list[ScoreOut]
    needs_review: bool
    review_reasons: list[str]


class RiskOut(Schema):
    rating: str = Field(description="red, amber or green; empty before any rating")
    reviewed_at: datetime | None
    next_review_due: date | None


class ReferralDetailOut(ReferralOut):
    risk: RiskOut
    care_plan_review_due: date | None
    contacts: list[ContactOut]
    measures: list[MeasureOut]


class ReferralBrief(Schema):
    uuid: UUID
    reference: str
    status: str
    version: int


class ChildPage(Schema):
    items: list[ChildOut]
    next: str | None


class ChildDetailOut(ChildOut):
    referrals: list[ReferralBrief]


class HandoverOut(Schema):
    uuid: UUID
    referral: ReferralBrief
    child: ChildOut
    sending_organisation: OrganisationOut | None
    offer: OfferOut | None
    reason: str
    handover: str
    sent_at: datetime
    due_at: datetime


class HandoverPage(Schema):
    items: list[HandoverOut]
    next: str | None


# Writes.


class AcceptIn(Strict):
    version: int = Field(description="The referral's version, as you read it")
    practitioner: UUID = Field(
        description="The named practitioner: a practitioner or partner lead of your organisation"
    )


class DeclineIn(Strict):
    version: int
    reason: str = Field(min_length=1, max_length=2000)


class ContactIn(Strict):
    happened_at: AwareDatetime
    outcome: Contact.Outcome
    mode: Contact.Mode
    duration_minutes: int | None = Field(default=None, ge=1, le=600)


class MeasureIn(Strict):
    measure: str = Field(description="The measure's slug, e.g. gad-7", max_length=50)
    respondent: Respondent
    # Checked by the measure's own scoring (`partner_writes._answers_fit`), so that a bad
    # answer names its question, never pydantic's coercion of "2" into 2.
    answers: dict[str, Any] = Field(
        description="Each question's key and the value of the answer chosen (null: not answered)",
        json_schema_extra={"additionalProperties": {"type": ["number", "null"]}},
    )
    risk_declined: bool = Field(
        default=False,
        description="The young person chose not to answer a question about risk",
    )


class RiskReviewIn(Strict):
    rating: RiskRating
    rationale: str = Field(min_length=1, max_length=4000)


class DischargeIn(Strict):
    version: int
    reason: Discharge.Reason
    summary: str = Field(min_length=1, max_length=4000)


class Moved(Schema):
    """The referral after a write: its status and version now."""

    uuid: UUID
    status: str
    version: int


class AnsweredOut(Schema):
    referral: Moved
    named_practitioner: PersonOut | None


class HandoverAnsweredOut(Schema):
    uuid: UUID
    referral: Moved
    named_practitioner: PersonOut | None


class ContactCreated(Schema):
    uuid: UUID
    referral: Moved


class MeasureCreated(MeasureOut):
    """The response recorded, as a read shows it, and the referral after it."""

    referral: Moved


class RiskReviewCreated(Schema):
    uuid: UUID
    referral: Moved
    rating: str
    next_due: date


class DischargeCreated(Schema):
    uuid: UUID
    referral: Moved
