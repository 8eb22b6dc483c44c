"""The escalation framework across the product: a triage clock past its deadline climbs it
like a red review or a handover; the clinical lead sees every open escalation, its owner and
its age on one page; someone away is stood in for by their configured deputy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from onedoor.triage.escalation import escalate_overdue, open_escalations
from onedoor.triage.models import Escalation
from onedoor.triage.tasks import notify_escalation, stand_ins
from tests.personas import People, make_child, shown, sign_in

DUE = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def _late(alliance: Alliance, name: str, *, red: bool = False, due: datetime = DUE) -> Referral:
    referral = make_child(alliance, name).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        triage_due_at=due, risk_rating="red" if red else "green", queue_band=1 if red else 2
    )
    referral.refresh_from_db()
    return referral


def test_a_referral_not_triaged_by_its_deadline_escalates_once_per_level(
    alliance: Alliance, people: People
) -> None:
    referral = _late(alliance, "Tam")
    assert escalate_overdue(DUE - timedelta(minutes=1)) == 0
    assert escalate_overdue(DUE) == 1
    assert escalate_overdue(DUE + timedelta(minutes=5)) == 0
    assert escalate_overdue(DUE + timedelta(hours=4)) == 1  # level 2, four hours on
    assert list(Escalation.objects.values_list("kind", "level")) == [
        ("triage_clock", 1), ("triage_clock", 2),
    ]  # fmt: skip
    # Once triaged, it is done: nothing more is raised, and nothing is open.
    Referral.objects.filter(pk=referral.pk).update(status=Status.ALLOCATED)
    assert escalate_overdue(DUE + timedelta(days=3)) == 0
    assert open_escalations(people.clinical_lead) == []


def test_a_paused_clock_and_a_red_referral_do_not_escalate_as_triage_clocks(
    alliance: Alliance, people: People
) -> None:
    paused = _late(alliance, "Pip")
    Referral.objects.filter(pk=paused.pk).update(clock_paused_at=DUE - timedelta(days=1))
    _late(alliance, "Red", red=True)
    assert escalate_overdue(DUE) == 1
    assert list(Escalation.objects.values_list("kind", "referral__child__given_name")) == [
        ("red_review", "Red")
    ]


def test_the_clinical_lead_sees_every_open_escalation_with_its_owner_and_age(
    client: Client, alliance: Alliance, people: People
) -> None:
    _late(alliance, "Old", due=DUE - timedelta(days=2))
    _late(alliance, "Red", red=True)
    escalate_overdue(DUE - timedelta(days=2))  # Old reaches level 1
    escalate_overdue(DUE + timedelta(hours=5))  # Old reaches 3 (28 hours on); Red reaches 2
    found = [(e.referral.child.given_name, e.kind.value, e.level, e.owner)
             for e in open_escalations(people.clinical_lead)]  # fmt: skip
    assert found == [
        ("Old", "triage_clock", 3, "Triage team"),
        ("Red", "red_review", 2, "Clinical leads"),
    ]
    sign_in(client, people.clinical_lead)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/governance/escalations/")
    page = shown(response)
    assert "Triage clock overdue" in page and "Red review overdue" in page
    assert "3: Director of Children and Young People&#x27;s Services" in page
    _late(alliance, "New", due=DUE + timedelta(hours=1))
    escalate_overdue(DUE + timedelta(hours=6))
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/governance/escalations/").context["rows"]) == 3
    assert len(more) == len(queries)


@pytest.mark.parametrize("persona", ["triage", "manager", "kooth_lead", "safeguarding"])
def test_only_the_clinical_lead_opens_the_escalations_page(
    client: Client, people: People, persona: str
) -> None:
    sign_in(client, people.by_role()[persona])
    assert client.get("/governance/escalations/").status_code == 403


def test_someone_away_is_stood_in_for_by_their_deputy(alliance: Alliance, people: People) -> None:
    lead, deputy, manager = people.clinical_lead, people.safeguarding, people.manager
    for user, address in ((lead, "cal@example.org"), (deputy, "sam@example.org"),
                          (manager, "max@example.org")):  # fmt: skip
        user.email = address
        user.save()
    today = date(2026, 11, 23)
    lead.deputy, lead.away_until = deputy, today
    lead.save()
    assert [u.email for u in stand_ins([lead, manager], today)] == [
        "sam@example.org", "max@example.org",
    ]  # fmt: skip
    assert [u.email for u in stand_ins([lead], today + timedelta(days=1))] == ["cal@example.org"]
    deputy.away_until = today
    deputy.save()
    lead.refresh_from_db()
    assert [u.email for u in stand_ins([lead], today)] == ["cal@example.org"]  # never nobody


def test_an_escalation_reaches_the_deputy_of_a_director_on_leave(
    alliance: Alliance, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    referral = _late(alliance, "Red", red=True)
    manager, deputy = people.manager, people.coordinator  # level 3: clinical lead, manager
    manager.email, manager.away_until, manager.deputy = (
        "max@example.org",
        date(2026, 11, 30),
        deputy,
    )
    manager.save()
    deputy.email = "cora@example.org"
    deputy.save()
    assert notify_escalation.call(str(referral.uuid), 3, "", "red_review") == 1
    assert [m.to for m in mail.outbox] == [["cora@example.org"]]
    assert mail.outbox[0].subject == (
        f"Escalation level 3: red referral {referral.reference_display} not reviewed"
    )


def test_an_overdue_safeguarding_action_reaches_the_page_and_its_level(
    client: Client, alliance: Alliance, people: People
) -> None:
    from onedoor.safeguarding.actions import complete_follow_up, raise_concern
    from onedoor.safeguarding.models import FollowUp

    referral = make_child(
        alliance, "Sid", allocated_to="chums", status=Status.IN_INTERVENTION
    ).referrals.get()
    concern = raise_concern(
        user=people.chums_practitioner, referral=referral, category="neglect",
        seen_or_said="Hungry.", immediate_actions="Fed.", referred_to_social_care=False,
        social_care_reference="", owner=people.partner_safeguarding,
    )  # fmt: skip
    action = FollowUp.objects.create(
        concern=concern, text="Call school.", owner=people.chums_practitioner,
        due=date(2026, 11, 20),  # a Friday: overdue from 17:00
    )  # fmt: skip
    friday_5pm = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert escalate_overdue(friday_5pm - timedelta(minutes=1)) == 0
    assert escalate_overdue(friday_5pm) == 1
    assert [(e.kind.value, e.level, e.owner) for e in open_escalations(people.clinical_lead)] == [
        ("safeguarding_action", 1, str(people.chums_practitioner))
    ]
    # Level 1 tells the triage leads, partner leads and care coordinators: the lead
    # provider's, and CHUMS's (the child's partner), not Kooth's.
    addresses = (
        (people.triage, "tina@example.org"),
        (people.chums_lead, "cleo@example.org"),
        (people.kooth_lead, "kit@example.org"),
    )
    for user, address in addresses:
        user.email = address
        user.save()
    assert (
        notify_escalation.call(str(referral.uuid), 1, str(action.uuid), "safeguarding_action") == 2
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["cleo@example.org", "tina@example.org"]
    assert mail.outbox[0].subject == (
        f"Escalation level 1: a safeguarding action for {referral.reference_display} is overdue"
    )
    sign_in(client, people.clinical_lead)
    page = shown(client.get("/governance/escalations/"))
    assert f'href="/safeguarding/{concern.uuid}/"' in page
    complete_follow_up(user=people.chums_practitioner, follow_up=action)
    assert open_escalations(people.clinical_lead) == []
    assert escalate_overdue(friday_5pm + timedelta(days=5)) == 0


def test_an_unacknowledged_handover_reaches_the_page_owned_by_the_receiving_side(
    alliance: Alliance, people: People
) -> None:
    from onedoor.alliance.models import Organisation
    from onedoor.care.models import Transition

    referral = make_child(
        alliance, "Hal", allocated_to="kooth", status=Status.IN_TRANSITION
    ).referrals.get()
    camhs = Organisation.objects.get(alliance=alliance, slug="specialist-camhs")
    Transition.objects.create(
        referral=referral, kind=Transition.Kind.STEP_UP, reason="Risk.", handover="Notes.",
        receiving_organisation=camhs, due_at=DUE, sent_by=people.kooth_practitioner,
        sent_at=DUE - timedelta(days=2),
    )  # fmt: skip
    assert escalate_overdue(DUE + timedelta(hours=4)) == 2  # levels 1 and 2
    assert [(e.kind.value, e.level, e.owner) for e in open_escalations(people.clinical_lead)] == [
        ("handover", 2, camhs.name)
    ]
    # Through the access layer: CHUMS's lead cannot see Kooth's child, so nor its escalation.
    assert open_escalations(people.chums_lead) == []
    assert len(open_escalations(people.kooth_lead)) == 1
