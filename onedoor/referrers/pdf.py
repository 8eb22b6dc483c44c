"""A PDF copy of what a professional sent (`sent_copy.sections`), built with reportlab."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from onedoor.referrals.models import Referral
from onedoor.referrers.sent_copy import sections


def _text(value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>") or "Not given"


def copy_of(referral: Referral, service_name: str) -> bytes:
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph(f"Referral {referral.reference_display}", styles["Title"]),
        Paragraph(
            _text(f"A copy of what you sent to the {service_name}. Keep it securely: it "
                  "holds details of a child."),
            styles["BodyText"],
        ),
    ]  # fmt: skip
    for section in sections(referral):
        story += [Spacer(1, 4 * mm), Paragraph(_text(section.title), styles["Heading2"])]
        rows = [
            [
                Paragraph(_text(label), styles["BodyText"]),
                Paragraph(_text(value), styles["BodyText"]),
            ]
            for label, value in section.rows
        ]
        table = Table(rows, colWidths=[55 * mm, 115 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            )
        )
        story.append(table)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"Referral {referral.reference_display}", author=service_name,
        leftMargin=18 * mm, rightMargin=18 * mm,
        pageCompression=0,  # plain text streams: searchable, and checkable in tests
    )  # fmt: skip
    document.build(story)
    return buffer.getvalue()
