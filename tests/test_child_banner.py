"""The child banner (hazard H33): who a record page is about, so that two children who look
alike are told apart and an alert is not missed; never more than the viewer may see."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from django.db.models import QuerySet
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, PriorityGroup
from onedoor.care.models import CoordinatorAssignment, Transition
from onedoor.children.models import Child
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import raise_concern
from onedoor.safeguarding.models import Concern
from onedoor.triage.models import Escalation
from onedoor.web.templatetags.banner import (
    NO_NAMED_PRACTITIONER,
    Banner,
    age_in_words,
    build_banner,
    communication_needs,
    current_referral,
)
from tests.personas import People, make_child, make_reference, organisation, shown, sign_in
from tests.site_map import SiteMap, arguments_of, build_world, crawl, is_record_page

TODAY = date(2026, 11, 20)  # personas.NOW
BANNER = "data-child-banner"


def _groups(alliance: Alliance, *slugs: str) -> QuerySet[PriorityGroup]:
    return PriorityGroup.objects.filter(alliance=alliance, slug__in=slugs)


def _concern(people: People, referral: Referral, *, by: User | None = None) -> Concern:
    return raise_concern(
        user=by or people.kooth_practitioner, referral=referral, category="neglect",
        seen_or_said="Came to session hungry.", immediate_actions="Spoke to the school.",
        referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
    )  # fmt: skip


def _everything(alliance: Alliance, people: People) -> Referral:
    """Riley: a care leaver of 19 with SEND, NHS number, red, allocated to Kooth with Kim named,
    a named care coordinator, an interpreter needed and an open safeguarding concern."""
    child = make_child(
        alliance, "Riley", "Sample", born=date(2007, 5, 1), nhs_number="9434765919",
        allocated_to="kooth", status=Status.IN_INTERVENTION,
    )  # fmt: skip
    child.priority_groups.set(_groups(alliance, "care-leaver", "send"))
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        risk_rating="red",
        named_practitioner=people.kooth_practitioner,
        language="Polish",
        interpreter_needed=True,
        accessibility_needs="Uses a wheelchair;\n  step-free rooms only.",
    )
    CoordinatorAssignment.objects.create(
        referral=referral, coordinator=people.coordinator, how="named",
        assigned_by=people.triage, assigned_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _rendered(user: User, **names: object) -> str:
    markup = (
        "{% load banner %}{% child_banner "
        + " ".join("referral" if key == "referral" else f"{key}={key}" for key in names)
        + " %}"
    )
    return Template(markup).render(Context({"user": user, **names}))


def _text(html: str) -> str:
    """The banner's words as a screen reader reads them, one space between."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# What the banner says


def test_a_child_with_everything_shows_it_all(alliance: Alliance, people: People) -> None:
    referral = _everything(alliance, people)
    concern = _concern(people, referral)

    banner = build_banner(people.safeguarding, referral=referral)

    assert banner == Banner(
        child=referral.child,
        age="19 years",
        reference=referral.reference_display,
        full=True,
        nhs_number="943 476 5919",
        risk="Red",
        risk_tag="nhsuk-tag--red",
        priority_groups=("Care leaver", "SEND or neurodivergence"),
        allocated_to="Kooth",
        named_practitioner="Kim-Kooth",
        open_concerns=1,
        newest_concern=str(concern.uuid),
        young_adult=True,
        coordinator="Cora-Coordinator",
        communication=(
            "Interpreter needed (Polish)",
            "Accessibility needs: Uses a wheelchair; step-free rooms only.",
        ),
    )
    html = _rendered(people.safeguarding, referral=referral)
    assert _text(html) == (
        "Riley Sample Born 1 May 2007 (19 years) NHS number 943 476 5919 "
        f"Reference {referral.reference_display} Risk Red "
        "Priority groups Care leaver, SEND or neurodivergence "
        "Allocated to Kooth Named practitioner Kim-Kooth "
        "Alert: Safeguarding An open safeguarding concern "
        "Alert: Young Adult Support Offer Named care coordinator: Cora-Coordinator "
        "Alert: Communication Interpreter needed (Polish); Accessibility needs: Uses a "
        "wheelchair; step-free rooms only."
    )
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Red</strong>' in html
    assert f'href="/safeguarding/{concern.uuid}/"' in html
    assert '<section class="onedoor-banner" aria-label="Child or young person"' in html


def test_a_child_with_nothing_says_so(alliance: Alliance, people: People) -> None:
    referral = make_child(alliance, "Tia").referrals.get()

    banner = build_banner(people.triage, referral=referral)

    assert banner == Banner(
        child=referral.child,
        age="14 years",
        reference=referral.reference_display,
        full=True,
        nhs_number="No NHS number",
        risk="Not yet screened",
        risk_tag="",
        priority_groups=(),
    )
    html = _rendered(people.triage, referral=referral)
    assert _text(html) == (
        "Tia Example Born 14 Mar 2012 (14 years) NHS number No NHS number "
        f"Reference {referral.reference_display} Risk Not yet screened "
        "Priority groups None recorded"
    )
    assert '<strong class="nhsuk-tag nhsuk-tag--grey">Not yet screened</strong>' in html
    assert "onedoor-banner__alerts" not in html


def test_an_allocated_child_with_nobody_named_says_no_named_practitioner(
    alliance: Alliance, people: People
) -> None:
    referral = make_child(
        alliance, "Kai", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()

    assert build_banner(people.kooth_lead, referral=referral).named_practitioner == (
        "No named practitioner"
    )


def test_a_named_practitioner_who_has_left_is_nobody(alliance: Alliance, people: People) -> None:
    referral = make_child(
        alliance, "Kai", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(named_practitioner=people.kooth_practitioner)
    User.objects.filter(pk=people.kooth_practitioner.pk).update(is_active=False)

    assert build_banner(people.kooth_lead, referral=referral).named_practitioner == (
        NO_NAMED_PRACTITIONER
    )


def test_amber_and_green_are_tags_of_their_colour(alliance: Alliance, people: People) -> None:
    amber = make_child(alliance, "Ari").referrals.get()
    green = make_child(alliance, "Gus").referrals.get()
    Referral.objects.filter(pk=amber.pk).update(risk_rating="amber")
    Referral.objects.filter(pk=green.pk).update(risk_rating="green")

    assert (
        build_banner(people.triage, referral=amber).risk,
        build_banner(people.triage, referral=amber).risk_tag,
        build_banner(people.triage, referral=green).risk,
        build_banner(people.triage, referral=green).risk_tag,
    ) == ("Amber", "nhsuk-tag--orange", "Green", "nhsuk-tag--green")


def test_a_young_adult_with_no_coordinator_is_flagged_as_needing_one(
    alliance: Alliance, people: People
) -> None:
    child = make_child(alliance, "Jordan", born=date(2006, 1, 1), allocated_to="kooth",
                       status=Status.WAITING)  # fmt: skip
    child.priority_groups.set(_groups(alliance, "care-leaver"))

    html = _rendered(people.kooth_practitioner, referral=child.referrals.get())

    assert "Alert: Young Adult Support Offer No named care coordinator yet" in _text(html)


@pytest.mark.parametrize(
    ("born", "groups", "young_adult"),
    [
        (date(2008, 11, 21), ("care-leaver",), False),  # 17 today: 18 tomorrow
        (date(2008, 11, 20), ("care-leaver",), True),  # 18 today
        (date(2001, 11, 20), ("care-leaver",), True),  # 25 today: the extended age
        (date(2000, 11, 20), ("care-leaver",), False),  # 26 today: past the offer
        (date(2006, 1, 1), ("send",), False),  # a young adult, not a care leaver
    ],
)
def test_the_young_adult_alert_is_for_care_leavers_of_18_to_25(
    alliance: Alliance, people: People, born: date, groups: tuple[str, ...], young_adult: bool
) -> None:
    child = make_child(alliance, "Jordan", born=born)
    child.priority_groups.set(_groups(alliance, *groups))

    assert build_banner(people.triage, referral=child.referrals.get()).young_adult is young_adult


# Who sees what


def test_a_user_who_may_not_see_concerns_sees_no_concern_alert(
    alliance: Alliance, people: People
) -> None:
    referral = _everything(alliance, people)
    _concern(people, referral)

    banner = build_banner(people.kooth_lead, referral=referral)  # sees Riley, not the concern
    html = _rendered(people.kooth_lead, referral=referral)

    assert (banner.full, banner.open_concerns, banner.newest_concern) == (True, 0, "")
    assert "afeguarding" not in html
    assert "Alert: Young Adult Support Offer" in _text(html)


def test_another_partners_safeguarding_lead_sees_no_concern_alert(
    alliance: Alliance, people: People
) -> None:
    referral = _everything(alliance, people)
    _concern(people, referral)

    assert build_banner(people.partner_safeguarding, referral=referral).open_concerns == 0
    assert build_banner(people.clinical_lead, referral=referral).open_concerns == 1


def test_several_open_concerns_link_to_the_newest_and_closed_ones_are_not_counted(
    alliance: Alliance, people: People
) -> None:
    referral = _everything(alliance, people)
    older = _concern(people, referral)
    Concern.objects.filter(pk=older.pk).update(raised_at=datetime(2026, 11, 10, tzinfo=UTC))
    newest = _concern(people, referral)
    closed = _concern(people, referral)
    Concern.objects.filter(pk=closed.pk).update(closed_at=datetime(2026, 11, 19, tzinfo=UTC))

    html = _rendered(people.clinical_lead, referral=referral)

    assert "Alert: Safeguarding 2 open safeguarding concerns: the newest" in _text(html)
    assert f'href="/safeguarding/{newest.uuid}/"' in html


def test_a_referral_the_user_may_no_longer_see_shows_only_who_the_child_is(
    alliance: Alliance, people: People
) -> None:
    """Kim raised a concern about Riley, who has since moved to CHUMS: Kim still reads her
    concern, and its banner says who Riley is, and nothing of the record Kim cannot open."""
    referral = _everything(alliance, people)
    concern = _concern(people, referral)
    Referral.objects.filter(pk=referral.pk).update(
        allocated_organisation=organisation(alliance, "chums"), named_practitioner=None
    )

    banner = build_banner(people.kooth_practitioner, referral=referral)
    html = _rendered(people.kooth_practitioner, referral=referral)

    assert banner == Banner(
        child=referral.child,
        age="19 years",
        reference=referral.reference_display,
        full=False,
        open_concerns=1,
        newest_concern=str(concern.uuid),
    )
    assert _text(html) == (
        f"Riley Sample Born 1 May 2007 (19 years) Reference {referral.reference_display} "
        "Other details are not shown: this child's record is not open to you. "
        "Alert: Safeguarding An open safeguarding concern"
    )


def test_on_a_childs_page_the_banner_is_about_the_current_referral_the_user_may_see(
    alliance: Alliance, people: People
) -> None:
    """Riley's newest referral waits for triage; the one in intervention at Kooth holds the
    waiting place, so it is the banner's."""
    current = _everything(alliance, people)
    newer = Referral.objects.create(
        reference=make_reference(), child=current.child, source="gp",
        received_at=datetime(2026, 11, 18, 9, tzinfo=UTC), status=Status.AWAITING_TRIAGE,
    )  # fmt: skip

    banner = build_banner(people.triage, child=current.child)

    assert (banner.reference, banner.risk, banner.allocated_to) == (
        current.reference_display,
        "Red",
        "Kooth",
    )
    assert newer.reference_display != banner.reference


def _referral(pk: int, status: str, day: int) -> Referral:
    return Referral(pk=pk, status=status, received_at=datetime(2026, 11, day, 9, tzinfo=UTC))


@pytest.mark.parametrize(
    ("statuses", "current"),
    [
        # the one holding the waiting place, whatever was received since
        ([Status.DISCHARGED, Status.AWAITING_TRIAGE, Status.WAITING], 3),
        ([Status.IN_TRANSITION, Status.AWAITING_SIGN_OFF, Status.MORE_INFORMATION], 1),
        # none holds it: the one waiting for sign-off before another open one
        ([Status.AWAITING_SIGN_OFF, Status.AWAITING_TRIAGE, Status.NOT_ACCEPTED], 1),
        # another open one before a closed one, even a newer closed one
        ([Status.MORE_INFORMATION, Status.DISCHARGED, Status.SIGNPOSTED], 1),
        # none open: the latest received
        ([Status.DISCHARGED, Status.STEPPED_UP, Status.JOINED], 3),
    ],
)
def test_a_childs_current_referral_is_the_one_holding_the_place_then_sign_off_then_open(
    statuses: list[str], current: int
) -> None:
    """Referral n was received on the n-th; the current one by the rule, then the latest."""
    referrals = [_referral(n, status, day=n) for n, status in enumerate(statuses, start=1)]
    chosen = current_referral(referrals)
    assert chosen is not None and chosen.pk == current
    assert current_referral(reversed(referrals)) is chosen


def test_among_equals_received_together_the_latest_made_is_current() -> None:
    same_day = [_referral(pk, Status.AWAITING_TRIAGE, day=18) for pk in (7, 9, 8)]
    chosen = current_referral(same_day)
    assert chosen is not None and chosen.pk == 9
    assert current_referral([]) is None


def test_a_child_with_no_referral_the_user_may_see_is_still_told_apart(
    alliance: Alliance, people: People
) -> None:
    child = Child.objects.create(
        alliance=alliance, given_name="Ade", family_name="Sample", date_of_birth=date(2025, 5, 21),
        nhs_number="9434765919",
    )  # fmt: skip

    banner = build_banner(people.triage, child=child)

    assert banner == Banner(
        child=child,
        age="17 months",
        reference="",
        full=True,
        nhs_number="943 476 5919",
        risk="Not yet screened",
    )
    assert "Reference No referral you can see" in _text(_rendered(people.triage, child=child))


def test_a_page_that_names_no_record_gets_no_banner_rather_than_an_error(people: People) -> None:
    assert _rendered(people.triage, referral=None).strip() == ""


# A fixed number of queries


def _child_with(alliance: Alliance, people: People, name: str, *, n: int) -> Referral:
    referral = make_child(
        alliance, name, allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(named_practitioner=people.kooth_practitioner)
    referral.child.priority_groups.set(PriorityGroup.objects.filter(alliance=alliance)[:n])
    for _ in range(n):
        _concern(people, referral)
    return referral


def test_the_banner_takes_two_queries_however_much_the_child_has(
    alliance: Alliance, people: People, django_assert_num_queries: object
) -> None:
    """Two: the referral with its alerts, the priority groups; a third for a young adult,
    their named care coordinator. On a page about a child, one more first, the child's
    referrals the user may see, unless the page passes them."""
    one = _child_with(alliance, people, "Una", n=1)
    five = _child_with(alliance, people, "Fay", n=5)
    lead = User.objects.select_related("organisation").get(pk=people.clinical_lead.pk)

    for referral in (one, five):
        with django_assert_num_queries(2):  # type: ignore[operator]
            html = _rendered(lead, referral=referral)
        assert "Alert: Safeguarding" in _text(html)
    for referral in (one, five):
        with django_assert_num_queries(3):  # type: ignore[operator]
            _rendered(lead, child=referral.child)
        visible = list(referrals_visible_to(lead).filter(child=referral.child))
        with django_assert_num_queries(2):  # type: ignore[operator]
            banner = build_banner(lead, child=referral.child, visible=visible)
        assert banner.reference == referral.reference_display
    assert (
        len(build_banner(lead, referral=five).priority_groups),
        build_banner(lead, referral=five).open_concerns,
    ) == (5, 5)
    riley = _everything(alliance, people)
    with django_assert_num_queries(3):  # type: ignore[operator]
        banner = build_banner(lead, referral=riley)
    assert (banner.young_adult, banner.coordinator) == (True, "Cora-Coordinator")


# The pure rules


@pytest.mark.parametrize(
    ("born", "words"),
    [
        (date(2012, 11, 20), "14 years"),  # the birthday today
        (date(2012, 11, 21), "13 years"),  # tomorrow
        (date(2024, 11, 20), "2 years"),
        (date(2024, 11, 21), "23 months"),
        (date(2026, 10, 20), "1 month"),
        (date(2026, 10, 21), "0 months"),
        (date(2026, 11, 20), "0 months"),
    ],
)
def test_age_is_in_years_and_under_2_in_months(born: date, words: str) -> None:
    assert age_in_words(born, TODAY) == words


@pytest.mark.parametrize(
    ("language", "interpreter", "accessibility", "needs"),
    [
        ("", False, "", ()),
        ("English", False, "  ", ()),
        (" english ", False, "", ()),
        ("Polish", False, "", ("Language: Polish",)),
        ("", True, "", ("Interpreter needed",)),
        ("British  Sign Language", True, "", ("Interpreter needed (British Sign Language)",)),
        ("", False, "Large print", ("Accessibility needs: Large print",)),
        ("", False, "x" * 200, ("Accessibility needs: " + "x" * 119 + "\N{HORIZONTAL ELLIPSIS}",)),
    ],
)
def test_communication_needs_in_words(
    language: str, interpreter: bool, accessibility: str, needs: tuple[str, ...]
) -> None:
    assert (
        communication_needs(language=language, interpreter=interpreter, accessibility=accessibility)
        == needs
    )


# Every record page


DOB_WITHIN = 400  # characters of the page after a child's name where their date of birth is


def _more_on_the_lists(people: People) -> None:
    """What some lists need to name a child: an escalation (Tia's triage clock), a referral
    signposted on the previous working day (Sol), a young adult's named coordinator (Jordan)."""
    Escalation.objects.create(
        referral=Referral.objects.get(child__given_name="Tia"),
        kind=Escalation.Kind.TRIAGE_CLOCK, level=1,
        raised_at=datetime(2026, 11, 19, 17, tzinfo=UTC),
    )  # fmt: skip
    Referral.objects.filter(child__given_name="Sol").update(
        signposted_at=datetime(2026, 11, 19, 9, tzinfo=UTC)
    )
    CoordinatorAssignment.objects.create(
        referral=Referral.objects.get(child__given_name="Jordan"), coordinator=people.coordinator,
        how="named", assigned_by=people.triage, assigned_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
    )  # fmt: skip


def _records_for(argument: str) -> list[UUID]:
    records: dict[str, QuerySet[Any]] = {
        "referral_uuid": Referral.objects.all(), "child_uuid": Child.objects.all(),
        "transition_uuid": Transition.objects.all(), "concern_uuid": Concern.objects.all(),
    }  # fmt: skip
    found = records.get(argument)
    return list(found.values_list("uuid", flat=True)) if found is not None else []


def _a_real_address(name: str, people: People) -> tuple[str, User] | None:
    """For a record page no link reached (its links are on a page being rebuilt, say): the
    first address with a record of the world that the triage lead, the clinical lead, or a
    partner's practitioner or lead opens."""
    arguments = arguments_of(name)
    if len(arguments) != 1:
        return None
    (argument,) = arguments
    quiet = Client(raise_request_exception=False)
    for user in (people.triage, people.clinical_lead, people.kooth_practitioner, people.chums_lead):
        sign_in(quiet, user)
        for uuid in _records_for(argument):
            path = reverse(name, kwargs={argument: uuid})
            if quiet.get(path).status_code == 200:
                return path, user
    return None


def _record_pages_without_the_banner(
    client: Client, site: SiteMap, people: People
) -> tuple[set[str], set[str]]:
    """(the record pages opened, those of them without the banner)."""
    checked, missing = set(), set()
    for name, reached in site.every_page():
        if not is_record_page(name):
            continue
        opened = (reached.path, reached.user) if reached.status == 200 else None
        opened = opened or _a_real_address(name, people)
        if opened is None or opened[1] is None:
            continue  # a write that only takes a POST, or nothing in the world to open
        sign_in(client, opened[1])
        response = client.get(opened[0])
        assert response.status_code == 200, name
        if "html" not in response["Content-Type"]:
            continue  # a download (the referrer's PDF copy), not a page
        checked.add(name)
        if BANNER not in shown(response):
            missing.add(name)
    return checked, missing


def _names_without_a_date_of_birth(
    client: Client, site: SiteMap, people: People
) -> tuple[set[str], set[tuple[str, str]]]:
    """(the lists that name a child, (list, child) where a name has no date of birth after
    it): every list, as every persona, for every child of the world."""
    children = [
        (child.full_name, f"{child.date_of_birth:%-d %b %Y}") for child in Child.objects.all()
    ]
    naming, missing = set(), set()
    for name, reached in site.every_page():
        if arguments_of(name) or reached.status != 200:
            continue
        for user in people.by_role().values():
            sign_in(client, user)
            response = client.get(reached.path)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            page = shown(response)
            for full_name, born in children:
                for found in re.finditer(re.escape(full_name), page):
                    naming.add(name)
                    if f"orn {born}" not in page[found.end() : found.end() + DOB_WITHIN]:
                        missing.add((name, full_name))
    return naming, missing


def test_every_record_page_has_the_banner_and_every_list_a_date_of_birth_by_each_name(
    client: Client, alliance: Alliance, people: People
) -> None:
    entry_points = build_world(alliance, people)
    _more_on_the_lists(people)
    site = crawl(client, people, entry_points)

    checked, missing = _record_pages_without_the_banner(client, site, people)
    naming, undated = _names_without_a_date_of_birth(client, site, people)

    assert sorted(missing) == []
    assert {
        "web:child", "referrals_staff:referral", "referrals_staff:matches",
        "referrals_staff:gp_practice", "care:handover", "care:coordinator", "care:pathway",
        "triage:consent", "triage:overrule_eligibility", "web:complex_decisions",
        "safeguarding:raise", "safeguarding:concern", "outcomes:measures",
        "access:child_access_log", "access:review", "triage:referral", "care:record",
        "case_audits:score",
    } <= checked, sorted(checked)  # fmt: skip
    assert sorted(undated) == []
    assert {
        "web:waiting", "web:tasks", "web:escalations", "safeguarding:concerns",
        "care:young_adults", "access:review_list", "triage:signposted",
    } <= naming, sorted(naming)  # fmt: skip
