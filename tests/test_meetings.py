"""Multi-agency and professionals' meetings: recorded with their attendees, children discussed,
decisions and actions; seen only by the clinical lead, the safeguarding leads and those
involved, each viewer shown only the children they may see; actions on their owners' task
lists and daily digest until the owner, the recorder or the clinical lead marks them done.

November 2026 in London is UTC. Monday 23 November is a working day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.test import Client

from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.meetings.actions import (
    ActionEntry,
    AttendeeEntry,
    ChildDiscussed,
    complete_action,
    may_complete,
    record_meeting,
)
from onedoor.meetings.models import Attendee, Discussion, Meeting, MeetingAction
from onedoor.meetings.records import MEETING_STAFF, RECORDERS, meetings_visible_to
from onedoor.referrals.models import Referral
from onedoor.worklist.items import due_items_for
from onedoor.worklist.reminders import Sent, send_reminders
from tests.personas import People, make_child, shown, sign_in

HELD = date(2026, 11, 2)
TODAY = date(2026, 11, 20)
Kids = dict[str, Referral]


@pytest.fixture
def kids(alliance: Alliance) -> Kids:
    """Kai is with Kooth, Cas with CHUMS."""
    return {
        "kai": make_child(alliance, "Kai", allocated_to="kooth").referrals.get(),
        "cas": make_child(alliance, "Cas", allocated_to="chums").referrals.get(),
    }


def _record(user: User, **changes: Any) -> Meeting:
    values: dict[str, Any] = {
        "kind": "multi_agency",
        "held_on": HELD,
        "title": "Support at school and at home",
        "chair_name": "Pat Example, children's social care",
        "attendees": [AttendeeEntry("Lee Sample", "School")],
        "today": TODAY,
        **changes,
    }
    return record_meeting(user=user, **values)


def _counts() -> tuple[int, ...]:
    return (
        Meeting.objects.count(),
        Attendee.objects.count(),
        Discussion.objects.count(),
        MeetingAction.objects.count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def meetings(people: People, kids: Kids) -> dict[str, Meeting]:
    """A: recorded by the care coordinator; Kim (Kooth) attended; Kai and Cas discussed; the
    triage lead owns an action about Cas. B: recorded by Kooth's partner lead, chaired by
    Chris (CHUMS); Kai discussed; the service manager owns an action."""
    a = _record(
        people.coordinator,
        attendees=[AttendeeEntry(user=people.kooth_practitioner), AttendeeEntry("Lee", "School")],
        children=[ChildDiscussed(kids["kai"], "Kai: weekly check-ins."),
                  ChildDiscussed(kids["cas"], "Cas: refer to CAMHS.")],
        actions=[ActionEntry("Call CAMHS.", people.triage, date(2026, 11, 9), kids["cas"])],
    )  # fmt: skip
    b = _record(
        people.kooth_lead,
        kind="professionals",
        held_on=date(2026, 11, 3),
        chair=people.chums_practitioner,
        chair_name="",
        children=[ChildDiscussed(kids["kai"], "Kai: stay with Kooth.")],
        actions=[ActionEntry("Check capacity.", people.manager, date(2026, 11, 10))],
    )
    return {"A": a, "B": b}


# Recording a meeting


def test_a_safeguarding_lead_records_a_meeting_its_rows_timeline_and_one_audit_record(
    people: People, kids: Kids
) -> None:
    meeting = _record(
        people.safeguarding,
        title=" Support at school and at home ",
        chair=people.clinical_lead,
        chair_name="",
        attendees=[
            AttendeeEntry(user=people.kooth_practitioner),
            AttendeeEntry(" Pat Example ", " Children's social care "),
        ],
        children=[ChildDiscussed(kids["kai"], " Weekly check-ins. "), ChildDiscussed(kids["cas"])],
        decisions="Meet again in six weeks.",
        actions=[
            ActionEntry(" Share the plan. ", people.coordinator, date(2026, 11, 9), kids["kai"])
        ],
    )
    stored = Meeting.objects.get()
    assert (
        stored.uuid, stored.kind, stored.held_on, stored.title, stored.chair, stored.chair_name,
        stored.decisions, stored.recorded_by, stored.alliance,
    ) == (
        meeting.uuid, "multi_agency", HELD, "Support at school and at home", people.clinical_lead,
        "", "Meet again in six weeks.", people.safeguarding, kids["kai"].child.alliance,
    )  # fmt: skip
    assert [(a.name, a.agency, a.user) for a in stored.attendees.all()] == [
        ("Kim-Kooth", "Kooth", people.kooth_practitioner),
        ("Pat Example", "Children's social care", None),
    ]
    assert [(d.referral, d.decisions) for d in stored.discussions.all()] == [
        (kids["kai"], "Weekly check-ins."),
        (kids["cas"], ""),
    ]
    assert [
        (a.text, a.owner, a.due_on, a.referral, a.completed_at) for a in stored.actions.all()
    ] == [("Share the plan.", people.coordinator, date(2026, 11, 9), kids["kai"], None)]
    events = TimelineEvent.objects.order_by("child__given_name")
    assert [(e.child.given_name, e.referral, e.summary, e.actor) for e in events] == [
        ("Cas", kids["cas"], "Discussed at a multi-agency meeting on 2 November 2026.",
         people.safeguarding),
        ("Kai", kids["kai"], "Discussed at a multi-agency meeting on 2 November 2026.",
         people.safeguarding),
    ]  # fmt: skip
    event = AuditEvent.objects.get()
    assert (event.action, event.record_type, event.record_id, event.child_uuid, event.detail) == (
        "create",
        "meetings.meeting",
        str(meeting.uuid),
        None,
        {"kind": "multi_agency", "attendees": 2, "staff_attendees": 1, "children": 2, "actions": 1},
    )
    trail = json.dumps([e.detail for e in AuditEvent.objects.all()])
    for text in ("Support at school", "Pat Example", "Weekly", "six weeks", "Share the plan"):
        assert text not in trail


# (recorder, changes) -> the message
BAD: list[tuple[str, Callable[[People, Kids], dict[str, Any]], str]] = [
    ("safeguarding", lambda p, k: {"kind": "weekly"}, "Choose the kind of meeting"),
    ("safeguarding", lambda p, k: {"held_on": date(2026, 11, 21)},
     "The date of the meeting cannot be in the future"),
    ("safeguarding", lambda p, k: {"title": "  "}, "Enter a title"),
    ("safeguarding", lambda p, k: {"title": "x" * 201},
     "Keep the title to 200 characters or fewer"),
    ("safeguarding", lambda p, k: {"title": "Plans for kai",
                                   "children": [ChildDiscussed(k["kai"])]},
     "Do not put a child's name in the title"),
    ("safeguarding", lambda p, k: {"chair_name": " "}, "Say who chaired the meeting"),
    ("safeguarding", lambda p, k: {"chair": p.clinical_lead},
     "Choose the chair from the staff list or enter their name, not both"),
    ("safeguarding", lambda p, k: {"chair": p.commissioner, "chair_name": ""},
     "Choose a chair from the alliance's staff, or enter their name"),
    ("safeguarding", lambda p, k: {"chair_name": "x" * 201},
     "Keep the chair's name to 200 characters or fewer"),
    ("safeguarding", lambda p, k: {"attendees": []}, "Add at least one attendee"),
    ("safeguarding", lambda p, k: {"attendees": [AttendeeEntry("", "School")]},
     "Enter the name of attendee 1"),
    ("safeguarding", lambda p, k: {"attendees": [AttendeeEntry("Lee", "School"),
                                                 AttendeeEntry("Pat", " ")]},
     "Enter the agency of attendee 2"),
    ("safeguarding", lambda p, k: {"attendees": [AttendeeEntry("x" * 201, "School")]},
     "Keep attendee 1's name to 200 characters or fewer"),
    ("safeguarding", lambda p, k: {"attendees": [AttendeeEntry(user=p.analyst)]},
     "Attendee 1 must be on the alliance's staff, or not linked to one"),
    ("safeguarding", lambda p, k: {"attendees": [AttendeeEntry(user=p.kooth_lead),
                                                 AttendeeEntry(user=p.kooth_lead)]},
     "Attendee 2 is already on the list"),
    ("kooth_lead", lambda p, k: {"children": [ChildDiscussed(k["cas"])]},
     "Choose children from the ones you can see"),
    ("safeguarding", lambda p, k: {"children": [ChildDiscussed(k["kai"]),
                                                ChildDiscussed(k["kai"])]},
     "List each child discussed once"),
    ("safeguarding", lambda p, k: {"decisions": "x" * 4001},
     "Keep the decisions to 4000 characters or fewer"),
    ("safeguarding", lambda p, k: {"children": [ChildDiscussed(k["kai"], "x" * 4001)]},
     "Keep the decisions about {kai} to 4000 characters or fewer"),
    ("safeguarding", lambda p, k: {"actions": [ActionEntry(" ", p.triage, HELD)]},
     "Enter what action 1 is"),
    ("safeguarding", lambda p, k: {"actions": [ActionEntry("x" * 501, p.triage, HELD)]},
     "Keep action 1 to 500 characters or fewer"),
    ("safeguarding", lambda p, k: {"actions": [ActionEntry("Call.", p.analyst, HELD)]},
     "Choose an owner for action 1 from the alliance's staff"),
    ("safeguarding", lambda p, k: {"actions": [ActionEntry("Call.", p.triage, date(2026, 11, 1))]},
     "Action 1 cannot be due before the meeting"),
    ("safeguarding", lambda p, k: {"actions": [ActionEntry("Call.", p.triage, HELD, k["kai"])]},
     "Action 1 can only be about a child discussed"),
]  # fmt: skip


@pytest.mark.parametrize(("recorder", "changes", "message"), BAD, ids=[m for _, _, m in BAD])
def test_each_bad_input_is_refused_with_its_message_and_nothing_is_written(
    people: People, kids: Kids, recorder: str, changes: Any, message: str
) -> None:
    wanted = changes(people, kids)
    expected = message.replace("{kai}", kids["kai"].reference_display)
    with pytest.raises(ValidationError) as refused:
        _record(people.by_role()[recorder], **wanted)
    assert refused.value.messages == [expected]
    assert _counts() == (0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("persona", ["kooth_practitioner", "manager", "analyst", "commissioner"])
def test_only_the_recording_roles_record_a_meeting(people: People, persona: str) -> None:
    with pytest.raises(PermissionDenied, match="Meetings are recorded by the clinical lead"):
        _record(people.by_role()[persona])
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_the_roles_are_those_of_the_brief_and_owners_are_those_with_a_task_list() -> None:
    assert {str(role) for role in RECORDERS} == {
        "clinical_lead", "safeguarding_lead", "care_coordinator", "partner_lead", "triage_lead",
    }  # fmt: skip
    assert roles_for("web:tasks") == MEETING_STAFF


# Who sees what

EXPECTED = {
    "clinical_lead": {"A": {"Kai", "Cas"}, "B": {"Kai"}},
    "safeguarding": {"A": {"Kai", "Cas"}, "B": {"Kai"}},  # the lead provider's
    "partner_safeguarding": {"A": {"Cas"}},  # CHUMS's: A discussed a CHUMS child
    "coordinator": {"A": {"Kai", "Cas"}},  # recorded A
    "kooth_practitioner": {"A": {"Kai"}},  # attended A
    "triage": {"A": {"Kai", "Cas"}},  # owns an action from A
    "kooth_lead": {"B": {"Kai"}},  # recorded B
    "manager": {"B": {"Kai"}},  # owns an action from B
    "chums_practitioner": {"B": set()},  # chaired B, and may not see Kai
    "chums_lead": {},
    "analyst": {},
    "commissioner": {},
    "admin": {},
    "referrer": {},
}


def test_the_expectations_name_every_persona(people: People) -> None:
    assert set(EXPECTED) == set(people.by_role())


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_persona_sees_exactly_the_meetings_and_children_expected(
    people: People, meetings: dict[str, Meeting], persona: str
) -> None:
    names = {meeting.uuid: name for name, meeting in meetings.items()}
    seen = {
        names[m.uuid]: {d.referral.child.given_name for d in m.discussed}  # type: ignore[attr-defined]
        for m in meetings_visible_to(people.by_role()[persona])
    }
    assert seen == EXPECTED[persona]


def test_another_persons_meeting_is_a_404_that_audits_only_the_denial(
    client: Client, people: People, meetings: dict[str, Meeting]
) -> None:
    sign_in(client, people.chums_lead)
    before = _counts()
    last = AuditEvent.objects.aggregate(last=Max("sequence"))["last"]
    response = client.get(f"/governance/meetings/{meetings['A'].uuid}/")
    assert response.status_code == 404
    assert "Support at school" not in shown(response)
    written = AuditEvent.objects.filter(sequence__gt=last)
    assert [(e.action, e.record_type, e.record_id, e.actor_username) for e in written] == [
        ("deny", "meetings.meeting", str(meetings["A"].uuid), "cleo-chums-lead")
    ]
    assert _counts() == (*before[:5], before[5] + 1)


def test_the_meeting_page_shows_only_the_children_the_viewer_may_see_and_audits_the_view(
    client: Client, people: People, kids: Kids, meetings: dict[str, Meeting]
) -> None:
    url = f"/governance/meetings/{meetings['A'].uuid}/"
    sign_in(client, people.kooth_practitioner)
    page = shown(client.get(url))
    kai, cas = kids["kai"].reference_display, kids["cas"].reference_display
    assert [text in page for text in (kai, "Kai Example", "Kai: weekly check-ins.")] == [True] * 3
    assert [text in page for text in (cas, "Cas Example", "Cas: refer to CAMHS.")] == [False] * 3
    assert "Call CAMHS." not in page  # the action about Cas stays with Cas
    event = AuditEvent.objects.order_by("sequence").last()
    assert event is not None
    assert (event.action, event.record_type, event.record_id, event.detail) == (
        "view", "meetings.meeting", str(meetings["A"].uuid), {"children_shown": 1},
    )  # fmt: skip
    sign_in(client, people.partner_safeguarding)
    page = shown(client.get(url))
    assert [text in page for text in (cas, "Cas Example", "Cas: refer to CAMHS.")] == [True] * 3
    assert [text in page for text in (kai, "Kai Example", "Kai: weekly check-ins.")] == [False] * 3
    assert "Call CAMHS." in page
    sign_in(client, people.triage)  # owns the action about Cas
    assert "Call CAMHS." in shown(client.get(url))


def test_the_meeting_pages_open_for_their_roles_only(client: Client, people: People) -> None:
    recorders = {"triage", "coordinator", "clinical_lead", "safeguarding",
                 "partner_safeguarding", "kooth_lead", "chums_lead"}  # fmt: skip
    staff = recorders | {"manager", "kooth_practitioner", "chums_practitioner"}
    for persona, user in people.by_role().items():
        sign_in(client, user)
        assert client.get("/governance/meetings/").status_code == (
            200 if persona in staff else 403
        ), persona
        assert client.get("/governance/meetings/new/").status_code == (
            200 if persona in recorders else 403
        ), persona
    assert AuditEvent.objects.count() == 0


# Actions: on the owner's task list until done


def test_an_action_is_on_its_owners_tasks_due_at_the_end_of_its_day_until_done(
    people: People, kids: Kids, meetings: dict[str, Meeting]
) -> None:
    action = meetings["A"].actions.get()
    now = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    items = due_items_for(people.triage, now)
    assert [(i.what, i.referral, i.due, i.label, i.url) for i in items] == [
        (
            "Meeting action",
            None,
            datetime(2026, 11, 9, 17, 0, tzinfo=UTC),
            "Multi-agency meeting, 2 Nov 2026",
            f"/governance/meetings/{meetings['A'].uuid}/#action-{action.uuid}",
        )
    ]
    # The service manager and the safeguarding lead have task lists for their actions too.
    assert [(i.what, i.label) for i in due_items_for(people.manager, now)] == [
        ("Meeting action", "Professionals' meeting, 3 Nov 2026")
    ]
    assert due_items_for(people.coordinator, now) == []  # recorded it, owns nothing
    complete_action(user=people.triage, action=action)
    assert due_items_for(people.triage, now) == []


def test_my_tasks_links_a_meeting_action_to_its_meeting_without_a_child(
    client: Client, people: People, meetings: dict[str, Meeting]
) -> None:
    sign_in(client, people.triage)
    page = shown(client.get("/tasks/"))
    action = meetings["A"].actions.get()
    link = f'<a href="/governance/meetings/{meetings["A"].uuid}/#action-{action.uuid}">'
    assert f"{link}Multi-agency meeting, 2 Nov 2026</a>" in page
    assert "Cas Example" not in page


def test_the_daily_digest_includes_meeting_actions_by_meeting_not_by_child(
    people: People, kids: Kids
) -> None:
    for user, address in (
        (people.triage, "tina@example.org"),
        (people.safeguarding, "sam@example.org"),
    ):
        user.email = address
        user.save()
    _record(
        people.clinical_lead,
        children=[ChildDiscussed(kids["cas"])],
        actions=[
            ActionEntry("Call CAMHS about Cas.", people.triage, date(2026, 11, 23), kids["cas"]),
            ActionEntry("Write to school.", people.safeguarding, date(2026, 11, 20)),
        ],
    )
    assert send_reminders(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == Sent(0, 0, 2)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert (
        "- Multi-agency meeting, 2 Nov 2026: Meeting action (Due today by 5pm)"
        in bodies["tina@example.org"]
    )
    assert (
        "- Multi-agency meeting, 2 Nov 2026: Meeting action (Overdue by 1 working day)"
        in bodies["sam@example.org"]
    )
    for body in bodies.values():
        assert "Cas" not in body and "CAMHS" not in body and "school" not in body


def test_the_owner_the_recorder_and_the_clinical_lead_may_mark_an_action_done(
    people: People, meetings: dict[str, Meeting]
) -> None:
    action = meetings["A"].actions.get()
    allowed = {
        persona
        for persona, user in people.by_role().items()
        if may_complete(user, action, meetings["A"])
    }
    assert allowed == {"triage", "coordinator", "clinical_lead"}


def test_marking_done_by_someone_not_allowed_is_refused_and_writes_nothing(
    client: Client, people: People, meetings: dict[str, Meeting]
) -> None:
    action = meetings["A"].actions.get()
    url = f"/governance/meetings/{meetings['A'].uuid}/actions/{action.uuid}/done/"
    with pytest.raises(PermissionDenied, match="marked done by its owner"):
        complete_action(user=people.kooth_practitioner, action=action)
    sign_in(client, people.kooth_practitioner)  # attended: sees the meeting, may not mark it
    page = shown(client.get(f"/governance/meetings/{meetings['A'].uuid}/"))
    assert "Mark done" not in page
    before = _counts()
    assert client.post(url).status_code == 404  # an action about Cas, whom Kim may not see
    assert _counts() == before
    action.refresh_from_db()
    assert (action.completed_at, action.completed_by) == (None, None)


def test_an_outsider_marking_done_gets_a_404_and_only_the_denial_is_audited(
    client: Client, people: People, meetings: dict[str, Meeting]
) -> None:
    action = meetings["A"].actions.get()
    sign_in(client, people.chums_lead)
    before = _counts()
    url = f"/governance/meetings/{meetings['A'].uuid}/actions/{action.uuid}/done/"
    assert client.post(url).status_code == 404
    assert _counts() == (*before[:5], before[5] + 1)
    assert AuditEvent.objects.order_by("sequence").last().action == "deny"  # type: ignore[union-attr]
    action.refresh_from_db()
    assert action.completed_at is None


def test_the_owner_marks_an_action_done_from_the_meeting_page_once(
    client: Client, people: People, meetings: dict[str, Meeting]
) -> None:
    action = meetings["A"].actions.get()
    sign_in(client, people.triage)
    meeting_url = f"/governance/meetings/{meetings['A'].uuid}/"
    assert "Mark done<span" in shown(client.get(meeting_url))
    response = client.post(f"{meeting_url}actions/{action.uuid}/done/")
    assert (response.status_code, response["Location"]) == (302, meeting_url)
    action.refresh_from_db()
    assert action.completed_by == people.triage
    event = AuditEvent.objects.order_by("sequence").last()
    assert event is not None
    assert (event.action, event.record_type, event.record_id, event.detail) == (
        "change", "meetings.action", str(action.uuid),
        {"meeting": str(meetings["A"].uuid), "done": True},
    )  # fmt: skip
    with pytest.raises(ValidationError, match="This action is already done"):
        complete_action(user=people.clinical_lead, action=action)
    before = _counts()
    client.post(f"{meeting_url}actions/{action.uuid}/done/")
    assert _counts() == before
    assert "This action is already done" in shown(client.get(meeting_url))


# The form


def _errors(response: Any) -> list[str]:
    summary = shown(response).split('nhsuk-error-summary__list">')[1].split("</ul>")[0]
    return re.findall(r"<li>\s*(.*?)\s*</li>", summary, re.DOTALL)


FORM = {
    "kind": "multi_agency",
    "held_on": "2 11 2026",
    "title": "Support at school",
    "chair": "",
    "chair_name": "Pat Example, children's social care",
    "decisions": "",
}


def test_an_empty_form_says_what_is_missing_with_links_to_the_fields(
    client: Client, people: People
) -> None:
    sign_in(client, people.safeguarding)
    response = client.post("/governance/meetings/new/", {})
    assert response.status_code == 400
    assert "<title>Error: Record a meeting" in shown(response)
    assert _errors(response) == [
        '<a href="#id_kind">Choose the kind of meeting</a>',
        '<a href="#id_held_on">Enter the date of the meeting</a>',
        '<a href="#id_title">Enter a title</a>',
        '<a href="#id_chair">Choose the chair from the list, or enter their name</a>',
        '<a href="#id_attendee_1_name">Add at least one attendee</a>',
    ]
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_rows_filled_in_part_get_errors_on_the_part_missing(
    client: Client, people: People, kids: Kids
) -> None:
    sign_in(client, people.kooth_lead)
    response = client.post(
        "/governance/meetings/new/",
        {
            **FORM,
            "held_on": "2 12 2099",
            "attendee_1_name": "Lee Sample",
            "attendee_2_agency": "School",
            "child_1_reference": kids["cas"].reference_display,
            "child_2_decisions": "Orphan decision.",
            "action_1_text": "Call school.",
            "action_2_owner": str(people.triage.uuid),
            "action_2_due_on": "1 1 2099",
            "action_2_reference": kids["kai"].reference_display,
        },
    )
    assert response.status_code == 400
    cas = kids["cas"].reference_display
    assert _errors(response) == [
        '<a href="#id_held_on">The date of the meeting cannot be in the future</a>',
        '<a href="#id_attendee_1_agency">Enter the agency of attendee 1</a>',
        '<a href="#id_attendee_2_name">Enter the name of attendee 2</a>',
        f'<a href="#id_child_1_reference">{cas} is not the reference of a referral you can see</a>',
        '<a href="#id_child_2_reference">Enter the referral reference for these decisions</a>',
        '<a href="#id_action_1_owner">Choose the owner of action 1</a>',
        '<a href="#id_action_1_due_on">Enter the date action 1 is due by</a>',
        '<a href="#id_action_2_text">Enter what action 2 is</a>',
        '<a href="#id_action_2_reference">Action 2 can only be about a child discussed</a>',
    ]
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_add_another_shows_one_more_row_keeps_the_answers_and_saves_nothing(
    client: Client, people: People
) -> None:
    sign_in(client, people.safeguarding)
    page = shown(client.get("/governance/meetings/new/"))
    assert ("Attendee 4</legend>" in page, "Attendee 5</legend>" in page) == (True, False)
    response = client.post(
        "/governance/meetings/new/",
        {**FORM, "attendees_rows": "4", "children_rows": "2", "actions_rows": "3",
         "attendee_1_name": "Lee Sample", "add": "attendees"},
    )  # fmt: skip
    page = shown(response)
    assert response.status_code == 200
    assert ("Attendee 5</legend>" in page, "Attendee 6</legend>" in page) == (True, False)
    assert ("Child discussed 2</legend>" in page, "Child discussed 3</legend>" in page) == (
        True,
        False,
    )
    assert 'name="attendees_rows" value="5"' in page
    assert 'value="Lee Sample"' in page and 'value="Support at school"' in page
    assert "nhsuk-error-summary" not in page
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_the_form_records_a_meeting_and_shows_it(
    client: Client, people: People, kids: Kids
) -> None:
    sign_in(client, people.safeguarding)
    kai = kids["kai"].reference_display
    response = client.post(
        "/governance/meetings/new/",
        {
            **FORM,
            "attendees_rows": "5",
            "attendee_1_user": str(people.kooth_practitioner.uuid),
            "attendee_5_name": "Lee Sample",
            "attendee_5_agency": "School",
            "child_1_reference": kai.lower(),
            "child_1_decisions": "Weekly check-ins.",
            "decisions": "Meet again in six weeks.",
            "action_2_text": "Share the plan.",
            "action_2_owner": str(people.coordinator.uuid),
            "action_2_due_on": "9 11 2026",
            "action_2_reference": kai,
        },
    )
    meeting = Meeting.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/governance/meetings/{meeting.uuid}/",
    )
    assert [(a.name, a.agency, a.user) for a in meeting.attendees.all()] == [
        ("Kim-Kooth", "Kooth", people.kooth_practitioner),
        ("Lee Sample", "School", None),
    ]
    assert [(d.referral, d.decisions) for d in meeting.discussions.all()] == [
        (kids["kai"], "Weekly check-ins.")
    ]
    assert [(a.text, a.owner, a.due_on, a.referral) for a in meeting.actions.all()] == [
        ("Share the plan.", people.coordinator, date(2026, 11, 9), kids["kai"])
    ]
    page = shown(client.get(response["Location"]))
    for text in ("Support at school", "Pat Example, children&#x27;s social care", "Lee Sample",
                 "Kai Example", "Weekly check-ins.", "Meet again in six weeks.",
                 "Share the plan.", "Meeting recorded."):  # fmt: skip
        assert text in page, text


# Query counts

LIST_QUERIES = 5  # session, user, second factor; the page of meetings; the children shown
# session, user, second factor; the meeting; its children shown, attendees and actions; the
# view's audit record (savepoint, head, insert, head, release)
PAGE_QUERIES = 12


def _meeting_of_size(people: People, alliance: Alliance, size: int, held_on: date) -> Meeting:
    children = [
        make_child(alliance, f"Kid{held_on.day}x{n}", allocated_to="kooth").referrals.get()
        for n in range(size)
    ]
    return _record(
        people.kooth_lead,
        held_on=held_on,
        attendees=[AttendeeEntry(f"Person {n}", "School") for n in range(size)],
        children=[ChildDiscussed(referral, f"Decision {n}") for n, referral in enumerate(children)],
        actions=[
            ActionEntry(f"Action {n}", people.kooth_practitioner, held_on) for n in range(size)
        ],
    )


@pytest.mark.parametrize("size", [2, 7])
def test_the_meetings_list_costs_the_same_at_any_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: Any, size: int
) -> None:
    for n in range(size):
        _meeting_of_size(people, alliance, 2, date(2026, 10, 1 + n))
    sign_in(client, people.kooth_lead)
    client.get("/")
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/governance/meetings/")
    rows = response.context["rows"]
    assert [m.held_on.day for m in rows] == list(range(size, 0, -1))
    assert [(len(m.discussed), m.open_actions) for m in rows] == [(2, 2)] * size


@pytest.mark.parametrize("size", [1, 6])
def test_the_meeting_page_costs_the_same_at_any_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: Any, size: int
) -> None:
    meeting = _meeting_of_size(people, alliance, size, HELD)
    sign_in(client, people.kooth_lead)
    client.get("/")
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(f"/governance/meetings/{meeting.uuid}/")
    assert len(response.context["agreed"]) == size
    assert shown(response).count("Decision ") == size


# Demo data


def test_the_demo_has_two_meetings_made_once(alliance: Alliance) -> None:
    from onedoor.demo.population import ensure_demo_accounts, seed_population

    ensure_demo_accounts(alliance, "a-demo-password")
    seed_population(alliance, 40, today=date(2026, 11, 22))
    first = list(Meeting.objects.order_by("uuid").values_list("uuid", "kind", "held_on"))
    assert [(kind, held_on) for _, kind, held_on in sorted(first, key=lambda row: row[2])] == [
        ("professionals", date(2026, 11, 2)),
        ("multi_agency", date(2026, 11, 13)),
    ]
    assert MeetingAction.objects.filter(completed_at__isnull=True).count() == 3
    seed_population(alliance, 40, today=date(2026, 11, 22))
    assert list(Meeting.objects.order_by("uuid").values_list("uuid", "kind", "held_on")) == first
