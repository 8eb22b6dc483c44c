"""Analysts' record-level extracts: pseudonymised with a keyed, stable pseudonym, nothing that
names or locates a child, streamed, audited, and for analysts only."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client, override_settings

from onedoor.audit.models import AuditEvent
from onedoor.children.models import Child
from onedoor.insights.extracts import pseudonym
from onedoor.referrals.models import Referral
from tests.personas import People, sign_in
from tests.test_kpis import october  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("october")


def _rows(client: Client, name: str) -> list[list[str]]:
    response = client.get(f"/insights/extracts/{name}.csv")
    assert response.status_code == 200
    content = b"".join(getattr(response, "streaming_content"))  # noqa: B009 (streamed)
    return list(csv.reader(io.StringIO(content.decode())))


def test_the_record_extract_has_a_row_per_referral_and_no_identifying_detail(
    client: Client, people: People
) -> None:
    sign_in(client, people.analyst)
    rows = _rows(client, "records")
    assert rows[0][:4] == ["child", "referral", "received", "age_at_referral"]
    assert len(rows) == 1 + Referral.objects.count() == 9
    ben = Child.objects.get(given_name="Ben")
    ben_referral = ben.referrals.get()
    row = next(r for r in rows if r[0] == pseudonym("child", ben.uuid))
    assert dict(zip(rows[0], row, strict=True)) == {
        "child": pseudonym("child", ben.uuid),
        "referral": pseudonym("referral", ben_referral.uuid),
        "received": "2026-10-10", "age_at_referral": "18", "gender": "male",
        "ethnicity": "Z", "priority_groups": "", "source": "gp", "route": "professional",
        "status": "discharged", "risk_rating": "", "organisation": "chums",
        "offer": ben_referral.allocated_offer.slug,  # type: ignore[union-attr]
        "first_decision": "2026-10-20", "first_contact": "2026-10-24",
        "second_contact": "2026-10-30", "attended": "2", "did_not_attend": "0",
        "discharged": "2026-10-31", "discharge_reason": "disengaged",
    }  # fmt: skip
    ava = Child.objects.get(given_name="Ava")
    assert sum(r[0] == pseudonym("child", ava.uuid) for r in rows) == 2  # one child, two rows
    content = "\n".join(",".join(r) for r in rows)
    for identifying in ("Ava", "Zanzibar", "2012-06-01", "ME4 4AB", str(ava.uuid)):
        assert identifying not in content
    event = AuditEvent.objects.get(record_type="extract")
    assert (event.action, event.record_id, event.actor_username) == (
        "view", "records", people.analyst.username,
    )  # fmt: skip


def test_a_pseudonym_is_stable_and_keyed() -> None:
    with override_settings(PSEUDONYM_KEY="key-one"):
        first = pseudonym("child", "abc")
        assert pseudonym("child", "abc") == first and len(first) == 16
        assert pseudonym("referral", "abc") != first
    with override_settings(PSEUDONYM_KEY="key-two"):
        assert pseudonym("child", "abc") != first


def test_the_mhsds_aligned_care_contacts_use_the_data_sets_codes(
    client: Client, people: People
) -> None:
    sign_in(client, people.analyst)
    rows = _rows(client, "mhsds-care-contacts")
    assert rows[0] == [
        "CareContactId", "ServiceRequestId", "CareContDate", "AttendOrDNACode",
        "ConsMechanismMH", "ClinContDurOfCareCont", "OrgIDProv",
    ]  # fmt: skip
    ava_first = Child.objects.get(given_name="Ava").referrals.order_by("received_at").first()
    assert ava_first is not None
    avas = [r[2:5] for r in rows[1:] if r[1] == pseudonym("referral", ava_first.uuid)]
    assert avas == [["2026-10-19", "5", "02"], ["2026-10-26", "3", "02"], ["2026-11-02", "5", "02"]]
    referrals = _rows(client, "mhsds-referrals")
    sources = sorted(r[3] for r in referrals[1:])
    assert sources == ["A1", "A1", "A1", "B1", "B2", "M3", "M3", "M3"]


@pytest.mark.parametrize("persona", ["manager", "commissioner", "clinical_lead", "triage"])
def test_only_analysts_take_record_level_extracts(
    client: Client, people: People, persona: str
) -> None:
    sign_in(client, people.by_role()[persona])
    assert client.get("/insights/extracts/records.csv").status_code == 403
    assert AuditEvent.objects.filter(record_type="extract").count() == 0


def test_an_unknown_extract_is_not_found(client: Client, people: People) -> None:
    sign_in(client, people.analyst)
    assert client.get("/insights/extracts/everything.csv").status_code == 404
    assert AuditEvent.objects.filter(record_type="extract").count() == 0


def test_the_mhsds_aligned_scores_give_each_measures_headline_score(
    client: Client, people: People
) -> None:
    sign_in(client, people.analyst)
    rows = _rows(client, "mhsds-coded-scores")
    assert rows[0] == [
        "CodedAssToolId", "ServiceRequestId", "AssToolCompDate", "AssessmentTool",
        "AssessmentToolVersion", "PersScore",
    ]  # fmt: skip
    cal = Child.objects.get(given_name="Cal").referrals.get()
    assert [r[2:] for r in rows[1:] if r[1] == pseudonym("referral", cal.uuid)] == [
        ["2026-10-03", "gad-7", "1", "15"],
        ["2026-10-28", "gad-7", "1", "6"],
    ]
