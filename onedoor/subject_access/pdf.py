"""The readable copy of a disclosed archive (`archive.build`), as a PDF built with reportlab
(as `referrers/pdf.py` builds a referral's copy): every section, "none held" when empty, and
each redaction where it was made, as its marker."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable


def _text(value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>") or "Not recorded"


def pdf_of(archive: dict[str, Any]) -> bytes:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    title = f"Information we hold about {archive['subject']}"
    story: list[Flowable] = [
        Paragraph(_text(title), styles["Title"]),
        Paragraph(
            _text(
                f"{archive['service']}. Subject access request received on "
                f"{archive['received']}; produced on {archive['produced_at'][:10]}. Where "
                "something is withheld, it says so and why: [withheld: reason]."
            ),
            body,
        ),
    ]
    for section in archive["sections"]:
        heading = section["record_type"][:1].upper() + section["record_type"][1:]
        story += [Spacer(1, 4 * mm), Paragraph(_text(heading), styles["Heading2"])]
        if not section["items"]:
            story.append(Paragraph("None held.", body))
            continue
        for item in section["items"]:
            if "withheld" in item:
                story.append(Paragraph(_text(f"A record: {item['withheld']}"), body))
                continue
            story.append(Paragraph(_text(item["title"]), styles["Heading4"]))
            rows = [
                [Paragraph(_text(field["label"]), body), Paragraph(_text(field["value"]), body)]
                for field in item["fields"]
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
        buffer, pagesize=A4, title=title, author=archive["service"],
        leftMargin=18 * mm, rightMargin=18 * mm,
        pageCompression=0,  # plain text streams: searchable, and checkable in tests
    )  # fmt: skip
    document.build(story)
    return buffer.getvalue()
