"""Step-down into the alliance: the Referral and Advice Point records a service's handover
for the partner the child is allocated to; the partner acknowledges it; until then it is on
the lists and escalates like every handover. The child's path through the alliance is not
changed by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import acknowledge_handover, record_step_down, start_transition
from onedoor.care.models import Transition
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.triage.escalation import escalate_overdue
from onedoor.triage.models import Escalation
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, organisation, shown, sign_in


@pytest.fixture
def allocated(alliance: Alliance) -> Referral:
    return make_child(
        alliance, "Sky", allocated_to="kooth", status=Status.ALLOCATED
    ).referrals.get()


def _step_down(people: People, referral: Referral, **changes: object) -> Transition:
    values: dict[str, object] = {
        "user": people.coordinator,
        "referral": referral,
        "sending_organisation": organisation(referral.child.alliance, "specialist-camhs"),
        "reason": "Stable for three months; continuing support nearer home.",
        "handover": "Sertraline 50mg; safety plan attached in CAMHS letter.",
    }
    values.update(changes)
    return record_step_down(**values)  # type: ignore[arg-type]


def test_a_step_down_is_recorded_for_the_allocated_partner_and_acknowledged_by_them(
    people: People, allocated: Referral
) -> None:
    transition = _step_down(people, allocated)
    assert (
        transition.kind, transition.sending_organisation.slug,  # type: ignore[union-attr]
        transition.receiving_organisation.slug, transition.receiving_offer,
        transition.sent_by, transition.acknowledged_at,
    ) == (
        "step_down", "specialist-camhs", "kooth", allocated.allocated_offer, people.coordinator,
        None,
    )  # fmt: skip
    allocated.refresh_from_db()
    assert allocated.status == Status.ALLOCATED  # the path carries on as it was
    assert TimelineEvent.objects.filter(referral=allocated).values_list("summary", flat=True)[
        0
    ] == ("Step-down from Specialist CAMHS (Kent and Medway): handover for Kooth to acknowledge.")
    assert AuditEvent.objects.filter(record_type="transition").count() == 1

    # Someone who is not the receiving side cannot acknowledge it.
    with pytest.raises(PermissionDenied):
        acknowledge_handover(user=people.chums_practitioner, transition=transition, note="")
    acknowledge_handover(user=people.kooth_practitioner, transition=transition, note="Read.")
    transition.refresh_from_db()
    allocated.refresh_from_db()
    assert (transition.acknowledged_by, allocated.status) == (
        people.kooth_practitioner,
        Status.ALLOCATED,
    )
    assert list(
        AuditEvent.objects.filter(record_type="transition")
        .order_by("sequence")
        .values_list("action", "record_id")
    ) == [("create", str(transition.uuid)), ("change", str(transition.uuid))]


def test_an_unacknowledged_step_down_stays_on_the_lists_and_escalates(
    people: People, allocated: Referral
) -> None:
    transition = _step_down(people, allocated)

    def work(user: object) -> list[tuple[str, str]]:
        return [(i.what, i.referral.child.given_name) for i in due_items_for(user)]  # type: ignore[arg-type,union-attr]

    assert work(people.coordinator) == [("Handover waiting for the receiving side", "Sky")]
    assert escalate_overdue(transition.due_at - timedelta(minutes=1)) == 0
    assert escalate_overdue(transition.due_at + timedelta(minutes=1)) == 1
    assert Escalation.objects.get().transition == transition


@pytest.mark.parametrize("persona", ["kooth_practitioner", "chums_practitioner", "analyst"])
def test_only_the_referral_and_advice_point_records_a_step_down(
    people: People, allocated: Referral, persona: str
) -> None:
    before = (Transition.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        _step_down(people, allocated, user=people.by_role()[persona])
    assert (Transition.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Status.AWAITING_TRIAGE, "allocated_organisation": None}, "Allocate the child"),
        ({"status": Status.DISCHARGED}, "Allocate the child"),
    ],
)
def test_a_step_down_needs_a_child_allocated_to_a_partner(
    people: People, allocated: Referral, change: dict[str, object], message: str
) -> None:
    Referral.objects.filter(pk=allocated.pk).update(**change)
    allocated.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        _step_down(people, allocated)
    assert Transition.objects.count() == 0


def test_a_step_down_comes_from_a_service_outside_the_alliance_with_its_handover(
    people: People, allocated: Referral
) -> None:
    with pytest.raises(ValidationError, match="stepping down from"):
        _step_down(
            people, allocated, sending_organisation=organisation(allocated.child.alliance, "chums")
        )
    with pytest.raises(ValidationError, match="Write the reason and the handover"):
        _step_down(people, allocated, handover="  ")
    _step_down(people, allocated)
    with pytest.raises(ValidationError, match="already waiting"):
        _step_down(people, allocated)
    assert Transition.objects.count() == 1


def test_a_partner_cannot_send_a_step_down_as_a_transition(
    people: People, allocated: Referral
) -> None:
    Referral.objects.filter(pk=allocated.pk).update(status=Status.WAITING)
    allocated.refresh_from_db()
    with pytest.raises(ValidationError, match="Choose the kind of transition"):
        start_transition(
            user=people.kooth_practitioner, referral=allocated, kind="step_down", reason="x",
            receiving_organisation=organisation(allocated.child.alliance, "specialist-camhs"),
            receiving_offer=None, handover="y",
        )  # fmt: skip
    assert Transition.objects.count() == 0


def test_the_care_record_offers_the_step_down_to_the_advice_point_only(
    client: Client, people: People, allocated: Referral
) -> None:
    link = "Record a step-down into the alliance</a>"
    url = f"/care/{allocated.uuid}/step-down/"
    sign_in(client, people.kooth_practitioner)
    assert link not in shown(client.get(f"/care/{allocated.uuid}/"))
    sign_in(client, people.coordinator)
    assert f'href="{url}">{link}' in shown(client.get(f"/care/{allocated.uuid}/"))
    response = client.post(url, {"sending_organisation": "", "reason": ""})
    assert response.status_code == 400
    assert "Choose the service the child is stepping down from" in shown(response)
    camhs = organisation(allocated.child.alliance, "specialist-camhs")
    response = client.post(
        url,
        {"sending_organisation": str(camhs.pk), "reason": "Stable.",
         "handover": "Letter attached."},
    )  # fmt: skip
    assert response.status_code == 302
    assert Transition.objects.get().handover == "Letter attached."
    page = shown(client.get(f"/care/{allocated.uuid}/"))
    assert "Handover waiting for Kooth" in page and link not in page
