"""Complex-case decisions: the clinical lead's, with a rationale, on the child's timeline;
nobody else records one, and a refused one writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.triage.complex_cases import record_complex_decision
from onedoor.triage.models import ComplexDecision
from tests.personas import People, make_child, shown, sign_in


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    return make_child(
        alliance, "Cass", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()


def _written() -> tuple[int, int, int]:
    return (
        ComplexDecision.objects.count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.filter(record_type="complex_decision").count(),
    )


def test_the_clinical_lead_records_a_decision_on_the_timeline(
    people: People, referral: Referral
) -> None:
    made = record_complex_decision(
        user=people.clinical_lead, referral=referral, kind="step_up",
        decision="  Refer to specialist CAMHS today.  ", rationale="Plans disclosed; risk high.",
    )  # fmt: skip
    assert (made.kind, made.decision, made.rationale, made.decided_by) == (
        "step_up", "Refer to specialist CAMHS today.", "Plans disclosed; risk high.",
        people.clinical_lead,
    )  # fmt: skip
    event = TimelineEvent.objects.get(referral=referral)
    assert event.summary == "Complex-case decision (step up): Refer to specialist CAMHS today."
    audit = AuditEvent.objects.get(record_type="complex_decision")
    assert (audit.record_id, audit.detail) == (str(made.uuid), {"kind": "step_up"})


@pytest.mark.parametrize("persona", ["triage", "kooth_lead", "safeguarding", "manager"])
def test_nobody_else_records_one(people: People, referral: Referral, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        record_complex_decision(
            user=people.by_role()[persona], referral=referral, kind="other",
            decision="Decided.", rationale="Because.",
        )  # fmt: skip
    assert _written() == (0, 0, 0)


@pytest.mark.parametrize(
    ("kind", "decision", "rationale", "message"),
    [("nonsense", "D.", "R.", "Choose what the decision is about"),
     ("other", "  ", "R.", "Write the decision and the rationale"),
     ("other", "D.", "", "Write the decision and the rationale")],
)  # fmt: skip
def test_a_decision_needs_its_kind_text_and_rationale(
    people: People, referral: Referral, kind: str, decision: str, rationale: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        record_complex_decision(
            user=people.clinical_lead, referral=referral, kind=kind, decision=decision,
            rationale=rationale,
        )  # fmt: skip
    assert _written() == (0, 0, 0)


def test_the_page_records_and_lists_decisions(
    client: Client, people: People, referral: Referral
) -> None:
    url = f"/governance/complex-decisions/{referral.uuid}/"
    sign_in(client, people.triage)
    assert client.get(url).status_code == 403
    sign_in(client, people.clinical_lead)
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "", "decision": "", "rationale": ""})
    assert response.status_code == 400
    assert "Choose what the decision is about" in shown(response)
    assert _written() == (0, 0, 0)
    response = client.post(
        url, {"kind": "transition", "decision": "Move to CHUMS.", "rationale": "Bereavement."}
    )
    assert response["Location"] == url
    page = shown(client.get(url))
    assert "Move to CHUMS." in page and "Rationale: Bereavement." in page
    child_page = shown(client.get(f"/children/{referral.child.uuid}/"))
    assert f'href="{url}"' in child_page


def test_the_decisions_page_runs_the_same_queries_however_many(
    client: Client, people: People, referral: Referral
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, people.clinical_lead)
    client.get("/")
    url = f"/governance/complex-decisions/{referral.uuid}/"
    counts = []
    for n in (1, 4):
        while ComplexDecision.objects.count() < n:
            record_complex_decision(
                user=people.clinical_lead, referral=referral, kind="other",
                decision="Decided.", rationale="Because.",
            )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(url).context["decisions"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
