"""A PDF copy of what a professional sent (`sent_copy.sections`), built with reportlab."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from onedoor.printed import STYLES, document, labelled, text
from onedoor.referrals.models import Referral
from onedoor.referrers.sent_copy import sections

NOT_GIVEN = "Not given"


def copy_of(referral: Referral, service_name: str) -> bytes:
    title = f"Referral {referral.reference_display}"
    story: list[Flowable] = [
        Paragraph(title, STYLES["Title"]),
        Paragraph(
            text(f"A copy of what you sent to the {service_name}. Keep it securely: it holds "
                 "details of a child.", NOT_GIVEN),
            STYLES["BodyText"],
        ),
    ]  # fmt: skip
    for section in sections(referral):
        story += [
            Spacer(1, 4 * mm),
            Paragraph(text(section.title, NOT_GIVEN), STYLES["Heading2"]),
            labelled(section.rows, NOT_GIVEN),
        ]
    return document(story, title=title, author=service_name)
