"""The clinical content library: the sendable rule, who may change and sign off what, and the
Waiting Well check-in that sends library materials."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, Need
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import record_check_in
from onedoor.care.models import CheckIn
from onedoor.children.models import TimelineEvent
from onedoor.content.actions import (
    Substance,
    add_item,
    default_review_by,
    edit_item,
    materials_for,
    retire,
    sign_off,
)
from onedoor.content.models import ContentItem, SentMaterial, sendable
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child, shown, sign_in

TODAY = date(2026, 11, 23)


def _substance(title: str = "Sleep well leaflet", min_age: int = 5, max_age: int = 18) -> Substance:
    return Substance(
        title=title, kind="leaflet", description="Sleep tips for worried children.",
        link="https://example.org/sleep", min_age=min_age, max_age=max_age, needs=[],
    )  # fmt: skip


def _signed(people: People, title: str = "Sleep well leaflet", **ages: int) -> ContentItem:
    item = add_item(user=people.clinical_lead, substance=_substance(title, **ages))
    review_by = clock.today() + timedelta(days=30)
    return sign_off(user=people.clinical_lead, item=item, version=item.version, review_by=review_by)


def _in_memory(**fields: object) -> ContentItem:
    return ContentItem(title="Worry video", min_age=5, max_age=18, **fields)


SIGNED = {"signed_off_at": datetime(2026, 11, 1, 10, 0, tzinfo=UTC)}


def test_a_signed_off_item_is_sendable_up_to_and_on_its_review_date() -> None:
    item = _in_memory(**SIGNED, review_by=TODAY)
    assert (sendable(item, TODAY - timedelta(days=1)), sendable(item, TODAY)) == (True, True)
    assert item.status(TODAY).words == "Signed off until 23 Nov 2026"
    assert item.status(TODAY).colour == "green"


def test_an_item_overdue_by_a_day_is_not_sendable() -> None:
    item = _in_memory(**SIGNED, review_by=TODAY - timedelta(days=1))
    assert sendable(item, TODAY) is False
    assert item.status(TODAY).words == "Review overdue since 23 Nov 2026"
    assert item.status(TODAY).colour == "red"


def test_an_unsigned_item_is_not_sendable() -> None:
    item = _in_memory()
    assert sendable(item, TODAY) is False
    assert item.status(TODAY).words == "Not signed off"


def test_a_retired_item_is_not_sendable_even_while_signed_off() -> None:
    item = _in_memory(
        **SIGNED, review_by=TODAY + timedelta(days=90),
        retired_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    assert sendable(item, TODAY) is False
    assert item.status(TODAY).words == "Retired on 20 Nov 2026"


def test_the_review_date_defaults_to_twelve_months() -> None:
    assert default_review_by(TODAY) == date(2027, 11, 23)


@pytest.mark.parametrize(
    "persona", ["manager", "kooth_lead", "triage", "kooth_practitioner", "safeguarding", "admin"]
)
def test_only_the_clinical_lead_signs_off_and_others_write_nothing(
    people: People, persona: str
) -> None:
    item = add_item(user=people.clinical_lead, substance=_substance())
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        sign_off(
            user=getattr(people, persona), item=item, version=1,
            review_by=clock.today() + timedelta(days=30),
        )  # fmt: skip
    item.refresh_from_db()
    assert (item.signed_off_by, item.signed_off_at, item.review_by) == (None, None, None)
    assert AuditEvent.objects.count() == before


def test_the_clinical_lead_signs_off_a_version_to_review_within_24_months(people: People) -> None:
    item = add_item(user=people.clinical_lead, substance=_substance())
    today = clock.today()
    with pytest.raises(ValidationError):
        sign_off(user=people.clinical_lead, item=item, version=1, review_by=today + timedelta(800))
    with pytest.raises(ValidationError):
        sign_off(user=people.clinical_lead, item=item, version=1, review_by=today)
    before = AuditEvent.objects.count()
    review_by = today + timedelta(days=700)
    signed = sign_off(user=people.clinical_lead, item=item, version=1, review_by=review_by)
    assert (signed.signed_off_by, signed.review_by) == (people.clinical_lead, review_by)
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.action, event.record_type, event.record_id) == (
        "change", "content_item", str(item.uuid),
    )  # fmt: skip
    assert event.detail == {
        "signed_off": True, "version": 1, "review_by": review_by.isoformat(),
    }  # fmt: skip
    assert AuditEvent.objects.count() == before + 1


def test_an_edit_to_what_the_item_says_clears_its_sign_off(people: People) -> None:
    item = _signed(people)
    edited = edit_item(
        user=people.manager, item=item, substance=_substance("Sleep well leaflet (2027)"),
        version=1,
    )  # fmt: skip
    assert (edited.title, edited.version) == ("Sleep well leaflet (2027)", 2)
    assert (edited.signed_off_by, edited.signed_off_at, edited.review_by) == (None, None, None)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert event.detail == {"changed": ["title"], "version": 2, "sign_off_cleared": True}
    with pytest.raises(ValidationError, match="changed or was retired"):
        sign_off(
            user=people.clinical_lead, item=edited, version=1,
            review_by=clock.today() + timedelta(days=30),
        )  # fmt: skip


def test_saving_an_item_unchanged_keeps_its_sign_off_and_writes_nothing(people: People) -> None:
    item = _signed(people)
    before = AuditEvent.objects.count()
    kept = edit_item(user=people.clinical_lead, item=item, substance=_substance(), version=1)
    assert (kept.version, kept.signed_off_by) == (1, people.clinical_lead)
    assert AuditEvent.objects.count() == before


def test_a_partner_lead_edits_their_own_items_only(people: People) -> None:
    own = add_item(user=people.kooth_lead, substance=_substance("Kooth worry guide"))
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        edit_item(user=people.chums_lead, item=own, substance=_substance("Changed"), version=1)
    with pytest.raises(PermissionDenied):
        retire(user=people.chums_lead, item=own)
    own.refresh_from_db()
    assert (own.title, own.version, own.retired_at) == ("Kooth worry guide", 1, None)
    assert AuditEvent.objects.count() == before
    edited = edit_item(
        user=people.kooth_lead, item=own, substance=_substance("Kooth worry guide 2"), version=1
    )
    assert (edited.title, edited.owner) == ("Kooth worry guide 2", people.kooth_lead)


def test_a_practitioner_cannot_add_to_the_library(people: People) -> None:
    with pytest.raises(PermissionDenied):
        add_item(user=people.kooth_practitioner, substance=_substance())
    assert (ContentItem.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_an_item_with_its_ages_the_wrong_way_round_is_refused(people: People) -> None:
    with pytest.raises(ValidationError):
        add_item(user=people.clinical_lead, substance=_substance(min_age=12, max_age=7))
    assert ContentItem.objects.count() == 0


def test_the_check_in_offers_sendable_items_that_fit_the_childs_age(
    alliance: Alliance, people: People
) -> None:
    today = clock.today()
    child = make_child(alliance, "Kai", born=today.replace(year=today.year - 14))
    fits = _signed(people, "For 11 to 18", min_age=11, max_age=18)
    exactly = _signed(people, "For 14 only", min_age=14, max_age=14)
    _signed(people, "For 5 to 13", min_age=5, max_age=13)
    _signed(people, "For 15 to 18", min_age=15, max_age=18)
    add_item(user=people.clinical_lead, substance=_substance("Not signed off"))
    retired = _signed(people, "Retired")
    retire(user=people.clinical_lead, item=retired)
    overdue = _signed(people, "Overdue")
    ContentItem.objects.filter(pk=overdue.pk).update(review_by=today - timedelta(days=1))
    assert materials_for(child, today) == [fits, exactly]


@pytest.fixture
def waiting(alliance: Alliance) -> Referral:
    return make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING).referrals.get()


def _check_in(user: User, referral: Referral, items: list[ContentItem]) -> CheckIn:
    return record_check_in(
        user=user, referral=referral, contact_made=True, rating="green", notes="Steady.",
        materials_sent="Local library's reading list", content_items=items,
    )  # fmt: skip


def test_a_check_in_records_the_library_materials_sent_and_their_version(
    people: People, waiting: Referral
) -> None:
    sleep = _signed(people, "Sleep well leaflet")
    worry = _signed(people, "Worry video")
    before = AuditEvent.objects.count()
    check_in = _check_in(people.kooth_practitioner, waiting, [worry, sleep])
    assert set(ContentItem.objects.filter(sent_in=check_in)) == {sleep, worry}
    assert set(SentMaterial.objects.values_list("item__title", "version")) == {
        ("Sleep well leaflet", 1), ("Worry video", 1),
    }  # fmt: skip
    assert check_in.materials_sent == "Local library's reading list"
    events = AuditEvent.objects.filter(sequence__gt=before).order_by("sequence")
    assert [(e.record_type, e.record_id) for e in events] == [
        ("check_in", str(check_in.uuid)),
        ("sent_material", str(sleep.uuid)),
        ("sent_material", str(worry.uuid)),
    ]
    assert events[1].detail == {"check_in": str(check_in.uuid), "version": 1}
    assert events[1].child_uuid == waiting.child.uuid
    assert TimelineEvent.objects.get(referral=waiting).summary == (
        "Waiting Well check-in: contact made. Materials sent: Sleep well leaflet, Worry video."
    )


@pytest.mark.parametrize("problem", ["unsigned", "overdue", "retired"])
def test_a_check_in_refuses_an_item_that_cannot_be_sent_and_writes_nothing(
    people: People, waiting: Referral, problem: str
) -> None:
    good = _signed(people, "Sleep well leaflet")
    if problem == "unsigned":
        bad = add_item(user=people.clinical_lead, substance=_substance("Draft leaflet"))
    else:
        bad = _signed(people, "Draft leaflet")
    if problem == "overdue":
        yesterday = clock.today() - timedelta(days=1)
        ContentItem.objects.filter(pk=bad.pk).update(review_by=yesterday)
    if problem == "retired":
        retire(user=people.clinical_lead, item=bad)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        _check_in(people.kooth_practitioner, waiting, [good, bad])
    assert refused.value.messages == [
        "“Draft leaflet” cannot be sent: it is not signed off or its review is overdue"
    ]
    assert (CheckIn.objects.count(), SentMaterial.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == before
    assert TimelineEvent.objects.filter(referral=waiting).count() == 0


def test_a_check_in_refuses_another_alliances_item(
    people: People, waiting: Referral, alliance: Alliance
) -> None:
    other = Alliance.objects.create(
        slug="elsewhere", name="Elsewhere", area_name="Elsewhere", min_age=5, max_age=18,
        extended_max_age=25,
    )  # fmt: skip
    item = _signed(people)
    ContentItem.objects.filter(pk=item.pk).update(alliance=other)
    with pytest.raises(ValidationError, match="not in your alliance's library"):
        _check_in(people.kooth_practitioner, waiting, [item])
    assert CheckIn.objects.count() == 0


# The pages.


@pytest.mark.parametrize("size", [1, 6])
def test_the_library_page_runs_a_fixed_number_of_queries(
    client: Client, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        add_item(user=people.kooth_lead, substance=_substance(f"Leaflet {n}"))
    _signed(people, "Signed leaflet")
    sign_in(client, people.clinical_lead)
    client.get("/")
    # The session, the user (with their organisation), their second factor, their alliance, and
    # one for the items
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = client.get("/governance/content/")
    assert len(response.context["rows"]) == size + 1


def test_the_library_says_where_each_item_stands(client: Client, people: People) -> None:
    signed = _signed(people, "Signed leaflet")
    add_item(user=people.kooth_lead, substance=_substance("Draft leaflet"))
    sign_in(client, people.kooth_lead)
    page = client.get("/governance/content/").content.decode()
    assert f"Signed off until {signed.review_by:%-d %b %Y}" in page
    assert "Not signed off" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clinical_lead", 200), ("manager", 200), ("kooth_lead", 200),
     ("kooth_practitioner", 403), ("triage", 403), ("analyst", 403), ("commissioner", 403)],
)  # fmt: skip
def test_the_library_is_for_its_editors(
    client: Client, people: People, persona: str, status: int
) -> None:
    sign_in(client, getattr(people, persona))
    assert client.get("/governance/content/").status_code == status


def test_the_clinical_lead_adds_and_signs_off_an_item_on_the_pages(
    client: Client, people: People, alliance: Alliance
) -> None:
    anxiety = Need.objects.filter(alliance=alliance).first()
    assert anxiety is not None
    sign_in(client, people.clinical_lead)
    response = client.post(
        "/governance/content/new/",
        {"title": "Calm breathing video", "kind": "video", "description": "Four minutes.",
         "link": "https://example.org/calm", "min_age": "7", "max_age": "12",
         "needs": [str(anxiety.pk)]},
    )  # fmt: skip
    item = ContentItem.objects.get()
    assert response["Location"] == f"/governance/content/{item.uuid}/"
    assert (item.owner, item.min_age, item.max_age, list(item.needs.all())) == (
        people.clinical_lead, 7, 12, [anxiety],
    )  # fmt: skip
    page = client.get(f"/governance/content/{item.uuid}/")
    assert f'href="/governance/content/{item.uuid}/sign-off/">Sign off version 1</a>' in shown(page)
    response = client.post(
        f"/governance/content/{item.uuid}/sign-off/",
        {"version": "1", "sign_off-review_by": "1 11 2027"},
    )
    assert response["Location"] == f"/governance/content/{item.uuid}/"
    item.refresh_from_db()
    assert (item.signed_off_by, item.review_by) == (people.clinical_lead, date(2027, 11, 1))
    assert "Signed off until 1 Nov 2027" in client.get(response["Location"]).content.decode()


def test_a_bad_item_says_how_to_fix_it(client: Client, people: People) -> None:
    sign_in(client, people.clinical_lead)
    response = client.post("/governance/content/new/", {"min_age": "12", "max_age": "7"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: " in page
    assert "Enter the title" in page and "Choose the kind of material" in page
    assert "The oldest age must be the youngest age or more" in page
    assert ContentItem.objects.count() == 0


def test_a_service_manager_cannot_sign_off_on_the_page(client: Client, people: People) -> None:
    item = add_item(user=people.manager, substance=_substance())
    before = AuditEvent.objects.count()
    sign_in(client, people.manager)
    page = client.get(f"/governance/content/{item.uuid}/").content.decode()
    assert "Sign off version 1" not in page
    assert "Edit the item" in page  # a service manager edits any item, but never signs off
    url = f"/governance/content/{item.uuid}/sign-off/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"version": "1", "sign_off-review_by": "1 11 2027"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.signed_off_at is None
    assert AuditEvent.objects.count() == before


def test_a_partner_lead_edits_and_retires_only_their_own_items_on_the_pages(
    client: Client, people: People
) -> None:
    theirs = add_item(user=people.clinical_lead, substance=_substance("Clinical lead's leaflet"))
    own = add_item(user=people.kooth_lead, substance=_substance("Kooth leaflet"))
    sign_in(client, people.kooth_lead)
    page = shown(client.get(f"/governance/content/{theirs.uuid}/"))
    assert "Edit the item" not in page and "Retire the item" not in page
    before = AuditEvent.objects.count()
    edit = {"version": "1", "edit-title": "Changed", "edit-kind": "leaflet",
            "edit-min_age": "5", "edit-max_age": "18"}  # fmt: skip
    for address, data in ((f"/governance/content/{theirs.uuid}/edit/", edit),
                          (f"/governance/content/{theirs.uuid}/retire/", {})):  # fmt: skip
        assert client.get(address).status_code == 403
        assert client.post(address, data).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.title, theirs.version, theirs.retired_at) == ("Clinical lead's leaflet", 1, None)
    assert AuditEvent.objects.count() == before

    url = f"/governance/content/{own.uuid}/"
    assert f'href="{url}edit/">Edit the item</a>' in shown(client.get(url))
    refused = client.post(f"{url}edit/", {**edit, "edit-title": ""})
    assert refused.status_code == 400 and "Enter the title" in shown(refused)
    saved = client.post(f"{url}edit/", {**edit, "edit-title": "Sleeping well"})
    assert saved["Location"] == url
    stale = client.post(f"{url}edit/", {**edit, "edit-title": "Sleeping better"})  # version 1
    assert stale.status_code == 400
    assert "Someone changed this item since you opened it: look again" in shown(stale)
    assert "Retired" not in shown(client.get(f"{url}retire/"))
    retired = client.post(f"{url}retire/")
    assert retired["Location"] == url
    own.refresh_from_db()
    assert (own.title, own.version, own.retired_at is not None) == ("Sleeping well", 2, True)
    again = client.post(f"{url}retire/")
    assert again.status_code == 400 and "This item is already retired" in shown(again)


def test_an_item_of_another_alliance_or_none_is_a_404(client: Client, people: People) -> None:
    sign_in(client, people.clinical_lead)
    missing = "/governance/content/00000000-0000-4000-8000-000000000000/"
    for address in ("", "edit/", "sign-off/", "retire/"):
        assert client.get(f"{missing}{address}").status_code == 404
    assert ContentItem.objects.count() == 0


def test_each_page_builds_at_most_one_unbound_form(client: Client, people: People) -> None:
    from tests.forms_built import forms_built, unbound_forms_of

    item = add_item(user=people.clinical_lead, substance=_substance())
    sign_in(client, people.clinical_lead)
    url = f"/governance/content/{item.uuid}/"
    expected = {
        url: [],
        f"{url}edit/": ["ItemForm"],
        f"{url}sign-off/": ["SignOffForm"],
        f"{url}retire/": [],
        "/governance/content/new/": ["ItemForm"],
    }
    for address, forms in expected.items():
        with forms_built() as built:
            assert client.get(address).status_code == 200, address
        assert unbound_forms_of(built, "onedoor.content") == forms, address


def test_the_care_record_offers_and_records_library_materials(
    client: Client, people: People, waiting: Referral
) -> None:
    sleep = _signed(people, "Sleep well leaflet")
    add_item(user=people.clinical_lead, substance=_substance("Draft leaflet"))
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/check-in/"
    page = client.get(url).content.decode()
    assert "Sleep well leaflet" in page and "Draft leaflet" not in page
    response = client.post(
        url,
        {"contact_made": "yes", "rating": "green", "content_items": [str(sleep.uuid)]},
    )
    assert response["Location"] == f"/care/{waiting.uuid}/"
    assert list(ContentItem.objects.filter(sent_in=CheckIn.objects.get())) == [sleep]
    page = client.get(f"/care/{waiting.uuid}/history/").content.decode()
    assert "Sent from the library: Sleep well leaflet" in page


def test_the_care_record_refuses_an_item_it_did_not_offer(
    client: Client, people: People, waiting: Referral
) -> None:
    draft = add_item(user=people.clinical_lead, substance=_substance("Draft leaflet"))
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/care/{waiting.uuid}/check-in/",
        {"contact_made": "yes", "rating": "green", "content_items": [str(draft.uuid)]},
    )
    assert response.status_code == 400
    assert "Choose only materials that are signed off and in date" in response.content.decode()
    assert CheckIn.objects.count() == 0
