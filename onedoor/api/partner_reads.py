"""A partner's system reads the children and referrals allocated to its organisation, and the
handovers waiting for its answer: through the access layer, with the client's account as the
user, so it sees what the pages show the organisation and no more (never clinical notes: a
partner's system has no notes scope). Lists are keyset pages, each one query whatever its size.

"Updated" is the latest step on the referral's timeline (`children.TimelineEvent.at`): every
move of its state (allocated, accepted, declined, handed over, discharged...), every naming
of its practitioner, and every contact, care or safety plan, risk review, check-in and
outcome measure recorded for it writes one. A referral with no step yet counts from its
arrival."""

from __future__ import annotations

from uuid import UUID

from django.db.models import DateTimeField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Query, Router
from pydantic import AwareDatetime

from onedoor.access.records import (
    care_records_visible_to,
    children_visible_to,
    get_child_for_user,
    get_referral_for_user,
    referrals_visible_to,
)
from onedoor.accounts.models import User
from onedoor.api.auth import require
from onedoor.api.partner_schemas import (
    ChildDetailOut,
    ChildOut,
    ChildPage,
    ContactOut,
    HandoverOut,
    HandoverPage,
    MeasureOut,
    OfferOut,
    OrganisationOut,
    PartnerStatus,
    PersonOut,
    ReferralBrief,
    ReferralDetailOut,
    ReferralOut,
    ReferralPage,
    RiskOut,
    ScoreOut,
)
from onedoor.api.schemas import answers
from onedoor.care.models import CarePlan, Contact, RiskReview, Transition
from onedoor.care.practitioners import practising_at
from onedoor.care.records import handovers_to
from onedoor.children.models import Child, TimelineEvent
from onedoor.integrations.scopes import Scope
from onedoor.outcomes.models import MeasureResponse
from onedoor.paging import Keyset
from onedoor.referrals.models import Referral

router = Router(tags=["partner: reads"])

# Oldest change first, so that a system synchronising walks forward and starts its next
# synchronisation from the last `updated_at` it saw; a referral that changes meanwhile
# comes again later in the walk.
BY_UPDATE = Keyset(("updated_at", "pk"))
IN_ORDER_ADDED = Keyset(("pk",))
SOONEST_DUE = Keyset(("due_at", "pk"))

LIMIT = Query(50, ge=1, le=100, description="Items on a page, 1 to 100")
SINCE = Query(
    None, description="Only referrals updated at or after this moment (ISO 8601, with its zone)"
)
AFTER = Query("", description="The `next` cursor of the page before", max_length=200)


def account_of(request: HttpRequest, scope: Scope) -> User:
    """The calling client's account, once its token holds `scope` (else 403)."""
    caller = request.auth  # type: ignore[attr-defined]
    require(caller, scope)
    account: User = caller.client.account
    return account


def with_updated_at(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    latest = TimelineEvent.objects.filter(referral=OuterRef("pk")).order_by("-at").values("at")[:1]
    return referrals.annotate(
        updated_at=Coalesce(Subquery(latest), F("received_at"), output_field=DateTimeField())
    )


def person(user: User | None) -> PersonOut | None:
    return None if user is None else PersonOut(uuid=user.uuid, name=str(user))


def child_out(child: Child) -> ChildOut:
    return ChildOut(
        uuid=child.uuid,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        nhs_number=child.nhs_number,
        gender=child.gender,
    )


def referral_out(referral: Referral) -> ReferralOut:
    offer = referral.allocated_offer
    return ReferralOut(
        uuid=referral.uuid,
        reference=referral.reference,
        status=referral.status,
        version=referral.version,
        child=child_out(referral.child),
        offer=OfferOut(slug=offer.slug, name=offer.name) if offer else None,
        named_practitioner=person(referral.named_practitioner),
        received_at=referral.received_at,
        allocated_at=referral.allocated_at,
        accepted_at=referral.accepted_at,
        updated_at=referral.updated_at,  # type: ignore[attr-defined]  # with_updated_at
    )


@router.get(
    "/referrals",
    response=answers({200: ReferralPage}),
    summary="The referrals allocated to your organisation",
    url_name="partner-referrals",
)
def referrals(
    request: HttpRequest,
    status: PartnerStatus | None = None,
    updated_since: AwareDatetime | None = SINCE,
    after: str = AFTER,
    limit: int = LIMIT,
) -> ReferralPage:
    """Oldest update first (scope `cases:read`). To synchronise, pass the last item's
    `updated_at` as `updated_since` next time."""
    account = account_of(request, Scope.READ_CASES)
    rows = with_updated_at(
        referrals_visible_to(account).filter(allocated_organisation_id=account.organisation_id)
    ).select_related("child", "allocated_offer", "named_practitioner")
    if status:
        rows = rows.filter(status=status)
    if updated_since is not None:
        rows = rows.filter(Q(updated_at__gte=updated_since))  # the annotation
    page = BY_UPDATE.page(rows, after, limit)
    return ReferralPage(
        items=[referral_out(referral) for referral in page.rows],
        next=page.following or None,
    )


@router.get(
    "/referrals/{uuid}",
    response=answers({200: ReferralDetailOut}),
    summary="One referral",
    url_name="partner-referral",
)
def referral(request: HttpRequest, uuid: UUID) -> ReferralDetailOut:
    """The referral, its current risk, its care plan's review date, its contacts and its
    outcome measures' scores, as the care record shows them to the organisation (scope
    `cases:read`). Another organisation's referral is a 404."""
    account = account_of(request, Scope.READ_CASES)
    found = get_referral_for_user(account, uuid)
    shown = with_updated_at(Referral.objects.filter(pk=found.pk)).select_related(
        "child", "allocated_offer", "named_practitioner"
    )[0]
    review = (
        care_records_visible_to(account, RiskReview)
        .filter(referral=found)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    plan = (
        care_records_visible_to(account, CarePlan)
        .filter(referral=found)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    contacts = (
        care_records_visible_to(account, Contact)
        .filter(referral=found)
        .order_by("happened_at", "pk")
    )
    measures = (
        care_records_visible_to(account, MeasureResponse)
        .filter(referral=found)
        .order_by("recorded_at", "pk")
    )
    return ReferralDetailOut(
        **referral_out(shown).model_dump(),
        risk=RiskOut(
            rating=shown.risk_rating,
            reviewed_at=review.recorded_at if review else None,
            next_review_due=review.next_due if review else None,
        ),
        care_plan_review_due=plan.review_due if plan else None,
        contacts=[
            ContactOut(
                uuid=contact.uuid,
                happened_at=contact.happened_at,
                outcome=contact.outcome,
                mode=contact.mode,
                duration_minutes=contact.duration_minutes,
                recorded_at=contact.recorded_at,
            )
            for contact in contacts
        ],
        measures=[measure_out(response) for response in measures],
    )


def scores_of(response: MeasureResponse) -> list[ScoreOut]:
    return [
        ScoreOut(
            slug=score["slug"],
            name=score["name"],
            value=score["value"],
            band=score["band"],
            clinical=score["clinical"],
            reason=score["reason"],
        )
        for score in response.scores["scores"]
    ]


def measure_out(response: MeasureResponse) -> MeasureOut:
    return MeasureOut(
        uuid=response.uuid,
        measure=response.measure,
        completed_by=response.completed_by,
        recorded_at=response.recorded_at,
        scores=scores_of(response),
        needs_review=response.needs_review,
        review_reasons=response.review_reasons,
    )


@router.get(
    "/children",
    response=answers({200: ChildPage}),
    summary="The children your organisation has",
    url_name="partner-children",
)
def children(request: HttpRequest, after: str = AFTER, limit: int = LIMIT) -> ChildPage:
    """Every child with a referral allocated to your organisation, or being handed to it,
    in the order they were added (scope `cases:read`)."""
    account = account_of(request, Scope.READ_CASES)
    page = IN_ORDER_ADDED.page(children_visible_to(account), after, limit)
    return ChildPage(items=[child_out(child) for child in page.rows], next=page.following or None)


@router.get(
    "/children/{uuid}",
    response=answers({200: ChildDetailOut}),
    summary="One child",
    url_name="partner-child",
)
def child(request: HttpRequest, uuid: UUID) -> ChildDetailOut:
    """The child and their referrals your organisation may see (scope `cases:read`)."""
    account = account_of(request, Scope.READ_CASES)
    found = get_child_for_user(account, uuid)
    referrals = referrals_visible_to(account).filter(child=found).order_by("received_at", "pk")
    return ChildDetailOut(
        **child_out(found).model_dump(),
        referrals=[brief(referral) for referral in referrals],
    )


def brief(referral: Referral) -> ReferralBrief:
    return ReferralBrief(
        uuid=referral.uuid,
        reference=referral.reference,
        status=referral.status,
        version=referral.version,
    )


def handover_out(transition: Transition) -> HandoverOut:
    sending = transition.sending_organisation
    offer = transition.receiving_offer
    return HandoverOut(
        uuid=transition.uuid,
        referral=brief(transition.referral),
        child=child_out(transition.referral.child),
        sending_organisation=OrganisationOut(slug=sending.slug, name=sending.name)
        if sending
        else None,
        offer=OfferOut(slug=offer.slug, name=offer.name) if offer else None,
        reason=transition.reason,
        handover=transition.handover,
        sent_at=transition.sent_at,
        due_at=transition.due_at,
    )


@router.get(
    "/handovers",
    response=answers({200: HandoverPage}),
    summary="Handovers from other partners waiting for your answer",
    url_name="partner-handovers",
)
def handovers(request: HttpRequest, after: str = AFTER, limit: int = LIMIT) -> HandoverPage:
    """Soonest due first (scope `cases:read`). Answer each with `POST
    /handovers/{uuid}/accept` or `/decline`."""
    account = account_of(request, Scope.READ_CASES)
    rows = handovers_to(account).select_related("sending_organisation")
    page = SOONEST_DUE.page(rows, after, limit)
    return HandoverPage(
        items=[handover_out(transition) for transition in page.rows], next=page.following or None
    )


@router.get(
    "/practitioners",
    response=answers({200: list[PersonOut]}),
    summary="The people of your organisation who can be named to hold a child",
    url_name="partner-practitioners",
)
def practitioners(request: HttpRequest) -> list[PersonOut]:
    """The organisation's active practitioners and partner leads, by name (scope
    `allocations:answer`): the `practitioner` to name when accepting an allocation or a
    handover. At most a few hundred, so one list, not pages."""
    account = account_of(request, Scope.ANSWER_ALLOCATIONS)
    return [
        PersonOut(uuid=person.uuid, name=str(person))
        for person in practising_at(account.organisation_id)
    ]
