"""The GP counts: the alliance's practices from the NHS's practice file (all or nothing,
filtered to the area, closed ones kept but not offered), a child outside the area registered
with a practice in it is eligible, and the Referral and Advice Point corrects a referral's
practice, which assesses eligibility again."""

from __future__ import annotations

import html
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.alliance.models import Alliance, GpPractice
from onedoor.alliance.practices import PracticeFileError, parse, readable
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.child_forms import ChildForm
from onedoor.referrals.form_parts import Choices, FormContext
from onedoor.referrals.gp_practice import correct_gp_practice
from onedoor.referrals.models import Referral, Route, Source, Status
from onedoor.referrals.views import form_choices
from tests.personas import People, sign_in

OUTSIDE = "DA1 1AA"  # Dartford: not one of Medway's postcode districts
IN_MEDWAY = "ME4 4AB"
GILLINGHAM = "Y99902"  # the demo's illustrative practices (alliance/data/medway-practices.csv)
CLOSED = "Y99906"

SAM = ReferralAnswers(
    route=Route.PARENT,
    source=Source.PARENT,
    given_name="Sam",
    family_name="Example",
    date_of_birth=date(2014, 5, 9),
    gender="male",
    ethnicity="A",
    postcode=OUTSIDE,
    referrer_name="Ali Example",
    referrer_relationship="Father",
    referrer_email="ali@example.org",
    reasons="Very low since his grandad died.",
    needs=("bereavement",),
    consent_to_refer=True,
    consent_given_by="parent_carer",
    consent_to_share=True,
)


def line(
    code: str,
    name: str,
    postcode: str,
    *,
    status: str = "A",
    setting: str = "4",
    town: str = "CHATHAM",
    opened: str = "19740401",
    closed: str = "",
) -> str:
    """One line of the practice file, in its 27 published columns."""
    fields = [
        code, name, "Y59", "QKS", "1 EXAMPLE ROAD", "", "", town, "KENT", postcode, opened,
        closed, status, "B", "91Q", "20220701", "", "01632 960001", "", "", "", "0", "", "91Q",
        "", setting, "",
    ]  # fmt: skip
    return ",".join(f'"{field}"' for field in fields)


def practice_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "epraccur.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def practices(alliance: Alliance) -> list[tuple[str, str, str, str, str]]:
    return list(
        GpPractice.objects.filter(alliance=alliance)
        .order_by("ods_code")
        .values_list("ods_code", "name", "town", "postcode", "status")
    )


def submit(answers: ReferralAnswers = SAM) -> Referral:
    return submit_referral(answers=answers, submission_key=uuid.uuid4())


# The practice file


def test_the_published_file_loads_the_practices_in_the_area_closed_ones_not_offered(
    alliance: Alliance, tmp_path: Path
) -> None:
    path = practice_file(
        tmp_path,
        line("G82001", "ST MARY'S ISLAND SURGERY", "ME4 3ER"),
        line("G82002", "DR S KUMAR'S PRACTICE", "me7 5na", town="GILLINGHAM"),
        line("G82003", "THE OLD SURGERY", "ME5 9LD", status="C", closed="20250331"),
        line("G82004", "HOO PENINSULA PRACTICE", "ME3 9AA", status="D", town="HOO"),
        line("G82005", "MAIDSTONE PRACTICE", "ME14 1LN", town="MAIDSTONE"),  # outside
        line("G82006", "CHATHAM WALK-IN CENTRE", "ME4 4TZ", setting="1"),  # not a practice
        "",  # the blank line at the end of the file
    )
    before = AuditEvent.objects.count()
    call_command("load_practices", str(path))
    assert practices(alliance) == [
        ("G82001", "St Mary's Island Surgery", "Chatham", "ME4 3ER", "active"),
        ("G82002", "Dr S Kumar's Practice", "Gillingham", "ME7 5NA", "active"),
        ("G82003", "The Old Surgery", "Chatham", "ME5 9LD", "closed"),
        ("G82004", "Hoo Peninsula Practice", "Hoo", "ME3 9AA", "dormant"),
    ]  # the illustrative ones the file no longer names, which no referral names, are gone
    assert list(GpPractice.objects.offered().values_list("ods_code", flat=True)) == [
        "G82002",
        "G82001",
    ]  # by name
    choices = form_choices()
    assert [(p.ods_code, p.label) for p in choices.practices] == [
        ("G82002", "Dr S Kumar's Practice, Gillingham (ME7 5NA)"),
        ("G82001", "St Mary's Island Surgery, Chatham (ME4 3ER)"),
    ]
    loaded = AuditEvent.objects.get(sequence=before + 1)
    assert (loaded.action, loaded.record_type, loaded.record_id, loaded.detail) == (
        "configuration_loaded",
        "gp_practices",
        "medway",
        {"file": "epraccur.csv", "in_area": 4, "added": 4, "updated": 0, "closed": 0,
         "removed": 6},
    )  # fmt: skip


def test_a_practice_a_referral_names_is_kept_closed_when_the_file_no_longer_has_it(
    alliance: Alliance, tmp_path: Path
) -> None:
    named = submit(replace(SAM, gp_ods_code=GILLINGHAM, gp_practice="Illustrative"))
    path = practice_file(tmp_path, line("G82001", "ST MARY'S ISLAND SURGERY", "ME4 3ER"))
    call_command("load_practices", str(path))
    assert practices(alliance) == [
        ("G82001", "St Mary's Island Surgery", "Chatham", "ME4 3ER", "active"),
        (GILLINGHAM, "Illustrative Gillingham Practice", "Gillingham", "ME7 1HL", "closed"),
    ]
    named.refresh_from_db()
    assert named.gp_practice is not None and named.gp_practice.ods_code == GILLINGHAM


def test_loading_the_same_file_twice_changes_nothing_the_second_time(
    alliance: Alliance, tmp_path: Path
) -> None:
    path = practice_file(tmp_path, line("G82001", "ST MARY'S ISLAND SURGERY", "ME4 3ER"))
    call_command("load_practices", str(path))
    first = list(GpPractice.objects.order_by("pk").values())
    call_command("load_practices", str(path))
    assert list(GpPractice.objects.order_by("pk").values()) == first
    assert AuditEvent.objects.order_by("-sequence").first().detail == {  # type: ignore[union-attr]
        "file": "epraccur.csv", "in_area": 1, "added": 0, "updated": 0, "closed": 0,
        "removed": 0,
    }  # fmt: skip


def test_reloading_the_alliance_file_keeps_the_practices_the_published_file_gave(
    alliance: Alliance, tmp_path: Path
) -> None:
    path = practice_file(tmp_path, line("G82001", "ST MARY'S ISLAND SURGERY", "ME4 3ER"))
    call_command("load_practices", str(path))
    load(DEFAULT_FILE)  # names the demo's illustrative practices: they start a list, no more
    assert practices(alliance) == [
        ("G82001", "St Mary's Island Surgery", "Chatham", "ME4 3ER", "active")
    ]


def test_a_bad_file_names_each_line_and_field_and_loads_nothing(
    alliance: Alliance, tmp_path: Path
) -> None:
    good = [line(f"G8{n:04d}", f"PRACTICE {n}", "ME4 3ER") for n in range(1, 12)]
    path = practice_file(
        tmp_path,
        *good,  # lines 1 to 11
        line("G82012", "A PRACTICE", "XX"),  # line 12
        line("g8", "", "ME4 3ER", status="X", opened="2020131"),  # line 13
        '"G82014","TOO SHORT"',  # line 14
        line("G80001", "THE SAME CODE AGAIN", "ME4 3ER"),  # line 15
    )
    table = list(GpPractice.objects.order_by("pk").values())
    audit = AuditEvent.objects.count()
    with pytest.raises(CommandError) as raised:
        call_command("load_practices", str(path))
    assert str(raised.value).splitlines() == [
        f"{path}: nothing was loaded.",
        "line 12: postcode 'XX' is not a postcode",
        "line 13: organisation code 'g8' is not an organisation code "
        "(3 to 10 capital letters and digits)",
        "line 13: name is empty",
        "line 13: open date '2020131' is not a date (YYYYMMDD)",
        "line 13: status code 'X' is not A (active), C (closed), D (dormant) or P (proposed)",
        "line 14: has 2 fields; a line of the practice file has 27 (at least 13, to the status "
        "code)",
        "line 15: organisation code 'G80001' is also on line 1",
    ]
    assert list(GpPractice.objects.order_by("pk").values()) == table
    assert AuditEvent.objects.count() == audit


def test_a_file_with_no_practice_in_the_area_loads_nothing(
    alliance: Alliance, tmp_path: Path
) -> None:
    path = practice_file(tmp_path, line("G82005", "MAIDSTONE PRACTICE", "ME14 1LN"))
    table = list(GpPractice.objects.order_by("pk").values())
    with pytest.raises(CommandError) as raised:
        call_command("load_practices", str(path))
    assert str(raised.value).splitlines()[1] == (
        "no GP practice in the file has a postcode in Medway (ME1, ME2, ME3, ME4, ME5, ME7, "
        "ME8): is it the right file?"
    )
    assert list(GpPractice.objects.order_by("pk").values()) == table


def test_an_empty_file_or_a_missing_one_is_named(alliance: Alliance, tmp_path: Path) -> None:
    with pytest.raises(PracticeFileError, match="the file has no practices"):
        parse("\r\n")
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_practices", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No alliance has the slug 'kent'"):
        call_command("load_practices", str(tmp_path / "missing.csv"), alliance="kent")


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("ST MARY'S ISLAND SURGERY", "St Mary's Island Surgery"),
        ("DR S KUMAR & PARTNERS", "Dr S Kumar & Partners"),
        ("THE HEALTH CENTRE (MEDWAY)", "The Health Centre (Medway)"),
        ("Already Written Like This", "Already Written Like This"),
    ],
)
def test_the_files_capitals_are_shown_as_people_write_names(published: str, shown: str) -> None:
    assert readable(published) == shown


def test_the_demo_keeps_its_illustrative_practices(alliance: Alliance) -> None:
    assert practices(alliance) == [
        ("Y99901", "Illustrative Chatham Practice", "Chatham", "ME4 6TR", "active"),
        ("Y99902", "Illustrative Gillingham Practice", "Gillingham", "ME7 1HL", "active"),
        ("Y99903", "Illustrative Rochester Practice", "Rochester", "ME1 1EW", "active"),
        ("Y99904", "Illustrative Strood Practice", "Strood", "ME2 4UQ", "active"),
        ("Y99905", "Illustrative Rainham Practice", "Rainham", "ME8 7TU", "active"),
        ("Y99906", "Illustrative Walderslade Practice (Closed)", "Chatham", "ME5 9LD", "closed"),
    ]


# Eligibility by practice


def test_a_child_living_outside_the_area_with_a_practice_in_it_is_eligible(
    alliance: Alliance,
) -> None:
    referral = submit(
        replace(SAM, gp_ods_code=GILLINGHAM, gp_practice="Illustrative Gillingham Practice")
    )
    assert (referral.status, referral.eligible, referral.ineligibility_reason) == (
        Status.AWAITING_TRIAGE, True, "",
    )  # fmt: skip
    assert (referral.gp_practice.ods_code, referral.gp_practice_not_listed) == (GILLINGHAM, "")  # type: ignore[union-attr]
    assert referral.child.gp_practice == "Illustrative Gillingham Practice"


def test_a_closed_practice_does_not_make_a_child_eligible(alliance: Alliance) -> None:
    referral = submit(replace(SAM, gp_ods_code=CLOSED, gp_practice="Walderslade"))
    assert (referral.status, referral.eligible, referral.gp_practice) == (
        Status.SIGNPOSTED, False, None,
    )  # fmt: skip
    assert referral.gp_practice_not_listed == "Walderslade"


def test_a_practice_typed_but_not_on_the_list_is_kept_and_named_in_the_reason(
    alliance: Alliance,
) -> None:
    referral = submit(replace(SAM, gp_practice="Lordswood Surgery, Chatham"))
    assert (referral.status, referral.eligible, referral.gp_practice) == (
        Status.SIGNPOSTED, False, None,
    )  # fmt: skip
    assert referral.gp_practice_not_listed == "Lordswood Surgery, Chatham"
    assert referral.ineligibility_reason == (
        "The alliance serves children and young people who live in Medway or are registered "
        "with a GP there. The GP practice given is not on our list of practices in Medway: the "
        "Referral and Advice Point will check it, and if it is there, the referral will go "
        "ahead."
    )


def _child_form(data: dict[str, str], choices: Choices) -> ChildForm:
    answers = {
        "given_name": "Sam", "family_name": "Example", "dob_day": "9", "dob_month": "5",
        "dob_year": "2014", "gender": "male", "ethnicity": "A", "address_line_1": "1 Road",
        "postcode": OUTSIDE, **data,
    }  # fmt: skip
    ctx = FormContext(route=Route.PARENT, today=date(2026, 11, 20), choices=choices)
    return ChildForm(answers, ctx=ctx)


def test_the_form_offers_the_active_practices_and_a_box_for_one_not_listed(
    alliance: Alliance,
) -> None:
    form = _child_form({}, form_choices())
    assert list(form.fields["gp_practice"].choices) == [  # type: ignore[attr-defined]
        ("", "None chosen"),
        ("Y99901", "Illustrative Chatham Practice, Chatham (ME4 6TR)"),
        ("Y99902", "Illustrative Gillingham Practice, Gillingham (ME7 1HL)"),
        ("Y99905", "Illustrative Rainham Practice, Rainham (ME8 7TU)"),
        ("Y99903", "Illustrative Rochester Practice, Rochester (ME1 1EW)"),
        ("Y99904", "Illustrative Strood Practice, Strood (ME2 4UQ)"),
    ]  # the closed Walderslade practice is not offered


def test_a_practice_on_the_list_typed_into_the_free_text_box_is_chosen(alliance: Alliance) -> None:
    """The issue's family: a Medway practice typed, not chosen, counts all the same."""
    form = _child_form({"gp_practice_name": "  illustrative  GILLINGHAM practice "}, form_choices())
    assert form.is_valid(), form.errors
    answers = form.answers()
    assert (answers["gp_ods_code"], answers["gp_practice"]) == (
        GILLINGHAM, "Illustrative Gillingham Practice",
    )  # fmt: skip
    assert ("GP practice", "Illustrative Gillingham Practice, Gillingham (ME7 1HL)") in form.rows()


def test_a_practice_that_is_not_offered_is_a_clear_error(alliance: Alliance) -> None:
    form = _child_form({"gp_practice": CLOSED}, form_choices())
    assert form.is_valid() is False
    assert form.errors["gp_practice"] == [
        "Choose the GP practice from the list, or type its name in the box below it"
    ]


def test_a_practice_chosen_from_the_list_is_the_answer_whatever_is_typed_beside_it(
    alliance: Alliance,
) -> None:
    form = _child_form(
        {"gp_practice": GILLINGHAM, "gp_practice_name": "Somewhere else"}, form_choices()
    )
    assert form.is_valid(), form.errors
    assert (form.answers()["gp_ods_code"], form.answers()["gp_practice"]) == (
        GILLINGHAM, "Illustrative Gillingham Practice",
    )  # fmt: skip


def test_a_practice_not_listed_is_answered_in_words(alliance: Alliance) -> None:
    form = _child_form({"gp_practice_name": "Lordswood Surgery"}, form_choices())
    assert form.is_valid(), form.errors
    assert (form.answers()["gp_ods_code"], form.answers()["gp_practice"]) == (
        "", "Lordswood Surgery",
    )  # fmt: skip
    assert ("GP practice", "Lordswood Surgery (not in the list)") in form.rows()


# Staff correct the practice


def _post(client: Client, referral: Referral, **data: str) -> object:
    return client.post(
        reverse("referrals_staff:gp_practice", args=[referral.uuid]),
        {"version": str(referral.version), **data},
    )


def _queries_to_show(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def test_the_correction_page_lists_the_practices_in_the_same_queries_however_many(
    alliance: Alliance, people: People, client: Client
) -> None:
    referral = submit()
    sign_in(client, people.coordinator)
    url = reverse("referrals_staff:gp_practice", args=[referral.uuid])
    client.get(url)  # the first request after signing in also saves the session
    few = _queries_to_show(client, url)
    GpPractice.objects.bulk_create(
        GpPractice(alliance=alliance, ods_code=f"Y9{n:04d}", name=f"Practice {n}", town="Chatham")
        for n in range(30)
    )
    assert _queries_to_show(client, url) == few


def test_correcting_the_practice_brings_a_turned_away_referral_into_triage(
    alliance: Alliance, people: People, client: Client
) -> None:
    referral = submit(replace(SAM, gp_practice="Gillingham practice on the high street"))
    assert (referral.status, referral.eligible) == (Status.SIGNPOSTED, False)
    sign_in(client, people.coordinator)
    response = _post(client, referral, gp_practice=GILLINGHAM)
    assert response.status_code == 302  # type: ignore[attr-defined]
    referral.refresh_from_db()
    summary = (
        "GP practice changed from 'Gillingham practice on the high street' (not in the list) "
        "to Illustrative Gillingham Practice (Y99902); eligibility: now eligible. The referral "
        "is in triage, its clock from now."
    )
    assert (
        referral.status, referral.eligible, referral.gp_practice.ods_code,  # type: ignore[union-attr]
        referral.gp_practice_not_listed, referral.triage_clock_from, referral.triage_due_at,
    ) == (
        Status.AWAITING_TRIAGE, True, GILLINGHAM, "", referral.corrected_into_triage_at,
        datetime(2026, 11, 27, 17, 0, tzinfo=UTC),  # routine: 5 working days from the correction
    )  # fmt: skip
    assert referral.journey is not None and referral.journey.closed_at is None
    latest = TimelineEvent.objects.filter(referral=referral).first()
    assert (latest.kind, latest.actor, latest.summary) == (  # type: ignore[union-attr]
        "status_changed", people.coordinator, summary,
    )  # fmt: skip
    change = AuditEvent.objects.filter(action="change", record_id=str(referral.uuid)).last()
    assert change.detail == {  # type: ignore[union-attr]
        "gp_practice": {"from": "not listed", "to": GILLINGHAM},
        "eligible": True,
        "into_triage": True,
    }
    assert referral.child.gp_practice == "Illustrative Gillingham Practice"
    page = client.get(reverse("referrals_staff:referral", args=[referral.uuid]))
    assert html.escape(summary) in page.content.decode()  # the message after the change


def test_a_correction_that_does_not_make_it_eligible_says_so_and_keeps_it_signposted(
    alliance: Alliance, people: People
) -> None:
    referral = submit(
        replace(SAM, gp_ods_code=GILLINGHAM, postcode=OUTSIDE, date_of_birth=date(2000, 1, 1))
    )
    assert (referral.status, referral.eligible) == (Status.SIGNPOSTED, False)  # 26: too old
    corrected = correct_gp_practice(
        user=people.triage, referral=referral, version=referral.version, practice=None,
        not_listed="A practice in Dartford",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.eligible, referral.gp_practice) == (
        Status.SIGNPOSTED, False, None,
    )  # fmt: skip
    assert corrected.into_triage is False
    assert corrected.summary.startswith(
        "GP practice changed from Illustrative Gillingham Practice (Y99902) to 'A practice in "
        "Dartford' (not in the list); eligibility: still not eligible. The alliance works with "
    )
    assert referral.ineligibility_reason.endswith(
        "The GP practice given is not on our list of practices in Medway: the Referral and "
        "Advice Point will check it, and if it is there, the referral will go ahead."
    )
    latest = TimelineEvent.objects.filter(referral=referral).first()
    assert (latest.kind, latest.summary) == ("referral_corrected", corrected.summary)  # type: ignore[union-attr]


def test_a_correction_never_turns_away_a_referral_already_in_triage(
    alliance: Alliance, people: People
) -> None:
    referral = submit(replace(SAM, gp_ods_code=GILLINGHAM))
    corrected = correct_gp_practice(
        user=people.triage, referral=referral, version=referral.version, practice=None
    )
    referral.refresh_from_db()
    assert (referral.status, referral.eligible, referral.gp_practice) == (
        Status.AWAITING_TRIAGE, True, None,
    )  # fmt: skip
    assert corrected.summary == (
        "GP practice changed from Illustrative Gillingham Practice (Y99902) to none given; "
        "eligibility: the rules would not take it now (The alliance serves children and young "
        "people who live in Medway or are registered with a GP there.). It stays awaiting "
        "triage: the triage lead decides."
    )


def test_a_partner_cannot_correct_a_practice_and_nothing_is_written(
    alliance: Alliance, people: People, client: Client
) -> None:
    referral = submit(replace(SAM, gp_practice="Gillingham practice on the high street"))
    referral.allocated_organisation = people.kooth_practitioner.organisation
    referral.save(update_fields=["allocated_organisation"])
    events, changes = TimelineEvent.objects.count(), AuditEvent.objects.filter(action="change")
    changes_before = changes.count()
    sign_in(client, people.kooth_practitioner)
    assert _post(client, referral, gp_practice=GILLINGHAM).status_code == 403  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        correct_gp_practice(
            user=people.kooth_practitioner, referral=referral, version=referral.version,
            practice=GpPractice.objects.get(ods_code=GILLINGHAM),
        )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.eligible, referral.gp_practice, referral.version) == (
        Status.SIGNPOSTED, False, None, 1,
    )  # fmt: skip
    assert TimelineEvent.objects.count() == events
    assert AuditEvent.objects.filter(action="change").count() == changes_before


def test_a_stale_correction_is_a_conflict_and_writes_nothing(
    alliance: Alliance, people: People, client: Client
) -> None:
    referral = submit(replace(SAM, gp_practice="Gillingham practice on the high street"))
    sign_in(client, people.triage)
    stale = referral.version
    Referral.objects.filter(pk=referral.pk).update(version=stale + 1)
    events = TimelineEvent.objects.count()
    response = client.post(
        reverse("referrals_staff:gp_practice", args=[referral.uuid]),
        {"version": str(stale), "gp_practice": GILLINGHAM},
    )
    assert response.status_code == 409
    assert "Someone else changed this referral" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.gp_practice) == (Status.SIGNPOSTED, None)
    assert TimelineEvent.objects.count() == events


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"gp_practice": "NOPE1"}, "Choose the GP practice from the list"),
        ({"gp_practice": CLOSED}, "Choose the GP practice from the list"),
        ({"gp_practice": "", "gp_practice_name": "x" * 201}, "200 characters or less"),
        ({"version": "99999999999999999999"}, "Ensure this value is less than or equal to"),
        ({"version": "nine"}, "Enter a whole number."),
    ],
)
def test_bad_input_to_the_correction_is_a_clear_error_not_a_500(
    alliance: Alliance, people: People, client: Client, data: dict[str, str], message: str
) -> None:
    referral = submit(replace(SAM, gp_practice="Somewhere"))
    sign_in(client, people.triage)
    response = client.post(
        reverse("referrals_staff:gp_practice", args=[referral.uuid]),
        {"version": str(referral.version), **data},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert (referral.gp_practice, referral.gp_practice_not_listed) == (None, "Somewhere")
