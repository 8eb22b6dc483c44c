"""B9: a child's page (each view writes an audit row) against `/health`, medians measured in
the same run: as a Kooth practitioner, who sees only Kooth's children (the goal's row), and as
the triage lead, who sees every child."""

from __future__ import annotations

from onedoor.access.records import children_visible_to
from onedoor.accounts.models import User
from onedoor.bench.harness import Context, interleaved, p50
from onedoor.bench.measure import Row


def run(context: Context) -> list[Row]:
    kooth = User.objects.get(username="kooth-practitioner")
    child = children_visible_to(kooth).order_by("pk").first()
    if child is None:
        raise SystemExit("bench: no child visible to the Kooth practitioner")
    page = f"/children/{child.uuid}/"
    practitioner = context.client_as("kooth-practitioner")
    lead = context.client_as("triage")
    medians = interleaved(
        {
            "health": lambda: practitioner.get("/health"),
            "practitioner": lambda: practitioner.get(page),
            "lead": lambda: lead.get(page),
        },
        context.repeat,
        p50,
    )
    health, as_practitioner, as_lead = medians["health"], medians["practitioner"], medians["lead"]
    return [
        Row(
            "B9",
            "a child's page p50 / /health p50, as a Kooth practitioner",
            as_practitioner / health,
            "ratio",
            ("<=", 10.0),
        ),
        Row(
            "B9", "a child's page p50 / /health p50, as the triage lead", as_lead / health, "ratio"
        ),
        Row("B9", "a child's page p50, as a Kooth practitioner", as_practitioner, "ms"),
        Row("B9", "a child's page p50, as the triage lead", as_lead, "ms"),
        Row("B9", "/health p50", health, "ms"),
    ]
