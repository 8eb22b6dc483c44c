"""The KPI dashboard, each KPI's page, the exports and the review pack: the same figures,
from `kpis/` via `dashboard.py`."""

from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from collections.abc import Generator, Iterator

import xlsxwriter
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.trail import Action, record
from onedoor.insights.actions import NARRATIVE_MAX, write_narrative
from onedoor.insights.dashboard import (
    Choice,
    Section,
    choose,
    equity_view,
    periods,
    scopes,
    sections,
    summary,
    suppresses,
    trends,
)
from onedoor.insights.extracts import CHUNK, EXTRACTS
from onedoor.insights.kpis import (
    ALL,
    BY_SLUG,
    CUT_LABELS,
    Cut,
    group_label,
    priority_group_names,
)
from onedoor.insights.models import PackNarrative
from onedoor.insights.pack import pack_charts, review_pack
from onedoor.insights.trends import targets
from onedoor.paging import Keyset


class NarrativeForm(forms.Form):
    text = forms.CharField(
        label="What you want the commissioners to know about this period",
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write the narrative"},
    )


def _alliance(user: User) -> Alliance:
    assert user.organisation is not None, "every member of staff belongs to an organisation"
    return user.organisation.alliance


def _choice(request: HttpRequest, alliance: Alliance) -> tuple[Choice, list[tuple[str, str]]]:
    options = scopes(alliance)
    return choose(request.GET.dict(), options), options


def _choices(choice: Choice, scope_options: list[tuple[str, str]]) -> dict[str, object]:
    """What the choice form offers (period, scope, cut)."""
    return {
        "choice": choice,
        "periods": [(key, label) for key, label, _ in periods(choice.period.end)],
        "scopes": scope_options,
        "cuts": [(cut.value, CUT_LABELS[cut]) for cut in Cut],
    }


@roles_required(*roles_for("web:insights"))
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """One screen: every KPI's figure for the period and its trend's icons, each linking to
    its chart; with a cut, the equity view."""
    user = request.user
    assert isinstance(user, User)
    alliance = _alliance(user)
    choice, scope_options = _choice(request, alliance)
    context = {
        **_choices(choice, scope_options),
        "summary": summary(user, alliance, choice),
        "equity": equity_view(user, alliance, choice),
        "suppressed_below": alliance.small_numbers_below if suppresses(user) else None,
        "query": request.GET.urlencode(),
        "extracts": [(slug, extract.title) for slug, extract in EXTRACTS.items()]
        if user.role in EXTRACT_ROLES
        else [],
    }
    return render(request, "insights/dashboard.html", context)


@roles_required(*roles_for("web:insights"))
@require_GET
def kpi_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One KPI: its definition, its SPC chart over the months (by group when cut), the chart's
    data as a table, and the period's figures by group."""
    user = request.user
    assert isinstance(user, User)
    kpi = BY_SLUG.get(slug)
    if kpi is None:
        raise Http404("No such KPI")
    alliance = _alliance(user)
    choice, scope_options = _choice(request, alliance)
    [section] = sections(user, alliance, choice, (kpi,))
    goals = targets(alliance)
    # by week for a flow KPI, for the roles that see every number; by month otherwise
    weeks_offered = not kpi.now and not suppresses(user)
    every = "week" if weeks_offered and request.GET.get("every") == "week" else "month"
    [overall] = trends(user, alliance, choice, (kpi,), goals=goals, every=every)
    by_group = (
        trends(user, alliance, choice, (kpi,), choice.cut, goals, every)
        if choice.cut is not Cut.NONE and kpi.cuts and not suppresses(user)
        else []
    )
    context = {
        **_choices(choice, scope_options),
        "kpi": kpi,
        "section": section,
        "trend": overall,
        "by_group": by_group,
        "every": every,
        "weeks_offered": weeks_offered,
        "query_without_every": _without(request, "every"),
        "suppressed_below": alliance.small_numbers_below if suppresses(user) else None,
        "query": request.GET.urlencode(),
        "drill_down": user.role in DRILL_DOWN_ROLES,
    }
    return render(request, "insights/kpi.html", context)


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


def _table_rows(choice: Choice, found: list[Section]) -> Iterator[list[str]]:
    """The KPI tables as rows, header first: the CSV's and the workbook's."""
    yield ["KPI", "Period", "Scope", CUT_LABELS[choice.cut], "Value", "Numerator", "Denominator"]
    for section in found:
        for row in section.rows:
            yield [
                safe_cell(section.kpi.name),
                safe_cell(str(choice.period)),
                safe_cell(choice.scope_key or "alliance"),
                safe_cell(row.label),
                "suppressed" if row.suppressed else safe_cell(row.value),
                safe_cell(row.numerator),
                safe_cell(row.denominator),
            ]


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
    rows = (writer.writerow(row) for row in _table_rows(choice, found))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    name = f"onedoor-kpis-{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Who takes record-level (pseudonymised) extracts.
EXTRACT_ROLES = (Role.ANALYST,)


# A cell that starts like a formula, in CSV text that starts with a newline: after a newline
# (the start of a row) or a comma, perhaps quoted. Text inside a quoted cell may match too,
# which only costs a second look.
_FORMULA_IN_CSV = re.compile(f'[\n,]"?[{re.escape("".join(FORMULA_STARTS))}]')


def extract_csv(name: str, alliance: Alliance) -> Generator[str, None, None]:
    """Extract `name` as the view sends it: CSV, a batch of rows to a piece of text. Each
    batch is written as it is and searched once for a cell that starts like a formula; only a
    batch with one is written again cell by cell through `safe_cell` (an extract runs to
    millions of cells, nearly none of which does)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = EXTRACTS[name].rows(alliance)
    while batch := list(itertools.islice(rows, CHUNK)):
        writer.writerows(batch)
        text = buffer.getvalue()
        if _FORMULA_IN_CSV.search("\n" + text):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows([safe_cell(cell) for cell in row] for row in batch)
            text = buffer.getvalue()
        yield text
        buffer.seek(0)
        buffer.truncate()


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
    response = StreamingHttpResponse(
        extract_csv(name, alliance), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="onedoor-{name}-{clock.today():%Y%m%d}.csv"'
    )
    return response


def _scope_label(choice: Choice, scope_options: list[tuple[str, str]]) -> str:
    return dict(scope_options).get(choice.scope_key, "The whole alliance")


@roles_required(*roles_for("web:insights"))
@require_http_methods(["GET", "POST"])
def pack(request: HttpRequest) -> HttpResponse:
    """The review pack for a period: the narrative (the service manager writes it) and the
    PDF to download."""
    user = request.user
    assert isinstance(user, User)
    alliance = _alliance(user)
    choice, _ = _choice(request, alliance)
    current = PackNarrative.objects.filter(
        alliance=alliance, period_start=choice.period.start, period_end=choice.period.end
    ).first()
    form = NarrativeForm(
        request.POST if request.method == "POST" else None,
        initial={"text": current.text if current else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            write_narrative(
                user=user, alliance=alliance, period=choice.period, text=form.cleaned_data["text"]
            )
            messages.success(request, "Narrative saved. It is in the pack.")
            return redirect(f"{reverse('insights:pack')}?{request.GET.urlencode()}")
        except ValidationError as error:
            # One message (one error id for the field), naming every problem found.
            form.add_error("text", ". ".join(error.messages))
    context = {
        "choice": choice,
        "form": form,
        "narrative": current,
        "may_write": user.role == Role.SERVICE_MANAGER,
        "periods": [(key, label) for key, label, _ in periods(choice.period.end)],
        "query": request.GET.urlencode(),
    }
    return render(request, "insights/pack.html", context, status=400 if form.errors else 200)


@roles_required(*roles_for("web:insights"))
@require_GET
def pack_pdf(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    alliance = _alliance(user)
    choice, scope_options = _choice(request, alliance)
    found = sections(user, alliance, choice)
    record(
        Action.VIEW, actor=user, record_type="review_pack", record_id=alliance.slug,
        detail={"period": str(choice.period), "scope": choice.scope_key},
    )  # fmt: skip
    pdf = review_pack(
        alliance, choice, found, _scope_label(choice, scope_options),
        alliance.small_numbers_below, charts=pack_charts(user, alliance, choice),
    )  # fmt: skip
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"onedoor-review-pack-{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@roles_required(*roles_for("web:insights"))
@require_GET
def export_xlsx(request: HttpRequest) -> FileResponse:
    """The same tables as the CSV, as a workbook: one sheet, written row by row to a
    temporary file (xlsxwriter's constant-memory mode) and streamed from it."""
    user = request.user
    assert isinstance(user, User)
    alliance = _alliance(user)
    choice, _ = _choice(request, alliance)
    found = sections(user, alliance, choice)
    record(
        Action.VIEW, actor=user, record_type="kpi_export", record_id=alliance.slug,
        detail={"period": str(choice.period), "scope": choice.scope_key, "cut": choice.cut.value,
                "format": "xlsx"},
    )  # fmt: skip
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it when sent)
    workbook = xlsxwriter.Workbook(
        spool, {"constant_memory": True, "strings_to_formulas": False, "in_memory": False}
    )
    sheet = workbook.add_worksheet("KPIs")
    for number, row in enumerate(_table_rows(choice, found)):
        sheet.write_row(number, 0, row)
    workbook.close()
    spool.seek(0)
    name = f"onedoor-kpis-{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}.xlsx"
    return FileResponse(
        spool,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# Who may open the records behind a count (names: never commissioners or analysts); the
# access layer then keeps each to the referrals they may see.
DRILL_DOWN_ROLES = (Role.CLINICAL_LEAD, Role.SERVICE_MANAGER, Role.PARTNER_LEAD)
DRILL_DOWN_ORDER = Keyset(("received_at", "pk"))


def _without(request: HttpRequest, name: str) -> str:
    """The query string less one of its parameters."""
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


def _without_cursor(request: HttpRequest) -> str:
    return _without(request, "after")


@roles_required(*DRILL_DOWN_ROLES)
@require_GET
def records_behind(request: HttpRequest, slug: str) -> HttpResponse:
    """The referrals behind one group's count, as the user may see them, oldest first."""
    user = request.user
    assert isinstance(user, User)
    kpi = BY_SLUG.get(slug)
    if kpi is None or kpi.records is None:
        raise Http404("No records behind this figure")
    alliance = _alliance(user)
    choice, _ = _choice(request, alliance)
    group = request.GET.get("group", ALL)[:60]
    visible = referrals_visible_to(user)
    referrals = (
        kpi.records_in(alliance, choice.scope, choice.period, choice.cut, group)
        .filter(pk__in=visible.values("pk"))
        .select_related("child", "allocated_organisation")
    )
    page = DRILL_DOWN_ORDER.page(referrals, request.GET.get("after", ""))
    record(
        Action.VIEW, actor=user, record_type="kpi_records", record_id=slug,
        detail={"period": str(choice.period), "scope": choice.scope_key,
                "cut": choice.cut.value, "group": group, "shown": len(page.rows)},
    )  # fmt: skip
    names = priority_group_names(alliance) if choice.cut is Cut.PRIORITY_GROUP else {}
    context = {
        "kpi": kpi,
        "choice": choice,
        "group_label": group_label(choice.cut, group, names),
        "referrals": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
        "first_query": _without_cursor(request),
    }
    return render(request, "insights/records.html", context)
