"""Co-production: feedback at any time, themes, and the "you said, we did" log."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from ipaddress import ip_network
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor.alliance.models import Alliance, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.care.models import Discharge, Feedback
from onedoor.coproduction.actions import (
    PUBLIC_FEEDBACK_PER_HOUR,
    leave_feedback,
    record_entry,
    set_themes,
    update_entry,
)
from onedoor.coproduction.experience import experience_of_service, feedback_page
from onedoor.coproduction.models import FeedbackAttempt, ServiceFeedback, Theme, YouSaidWeDid
from onedoor.paging import NotACursor
from onedoor.referrals.models import Status
from tests.personas import People, make_child, sign_in

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def themes(alliance: Alliance) -> dict[str, Theme]:
    return {
        slug: Theme.objects.create(alliance=alliance, slug=slug, name=name, active=active)
        for slug, name, active in (
            ("waiting", "Waiting times", True),
            ("listened", "Being listened to", True),
            ("retired", "Old leaflets", False),
        )
    }


def _any_time(alliance: Alliance, helpful: int, comments: str, at: datetime, org: str = ""):  # type: ignore[no-untyped-def]
    organisation = Organisation.objects.get(alliance=alliance, slug=org) if org else None
    return leave_feedback(
        alliance=alliance, helpful=helpful, comments=comments, organisation=organisation, now=at
    )


def _at_discharge(  # type: ignore[no-untyped-def]
    alliance: Alliance, people: People, name: str, helpful: int, comments: str, at: datetime
):
    referral = make_child(
        alliance, name, allocated_to="kooth", status=Status.DISCHARGED
    ).referrals.get()
    ended = Discharge.objects.create(
        referral=referral, reason="goals_met", summary="Done.",
        discharged_by=people.kooth_practitioner, discharged_at=at,
        feedback_token=f"token-{name}", feedback_expires_at=at + timedelta(days=30),
        feedback_used_at=at,
    )  # fmt: skip
    return Feedback.objects.create(
        discharge=ended, helpful=helpful, comments=comments, submitted_at=at
    )


# Feedback at any time: the public page


def test_anyone_can_leave_feedback_at_any_time_without_an_account(
    client: Client, alliance: Alliance
) -> None:
    page = client.get("/feedback/")
    assert page.status_code == 200
    assert "Tell us what you think of the support" in page.content.decode()
    sent = client.post(
        "/feedback/", {"helpful": "2", "organisation": "kooth", "comments": " Waited too long "}
    )
    assert (sent.status_code, "Thank you for your feedback" in sent.content.decode()) == (
        200, True,
    )  # fmt: skip
    feedback = ServiceFeedback.objects.get()
    assert (feedback.helpful, feedback.organisation.slug, feedback.comments) == (  # type: ignore[union-attr]
        2, "kooth", "Waited too long",
    )  # fmt: skip
    event = AuditEvent.objects.get()
    assert (event.action, event.record_type, event.record_id, event.actor_username) == (
        "create", "coproduction.servicefeedback", str(feedback.uuid), "",
    )  # fmt: skip
    assert event.detail == {"source": "any_time"}


def test_feedback_without_an_answer_says_what_to_do_and_writes_nothing(
    client: Client, alliance: Alliance
) -> None:
    response = client.post("/feedback/", {"comments": "Hello"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: Tell us what you think of the support" in page
    assert 'href="#id_helpful">Choose how helpful the support was</a>' in page
    assert (ServiceFeedback.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_feedback_about_a_service_outside_the_alliance_is_refused(
    client: Client, alliance: Alliance
) -> None:
    response = client.post("/feedback/", {"helpful": "4", "organisation": "childrens-social-care"})
    assert response.status_code == 400
    assert "Choose who supported you from the list" in response.content.decode()
    assert (ServiceFeedback.objects.count(), AuditEvent.objects.count()) == (0, 0)
    external = Organisation.objects.get(alliance=alliance, slug="childrens-social-care")
    with pytest.raises(ValidationError, match="one of the alliance's organisations, or none"):
        leave_feedback(alliance=alliance, helpful=4, organisation=external)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        leave_feedback(alliance=alliance, helpful=6)
    assert ServiceFeedback.objects.count() == 0


def test_a_filled_honeypot_sends_nothing(client: Client, alliance: Alliance) -> None:
    response = client.post("/feedback/", {"helpful": "5", "website": "spam.example"})
    assert response.status_code == 400
    assert "This feedback could not be sent." in response.content.decode()
    assert ServiceFeedback.objects.count() == 0


def test_the_feedback_page_is_rate_limited_per_address(client: Client, alliance: Alliance) -> None:
    for _ in range(PUBLIC_FEEDBACK_PER_HOUR):
        assert client.post("/feedback/", {"helpful": "5"}).status_code == 200
    refused = client.post("/feedback/", {"helpful": "5"})
    assert refused.status_code == 429
    assert "Try again in an hour" in refused.content.decode()
    assert ServiceFeedback.objects.count() == PUBLIC_FEEDBACK_PER_HOUR
    elsewhere = client.post("/feedback/", {"helpful": "5"}, REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 200
    assert ServiceFeedback.objects.count() == PUBLIC_FEEDBACK_PER_HOUR + 1


def _statuses(client: Client, times: int) -> list[int]:
    return [client.post("/feedback/", {"helpful": "5"}).status_code for _ in range(times)]


def test_behind_a_trusted_proxy_each_family_has_its_own_feedback_rate_limit(
    alliance: Alliance,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.2")]
    busy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert _statuses(busy, PUBLIC_FEEDBACK_PER_HOUR + 1) == [200] * PUBLIC_FEEDBACK_PER_HOUR + [429]
    assert _statuses(other, 1) == [200]
    recorded = FeedbackAttempt.objects.order_by("address").values_list("address", flat=True)
    assert list(recorded) == ["198.51.100.9"] + ["203.0.113.5"] * PUBLIC_FEEDBACK_PER_HOUR
    assert ServiceFeedback.objects.count() == PUBLIC_FEEDBACK_PER_HOUR + 1


def test_a_forwarded_for_header_not_from_a_trusted_proxy_is_ignored_by_the_feedback_limit(
    alliance: Alliance,
) -> None:
    statuses = [
        Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        .post("/feedback/", {"helpful": "5"})
        .status_code
        for n in range(PUBLIC_FEEDBACK_PER_HOUR + 1)
    ]
    assert statuses == [200] * PUBLIC_FEEDBACK_PER_HOUR + [429]
    recorded = FeedbackAttempt.objects.values_list("address", flat=True)
    assert list(recorded) == ["192.0.2.10"] * PUBLIC_FEEDBACK_PER_HOUR


# What the KPIs count


def test_experience_of_service_counts_both_sources_in_the_window(
    alliance: Alliance, people: People
) -> None:
    _any_time(alliance, 2, "Too slow", T0, org="chums")
    _any_time(alliance, 5, "", T0 + timedelta(days=1))
    _at_discharge(alliance, people, "Dee", 4, "Kind", T0 + timedelta(days=2))
    _at_discharge(alliance, people, "Eve", 1, "", T0 + timedelta(days=40))
    rows = experience_of_service(alliance, since=T0, until=T0 + timedelta(days=30))
    assert sorted(
        (row["at"], row["organisation_slug"], row["score"], row["origin"]) for row in rows
    ) == [
        (T0, "chums", 2, "any_time"),
        (T0 + timedelta(days=1), None, 5, "any_time"),
        (T0 + timedelta(days=2), "kooth", 4, "discharge"),
    ]
    assert experience_of_service(alliance).count() == 4


# Themes


def test_the_service_manager_tags_feedback_from_either_source_with_themes(
    alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    any_time = _any_time(alliance, 2, "Too slow", T0)
    at_discharge = _at_discharge(alliance, people, "Dee", 4, "Kind", T0)
    before = AuditEvent.objects.count()
    assert set_themes(
        user=people.manager, feedback=any_time, themes=[themes["waiting"], themes["listened"]]
    ) == ["listened", "waiting"]
    assert set_themes(
        user=people.clinical_lead, feedback=at_discharge, themes=[themes["listened"]]
    ) == ["listened"]
    assert sorted(any_time.themes.values_list("slug", flat=True)) == ["listened", "waiting"]
    assert list(at_discharge.themes.values_list("slug", flat=True)) == ["listened"]
    events = AuditEvent.objects.filter(sequence__gt=before).order_by("sequence")
    assert [(e.actor_username, e.action, e.record_type, e.detail) for e in events] == [
        ("max-manager", "change", "coproduction.servicefeedback",
         {"themes": ["listened", "waiting"]}),
        ("cal-clinical", "change", "care.feedback", {"themes": ["listened"]}),
    ]  # fmt: skip


def test_a_theme_no_longer_in_use_is_not_added(
    alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    feedback = _any_time(alliance, 3, "", T0)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="“Old leaflets” is not one of the themes in use"):
        set_themes(user=people.manager, feedback=feedback, themes=[themes["retired"]])
    assert (feedback.themes.count(), AuditEvent.objects.count()) == (0, before)


@pytest.mark.parametrize("persona", ["kooth_lead", "triage", "analyst", "commissioner", "admin"])
def test_only_the_service_manager_and_clinical_lead_tag_feedback(
    alliance: Alliance, people: People, themes: dict[str, Theme], persona: str
) -> None:
    feedback = _any_time(alliance, 3, "", T0)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        set_themes(user=getattr(people, persona), feedback=feedback, themes=[themes["waiting"]])
    assert (feedback.themes.count(), AuditEvent.objects.count()) == (0, before)


def test_the_themes_page_saves_themes_and_is_refused_to_other_roles(
    client: Client, alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    at_discharge = _at_discharge(alliance, people, "Dee", 4, "Kind", T0)
    url = f"/coproduction/feedback/discharge/{at_discharge.discharge.uuid}/"
    sign_in(client, people.kooth_practitioner)
    before = AuditEvent.objects.count()
    assert client.post(url, {"themes": ["waiting"]}).status_code == 403
    assert (at_discharge.themes.count(), AuditEvent.objects.count()) == (0, before)
    sign_in(client, people.manager)
    page = client.get(url).content.decode()
    assert "Kind" in page and "Old leaflets" not in page
    response = client.post(url, {"themes": ["waiting", "listened"]})
    assert response["Location"] == "/coproduction/feedback/"
    assert sorted(at_discharge.themes.values_list("slug", flat=True)) == ["listened", "waiting"]
    assert (
        client.get(f"/coproduction/feedback/any_time/{at_discharge.discharge.uuid}/").status_code
        == 404
    )


# The staff list of feedback


def test_the_staff_pages_open_for_the_service_manager_and_clinical_lead_only(
    client: Client, people: People
) -> None:
    for name, user in people.by_role().items():
        sign_in(client, user)
        expected = 200 if name in ("manager", "clinical_lead") else 403
        assert client.get("/coproduction/feedback/").status_code == expected, name
        assert client.get("/coproduction/you-said-we-did/").status_code == expected, name
    assert AuditEvent.objects.count() == 0


QUERIES = 7  # session, user, second factor; each source's page and its themes


@pytest.mark.parametrize("size", [1, 4])
def test_the_feedback_list_costs_the_same_at_any_size(
    client: Client,
    alliance: Alliance,
    people: People,
    themes: dict[str, Theme],
    django_assert_num_queries: object,
    size: int,
) -> None:
    for index in range(size):
        feedback = _any_time(
            alliance, 1 + index % 5, f"Said {index}", T0 + timedelta(hours=2 * index)
        )
        set_themes(user=people.manager, feedback=feedback, themes=[themes["waiting"]])
        _at_discharge(
            alliance,
            people,
            f"Kid{index}",
            5,
            f"Ended {index}",
            T0 + timedelta(hours=2 * index + 1),
        )
    sign_in(client, people.manager)
    client.get("/")
    with django_assert_num_queries(QUERIES):  # type: ignore[operator]
        response = client.get("/coproduction/feedback/")
    assert [item.comments for item in response.context["rows"]] == [
        text for index in reversed(range(size)) for text in (f"Ended {index}", f"Said {index}")
    ]
    assert [[t.slug for t in item.themes] for item in response.context["rows"]][-1] == ["waiting"]


def test_the_feedback_pages_go_through_both_sources_once_each_in_order(
    alliance: Alliance, people: People
) -> None:
    # Three given at the same moment (the tie is broken by source, then id) and two later.
    _any_time(alliance, 1, "a", T0)
    _any_time(alliance, 2, "b", T0)
    _at_discharge(alliance, people, "Cy", 3, "c", T0)
    _at_discharge(alliance, people, "Di", 4, "d", T0 + timedelta(minutes=1))
    _any_time(alliance, 5, "e", T0 + timedelta(minutes=2))
    seen, cursor, pages = [], "", 0
    while True:
        page = feedback_page(alliance, cursor, size=2)
        seen += [item.comments for item in page.rows]
        pages += 1
        if not page.following:
            break
        cursor = page.following
    assert (seen, pages) == (["e", "d", "c", "b", "a"], 3)
    with pytest.raises(NotACursor):  # not one of this list's: a 400
        feedback_page(alliance, "not-a-cursor", size=10)


# The "you said, we did" log


def _tagged(alliance: Alliance, people: People, themes: dict[str, Theme]):  # type: ignore[no-untyped-def]
    said = _any_time(alliance, 2, "My name is Zed and I waited ages", T0)
    set_themes(user=people.manager, feedback=said, themes=[themes["waiting"]])
    ended = _at_discharge(alliance, people, "Dee", 3, "Long wait for Dee", T0)
    set_themes(user=people.manager, feedback=ended, themes=[themes["waiting"]])
    return said, ended


def test_an_entry_links_a_theme_s_feedback_to_the_change_and_publishes_it(
    client: Client, alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    said, ended = _tagged(alliance, people, themes)
    before = AuditEvent.objects.count()
    entry = record_entry(
        user=people.manager, theme=themes["waiting"],
        you_said="Waiting without news is hard.", we_did="A fortnightly text while you wait.",
        changed_on=date(2026, 10, 1), any_time_feedback=[said], discharge_feedback=[ended],
        published=True,
    )  # fmt: skip
    hidden = record_entry(
        user=people.clinical_lead, theme=themes["waiting"], you_said="Draft.",
        we_did="Not yet agreed.", changed_on=date(2026, 10, 2), any_time_feedback=[said],
    )  # fmt: skip
    assert (list(entry.any_time_feedback.all()), list(entry.discharge_feedback.all())) == (
        [said], [ended],
    )  # fmt: skip
    assert (entry.published, hidden.published, hidden.published_at) == (True, False, None)
    events = AuditEvent.objects.filter(sequence__gt=before).order_by("sequence")
    assert [(e.action, e.record_id, e.detail) for e in events] == [
        ("create", str(entry.uuid), {"theme": "waiting", "published": True,
                                     "any_time_feedback": 1, "discharge_feedback": 1}),
        ("create", str(hidden.uuid), {"theme": "waiting", "published": False,
                                      "any_time_feedback": 1, "discharge_feedback": 0}),
    ]  # fmt: skip
    public = client.get("/you-said-we-did/")
    page = public.content.decode()
    assert public.status_code == 200
    assert [e.uuid for e in public.context["entries"]] == [entry.uuid]
    assert "A fortnightly text while you wait." in page and "Not yet agreed." not in page
    assert "Zed" not in page and "Long wait for Dee" not in page  # never the feedback itself


def test_an_entry_is_refused_with_a_reason_and_nothing_written(
    alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    said, _ = _tagged(alliance, people, themes)
    untagged = _any_time(alliance, 4, "", T0)
    before = AuditEvent.objects.count()
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"any_time_feedback": [untagged]},
            "Link only feedback tagged with the theme “Waiting times”",
        ),
        ({"published": True}, "Link the feedback this came from before publishing it"),
        ({"changed_on": date(2999, 1, 1)}, "its date cannot be in the future"),
        ({"we_did": "  "}, "Say what we did"),
    ]
    for change, message in cases:
        values: dict[str, Any] = {
            "user": people.manager, "theme": themes["waiting"], "you_said": "Waits are long.",
            "we_did": "More evening sessions.", "changed_on": date(2026, 10, 1), **change,
        }  # fmt: skip
        with pytest.raises(ValidationError, match=message):
            record_entry(**values)
    with pytest.raises(PermissionDenied):
        record_entry(
            user=people.kooth_lead, theme=themes["waiting"], you_said="x", we_did="y",
            changed_on=date(2026, 10, 1), any_time_feedback=[said],
        )  # fmt: skip
    assert (YouSaidWeDid.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_withdrawing_an_entry_takes_it_off_the_public_page(
    client: Client, alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    said, _ = _tagged(alliance, people, themes)
    entry = record_entry(
        user=people.manager, theme=themes["waiting"], you_said="Waits are long.",
        we_did="More evening sessions.", changed_on=date(2026, 10, 1),
        any_time_feedback=[said], published=True,
    )  # fmt: skip
    update_entry(
        user=people.clinical_lead, entry=entry, you_said="Waits are long.",
        we_did="More evening sessions.", changed_on=date(2026, 10, 1),
        any_time_feedback=[said], published=False,
    )  # fmt: skip
    entry.refresh_from_db()
    assert (entry.published, entry.published_at) == (False, None)
    assert client.get("/you-said-we-did/").context["entries"] == []
    events = AuditEvent.objects.filter(record_id=str(entry.uuid)).order_by("sequence")
    assert [(e.actor_username, e.action, e.detail["published"]) for e in events] == [
        ("max-manager", "create", True), ("cal-clinical", "change", False),
    ]  # fmt: skip


def test_the_entry_pages_record_and_publish_and_refuse_other_roles(
    client: Client, alliance: Alliance, people: People, themes: dict[str, Theme]
) -> None:
    said, ended = _tagged(alliance, people, themes)
    form = {
        "theme": "waiting", "you_said": "Waiting without news is hard.",
        "we_did": "A fortnightly text while you wait.", "changed_on": "1 10 2026",
        "feedback": [f"any_time:{said.uuid}", f"discharge:{ended.discharge.uuid}"],
        "published": "on",
    }  # fmt: skip
    sign_in(client, people.coordinator)
    before = AuditEvent.objects.count()
    assert client.post("/coproduction/you-said-we-did/new/", form).status_code == 403
    assert (YouSaidWeDid.objects.count(), AuditEvent.objects.count()) == (0, before)

    sign_in(client, people.manager)
    empty = client.post("/coproduction/you-said-we-did/new/", {})
    assert empty.status_code == 400
    assert re.findall(r'<li><a href="#[^"]+">([^<]+)</a></li>', empty.content.decode()) == [
        "Choose the theme",
        "Summarise what people told us",
        "Say what we did",
        "Enter when the change was made",
    ]
    response = client.post("/coproduction/you-said-we-did/new/", form)
    assert response["Location"] == "/coproduction/you-said-we-did/"
    entry = YouSaidWeDid.objects.get()
    assert (entry.changed_on, entry.published, entry.recorded_by) == (
        date(2026, 10, 1), True, people.manager,
    )  # fmt: skip
    assert (list(entry.any_time_feedback.all()), list(entry.discharge_feedback.all())) == (
        [said], [ended],
    )  # fmt: skip
    edit = f"/coproduction/you-said-we-did/{entry.uuid}/"
    assert client.get(edit).context["form"].initial["feedback"] == [
        f"any_time:{said.uuid}", f"discharge:{ended.discharge.uuid}",
    ]  # fmt: skip
    assert client.post(edit, {**form, "published": ""})["Location"] == (
        "/coproduction/you-said-we-did/"
    )
    entry.refresh_from_db()
    assert entry.published is False


@pytest.mark.parametrize("size", [1, 3])
def test_the_public_log_costs_the_same_at_any_size(
    client: Client,
    alliance: Alliance,
    people: People,
    themes: dict[str, Theme],
    django_assert_num_queries: object,
    size: int,
) -> None:
    said, _ = _tagged(alliance, people, themes)
    for index in range(size):
        record_entry(
            user=people.manager, theme=themes["waiting"], you_said=f"Said {index}",
            we_did=f"Did {index}", changed_on=date(2026, 10, 1), any_time_feedback=[said],
            published=True,
        )  # fmt: skip
    # the entries with their themes; the service's name and contacts (alliance.identity)
    with django_assert_num_queries(3):  # type: ignore[operator]
        response = client.get("/you-said-we-did/")
    assert [entry.we_did for entry in response.context["entries"]] == [
        f"Did {index}" for index in reversed(range(size))
    ]


@pytest.mark.parametrize("size", [2, 60])
def test_the_staff_log_costs_the_same_at_any_size_and_pages_newest_first(
    client: Client,
    alliance: Alliance,
    people: People,
    themes: dict[str, Theme],
    django_assert_num_queries: object,
    size: int,
) -> None:
    said, _ = _tagged(alliance, people, themes)
    for index in range(size):
        record_entry(
            user=people.manager, theme=themes["waiting"], you_said=f"Said {index}",
            we_did=f"Did {index}", changed_on=date(2026, 10, 1), any_time_feedback=[said],
            published=index % 2 == 0,
        )  # fmt: skip
    sign_in(client, people.manager)
    client.get("/")
    # session, user, device; the page of entries with their themes
    with django_assert_num_queries(4):  # type: ignore[operator]
        response = client.get("/coproduction/you-said-we-did/")
    newest = [f"Did {index}" for index in reversed(range(size))]
    assert [entry.we_did for entry in response.context["entries"]] == newest[:50]
    if size > 50:
        following = client.get(f"/coproduction/you-said-we-did/?{response.context['next_query']}")
        assert [entry.we_did for entry in following.context["entries"]] == newest[50:]
        assert following.context["next_query"] == ""


def test_every_page_offers_feedback_and_the_log_in_its_footer(client: Client, db: None) -> None:
    page = client.get("/refer/").content.decode()
    footer = page[page.index('<footer class="nhsuk-footer"') :]
    assert re.findall(r'href="([^"]+)">([^<]+)</a>', footer) == [
        ("/refer/", "Ask for help for a child or young person"),
        ("/feedback/", "Tell us how we did"),
        ("/you-said-we-did/", "You said, we did"),
        # and, on a public page, the Referral and Advice Point's email (its phone is a tel: link)
        ("mailto:advice@medway-wellbeing.example", "advice@medway-wellbeing.example"),
    ]
