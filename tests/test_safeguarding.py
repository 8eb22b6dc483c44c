"""Safeguarding concerns: raised by anyone who can see the child, owned by a safeguarding lead,
seen only by the lead provider's and the allocated partner's safeguarding leads (and the
clinical lead, and whoever raised it); follow-up actions with owners and due dates; closed with
an outcome once every action is done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import (
    add_follow_up,
    close_concern,
    complete_follow_up,
    raise_concern,
    safeguarding_leads,
)
from onedoor.safeguarding.models import Concern, FollowUp
from onedoor.safeguarding.records import concerns_visible_to
from tests.personas import People, make_child, shown, sign_in


@pytest.fixture
def at_chums(alliance: Alliance) -> Referral:
    return make_child(
        alliance, "Lou", allocated_to="chums", status=Status.IN_INTERVENTION
    ).referrals.get()


def _raise(people: People, referral: Referral, **changes: object) -> Concern:
    values: dict[str, object] = {
        "user": people.chums_practitioner, "referral": referral, "category": "neglect",
        "seen_or_said": "Came to session hungry, third week running.",
        "immediate_actions": "Gave food; spoke to the school's DSL.",
        "referred_to_social_care": True, "social_care_reference": "MASH-2026-0411",
        "owner": people.partner_safeguarding,
    }  # fmt: skip
    values.update(changes)
    return raise_concern(**values)  # type: ignore[arg-type]


def _written() -> tuple[int, int, int]:
    return (
        Concern.objects.count(),
        FollowUp.objects.count(),
        AuditEvent.objects.filter(record_type__startswith="safeguarding").count(),
    )


def test_a_practitioner_raises_a_concern_owned_by_a_safeguarding_lead(
    people: People, at_chums: Referral
) -> None:
    assert safeguarding_leads(at_chums) == [people.safeguarding, people.partner_safeguarding]
    concern = _raise(people, at_chums)
    assert (concern.category, concern.social_care_reference, concern.owner, concern.raised_by) == (
        "neglect", "MASH-2026-0411", people.partner_safeguarding, people.chums_practitioner,
    )  # fmt: skip
    event = TimelineEvent.objects.get(referral=at_chums)
    assert event.summary == "Safeguarding concern raised; owned by Sol-Safeguarding."
    audit = AuditEvent.objects.get(record_type="safeguarding_concern")
    assert audit.detail == {"category": "neglect", "referred_to_social_care": True}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("safeguarding", True), ("partner_safeguarding", True), ("clinical_lead", True),
     ("chums_practitioner", True), ("kooth_practitioner", False), ("triage", False),
     ("manager", False), ("kooth_lead", False), ("commissioner", False)],
)  # fmt: skip
def test_who_sees_a_concern(people: People, at_chums: Referral, persona: str, sees: bool) -> None:
    concern = _raise(people, at_chums)
    assert (concern in set(concerns_visible_to(people.by_role()[persona]))) is sees


def test_a_partners_safeguarding_lead_sees_only_their_organisations_children(
    alliance: Alliance, people: People, at_chums: Referral
) -> None:
    at_kooth = make_child(
        alliance, "Kip", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    _raise(people, at_chums)
    _raise(people, at_kooth, user=people.kooth_practitioner, owner=people.safeguarding)
    names = {c.referral.child.given_name for c in concerns_visible_to(people.partner_safeguarding)}
    assert names == {"Lou"}
    assert {c.referral.child.given_name for c in concerns_visible_to(people.safeguarding)} == {
        "Lou", "Kip",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"user": "kooth_practitioner"}, PermissionDenied, "whose record you can see"),
        ({"category": "nonsense"}, ValidationError, "Choose the kind of concern"),
        ({"seen_or_said": " "}, ValidationError, "Say what was seen or said"),
        ({"social_care_reference": ""}, ValidationError, "social care's reference"),
        ({"owner": "kooth_lead"}, ValidationError, "Choose the safeguarding lead"),
    ],
)
def test_a_concern_that_cannot_be_raised_writes_nothing(
    people: People, at_chums: Referral, changes: dict[str, str], error: type, message: str
) -> None:
    by_role = people.by_role()
    resolved = {k: by_role[v] if k in ("user", "owner") else v for k, v in changes.items()}
    with pytest.raises(error, match=message):
        _raise(people, at_chums, **resolved)
    assert _written() == (0, 0, 0)
    assert TimelineEvent.objects.count() == 0


def test_follow_ups_are_done_before_the_concern_closes(people: People, at_chums: Referral) -> None:
    concern = _raise(people, at_chums)
    lead = people.partner_safeguarding
    with pytest.raises(PermissionDenied):
        add_follow_up(user=people.chums_practitioner, concern=concern, text="Call school.",
                      owner=people.chums_practitioner, due=clock.today())  # fmt: skip
    with pytest.raises(ValidationError, match="cannot be in the past"):
        add_follow_up(user=lead, concern=concern, text="Call school.",
                      owner=people.chums_practitioner,
                      due=clock.today() - timedelta(days=1))  # fmt: skip
    for outsider in (people.commissioner, people.analyst):  # no task list to put it on
        with pytest.raises(ValidationError, match="Choose who will do it"):
            add_follow_up(user=lead, concern=concern, text="Call school.", owner=outsider,
                          due=clock.today() + timedelta(days=2))  # fmt: skip
    assert FollowUp.objects.count() == 0
    action = add_follow_up(
        user=lead, concern=concern, text="Call the school's DSL.",
        owner=people.chums_practitioner, due=clock.today() + timedelta(days=2),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Every follow-up action must be done"):
        close_concern(user=lead, concern=concern, outcome="Resolved.")
    complete_follow_up(user=people.chums_practitioner, follow_up=action)  # the owner does it
    with pytest.raises(ValidationError, match="already done"):
        complete_follow_up(user=lead, follow_up=action)
    closed = close_concern(user=lead, concern=concern, outcome="Social care assessment; support.")
    assert closed.closed_at is not None and closed.outcome == "Social care assessment; support."
    with pytest.raises(ValidationError, match="closed"):
        add_follow_up(user=lead, concern=concern, text="More.", owner=lead,
                      due=clock.today())  # fmt: skip


def test_the_pages_raise_list_and_work_a_concern(
    client: Client, people: People, at_chums: Referral
) -> None:
    sign_in(client, people.chums_practitioner)
    url = f"/safeguarding/raise/{at_chums.uuid}/"
    assert f'href="{url}"' in shown(client.get(f"/children/{at_chums.child.uuid}/"))
    response = client.post(url, {"category": ""})
    assert response.status_code == 400 and "Choose the kind of concern" in shown(response)
    assert _written() == (0, 0, 0)
    response = client.post(url, {
        "category": "online", "seen_or_said": "Messages from an adult stranger.",
        "immediate_actions": "Screenshots kept; parent told.", "referred": "no", "reference": "",
        "owner": str(people.safeguarding.uuid),
    })  # fmt: skip
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert client.get("/safeguarding/").status_code == 403  # practitioners have no list
    sign_in(client, people.safeguarding)
    listing = client.get("/safeguarding/")
    assert [c.referral.child.given_name for c in listing.context["concerns"]] == ["Lou"]
    page = client.get(f"/safeguarding/{concern.uuid}/")
    assert "Messages from an adult stranger." in shown(page)
    sign_in(client, people.kooth_practitioner)
    assert client.get(f"/safeguarding/{concern.uuid}/").status_code == 404


def test_a_triage_decision_to_refer_to_social_care_opens_a_concern(
    alliance: Alliance, people: People
) -> None:
    from onedoor.alliance.models import IThriveGrouping
    from onedoor.triage.actions import record_decision, screen_risk
    from onedoor.triage.models import Outcome

    referral = make_child(alliance, "Ren").referrals.get()
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="amber",
        indicators=set(), rationale="Disclosure at school.",
    )  # fmt: skip
    referral.refresh_from_db()
    record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_RISK_SUPPORT, outcome=Outcome.SAFEGUARDING,
        reason="Disclosed an adult at home hurting her.",
    )  # fmt: skip
    concern = Concern.objects.get(referral=referral)
    assert (
        concern.seen_or_said, concern.immediate_actions, concern.referred_to_social_care,
        concern.owner, concern.raised_by,
    ) == (
        "Disclosed an adult at home hurting her.",
        "Referred to children's social care at triage.", True, people.safeguarding,
        people.triage,
    )  # fmt: skip
    assert concern in set(concerns_visible_to(people.safeguarding))
    referral.refresh_from_db()
    assert referral.status == Status.SAFEGUARDING_REFERRAL


def test_the_concerns_list_runs_the_same_queries_at_any_size(
    client: Client, alliance: Alliance, people: People
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, people.safeguarding)
    client.get("/")
    counts = []
    for n in (1, 4):
        while Concern.objects.count() < n:
            referral = make_child(
                alliance, f"C{Concern.objects.count()}", allocated_to="chums",
                status=Status.IN_INTERVENTION,
            ).referrals.get()  # fmt: skip
            _raise(people, referral)
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get("/safeguarding/").context["concerns"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_new_concern_and_its_follow_up_actions_are_on_their_owners_task_lists(
    people: People, at_chums: Referral, alliance: Alliance
) -> None:
    from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at, end_of
    from onedoor.worklist.items import due_items_for

    def work(user: object) -> list[tuple[str, str, object, str]]:
        return [
            (i.what, i.referral.reference if i.referral else "", i.due, i.url)
            for i in due_items_for(user)  # type: ignore[arg-type]
            if "afeguarding" in i.what
        ]

    concern = _raise(people, at_chums)
    page = f"/safeguarding/{concern.uuid}/"
    planned_by = due_at(received_at=concern.raised_at, working_days=1, calendar=ENGLAND_AND_WALES)
    assert work(people.partner_safeguarding) == [
        ("Plan the follow-up of a safeguarding concern", at_chums.reference, planned_by, page)
    ]
    assert work(people.safeguarding) == []  # sees it, but does not own it
    due = clock.today() + timedelta(days=3)
    action = add_follow_up(
        user=people.partner_safeguarding, concern=concern, text="Home visit with social care",
        owner=people.chums_practitioner, due=due,
    )  # fmt: skip
    hidden = add_follow_up(
        user=people.partner_safeguarding, concern=concern, text="Ask the school",
        owner=people.kooth_practitioner, due=due,
    )  # fmt: skip
    assert work(people.partner_safeguarding) == []  # planned
    assert work(people.chums_practitioner) == [
        ("Safeguarding follow-up action", at_chums.reference, end_of(due),
         f"{page}#follow-up-{action.uuid}"),
    ]  # fmt: skip
    # Kim (Kooth) owns an action on a concern about a CHUMS child she may not see: no task
    # names the child to her (the overdue action escalates instead).
    assert work(people.kooth_practitioner) == []
    complete_follow_up(user=people.partner_safeguarding, follow_up=action)
    assert work(people.chums_practitioner) == []
    assert FollowUp.objects.get(pk=hidden.pk).done_at is None


def test_the_owner_of_a_new_concern_is_told_once_by_reference_only(
    people: People, at_chums: Referral
) -> None:
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from onedoor.safeguarding.tasks import notify_concern_owner
    from onedoor.worklist.reminders import send_reminders

    people.partner_safeguarding.email = "sol@chums.example.org"
    people.partner_safeguarding.save(update_fields=["email"])
    concern = _raise(people, at_chums)
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["args"]) == (
        "onedoor.safeguarding.tasks.notify_concern_owner", [str(concern.uuid)],
    )  # fmt: skip
    assert notify_concern_owner.call(str(concern.uuid)) == 1
    assert [message.to for message in mail.outbox] == [["sol@chums.example.org"]]
    sent = mail.outbox[0]
    assert (
        sent.subject == f"Safeguarding concern for {at_chums.reference_display}: you are its owner"
    )
    assert "Lou" not in sent.body and "hungry" not in sent.body
    assert notify_concern_owner.call(str(concern.uuid)) == 0  # once
    assert send_reminders().concerns == 0
    assert len(mail.outbox) == 1


def test_a_concern_whose_notification_was_lost_is_told_by_the_reminder_job(
    people: People, at_chums: Referral
) -> None:
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from onedoor.worklist.reminders import send_reminders

    people.partner_safeguarding.email = "sol@chums.example.org"
    people.partner_safeguarding.save(update_fields=["email"])
    _raise(people, at_chums)
    DBTaskResult.objects.all().delete()  # the worker never ran it
    assert send_reminders().concerns == 1
    assert send_reminders().concerns == 0
    assert [message.to for message in mail.outbox] == [["sol@chums.example.org"]]


def test_opening_a_concern_is_audited_and_a_refusal_is_a_404_audited_too(
    client: Client, people: People, at_chums: Referral
) -> None:
    concern = _raise(people, at_chums)
    action = add_follow_up(
        user=people.partner_safeguarding, concern=concern, text="Call the school.",
        owner=people.chums_practitioner, due=clock.today(),
    )  # fmt: skip
    url = f"/safeguarding/{concern.uuid}/"
    sign_in(client, people.partner_safeguarding)
    assert client.get(url).status_code == 200
    viewed = AuditEvent.objects.order_by("sequence").last()
    assert viewed is not None
    assert (viewed.action, viewed.record_type, viewed.record_id, viewed.child_uuid) == (
        "view", "safeguarding_concern", str(concern.uuid), at_chums.child.uuid,
    )  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == 404
    assert client.post(f"{url}follow-ups/{action.uuid}/done/").status_code == 404
    denials = AuditEvent.objects.order_by("sequence")[before:]
    assert [(e.action, e.record_type, e.actor_username) for e in denials] == [
        ("deny", "safeguarding_concern", "kim-kooth")
    ] * 2
    assert client.post(f"{url}close/", {"outcome": "Closed."}).status_code == 403  # not a lead
    assert AuditEvent.objects.count() == before + 2
    assert Concern.objects.get().closed_at is None
    assert FollowUp.objects.get().done_at is None


def test_each_write_has_its_own_page_and_the_concern_page_links_to_them(
    client: Client, people: People, at_chums: Referral
) -> None:
    concern = _raise(people, at_chums)
    url = f"/safeguarding/{concern.uuid}/"
    sign_in(client, people.partner_safeguarding)
    page = shown(client.get(url))
    assert f'href="{url}follow-ups/new/">Add a follow-up action</a>' in page
    assert f'href="{url}close/">Close the concern</a>' in page
    refused = client.post(f"{url}follow-ups/new/", {"text": "", "due_day": "1"})
    assert refused.status_code == 400
    assert "Say what is to be done" in shown(refused) and "Choose who" in shown(refused)
    due = clock.today() + timedelta(days=2)
    added = client.post(f"{url}follow-ups/new/", {
        "text": "Home visit with social care", "owner": str(people.chums_practitioner.uuid),
        "due": f"{due:%d %m %Y}",
    })  # fmt: skip
    assert added["Location"] == url
    action = FollowUp.objects.get()
    assert (action.text, action.owner, action.due, action.done_at) == (
        "Home visit with social care", people.chums_practitioner, due, None,
    )  # fmt: skip
    early = client.post(f"{url}close/", {"outcome": "Resolved."})
    assert early.status_code == 400
    assert "Every follow-up action must be done before the concern closes" in shown(early)
    assert Concern.objects.get().closed_at is None

    sign_in(client, people.chums_practitioner)  # raised it, owns the action, not a lead
    page = shown(client.get(url))
    assert f'action="{url}follow-ups/{action.uuid}/done/"' in page
    assert "Add a follow-up action" not in page and "Close the concern" not in page
    before = AuditEvent.objects.count()
    for address in (f"{url}follow-ups/new/", f"{url}close/"):
        assert client.get(address).status_code == 403
        assert client.post(address, {"outcome": "Resolved."}).status_code == 403
    assert AuditEvent.objects.count() == before
    done = client.post(f"{url}follow-ups/{action.uuid}/done/")
    assert done["Location"] == url
    again = client.post(f"{url}follow-ups/{action.uuid}/done/")  # from a stale page
    assert again.status_code == 400 and "This action is already done" in shown(again)

    sign_in(client, people.partner_safeguarding)
    assert client.post(f"{url}close/", {"outcome": ""}).status_code == 400
    closed = client.post(f"{url}close/", {"outcome": "Assessed by social care; support."})
    assert closed["Location"] == url
    concern.refresh_from_db()
    assert concern.outcome == "Assessed by social care; support."
    page = shown(client.get(url))
    assert "Add a follow-up action" not in page and "Close the concern" not in page


def test_only_the_owner_or_a_lead_marks_an_action_done(
    client: Client, people: People, at_chums: Referral
) -> None:
    concern = _raise(people, at_chums)
    action = add_follow_up(
        user=people.partner_safeguarding, concern=concern, text="Call the school.",
        owner=people.chums_lead, due=clock.today(),
    )  # fmt: skip
    sign_in(client, people.chums_practitioner)  # sees the concern (raised it), not the owner
    address = f"/safeguarding/{concern.uuid}/follow-ups/{action.uuid}/done/"
    assert "Mark done" not in shown(client.get(f"/safeguarding/{concern.uuid}/"))
    before = AuditEvent.objects.count()
    assert client.get(address).status_code == 403
    assert client.post(address).status_code == 403
    assert FollowUp.objects.get().done_at is None
    assert AuditEvent.objects.filter(sequence__gt=before, action="change").count() == 0
    missing = f"/safeguarding/{concern.uuid}/follow-ups/00000000-0000-4000-8000-000000000000/done/"
    sign_in(client, people.partner_safeguarding)
    assert client.post(missing).status_code == 404


def test_each_page_builds_at_most_one_unbound_form(
    client: Client, people: People, at_chums: Referral
) -> None:
    from tests.forms_built import forms_built, unbound_forms_of

    concern = _raise(people, at_chums)
    action = add_follow_up(
        user=people.partner_safeguarding, concern=concern, text="Call the school.",
        owner=people.chums_practitioner, due=clock.today(),
    )  # fmt: skip
    url = f"/safeguarding/{concern.uuid}/"
    sign_in(client, people.partner_safeguarding)
    expected = {
        url: [],
        f"{url}follow-ups/new/": ["FollowUpForm"],
        f"{url}follow-ups/{action.uuid}/done/": [],
        f"{url}close/": ["CloseForm"],
    }
    for address, forms in expected.items():
        with forms_built() as built:
            assert client.get(address).status_code == 200, address
        assert unbound_forms_of(built, "onedoor.safeguarding") == forms, address
