"""The archive a subject access request discloses: the gathered sections with the reviewer's
redactions applied, as JSON (the machine-readable copy; the PDF is drawn from it).

A withheld item keeps its place, with its record type and the marker in place of its fields;
a withheld field keeps its label, with the marker in place of its value; a section with
nothing in it says "none held". The marker is `Redaction.marker`: "[withheld: <reason>]".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from onedoor.subject_access.gather import Section
from onedoor.subject_access.models import Redaction, SubjectAccessRequest

NONE_HELD = "none held"


def build(
    request: SubjectAccessRequest,
    sections: Iterable[Section],
    redactions: Iterable[Redaction],
    *,
    produced_at: datetime,
    service: str,
) -> dict[str, Any]:
    withheld = {(r.record_type, r.record_key, r.field): r.marker for r in redactions}
    subject = request.carer.name if request.carer is not None else request.child.full_name
    return {
        "service": service,
        "request": str(request.uuid),
        "subject": subject,
        "subject_is": "parent or carer" if request.carer is not None else "child",
        "child": request.child.full_name,
        "received": request.received_on.isoformat(),
        "due": request.due_on.isoformat(),
        "produced_at": produced_at.isoformat(),
        "sections": [_section(section, withheld) for section in sections],
    }


def _section(section: Section, withheld: dict[tuple[str, str, str], str]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for item in section.items:
        whole = withheld.get((section.record_type, item.key, ""))
        if whole is not None:
            items.append({"id": item.key, "withheld": whole})
            continue
        items.append(
            {
                "id": item.key,
                "title": item.title,
                "fields": [
                    {
                        "field": field.name,
                        "label": field.label,
                        "value": withheld.get(
                            (section.record_type, item.key, field.name), field.value
                        ),
                    }
                    for field in item.fields
                ],
            }
        )
    return {
        "record_type": section.record_type,
        "how": section.how,
        "held": NONE_HELD if not items else f"{len(items)} held",
        "items": items,
    }


def dumps(archive: dict[str, Any]) -> str:
    return json.dumps(archive, ensure_ascii=False, indent=2)


def loads(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
