"""The quarterly commissioner review pack, as a PDF: the period, the service manager's
narrative, and every KPI with its definition, a bar chart and its table. The figures are the
dashboard's (`dashboard.sections`), suppressed the same way for the reader's role."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.insights.dashboard import Choice, Section, Shown
from onedoor.insights.models import PackNarrative

NHS_BLUE = colors.HexColor("#005eb8")
NO_VALUE = "\u2013"  # an en dash: nothing to show


def _value(section: Section, row: Shown, below: int) -> str:
    if row.suppressed:
        return f"Fewer than {below}"
    if row.value is None:
        return NO_VALUE
    return f"{row.value}%" if section.kpi.unit == "percent" else str(row.value)


def _of(section: Section, row: Shown) -> str:
    if row.suppressed:
        return NO_VALUE
    if section.kpi.unit == "percent":
        return f"{row.numerator} of {row.denominator}"
    if section.kpi.unit == "days" and row.denominator is not None:
        return f"{row.denominator} children"
    return ""


def _chart(section: Section) -> Drawing | None:
    values = [row.value for row in section.rows if not row.suppressed and row.value is not None]
    if len(section.rows) < 2 or not values:
        return None
    height = 14 * len(section.rows) + 10
    drawing = Drawing(160 * mm, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60 * mm, 5, 95 * mm, height - 10
    chart.data = [[0 if r.suppressed or r.value is None else r.value for r in section.rows]]
    chart.categoryAxis.categoryNames = [r.label for r in section.rows]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = NHS_BLUE
    drawing.add(chart)
    return drawing


def review_pack(
    alliance: Alliance, choice: Choice, found: list[Section], scope_label: str, below: int
) -> bytes:
    narrative = PackNarrative.objects.filter(
        alliance=alliance, period_start=choice.period.start, period_end=choice.period.end
    ).first()
    styles = getSampleStyleSheet()
    made = clock.now().astimezone(LONDON)
    story: list[object] = [
        Paragraph(escape(f"{alliance.name}: review pack"), styles["Title"]),
        Paragraph(escape(f"{choice.period}. {scope_label}."), styles["Heading2"]),
        Paragraph(
            escape(
                f"Made {made:%-d %B %Y at %H:%M} from OneDoor's shared KPIs. "
                f"Figures about fewer than {below} children are suppressed."
            ),
            styles["Italic"],
        ),
        Paragraph("What the service manager says", styles["Heading2"]),
    ]
    text = narrative.text if narrative else "No narrative has been written for this period."
    story += [Paragraph(escape(part), styles["BodyText"]) for part in text.split("\n") if part]
    for section in found:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(escape(section.kpi.name), styles["Heading3"]),
            Paragraph(escape(section.kpi.definition), styles["BodyText"]),
        ]
        chart = _chart(section)
        if chart is not None:
            story.append(chart)
        rows = [[choice.cut.label, "Value", "Of"]] + [
            [row.label, _value(section, row, below), _of(section, row)] for row in section.rows
        ]
        table = Table(rows, colWidths=[80 * mm, 40 * mm, 40 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story.append(table)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{alliance.name} review pack, {choice.period}",
        author="OneDoor", leftMargin=18 * mm, rightMargin=18 * mm,
        pageCompression=0,  # plain text streams: searchable, and checkable in tests
    )  # fmt: skip
    document.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()
