"""No lost work at a timeout (H37): drafts kept encrypted for their author alone, restored
after signing in again, gone once the form is sent or after a week; "Stay signed in" moves
the idle clock and never the absolute limit; the page's own requests never move it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from onedoor import clock
from onedoor.accounts.drafts import MAX_BYTES, delete_expired_drafts
from onedoor.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from onedoor.accounts.models import Draft, User
from onedoor.audit.models import AuditEvent
from onedoor.governance.models import Incident
from onedoor.operations.scheduler import JOBS
from tests.personas import NOW, People, shown, sign_in

FORM = "/governance/incidents/new/"
NOTE = "She said she has been hurting herself since the move."
BACKGROUND = {"X-OneDoor-Background": "1"}  # the page's own request, not the person's


def _save(client: Client, body: Any) -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(
        "/accounts/drafts/save/", data, content_type="application/json", headers=BACKGROUND
    )


def _draft(author: User, fields: list[list[str]] | None = None, action: str = FORM) -> dict:
    return {
        "author": str(author.uuid),
        "action": action,
        "slot": 0,
        "fields": fields
        if fields is not None
        else [
            ["csrfmiddlewaretoken", "not-kept"],
            ["kind", "incident"],
            ["title", "Disclosure in session"],
            ["what_happened", NOTE],
        ],
    }


def _restore(client: Client, *actions: str) -> Any:
    query = "&".join(f"action={action}" for action in actions)
    return client.get(f"/accounts/drafts/?{query}", headers=BACKGROUND)


def _age_session(client: Client, *, idle: timedelta, since_sign_in: timedelta) -> None:
    session = client.session
    now = clock.now()
    session[LAST_SEEN_AT] = (now - idle).isoformat()
    session[SIGNED_IN_AT] = (now - since_sign_in).isoformat()
    session.save()


def _last_seen(client: Client) -> datetime:
    return datetime.fromisoformat(client.session[LAST_SEEN_AT])


def _actions() -> list[tuple[str, str]]:
    return list(AuditEvent.objects.values_list("action", "record_type"))


def test_a_draft_is_kept_for_its_author_and_restored_with_an_audit_record(
    client: Client, people: People
) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)

    response = _save(client, _draft(kim))

    assert (response.status_code, response.json()) == (200, {"saved_at": "12:00"})
    draft = Draft.objects.get()
    assert (draft.author, draft.action, draft.slot) == (kim, FORM, 0)
    assert _actions() == []  # saving is not a read of anyone's record

    restored = _restore(client, FORM)

    assert restored.status_code == 200
    assert restored.json() == {
        "drafts": [
            {
                "id": str(draft.uuid),
                "action": FORM,
                "slot": 0,
                "fields": [
                    ["kind", "incident"],
                    ["title", "Disclosure in session"],
                    ["what_happened", NOTE],
                ],  # never the CSRF token
                "saved_at": "12:00",
                "discard_url": f"/accounts/drafts/{draft.uuid}/discard/",
            }
        ]
    }
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor_username,
        event.record_type,
        event.record_id,
        event.detail,
    ) == ("view", "kim-kooth", "draft", str(draft.uuid), {"restored": True, "form": FORM})


def test_saving_again_replaces_the_draft_and_an_emptied_form_keeps_none(
    client: Client, people: People
) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))
    _save(client, _draft(kim, [["what_happened", "Shorter."]]))

    assert _restore(client, FORM).json()["drafts"][0]["fields"] == [["what_happened", "Shorter."]]
    assert Draft.objects.count() == 1

    emptied = _save(client, _draft(kim, [["title", ""], ["what_happened", "  "]]))

    assert emptied.status_code == 204
    assert Draft.objects.count() == 0


def test_another_person_finds_nothing_and_cannot_discard_or_overwrite_it(
    client: Client, people: People
) -> None:
    kim, chris = people.kooth_practitioner, people.chums_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))
    draft = Draft.objects.get()
    content = draft.content
    AuditEvent.objects.all()  # nothing audited yet
    sign_in(client, chris)

    assert _restore(client, FORM).json() == {"drafts": []}
    discard = client.post(f"/accounts/drafts/{draft.uuid}/discard/", headers=BACKGROUND)
    assert discard.status_code == 404
    # A page opened by Kim, saved while Chris is signed in (in another tab): refused.
    as_kim = _save(client, _draft(kim, [["what_happened", "Chris's words"]]))
    assert (as_kim.status_code, as_kim.json()) == (
        409,
        {"error": "This page was opened by someone else: sign in as them to keep it"},
    )

    draft.refresh_from_db()
    assert (Draft.objects.count(), draft.author, draft.content) == (1, kim, content)
    assert _actions() == []


def test_the_author_discards_their_draft(client: Client, people: People) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))
    draft = Draft.objects.get()

    response = client.post(f"/accounts/drafts/{draft.uuid}/discard/", headers=BACKGROUND)

    assert response.status_code == 204
    assert Draft.objects.count() == 0
    assert client.get(f"/accounts/drafts/{draft.uuid}/discard/").status_code == 405


def test_a_draft_is_encrypted_at_rest_and_opens_only_with_the_key_and_its_own_row(
    client: Client, people: People
) -> None:
    kim, chris = people.kooth_practitioner, people.chums_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM accounts_draft")
        (stored,) = cursor.fetchone()

    assert "hurting" not in stored and "Disclosure" not in stored and "incident" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token

    # Rotation: a new key first, the old one still opens what it sealed.
    from django.conf import settings

    new_key = Fernet.generate_key().decode()
    with override_settings(DRAFTS_KEY=f"{new_key},{settings.DRAFTS_KEY}"):
        assert _restore(client, FORM).json()["drafts"][0]["fields"][-1] == ["what_happened", NOTE]

    # Copied onto another person's row, it does not open for them (nor is it shown).
    Draft.objects.create(author=chris, action=FORM, slot=0, content=stored, saved_at=clock.now())
    sign_in(client, chris)
    assert _restore(client, FORM).json() == {"drafts": []}

    # Without its key nobody can read it: it is deleted rather than kept for ever.
    sign_in(client, kim)
    with override_settings(DRAFTS_KEY=new_key):
        assert _restore(client, FORM).json() == {"drafts": []}
    assert list(Draft.objects.values_list("author__username", flat=True)) == []


def test_a_draft_is_kept_for_seven_days_then_deleted_by_the_scheduler(
    client: Client, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))

    time_machine.move_to(NOW + timedelta(days=6, hours=23), tick=False)
    assert delete_expired_drafts() == 0
    client.logout()
    sign_in(client, kim)
    assert len(_restore(client, FORM).json()["drafts"]) == 1

    time_machine.move_to(NOW + timedelta(days=7, minutes=1), tick=False)
    client.logout()
    sign_in(client, kim)
    assert _restore(client, FORM).json() == {"drafts": []}  # past its time: not restored
    assert "delete_expired_drafts" in [job.name for job in JOBS]
    assert delete_expired_drafts() == 1
    assert Draft.objects.count() == 0


NOT_A_PATH = "The form's address must be a path on this site"
NOT_PAIRS = "The fields must be a list of at most 200 pairs"
NOT_A_PAIR = "Each field must be a pair of a name and a value"
BAD_SLOT = "The form's slot must be a small whole number"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("not json", "The draft is not JSON"),
        ("[1, 2]", "The draft must be a JSON object"),
        (b"\xff\xfe", "The draft is not JSON"),
        ({"action": "/nowhere/here/", "fields": []}, "That is not a form of OneDoor's"),
        ({"action": "https://example.com/", "fields": []}, NOT_A_PATH),
        ({"action": "//example.com/x/", "fields": []}, NOT_A_PATH),
        ({"action": "/accounts/login/", "fields": []}, "This form is never kept as a draft"),
        ({"action": "/" + "a" * 600, "fields": []}, "The form's address is too long"),
        ({"action": FORM, "fields": "what_happened=x"}, NOT_PAIRS),
        ({"action": FORM, "fields": [["x", "y"]] * 201}, NOT_PAIRS),
        ({"action": FORM, "fields": [["what_happened"]]}, NOT_A_PAIR),
        ({"action": FORM, "fields": [["", "x"]]}, NOT_A_PAIR),
        ({"action": FORM, "fields": [["n", 5]]}, NOT_A_PAIR),
        ({"action": FORM, "slot": "0", "fields": []}, BAD_SLOT),
        ({"action": FORM, "slot": 99, "fields": []}, BAD_SLOT),
        ({"action": FORM, "fields": [], "author": 7}, "The author must be a user's identifier"),
    ],
)
def test_a_bad_draft_is_a_clear_400_and_keeps_nothing(
    client: Client, people: People, body: Any, error: str
) -> None:
    sign_in(client, people.kooth_practitioner)

    response = _save(client, body)

    assert (response.status_code, response.json()) == (400, {"error": error})
    assert Draft.objects.count() == 0


def test_a_draft_too_big_is_a_clear_400(client: Client, people: People) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)

    response = _save(client, _draft(kim, [["what_happened", "x" * MAX_BYTES]]))

    assert (response.status_code, response.json()) == (
        400,
        {"error": "The draft is too big to keep"},
    )
    assert Draft.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?" + "&".join(["action=/governance/incidents/new/"] * 21), "Name at most 20 forms"),
        ("?action=/not/a/page/", "That is not a form of OneDoor's"),
        ("?action=/accounts/logout/", "This form is never kept as a draft"),
    ],
)
def test_asking_for_drafts_of_no_form_or_not_a_form_is_a_clear_400(
    client: Client, people: People, query: str, error: str
) -> None:
    sign_in(client, people.kooth_practitioner)

    response = client.get(f"/accounts/drafts/{query}", headers=BACKGROUND)

    assert (response.status_code, response.json()) == (400, {"error": error})
    assert _actions() == []


def test_asking_for_the_drafts_of_no_form_finds_none(client: Client, people: People) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))

    response = client.get("/accounts/drafts/", headers=BACKGROUND)

    assert (response.status_code, response.json()) == (200, {"drafts": []})
    assert _actions() == []


def test_drafts_are_for_staff_only(client: Client, people: People) -> None:
    referrer = people.referrer
    sign_in(client, referrer)

    assert _save(client, _draft(referrer)).status_code == 403
    assert _restore(client, FORM).status_code == 403
    assert Draft.objects.count() == 0
    client.logout()
    assert _save(client, _draft(referrer)).status_code == 302  # to sign in
    assert Draft.objects.count() == 0


def _report(client: Client, **changes: str) -> Any:
    form = {
        "kind": "incident",
        "severity": "moderate",
        "title": "Disclosure in session",
        "what_happened": NOTE,
        "occurred_on": "20 11 2026",
        "referral": "",
        **changes,
    }
    return client.post(FORM, form)


def test_a_form_sent_and_accepted_deletes_its_draft_and_one_refused_keeps_it(
    client: Client, people: People
) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))

    refused = _report(client, title="")

    assert refused.status_code == 400
    assert Draft.objects.count() == 1

    sent = _report(client)

    assert sent.status_code == 302
    assert Incident.objects.count() == 1
    assert Draft.objects.count() == 0


def test_a_write_refused_by_a_redirect_with_an_error_keeps_its_draft_and_its_message(
    client: Client, people: People
) -> None:
    """Some writes answer a refusal by going back to the record with an error (closing an
    incident not yet reviewed): the draft stays, and the error still reaches the page."""
    lead = people.clinical_lead
    sign_in(client, people.kooth_practitioner)
    _report(client)
    incident = Incident.objects.get()
    close = f"/governance/incidents/{incident.uuid}/close/"
    sign_in(client, lead)
    _save(client, _draft(lead, [["note", NOTE]], action=close))

    refused = client.post(close)

    assert refused.status_code == 302
    assert Draft.objects.filter(author=lead, action=close).count() == 1
    after = client.get(refused["Location"])
    assert "This incident is reported: it cannot be closed now" in shown(after)
    incident.refresh_from_db()
    assert incident.closed_at is None


def test_a_draft_restored_in_a_new_session_goes_once_that_form_is_sent(
    client: Client, people: People
) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))
    client.logout()
    sign_in(client, kim)  # a new session, as after a timeout
    assert _report(client).status_code == 302
    assert Draft.objects.count() == 1  # this session never restored it: nothing asked

    _restore(client, FORM)
    assert _report(client, title="Another").status_code == 302

    assert Draft.objects.count() == 0


def test_a_post_expired_by_the_idle_timeout_is_not_taken_and_the_draft_stays(
    client: Client, people: People
) -> None:
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _save(client, _draft(kim))
    _age_session(client, idle=timedelta(minutes=31), since_sign_in=timedelta(hours=1))

    response = _report(client)

    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=%2Fgovernance%2Fincidents%2Fnew%2F",
    )
    assert (Incident.objects.count(), Draft.objects.count()) == (0, 1)
    assert _actions() == [("session_expired", "user")]


def test_signed_in_pages_tell_the_script_how_long_is_left(
    client: Client, people: People, settings: Any, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)  # whole seconds, exactly
    settings.SESSION_WARNING_BEFORE = timedelta(seconds=90)
    kim = people.kooth_practitioner
    sign_in(client, kim)
    _age_session(client, idle=timedelta(seconds=20), since_sign_in=timedelta(hours=2))

    page = shown(client.get(FORM))

    meta = re.search(r'<meta name="onedoor-session"[^>]*>', page)
    assert meta is not None
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', meta.group(0)))
    attributes.pop("csrf")
    assert attributes == {
        "idle-seconds": "1780",
        "absolute-seconds": "28800",
        "warn-seconds": "90",
        "user": str(kim.uuid),
        "status-url": "/accounts/session/",
        "stay-url": "/accounts/stay-signed-in/",
        "sign-out-url": "/accounts/logout/",
        "sign-in-url": "/accounts/login/",
        "drafts-url": "/accounts/drafts/",
        "save-draft-url": "/accounts/drafts/save/",
        "restore": "yes",
    }
    # Shown again after a POST with errors, the page's own words are the freshest.
    assert 'data-restore="no"' in shown(_report(client, title=""))


def test_a_professional_referrer_is_warned_but_keeps_no_drafts_and_signed_out_pages_have_none(
    client: Client, people: People
) -> None:
    sign_in(client, people.referrer)
    page = shown(client.get("/refer/"))
    assert 'data-drafts-url="" data-save-draft-url=""' in page
    client.logout()
    assert 'name="onedoor-session"' not in shown(client.get("/refer/"))


def test_asking_how_long_is_left_does_not_move_the_idle_clock(
    client: Client, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    sign_in(client, people.triage)
    _age_session(client, idle=timedelta(minutes=10), since_sign_in=timedelta(hours=1))
    before = _last_seen(client)

    response = client.get("/accounts/session/", headers=BACKGROUND)

    assert response.status_code == 200
    assert response.json() == {
        "seconds_left": 20 * 60,
        "idle_seconds_left": 20 * 60,
        "absolute_seconds_left": 9 * 60 * 60,
        "ends": "idle",
    }
    assert _last_seen(client) == before
    # Nor does saving a draft; a page the person opens does.
    _save(client, _draft(people.triage))
    assert _last_seen(client) == before
    client.get("/triage/")
    assert _last_seen(client) == NOW


def test_stay_signed_in_moves_the_idle_clock_now(
    client: Client, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    sign_in(client, people.triage)
    _age_session(client, idle=timedelta(seconds=10), since_sign_in=timedelta(hours=1))

    response = client.post("/accounts/stay-signed-in/", headers=BACKGROUND)

    assert response.status_code == 200
    assert response.json() == {
        "seconds_left": 30 * 60,
        "idle_seconds_left": 30 * 60,
        "absolute_seconds_left": 9 * 60 * 60,
        "ends": "idle",
    }
    assert _last_seen(client) == NOW


def test_stay_signed_in_cannot_pass_the_absolute_limit(
    client: Client, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    sign_in(client, people.triage)
    _age_session(client, idle=timedelta(minutes=29), since_sign_in=timedelta(hours=9, minutes=59))

    response = client.post("/accounts/stay-signed-in/", headers=BACKGROUND)

    assert response.json() == {
        "seconds_left": 60,
        "idle_seconds_left": 30 * 60,
        "absolute_seconds_left": 60,
        "ends": "absolute",
    }

    _age_session(client, idle=timedelta(seconds=1), since_sign_in=timedelta(hours=10, minutes=1))
    assert client.get("/accounts/session/", headers=BACKGROUND)["Location"] == (
        "/accounts/login/?next=%2Faccounts%2Fsession%2F"
    )
    assert _actions() == [("session_expired", "user")]


def test_an_expired_session_cannot_be_revived(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    _age_session(client, idle=timedelta(minutes=31), since_sign_in=timedelta(hours=1))

    response = client.post("/accounts/stay-signed-in/", headers=BACKGROUND)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "_auth_user_id" not in client.session
    assert _actions() == [("session_expired", "user")]


def test_stay_signed_in_is_a_post(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    _age_session(client, idle=timedelta(minutes=10), since_sign_in=timedelta(hours=1))
    before = _last_seen(client)

    response = client.get("/accounts/stay-signed-in/", headers=BACKGROUND)

    assert response.status_code == 405
    assert _last_seen(client) == before
