"""The Young Adult Support Offer: a care leaver aged 18 to 25 has a named care coordinator
before any other step, their pathway is recorded, the coordinator sees their caseload, and a
leaving worker's whole caseload moves with an audit record for each young adult."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer, PriorityGroup
from onedoor.audit.models import AuditEvent
from onedoor.care import young_adults
from onedoor.care.actions import record_contact
from onedoor.care.models import Contact, CoordinatorAssignment, YoungAdultPathway
from onedoor.care.young_adults import (
    NAME_A_COORDINATOR_FIRST,
    assign_coordinator,
    is_young_adult,
    needs_named_coordinator,
    reassign_caseload,
    record_pathway,
    require_named_coordinator,
)
from onedoor.children.models import Child, TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.triage.actions import accept_allocation, record_decision
from onedoor.triage.models import Outcome, TriageDecision
from tests.personas import People, make_child, make_user, organisation, shown, sign_in

HELP = IThriveGrouping.GETTING_HELP


def _born_aged(years: int) -> date:
    """A 1 January birthday: `years` old today, whatever today is."""
    return date(clock.today().year - years, 1, 1)


def _young_adult(
    alliance: Alliance,
    name: str,
    *,
    aged: int = 20,
    groups: tuple[str, ...] = ("care-leaver",),
    status: Status = Status.AWAITING_TRIAGE,
    allocated_to: str | None = None,
) -> Referral:
    child = make_child(
        alliance, name, "Leaver", born=_born_aged(aged), status=status, allocated_to=allocated_to
    )
    child.priority_groups.set(PriorityGroup.objects.filter(alliance=alliance, slug__in=groups))
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(consent_to_share=True, risk_rating="amber")
    referral.refresh_from_db()
    return referral


def _writes() -> tuple[int, int, int, int]:
    return (
        CoordinatorAssignment.objects.count(),
        YoungAdultPathway.objects.count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def jordan(alliance: Alliance) -> Referral:
    """A 20-year-old care leaver awaiting triage, with no named coordinator."""
    return _young_adult(alliance, "Jordan")


@pytest.fixture
def second_coordinator(alliance: Alliance) -> User:
    return make_user(
        "cory-coordinator", Role.CARE_COORDINATOR, organisation(alliance, "north-kent-mind")
    )


# The rule


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 3, 13), False),  # 17, the day before the 18th birthday
        (date(2026, 3, 14), True),  # 18
        (date(2033, 3, 14), True),  # 25
        (date(2034, 3, 13), True),  # still 25, the day before the 26th birthday
        (date(2034, 3, 14), False),  # 26
    ],
)
def test_a_young_adult_is_18_to_25_inclusive(on: date, expected: bool) -> None:
    assert is_young_adult(born=date(2008, 3, 14), on=on, up_to=25) is expected


def test_a_29_february_birthday_turns_18_on_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)
    assert is_young_adult(born=born, on=date(2026, 2, 28), up_to=25) is False
    assert is_young_adult(born=born, on=date(2026, 3, 1), up_to=25) is True


@pytest.mark.parametrize(
    ("aged", "groups", "expected"),
    [
        (17, ("care-leaver",), False),
        (18, ("care-leaver",), True),
        (25, ("care-leaver",), True),
        (26, ("care-leaver",), False),
        (20, ("send",), False),
        (20, ("care-experienced",), False),
        (20, (), False),
        (20, ("send", "care-leaver"), True),
    ],
)
def test_only_a_care_leaver_aged_18_to_25_needs_a_named_coordinator(
    alliance: Alliance, aged: int, groups: tuple[str, ...], expected: bool
) -> None:
    child = _young_adult(alliance, "Robin", aged=aged, groups=groups).child
    assert needs_named_coordinator(child, clock.today()) is expected


def test_the_upper_age_is_the_alliances_extended_age(alliance: Alliance) -> None:
    child = _young_adult(alliance, "Robin", aged=23).child
    assert needs_named_coordinator(child, clock.today()) is True
    alliance.extended_max_age = 22
    alliance.save()
    child = Child.objects.select_related("alliance").get(pk=child.pk)
    assert needs_named_coordinator(child, clock.today()) is False


# Naming a coordinator


def test_the_triage_lead_names_a_care_coordinator(people: People, jordan: Referral) -> None:
    assignment = assign_coordinator(
        user=people.triage, referral=jordan, coordinator=people.coordinator
    )
    assert (
        assignment.referral,
        assignment.coordinator,
        assignment.how,
        assignment.assigned_by,
        assignment.ended_at,
    ) == (jordan, people.coordinator, "named", people.triage, None)
    assert list(TimelineEvent.objects.values_list("summary", "actor__username")) == [
        ("Named care coordinator: Cora-Coordinator.", "tina-triage")
    ]
    event = AuditEvent.objects.get()
    assert (event.action, event.record_type, event.record_id, event.child_uuid, event.detail) == (
        "create",
        "coordinator_assignment",
        str(assignment.uuid),
        jordan.child.uuid,
        {
            "referral": str(jordan.uuid),
            "coordinator": str(people.coordinator.uuid),
            "how": "named",
            "previous": "",
        },
    )


def test_a_coordinator_whose_account_is_closed_is_nobody_until_another_is_named(
    people: People, jordan: Referral, second_coordinator: User
) -> None:
    from onedoor.worklist.items import due_items_for

    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    require_named_coordinator(jordan)  # named: nothing held back
    people.coordinator.is_active = False
    people.coordinator.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        require_named_coordinator(jordan)
    assert refused.value.messages == ["Name a care coordinator for this young adult first"]
    tasks = [(i.what, i.referral) for i in due_items_for(second_coordinator)]
    assert tasks == [("Name a care coordinator", jordan)]
    assign_coordinator(user=people.triage, referral=jordan, coordinator=second_coordinator)
    require_named_coordinator(jordan)
    assert due_items_for(second_coordinator) == []


def test_naming_someone_else_ends_the_current_one_and_keeps_the_history(
    people: People, jordan: Referral, second_coordinator: User
) -> None:
    first = assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    second = assign_coordinator(
        user=people.manager, referral=jordan, coordinator=second_coordinator
    )
    first.refresh_from_db()
    assert (first.ended_by, first.ended_at) == (people.manager, second.assigned_at)
    assert (second.how, second.ended_at) == ("reassigned", None)
    assert list(CoordinatorAssignment.objects.current().filter(referral=jordan)) == [second]
    assert AuditEvent.objects.order_by("sequence").last().detail["previous"] == str(first.uuid)  # type: ignore[union-attr]


def test_naming_the_same_coordinator_again_is_refused(people: People, jordan: Referral) -> None:
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    before = _writes()
    with pytest.raises(ValidationError, match="Cora-Coordinator is already the named care"):
        assign_coordinator(user=people.coordinator, referral=jordan, coordinator=people.coordinator)
    assert _writes() == before


@pytest.mark.parametrize(
    "persona", ["kooth_practitioner", "kooth_lead", "safeguarding", "analyst", "admin", "referrer"]
)
def test_other_roles_cannot_name_a_coordinator_and_nothing_is_written(
    people: People, jordan: Referral, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        assign_coordinator(
            user=getattr(people, persona), referral=jordan, coordinator=people.coordinator
        )
    assert _writes() == (0, 0, 0, 0)


def test_only_an_active_care_coordinator_of_the_alliance_can_be_named(
    people: People, jordan: Referral, second_coordinator: User
) -> None:
    with pytest.raises(ValidationError, match="Choose an active care coordinator of the alliance"):
        assign_coordinator(user=people.triage, referral=jordan, coordinator=people.kooth_lead)
    second_coordinator.is_active = False
    second_coordinator.save()
    with pytest.raises(ValidationError, match="Choose an active care coordinator of the alliance"):
        assign_coordinator(user=people.triage, referral=jordan, coordinator=second_coordinator)
    assert _writes() == (0, 0, 0, 0)


def test_a_named_coordinator_is_only_for_care_leavers(people: People, alliance: Alliance) -> None:
    send = _young_adult(alliance, "Sam", groups=("send",))
    with pytest.raises(ValidationError, match="The Young Adult Support Offer is for care leavers"):
        assign_coordinator(user=people.triage, referral=send, coordinator=people.coordinator)
    assert _writes() == (0, 0, 0, 0)


# The gate


def _allocate(people: People, referral: Referral) -> TriageDecision:
    return record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.ALLOCATE, offer=Offer.objects.get(slug="young-adult-support-offer"),
    )  # fmt: skip


def test_triage_cannot_allocate_a_young_adult_until_a_coordinator_is_named(
    people: People, jordan: Referral
) -> None:
    with pytest.raises(ValidationError, match=NAME_A_COORDINATOR_FIRST):
        _allocate(people, jordan)
    jordan.refresh_from_db()
    assert (jordan.status, TriageDecision.objects.count(), AuditEvent.objects.count()) == (
        Status.AWAITING_TRIAGE, 0, 0,
    )  # fmt: skip
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    _allocate(people, jordan)
    jordan.refresh_from_db()
    assert (jordan.status, jordan.allocated_organisation.slug) == (  # type: ignore[union-attr]
        Status.ALLOCATED, "north-kent-mind",
    )  # fmt: skip


def test_a_step_up_is_never_held_back_by_the_gate(
    people: People, jordan: Referral, alliance: Alliance
) -> None:
    record_decision(
        user=people.triage, referral=jordan, version=jordan.version, grouping=HELP,
        outcome=Outcome.STEP_UP, receiving_service=organisation(alliance, "specialist-camhs"),
        reason="Crisis: needs specialist support today.",
    )  # fmt: skip
    jordan.refresh_from_db()
    assert jordan.status == Status.STEPPED_UP


def test_the_partner_cannot_accept_a_young_adult_without_a_named_coordinator(
    people: People, alliance: Alliance
) -> None:
    referral = _young_adult(alliance, "Ash", status=Status.ALLOCATED, allocated_to="kooth")
    with pytest.raises(ValidationError, match=NAME_A_COORDINATOR_FIRST):
        accept_allocation(
            user=people.kooth_practitioner, referral=referral, version=referral.version
        )
    referral.refresh_from_db()
    assert (referral.status, AuditEvent.objects.count()) == (Status.ALLOCATED, 0)


def test_no_care_is_recorded_for_a_young_adult_until_a_coordinator_is_named(
    people: People, alliance: Alliance
) -> None:
    referral = _young_adult(alliance, "Ash", status=Status.WAITING, allocated_to="kooth")
    with pytest.raises(ValidationError, match=NAME_A_COORDINATOR_FIRST):
        record_contact(
            user=people.kooth_practitioner, referral=referral, happened_at=clock.now(),
            outcome="attended", mode="phone", duration_minutes=30,
        )  # fmt: skip
    assert (Contact.objects.count(), AuditEvent.objects.count()) == (0, 0)
    assign_coordinator(user=people.coordinator, referral=referral, coordinator=people.coordinator)
    record_contact(
        user=people.kooth_practitioner, referral=referral, happened_at=clock.now(),
        outcome="attended", mode="phone", duration_minutes=30,
    )  # fmt: skip
    referral.refresh_from_db()
    assert (Contact.objects.count(), referral.status) == (1, Status.IN_INTERVENTION)


def test_check_ins_risk_safety_plans_and_a_step_up_are_never_held_back(
    people: People, alliance: Alliance
) -> None:
    from onedoor.care.actions import (
        record_check_in,
        record_risk_review,
        record_safety_plan,
        start_transition,
    )

    referral = _young_adult(alliance, "Ash", status=Status.WAITING, allocated_to="kooth")
    check_in = record_check_in(
        user=people.kooth_practitioner, referral=referral, contact_made=False, rating="",
        notes="No answer.", materials_sent="",
    )  # fmt: skip
    assert check_in.contact_made is False
    review = record_risk_review(
        user=people.kooth_practitioner, referral=referral, rating="red", rationale="Worse."
    )
    plan = record_safety_plan(
        user=people.kooth_practitioner, referral=referral, warning_signs="Withdrawn.",
        coping_strategies="Music.", people_and_places="", keeping_safe="",
    )  # fmt: skip
    # A move between partners waits for the named coordinator; a step-up does not.
    with pytest.raises(ValidationError, match=NAME_A_COORDINATOR_FIRST):
        start_transition(
            user=people.coordinator, referral=referral, kind="between_partners", reason="Move.",
            receiving_organisation=organisation(alliance, "chums"),
            receiving_offer=Offer.objects.get(slug="bereavement-support"), handover="Notes.",
        )  # fmt: skip
    start_transition(
        user=people.kooth_practitioner, referral=referral, kind="step_up", reason="Crisis.",
        receiving_organisation=organisation(alliance, "specialist-camhs"), receiving_offer=None,
        handover="Risk history.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (review.rating, plan.warning_signs, referral.status) == (
        "red", "Withdrawn.", Status.IN_TRANSITION,
    )  # fmt: skip


@pytest.mark.parametrize(("aged", "groups"), [(17, ("care-leaver",)), (20, ("send",))])
def test_the_gate_lets_everyone_else_through(
    people: People, alliance: Alliance, aged: int, groups: tuple[str, ...]
) -> None:
    referral = _young_adult(alliance, "Lee", aged=aged, groups=groups)
    require_named_coordinator(referral)  # does not raise
    _allocate(people, referral)
    referral.refresh_from_db()
    assert (referral.status, CoordinatorAssignment.objects.count()) == (Status.ALLOCATED, 0)


# The pathway


def test_the_pathway_is_recorded_once_a_coordinator_is_named(
    people: People, jordan: Referral
) -> None:
    with pytest.raises(ValidationError, match=NAME_A_COORDINATOR_FIRST):
        record_pathway(
            user=people.coordinator, referral=jordan, mentoring=True, advocacy=False,
            community_engagement=False, local_offer_linked=False,
        )  # fmt: skip
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    pathway = record_pathway(
        user=people.coordinator, referral=jordan, mentoring=True, advocacy=True,
        community_engagement=False, local_offer_linked=True,
        local_offer_notes="  Council tax exemption and leisure pass.  ", notes="Prefers texts.",
    )  # fmt: skip
    assert (
        pathway.parts,
        pathway.local_offer_notes,
        pathway.notes,
        pathway.organisation.slug,
        pathway.recorded_by,
    ) == (
        ["Mentoring", "Advocacy", "Linked with the Care Leaver Local Offer"],
        "Council tax exemption and leisure pass.",
        "Prefers texts.",
        "north-kent-mind",
        people.coordinator,
    )
    assert TimelineEvent.objects.first().summary == (  # type: ignore[union-attr]
        "Young Adult Support Offer pathway: mentoring, advocacy, "
        "linked with the care leaver local offer."
    )
    event = AuditEvent.objects.order_by("sequence").last()
    assert (event.record_type, event.record_id, event.detail) == (  # type: ignore[union-attr]
        "young_adult_pathway",
        str(pathway.uuid),
        {"parts": ["mentoring", "advocacy", "local_offer_linked"]},
    )


def test_a_pathway_needs_at_least_one_part(people: People, jordan: Referral) -> None:
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    before = _writes()
    with pytest.raises(ValidationError, match="Choose at least one part of the pathway"):
        record_pathway(
            user=people.coordinator, referral=jordan, mentoring=False, advocacy=False,
            community_engagement=False, local_offer_linked=False,
        )  # fmt: skip
    assert _writes() == before


@pytest.mark.parametrize("persona", ["manager", "chums_practitioner", "analyst"])
def test_who_cannot_record_a_pathway_writes_nothing(
    people: People, alliance: Alliance, persona: str
) -> None:
    referral = _young_adult(alliance, "Ash", status=Status.WAITING, allocated_to="kooth")
    assign_coordinator(user=people.triage, referral=referral, coordinator=people.coordinator)
    before = _writes()
    with pytest.raises(PermissionDenied):
        record_pathway(
            user=getattr(people, persona), referral=referral, mentoring=True, advocacy=False,
            community_engagement=False, local_offer_linked=False,
        )  # fmt: skip
    assert _writes() == before


def test_the_allocated_partner_records_the_pathway(people: People, alliance: Alliance) -> None:
    referral = _young_adult(alliance, "Ash", status=Status.WAITING, allocated_to="kooth")
    assign_coordinator(user=people.triage, referral=referral, coordinator=people.coordinator)
    pathway = record_pathway(
        user=people.kooth_practitioner, referral=referral, mentoring=False, advocacy=False,
        community_engagement=True, local_offer_linked=False,
    )  # fmt: skip
    assert (pathway.parts, pathway.organisation.slug) == (["Community-based engagement"], "kooth")


# Moving a leaving worker's caseload


@pytest.fixture
def caseload(people: People, alliance: Alliance) -> list[Referral]:
    """Three open cases for Cora, one that has ended, and one that is someone else's."""
    cases = [
        _young_adult(alliance, name, status=Status.WAITING, allocated_to="north-kent-mind")
        for name in ("Ari", "Bo", "Cy")
    ]
    ended = _young_adult(alliance, "Dee", status=Status.WAITING, allocated_to="north-kent-mind")
    for referral in [*cases, ended]:
        assign_coordinator(user=people.triage, referral=referral, coordinator=people.coordinator)
    Referral.objects.filter(pk=ended.pk).update(status=Status.DISCHARGED)
    other = make_user(
        "olly-coordinator", Role.CARE_COORDINATOR, organisation(alliance, "north-kent-mind")
    )
    elsewhere = _young_adult(alliance, "Eli")
    assign_coordinator(user=people.triage, referral=elsewhere, coordinator=other)
    return cases


def test_a_leaving_workers_open_cases_move_with_one_audit_record_each(
    people: People, caseload: list[Referral], second_coordinator: User
) -> None:
    people.coordinator.is_active = False  # they have already left
    people.coordinator.save()
    audit_before = AuditEvent.objects.count()
    timeline_before = TimelineEvent.objects.count()
    moved = reassign_caseload(
        from_user=people.coordinator, to_user=second_coordinator, by=people.manager
    )
    assert moved == 3
    current = CoordinatorAssignment.objects.current()
    assert {
        (row.referral.child.given_name, row.coordinator.username, row.how, row.assigned_by.username)
        for row in current.filter(coordinator=second_coordinator)
    } == {
        (name, "cory-coordinator", "caseload_moved", "max-manager") for name in ("Ari", "Bo", "Cy")
    }
    # The ended case keeps its coordinator; the other coordinator's case is untouched.
    assert sorted(
        current.filter(
            coordinator__username__in=["cora-coordinator", "olly-coordinator"]
        ).values_list("referral__child__given_name", "coordinator__username")
    ) == [("Dee", "cora-coordinator"), ("Eli", "olly-coordinator")]
    audit = AuditEvent.objects.filter(sequence__gt=audit_before)
    assert sorted(
        (event.action, event.record_type, str(event.child_uuid), event.actor_username)
        for event in audit
    ) == sorted(
        ("change", "coordinator_assignment", str(referral.child.uuid), "max-manager")
        for referral in caseload
    )
    assert {event.detail["from"] for event in audit} == {str(people.coordinator.uuid)}
    assert TimelineEvent.objects.count() - timeline_before == 3
    assert TimelineEvent.objects.first().summary == (  # type: ignore[union-attr]
        "Named care coordinator: Cory-Coordinator (caseload moved from Cora-Coordinator)."
    )


@pytest.mark.parametrize("persona", ["coordinator", "triage", "clinical_lead", "kooth_lead"])
def test_only_a_service_manager_moves_a_caseload(
    people: People, caseload: list[Referral], second_coordinator: User, persona: str
) -> None:
    before = _writes()
    with pytest.raises(PermissionDenied):
        reassign_caseload(
            from_user=people.coordinator, to_user=second_coordinator, by=getattr(people, persona)
        )
    assert _writes() == before


def test_a_caseload_moves_only_to_another_active_care_coordinator(
    people: People, caseload: list[Referral], second_coordinator: User
) -> None:
    before = _writes()
    with pytest.raises(ValidationError, match="Choose a different care coordinator"):
        reassign_caseload(
            from_user=people.coordinator, to_user=people.coordinator, by=people.manager
        )
    with pytest.raises(ValidationError, match="Choose an active care coordinator to take"):
        reassign_caseload(from_user=people.coordinator, to_user=people.triage, by=people.manager)
    with pytest.raises(ValidationError, match="Choose the care coordinator who is leaving"):
        reassign_caseload(from_user=people.triage, to_user=second_coordinator, by=people.manager)
    with pytest.raises(ValidationError, match="Cory-Coordinator has no open cases to move"):
        reassign_caseload(
            from_user=second_coordinator, to_user=people.coordinator, by=people.manager
        )
    assert _writes() == before


# Pages


def test_the_care_record_asks_for_a_coordinator_then_shows_them_and_the_pathway(
    client: Client, people: People, jordan: Referral
) -> None:
    sign_in(client, people.triage)
    page = shown(client.get(f"/care/{jordan.uuid}/"))
    assert "No named care coordinator" in page
    assert f'href="/care/{jordan.uuid}/coordinator/">Name a care coordinator</a>' in page
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    record_pathway(
        user=people.coordinator, referral=jordan, mentoring=False, advocacy=True,
        community_engagement=False, local_offer_linked=False,
    )  # fmt: skip
    page = shown(client.get(f"/care/{jordan.uuid}/"))
    assert "No named care coordinator" not in page
    assert "Cora-Coordinator<br>" in page and "<li>Advocacy</li>" in page


def test_the_triage_page_shows_the_coordinator_gate_before_the_allocation_is_refused(
    client: Client, people: People, alliance: Alliance, jordan: Referral
) -> None:
    gate = "A named care coordinator is needed"
    link = f'<a href="/care/{jordan.uuid}/coordinator/">Name a care coordinator'
    sign_in(client, people.triage)
    page = shown(client.get(f"/triage/{jordan.uuid}/"))
    assert gate in page and link in page
    assert "care leaver aged 18 to 25" in page
    assert client.get(f"/care/{jordan.uuid}/coordinator/").status_code == 200  # theirs to do
    # Not for a care leaver under 18, nor for a young adult who is not a care leaver.
    for other in (
        _young_adult(alliance, "Kai", aged=17),
        _young_adult(alliance, "Sam", groups=("send",)),
    ):
        assert gate not in shown(client.get(f"/triage/{other.uuid}/"))
    # Once one is named, the page no longer asks.
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    assert gate not in shown(client.get(f"/triage/{jordan.uuid}/"))


def test_the_care_record_of_a_child_who_is_not_a_care_leaver_has_no_offer_section(
    client: Client, people: People, alliance: Alliance
) -> None:
    referral = _young_adult(alliance, "Sam", groups=("send",))
    sign_in(client, people.triage)
    assert "Young Adult Support Offer" not in shown(client.get(f"/care/{referral.uuid}/"))


def test_a_care_coordinator_is_named_on_the_page(
    client: Client, people: People, jordan: Referral
) -> None:
    sign_in(client, people.manager)
    url = f"/care/{jordan.uuid}/coordinator/"
    form = shown(client.get(url))
    assert f'<option value="{people.coordinator.uuid}">Cora-Coordinator</option>' in form
    empty = client.post(url, {})
    assert empty.status_code == 400
    assert "Choose the care coordinator" in shown(empty)
    response = client.post(url, {"coordinator": str(people.coordinator.uuid)})
    assert response["Location"] == f"/care/{jordan.uuid}/"
    assert CoordinatorAssignment.objects.get().coordinator == people.coordinator
    history = shown(client.get(url))
    assert "Named by Max-Manager" in history


@pytest.mark.parametrize("persona", ["kooth_practitioner", "analyst", "admin"])
def test_the_naming_page_is_not_for_other_roles(
    client: Client, people: People, jordan: Referral, persona: str
) -> None:
    sign_in(client, getattr(people, persona))
    assert client.get(f"/care/{jordan.uuid}/coordinator/").status_code == 403


def test_another_partners_young_adult_is_a_404_on_the_pathway_page(
    client: Client, people: People, alliance: Alliance
) -> None:
    referral = _young_adult(alliance, "Ash", status=Status.WAITING, allocated_to="kooth")
    sign_in(client, people.chums_practitioner)
    assert client.get(f"/care/{referral.uuid}/pathway/").status_code == 404
    assert list(AuditEvent.objects.values_list("action", "record_id")) == [
        ("deny", str(referral.uuid))
    ]


def test_the_pathway_is_recorded_on_the_page(
    client: Client, people: People, jordan: Referral
) -> None:
    sign_in(client, people.coordinator)
    url = f"/care/{jordan.uuid}/pathway/"
    refused = client.post(url, {"parts": ["mentoring"]})
    assert refused.status_code == 400
    assert NAME_A_COORDINATOR_FIRST in shown(refused)
    assign_coordinator(user=people.triage, referral=jordan, coordinator=people.coordinator)
    empty = client.post(url, {})
    assert (empty.status_code, "Choose at least one part of the pathway" in shown(empty)) == (
        400, True,
    )  # fmt: skip
    response = client.post(
        url, {"parts": ["mentoring", "community_engagement"], "local_offer_notes": "Leisure pass"}
    )
    assert response["Location"] == f"/care/{jordan.uuid}/"
    pathway = YoungAdultPathway.objects.get()
    assert (pathway.parts, pathway.local_offer_notes) == (
        ["Mentoring", "Community-based engagement"], "Leisure pass",
    )  # fmt: skip
    again = shown(client.get(url))
    assert 'value="mentoring" checked' in again and 'value="advocacy" checked' not in again


def test_a_coordinator_sees_the_young_adults_they_are_named_for(
    client: Client, people: People, caseload: list[Referral]
) -> None:
    sign_in(client, people.coordinator)
    response = client.get("/care/young-adults/")
    assert [row.referral.child.given_name for row in response.context["assignments"]] == [
        "Ari", "Bo", "Cy",
    ]  # fmt: skip
    assert "Dee" not in shown(response) and "Eli" not in shown(response)


def test_the_young_adults_page_is_keyset_paged(
    client: Client, people: People, caseload: list[Referral], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(young_adults, "PAGE_SIZE", 2)
    sign_in(client, people.coordinator)
    first = client.get("/care/young-adults/")
    assert [row.referral.child.given_name for row in first.context["assignments"]] == ["Ari", "Bo"]
    second = client.get(f"/care/young-adults/?{first.context['next_query']}")
    assert (
        [row.referral.child.given_name for row in second.context["assignments"]],
        second.context["next_query"],
    ) == (["Cy"], "")


QUERIES = 4  # the session, the user, their second factor, and the page's one query


@pytest.mark.parametrize("size", [1, 6])
def test_the_young_adults_page_runs_a_fixed_number_of_queries(
    client: Client,
    people: People,
    alliance: Alliance,
    django_assert_num_queries: object,
    size: int,
) -> None:
    for index in range(size):
        referral = _young_adult(
            alliance, f"Young{index}", status=Status.WAITING, allocated_to="north-kent-mind"
        )
        assign_coordinator(user=people.triage, referral=referral, coordinator=people.coordinator)
        if index % 2:
            record_pathway(
                user=people.coordinator, referral=referral, mentoring=True, advocacy=False,
                community_engagement=False, local_offer_linked=False,
            )  # fmt: skip
    sign_in(client, people.coordinator)
    client.get("/")
    with django_assert_num_queries(QUERIES):  # type: ignore[operator]
        response = client.get("/care/young-adults/")
    assert [row.has_pathway for row in response.context["assignments"]] == [
        bool(index % 2) for index in range(size)
    ]


@pytest.mark.parametrize("persona", ["triage", "manager", "kooth_practitioner", "clinical_lead"])
def test_the_young_adults_page_is_for_care_coordinators(
    client: Client, people: People, persona: str
) -> None:
    sign_in(client, getattr(people, persona))
    assert client.get("/care/young-adults/").status_code == 403


def test_the_service_manager_moves_a_caseload_after_confirming(
    client: Client, people: People, caseload: list[Referral], second_coordinator: User
) -> None:
    sign_in(client, people.manager)
    choice = {"leaving": str(people.coordinator.uuid), "receiving": str(second_coordinator.uuid)}
    confirm = client.post("/care/reassign-caseload/", choice)
    assert confirm.status_code == 200
    assert "3 young adults will move from Cora-Coordinator to Cory-Coordinator." in shown(confirm)
    assert (
        CoordinatorAssignment.objects.current().filter(coordinator=second_coordinator).count() == 0
    )
    done = client.post("/care/reassign-caseload/", {**choice, "confirm": "yes"}, follow=True)
    assert "Moved 3 young adults from Cora-Coordinator to Cory-Coordinator." in shown(done)
    assert (
        CoordinatorAssignment.objects.current().filter(coordinator=second_coordinator).count() == 3
    )


def test_the_reassign_page_says_what_is_wrong(
    client: Client, people: People, second_coordinator: User
) -> None:
    sign_in(client, people.manager)
    same = client.post(
        "/care/reassign-caseload/",
        {"leaving": str(people.coordinator.uuid), "receiving": str(people.coordinator.uuid)},
    )
    assert same.status_code == 400
    assert "Choose a different care coordinator to take the caseload" in shown(same)
    nothing = client.post(
        "/care/reassign-caseload/",
        {"leaving": str(second_coordinator.uuid), "receiving": str(people.coordinator.uuid)},
    )
    assert nothing.status_code == 400
    assert "Cory-Coordinator has no open cases to move" in shown(nothing)
    assert AuditEvent.objects.filter(record_type="coordinator_assignment").count() == 0


@pytest.mark.parametrize("persona", ["coordinator", "triage", "clinical_lead", "admin"])
def test_the_reassign_page_is_for_the_service_manager(
    client: Client, people: People, persona: str
) -> None:
    sign_in(client, getattr(people, persona))
    assert client.get("/care/reassign-caseload/").status_code == 403


# Demo data


def test_the_demo_names_the_demo_coordinator_for_young_adults_with_a_partner(
    alliance: Alliance,
) -> None:
    from onedoor.demo.population import COORDINATED_STATUSES, ensure_demo_accounts, seed_population

    today = date(2026, 11, 22)
    ensure_demo_accounts(alliance, "a-demo-password")
    seed_population(alliance, 120, today=today)
    expected = {
        referral.pk
        for referral in Referral.objects.filter(status__in=COORDINATED_STATUSES)
        if referral.child.priority_groups.filter(slug="care-leaver").exists()
        and 18 <= referral.child.age_on(today) <= 25
    }
    named = CoordinatorAssignment.objects.all()
    assert {row.referral_id for row in named} == expected
    assert len(expected) == 4
    assert {(row.coordinator.username, row.how) for row in named} == {("coordinator", "named")}
    seed_population(alliance, 120, today=today)
    assert CoordinatorAssignment.objects.count() == 4


# A task until a coordinator is named


def test_a_young_adult_without_a_coordinator_is_a_task_for_the_care_coordinators(
    client: Client, people: People, alliance: Alliance
) -> None:
    from onedoor.worklist.items import due_items_for

    def work(user: User) -> list[tuple[str, str]]:
        return [(item.what, item.referral.child.given_name) for item in due_items_for(user)]  # type: ignore[union-attr]

    jordan = _young_adult(alliance, "Jordan")
    _young_adult(alliance, "Kim", aged=17)  # not yet an adult
    _young_adult(alliance, "Lou", aged=26)  # past the offer
    _young_adult(alliance, "Max", groups=("send",))  # not a care leaver
    assert work(people.coordinator) == [("Name a care coordinator", "Jordan")]
    assert work(people.kooth_practitioner) == []
    sign_in(client, people.coordinator)
    page = shown(client.get("/tasks/"))
    assert f'href="/care/{jordan.uuid}/coordinator/"' in page
    assign_coordinator(user=people.coordinator, referral=jordan, coordinator=people.coordinator)
    assert work(people.coordinator) == []
