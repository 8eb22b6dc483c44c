"""The KPI dashboard and its CSV export: the same figures, from `kpis.py` via `dashboard.py`."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.trail import Action, record
from onedoor.insights.dashboard import (
    Choice,
    choose,
    equity,
    periods,
    scopes,
    sections,
    suppresses,
)
from onedoor.insights.extracts import EXTRACTS
from onedoor.insights.kpis import CUT_LABELS, Cut
from onedoor.web.navigation import roles_for


def _alliance(user: User) -> Alliance:
    assert user.organisation is not None, "every member of staff belongs to an organisation"
    return user.organisation.alliance


def _choice(request: HttpRequest, alliance: Alliance) -> tuple[Choice, list[tuple[str, str]]]:
    options = scopes(alliance)
    return choose(request.GET.dict(), options), options


@roles_required(*roles_for("web:insights"))
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    alliance = _alliance(user)
    choice, scope_options = _choice(request, alliance)
    found = sections(user, alliance, choice)
    context = {
        "choice": choice,
        "sections": found,
        "equity": equity(found) if choice.cut is not Cut.NONE else [],
        "periods": [(key, label) for key, label, _ in periods(choice.period.end)],
        "scopes": scope_options,
        "cuts": [(cut.value, CUT_LABELS[cut]) for cut in Cut],
        "suppressed_below": alliance.small_numbers_below if suppresses(user) else None,
        "query": request.GET.urlencode(),
        "extracts": [(slug, title) for slug, (title, _) in EXTRACTS.items()]
        if user.role in EXTRACT_ROLES
        else [],
    }
    return render(request, "insights/dashboard.html", context)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A spreadsheet cannot run what a cell says: text that starts like a formula gets a
    leading apostrophe (negative numbers are numbers, not text, and are left alone)."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@roles_required(*roles_for("web:insights"))
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every KPI table for the choice, streamed row by row."""
    user = request.user
    assert isinstance(user, User)
    alliance = _alliance(user)
    choice, _ = _choice(request, alliance)
    found = sections(user, alliance, choice)
    record(
        Action.VIEW, actor=user, record_type="kpi_export", record_id=alliance.slug,
        detail={"period": str(choice.period), "scope": choice.scope_key, "cut": choice.cut.value},
    )  # fmt: skip
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(
            ["KPI", "Period", "Scope", CUT_LABELS[choice.cut], "Value", "Numerator", "Denominator"]
        )
        for section in found:
            for row in section.rows:
                yield writer.writerow(
                    [
                        safe_cell(section.kpi.name),
                        safe_cell(str(choice.period)),
                        safe_cell(choice.scope_key or "alliance"),
                        safe_cell(row.label),
                        "suppressed" if row.suppressed else safe_cell(row.value),
                        safe_cell(row.numerator),
                        safe_cell(row.denominator),
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = f"onedoor-kpis-{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Who takes record-level (pseudonymised) extracts.
EXTRACT_ROLES = (Role.ANALYST,)


@roles_required(*EXTRACT_ROLES)
@require_GET
def extract(request: HttpRequest, name: str) -> StreamingHttpResponse:
    """A pseudonymised record-level extract, streamed; each download is audited."""
    user = request.user
    assert isinstance(user, User)
    if name not in EXTRACTS:
        raise Http404("No such extract")
    alliance = _alliance(user)
    record(Action.VIEW, actor=user, record_type="extract", record_id=name)
    writer = csv.writer(_Echo())
    rows = (
        writer.writerow([safe_cell(cell) for cell in row]) for row in EXTRACTS[name][1](alliance)
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="onedoor-{name}-{timezone.localdate():%Y%m%d}.csv"'
    )
    return response
