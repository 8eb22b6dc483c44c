"""The quarterly commissioner review pack, as a tagged PDF (PDF/UA-1): the period, the service
manager's narrative, and every KPI with its definition, its charts and its table. The figures
are the dashboard's (`dashboard.sections`), suppressed the same way for the reader's role.

WeasyPrint renders a Django template (`insights/pack_pdf.html`), so the pack is HTML the team
already writes: headings, tables with captions and header cells, and every chart an image
with a text alternative, which WeasyPrint writes into the PDF's structure tree (ADR 27).
A chart is SVG markup with its alternative text (`Chart`); one without that text is refused,
because a screen reader would meet it as an unlabelled figure."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict
from xml.sax.saxutils import escape

from django.template.loader import render_to_string

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.insights.dashboard import Choice, Section, trends
from onedoor.insights.models import PackNarrative
from onedoor.insights.shown import Shown

NHS_BLUE = "#005eb8"
NO_VALUE = "\u2013"  # an en dash: nothing to show
PDF_VARIANT = "pdf/ua-1"


class Chart(TypedDict):
    """A chart as the pack takes it: SVG markup, the text a screen reader reads instead of
    the picture (what the chart shows, in words), and a short caption printed under it."""

    svg: str
    alt: str
    caption: str


@dataclass(frozen=True)
class Figure:
    """A chart ready for the template: an image (a data URI) with its alternative text."""

    src: str
    alt: str
    caption: str


def chart_figure(svg: str, alt: str, caption: str = "") -> Figure:
    """The chart as an image the PDF carries inline (no file, no fetch), with its text
    alternative. Refuses a chart without alternative text or without SVG markup."""
    if not alt.strip():
        raise ValueError("A chart in the review pack needs its text alternative (alt)")
    if "<svg" not in svg:
        raise ValueError("A chart in the review pack is SVG markup")
    encoded = base64.b64encode(svg.encode()).decode("ascii")
    return Figure(f"data:image/svg+xml;base64,{encoded}", alt.strip(), caption.strip())


def _value(section: Section, row: Shown, below: int) -> str:
    """The value as the dashboard shows it."""
    if row.suppressed:
        return f"Fewer than {below}"
    if row.value is None:
        return NO_VALUE
    return f"{row.value}%" if section.kpi.unit == "percent" else str(row.value)


def _of(section: Section, row: Shown) -> str:
    """The dashboard's "Out of" column: what a rate or a median is of, in words."""
    return row.of(section.kpi) or NO_VALUE


BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 12, 6, 170, 240, 90


def bar_chart(section: Section, cut_label: str, below: int) -> Chart | None:
    """The bars by group, as on the dashboard, when the KPI is cut into two or more groups
    and at least one has a value; a suppressed group has no bar and says so."""
    rows = section.rows
    if len(rows) < 2 or all(row.suppressed or row.value is None for row in rows):
        return None
    values = [abs(row.value) for row in rows if not row.suppressed and row.value is not None]
    top = max(values) if values else 0
    step = BAR_HEIGHT + BAR_GAP
    width, height = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, step * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="9">'
    ]
    for n, row in enumerate(rows):
        y = n * step
        shown = 0 if row.suppressed or row.value is None or not top else abs(row.value) / top
        length = round(BAR_WIDTH * shown, 1)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 9}" text-anchor="end">{escape(row.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{NHS_BLUE}"/>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 9}">'
            f"{escape(_value(section, row, below))}</text>"
        )
    parts.append("</svg>")
    by = cut_label.lower()
    days = " days" if section.kpi.unit == "days" else ""
    described = "; ".join(
        f"{row.label}: {_value(section, row, below)}"
        + (days if not row.suppressed and row.value is not None else "")
        for row in rows
    )
    return Chart(
        svg="".join(parts),
        alt=f"Bar chart of {section.kpi.name.lower()} by {by}. {described}.",
        caption=f"{section.kpi.name} by {by}",
    )


def pack_charts(user: User, alliance: Alliance, choice: Choice) -> dict[str, list[Chart]]:
    """Each KPI's SPC chart over the months (uncut, as the reader may see it), for the pack:
    its summary sentence is its text alternative."""
    return {
        trend.kpi.slug: [
            Chart(
                svg=str(trend.svg),
                alt=f"Statistical process control chart. {trend.summary}",
                caption=f"{trend.kpi.name}, the last {len(trend.points)} months. "
                f"{trend.chart.variation.label}. "
                + (
                    "No target."
                    if trend.target is None
                    else f"Target {trend.target_text}: {trend.chart.assurance.label}."
                ),
            )
        ]
        for trend in trends(user, alliance, choice)
        if trend.drawable  # otherwise the table says what there is
    }


# Only the charts' own data URIs are read while rendering: nothing from disk or the network.
_FETCHER_PROTOCOLS = ("data",)


def review_pack(
    alliance: Alliance,
    choice: Choice,
    found: list[Section],
    scope_label: str,
    below: int,
    *,
    charts: Mapping[str, Sequence[Chart]] | None = None,
) -> bytes:
    """The pack as PDF/UA-1 bytes. `charts` adds charts to KPI sections by the KPI's slug
    (after the bar chart by group, if there is one); a slug that is not in the pack, or a
    chart without alternative text, raises ValueError."""
    charts = charts or {}
    slugs = {section.kpi.slug for section in found}
    unknown = sorted(set(charts) - slugs)
    if unknown:
        raise ValueError(f"No KPI in the review pack for the charts of {', '.join(unknown)}")
    narrative = PackNarrative.objects.filter(
        alliance=alliance, period_start=choice.period.start, period_end=choice.period.end
    ).first()
    made = clock.now().astimezone(LONDON)
    kpis = []
    for section in found:
        given = [bar_chart(section, choice.cut.label, below), *charts.get(section.kpi.slug, ())]
        kpis.append(
            {
                "kpi": section.kpi,
                "unit_heading": section.kpi.unit_heading,
                "figures": [
                    chart_figure(c["svg"], c["alt"], c["caption"]) for c in given if c is not None
                ],
                "rows": [(row.label, _value(section, row, below), _of(section, row))
                         for row in section.rows],
            }
        )  # fmt: skip
    text = narrative.text if narrative else ""
    html = render_to_string(
        "insights/pack_pdf.html",
        {
            "title": f"{alliance.name} review pack, {choice.period}",
            "period": choice.period,
            "scope_label": scope_label,
            "made": made,
            "below": below,
            "narrative": [part for part in text.split("\n") if part.strip()],
            "cut_label": choice.cut.label,
            "cut": choice.cut.value,
            "kpis": kpis,
        },
    )
    # Imported here, not at the top: importing WeasyPrint parses its stylesheets (about a
    # second), which only the pack should pay, not every process that loads the URLs.
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols=_FETCHER_PROTOCOLS, fail_on_errors=True)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
    assert pdf is not None, "with no target, write_pdf returns the bytes"
    return bytes(pdf)
