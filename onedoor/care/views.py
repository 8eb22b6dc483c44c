"""The waiting lists and the caseload pages: a fixed number of queries whatever their size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    Filters,
    caseload_page,
    waiting_by_offer,
    waiting_page,
)
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


@roles_required(*roles_for("web:caseload"))
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    page = caseload_page(user, request.GET.get("after", ""))
    context = {
        "referrals": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
    }
    return render(request, "care/caseload.html", context)
