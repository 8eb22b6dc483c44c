"""The waiting lists and the caseload pages: a fixed number of queries whatever their size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from onedoor import clock
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.alliance.models import Offer, Organisation
from onedoor.care.lists import (
    CARE_PLAN_REVIEW,
    CHECK_IN,
    RISK_REVIEW,
    Filters,
    Whose,
    caseload_page,
    due_next,
    last_in_contact,
    waiting_by_offer,
    waiting_page,
)
from onedoor.care.practitioners import PRACTISING, holder, may_name
from onedoor.clock.calendar import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.referrals.models import Referral


@dataclass(frozen=True)
class Waiting:
    referral: Referral
    days: int
    check_in_due: datetime | None
    overdue: bool


@roles_required(*roles_for("web:waiting"))
@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    filters = Filters.from_query(request.GET.dict())
    page = waiting_page(user, filters, request.GET.get("after", ""))
    now = clock.now()
    today = timezone.localdate(now)
    rows = []
    for referral in page.rows:
        due = referral.check_in_due  # type: ignore[attr-defined]
        rows.append(
            Waiting(
                referral=referral,
                days=(today - timezone.localdate(referral.received_at)).days,
                check_in_due=due,
                overdue=due is not None and due < now,
            )
        )
    context = {
        "rows": rows,
        "filters": filters,
        "filtered": bool(filters.offer or filters.partner),
        "by_offer": waiting_by_offer(user),
        "next_query": page.next_query(request),
        "first_page": page.first,
        "offers": Offer.objects.filter(organisation__alliance__organisations=user.organisation_id)
        .order_by("name", "slug")
        .values_list("slug", "name"),
        "partners": Organisation.objects.filter(
            alliance__organisations=user.organisation_id, kind=Organisation.Kind.PARTNER
        )
        .order_by("name")
        .values_list("slug", "name"),
    }
    return render(request, "care/waiting.html", context)


@dataclass(frozen=True)
class Deadline:
    at: datetime
    clock: TimeLeft


@dataclass(frozen=True)
class Case:
    """One child on the caseload, with when they were last in contact and what falls due
    next (`lists.due_next`)."""

    referral: Referral
    named: User | None  # who holds the child: None when nobody can (`practitioners.holder`)
    may_name: bool  # the user may change who that is
    last_contact: datetime | None
    check_in: Deadline | None
    risk_review: Deadline | None
    care_plan_review: Deadline | None


def _case(user: User, referral: Referral, now: datetime) -> Case:
    due = {
        what: Deadline(at, time_left(due=at, now=now, calendar=ENGLAND_AND_WALES))
        for what, at in due_next(referral).items()
    }
    return Case(
        referral=referral,
        named=holder(referral),
        may_name=may_name(user, referral),
        last_contact=last_in_contact(referral),
        check_in=due.get(CHECK_IN),
        risk_review=due.get(RISK_REVIEW),
        care_plan_review=due.get(CARE_PLAN_REVIEW),
    )


@roles_required(*roles_for("web:caseload"))
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """The children the user's organisation is working with; a practitioner's own (named for
    them) first, the whole organisation's a filter away."""
    user = request.user
    assert isinstance(user, User)
    whose = Whose.for_user(user, request.GET.get("whose", ""))
    page = caseload_page(user, request.GET.get("after", ""), whose)
    now = clock.now()
    context = {
        "rows": [_case(user, referral, now) for referral in page.rows],
        "whose": whose,
        # Only those who may be named have children of their own to filter to.
        "may_be_named": user.role in PRACTISING,
        "next_query": page.next_query(request),
        "first_page": page.first,
        "first_query": urlencode({"whose": whose.value}),
    }
    return render(request, "care/caseload.html", context)
