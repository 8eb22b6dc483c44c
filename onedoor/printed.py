"""The parts every PDF of the product is made of, with reportlab: text made safe for a
paragraph, a two-column table of labels and values, and an A4 document whose text streams
stay uncompressed (searchable, and checkable in tests). Used by a referrer's copy of what
they sent (`referrers/pdf.py`) and a subject access disclosure (`subject_access/pdf.py`)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

STYLES = getSampleStyleSheet()


def text(value: str, empty: str) -> str:
    """`value` as a paragraph's markup: escaped, its line breaks kept; `empty` for none."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>") or empty


def labelled(rows: Iterable[tuple[str, str]], empty: str) -> Table:
    """Labels beside their values, each row ruled off."""
    body = STYLES["BodyText"]
    table = Table(
        [[Paragraph(text(label, empty), body), Paragraph(text(value, empty), body)]
         for label, value in rows],
        colWidths=[55 * mm, 115 * mm],
    )  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def document(story: list[Flowable], *, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author=author,
        leftMargin=18 * mm, rightMargin=18 * mm,
        pageCompression=0,  # plain text streams: searchable, and checkable in tests
    ).build(story)  # fmt: skip
    return buffer.getvalue()
