"""The readable copy of a disclosed archive (`archive.build`), as a PDF built with reportlab
(`onedoor.printed`): every section, "none held" when empty, and each redaction where it was
made, as its marker."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from onedoor.printed import STYLES, document, labelled, text

NOT_RECORDED = "Not recorded"


def _text(value: str) -> str:
    return text(value, NOT_RECORDED)


def pdf_of(archive: dict[str, Any]) -> bytes:
    body = STYLES["BodyText"]
    title = f"Information we hold about {archive['subject']}"
    story: list[Flowable] = [
        Paragraph(_text(title), STYLES["Title"]),
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
        story += [Spacer(1, 4 * mm), Paragraph(_text(heading), STYLES["Heading2"])]
        if not section["items"]:
            story.append(Paragraph("None held.", body))
            continue
        for item in section["items"]:
            if "withheld" in item:
                story.append(Paragraph(_text(f"A record: {item['withheld']}"), body))
                continue
            story += [
                Paragraph(_text(item["title"]), STYLES["Heading4"]),
                labelled(((f["label"], f["value"]) for f in item["fields"]), NOT_RECORDED),
            ]
    return document(story, title=title, author=archive["service"])
