"""The triage queue page (with the Referral and Advice Point's desk beside it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from onedoor.access.records import referrals_visible_to
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.alliance.models import Organisation, PriorityGroup
from onedoor.referrals.models import MatchStatus, Referral, Source
from onedoor.triage.clock import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.triage.queue import AGE_BANDS, TRIAGE_STATES, Cursor, Filters, page_of
from onedoor.web.navigation import roles_for

MATCHES_SHOWN = 50


@dataclass(frozen=True)
class Row:
    referral: Referral
    clock: TimeLeft


@roles_required(*roles_for("web:triage"))
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    filters = Filters.from_query(request.GET.dict())
    after = Cursor.decode(request.GET.get("after", ""))
    referrals, next_cursor = page_of(user, filters, after)
    now = timezone.now()
    rows = [
        Row(
            referral,
            time_left(
                due=referral.triage_due_at,
                now=now,
                calendar=ENGLAND_AND_WALES,
                paused=referral.status == "more_information",
            ),
        )
        for referral in referrals
        if referral.triage_due_at is not None
    ]
    to_check = (
        referrals_visible_to(user)
        .filter(match_status=MatchStatus.POSSIBLE)
        .select_related("child")
        .order_by("received_at", "pk")[:MATCHES_SHOWN]
    )
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "rows": rows,
        "filters": filters,
        "next_query": f"{query.urlencode()}&after={next_cursor.encode()}".lstrip("&")
        if next_cursor
        else "",
        "first_page": after is None,
        "to_check": to_check,
        "shown": MATCHES_SHOWN,
        "sources": Source.choices,
        "states": [(state.value, state.label) for state in TRIAGE_STATES],
        "age_bands": list(AGE_BANDS),
        "groups": PriorityGroup.objects.filter(
            alliance__organisations=user.organisation
        ).values_list("slug", "name"),
        "partners": Organisation.objects.filter(
            alliance__organisations=user.organisation, kind=Organisation.Kind.PARTNER
        ).values_list("slug", "name"),
    }
    return render(request, "triage/queue.html", context)
