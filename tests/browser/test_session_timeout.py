"""No lost work at a timeout (H37): the warning before the idle timeout is accessible and
"Stay signed in" keeps the session; a half-written care note survives the timeout, is
restored after signing in again and is saved from there; words not yet kept when the session
ended (a laptop asleep) are kept once signed in again in another tab.

The live server shares the test's pinned clock (tests/conftest.py), so the test moves the
server's clock past the timeout; the page's script counts the seconds the server gave it on
the browser's own clock."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django import Settings

from onedoor import clock
from onedoor.accounts.models import Draft
from onedoor.alliance.models import Alliance
from onedoor.care.models import ClinicalNote
from onedoor.referrals.models import Status
from tests.browser.support import PASSWORD, assert_accessible_at_both_widths, sign_in
from tests.personas import make_child

NOTE = "Told me at the end of the session that things at home have got worse since the move."
LATER = "Second thoughts on the plan for next week."


def test_the_warning_keeps_the_session_and_a_half_written_note_survives_the_timeout(
    page: Page,
    demo: Alliance,
    settings: Settings,
    live_server_url: str,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    # A short idle timeout: the warning shows 12 seconds after the idle clock last moved.
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=120)
    settings.SESSION_WARNING_BEFORE = timedelta(seconds=108)
    referral = make_child(
        demo, "Tamsin", "Timewell", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    note_page = f"/care/{referral.uuid}/notes/new/"
    sign_in(page, "kooth-practitioner")
    page.goto(f"/care/{referral.uuid}/")
    page.get_by_role("link", name="Write a note").click()
    expect(page).to_have_url(f"{live_server_url}{note_page}")
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=40_000)
    expect(dialog).to_contain_text("We will sign you out in")
    expect(dialog).to_contain_text("What you are writing on this page is kept as a draft.")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    assert_accessible_at_both_widths(page)

    with page.expect_response("**/accounts/stay-signed-in/") as stayed:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert stayed.value.json()["idle_seconds_left"] == 120
    expect(dialog).to_be_hidden()

    # Half-written, then away from the desk: the draft is kept a few seconds after typing.
    page.get_by_label("Only my organisation (and the clinical lead)").check()
    with page.expect_response(
        lambda response: (
            response.url.endswith("/accounts/drafts/save/")
            and NOTE in (response.request.post_data or "")
        )
    ) as saved:
        page.get_by_label("Note", exact=True).fill(NOTE)
    assert saved.value.status == 200
    draft = Draft.objects.get(author__username="kooth-practitioner")
    saved_at = timezone.localtime(draft.saved_at).strftime("%H:%M")

    time_machine.move_to(clock.now() + timedelta(minutes=3))  # past the idle timeout
    # Signed out by the script's next look at the time left, then sent to sign in.
    expect(page).to_have_url(f"{live_server_url}/accounts/login/?next={note_page}", timeout=40_000)
    expect(page.get_by_text("You were signed out to keep records safe.")).to_be_visible()

    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    settings.SESSION_WARNING_BEFORE = timedelta(minutes=2)
    page.get_by_label("Username", exact=True).fill("kooth-practitioner")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server_url}{note_page}")
    expect(page.get_by_role("status").filter(has_text="We restored")).to_have_text(
        f"We restored what you were writing at {saved_at}. Check it before you save."
    )
    expect(page.get_by_label("Note", exact=True)).to_have_value(NOTE)
    expect(page.get_by_label("Only my organisation (and the clinical lead)")).to_be_checked()
    assert_accessible_at_both_widths(page)

    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()
    saved_note = ClinicalNote.objects.get(referral=referral)
    assert (saved_note.text, saved_note.sharing) == (NOTE, ClinicalNote.Sharing.ORGANISATION)
    assert Draft.objects.count() == 0

    # Asleep through the warning: the session is over before the words are kept. The page
    # keeps them and says how to keep them: sign in again in another tab, then come back.
    page.goto(note_page)
    page.get_by_label("Note", exact=True).fill(LATER)
    time_machine.move_to(clock.now() + timedelta(minutes=31))
    signed_out = page.get_by_role("dialog", name="You have been signed out")
    expect(signed_out).to_be_visible()
    expect(signed_out.get_by_role("button", name="Keep what I wrote")).to_be_focused()
    assert Draft.objects.count() == 0
    other_tab = page.context.new_page()
    sign_in(other_tab, "kooth-practitioner")
    other_tab.close()
    signed_out.get_by_role("button", name="Keep what I wrote").click()

    expect(page.get_by_role("status").filter(has_text="We restored")).to_be_visible()
    expect(page.get_by_label("Note", exact=True)).to_have_value(LATER)
    page.get_by_role("button", name="Discard the draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft discarded.")).to_be_visible()
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert Draft.objects.count() == 0
