"""For a referrer's system (a GP system, a school's or a council's): send a professional's
referral, once per the client's own key, and follow the referrals this client sent, in the
plain words families and referrers are told (`referrals/progress.py`), never more."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from onedoor.access.records import get_referral_for_user, referrals_visible_to
from onedoor.api.auth import require
from onedoor.api.problems import Problem
from onedoor.api.referral_in import SubmissionIn, referral_answers
from onedoor.api.schemas import ProblemOut, answers
from onedoor.integrations.scopes import Scope
from onedoor.integrations.submissions import KeyReused, submit_for_client
from onedoor.integrations.tokens import Caller
from onedoor.paging import Keyset
from onedoor.referrals.models import Referral
from onedoor.referrals.progress import facts_of, progress

router = Router(tags=["referrals sent"])

NEWEST_FIRST = Keyset(("-received_at", "-pk"), size=50)
KEY_REUSED = "This key was used for a different referral"


class ServiceOut(Schema):
    name: str
    description: str
    phone: str
    website: str


class StatusOut(Schema):
    """How the referral is going, as the family and the referrer are told it."""

    heading: str
    said: list[str]
    services: list[ServiceOut] = Field(description="Services suggested, when signposted")


class SubmissionOut(Schema):
    uuid: UUID
    reference: str
    received_at: datetime
    status: StatusOut


class SubmissionsOut(Schema):
    items: list[SubmissionOut]
    next: str | None = Field(description="The cursor of the next page (`?after=`), or null")


class Cursor(Schema):
    after: str = Field("", max_length=200, description="The `next` of the page before")


def _caller(request: HttpRequest, scope: Scope) -> Caller:
    caller: Caller = request.auth  # type: ignore[attr-defined]
    require(caller, scope)
    return caller


def _out(referral: Referral) -> SubmissionOut:
    said = progress(facts_of(referral))
    return SubmissionOut(
        uuid=referral.uuid,
        reference=referral.reference_display,
        received_at=referral.received_at,
        status=StatusOut(
            heading=said.heading,
            said=list(said.said),
            services=[
                ServiceOut(name=s.name, description=s.description, phone=s.phone, website=s.website)
                for s in said.services
            ],
        ),
    )


@router.post(
    "/referrals/submissions",
    response=answers({201: SubmissionOut, 200: SubmissionOut, 409: ProblemOut}),
    summary="Send a professional's referral",
    description="Checked as the public referral form checks it. 201 when it is made; 200 with "
    "the same referral when the same key comes again with the same referral; 409 when the key "
    "was used for a different one.",
)
def submit(request: HttpRequest, payload: SubmissionIn) -> Status[SubmissionOut]:
    caller = _caller(request, Scope.SUBMIT_REFERRALS)
    found = referral_answers(payload.referral)
    try:
        referral, made = submit_for_client(client=caller.client, key=payload.key, answers=found)
    except KeyReused:
        raise Problem(409, KEY_REUSED) from None
    return Status(201 if made else 200, _out(referral))


@router.get(
    "/referrals/submissions",
    response=answers({200: SubmissionsOut}),
    summary="The referrals this client sent, newest first",
)
def submissions(request: HttpRequest, cursor: Query[Cursor]) -> SubmissionsOut:
    caller = _caller(request, Scope.READ_REFERRALS)
    mine = (
        referrals_visible_to(caller.client.account)
        .select_related("allocated_organisation")
        .prefetch_related("signposted_to")
    )
    page = NEWEST_FIRST.page(mine, cursor.after)
    return SubmissionsOut(items=[_out(r) for r in page.rows], next=page.following or None)


@router.get(
    "/referrals/submissions/{uuid:referral_uuid}",
    response=answers({200: SubmissionOut}),
    summary="How a referral this client sent is going",
)
def submission(request: HttpRequest, referral_uuid: UUID) -> SubmissionOut:
    caller = _caller(request, Scope.READ_REFERRALS)
    return _out(get_referral_for_user(caller.client.account, referral_uuid))
