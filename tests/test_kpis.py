"""Every KPI against a hand-built data set with known answers, and totals across partners that
equal the alliance's (property-based).

October 2026, London (BST until the 25th, then GMT): times are written in UTC and chosen so
that each interval is a whole number of days.

- Ava (care leaver, born 2012, female): referred by her school on 5 Oct, triaged on the 7th
  (on time), at Kooth; attended 19 Oct, did not attend 26 Oct, attended 2 Nov. Referred
  again by her school on 28 Oct (a re-referral), not yet triaged.
- Ben (born 2008, male): referred by his GP on 10 Oct, triaged on the 20th (late), at CHUMS;
  attended 24 and 30 Oct; discharged as disengaged on 31 Oct.
- Cal (born 2015): referred in September, first attended 3 Oct at Kooth; discharged with goals
  met on 29 Oct; said the service was very helpful (5) on the 30th.
- Dee (born 2010): referred by herself on 2 Oct, stepped up by triage on the 3rd.
- Eve (born 2013): referred on 20 Oct, allocated to Kooth, waiting.
- Fay (amber) and Gus (green), referred on 1 Sep, accepted at Kooth and waiting now (20 Nov):
  Fay checked in on 10 Nov (next due 24 Nov, up to date), Gus never (due 29 Sep, overdue).
  Ava's risk review was due on 10 Nov (overdue); Fay's care plan review is due on 1 Dec.
- Someone said on the public feedback page on 15 Oct that Kooth was not very helpful (2).
- Outcome measures: Cal's GAD-7 went from 15 to 6 (a reliable improvement: 4 or more); Ben
  completed one only (unpaired).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, IThriveGrouping, Organisation, PriorityGroup
from onedoor.care.models import CarePlan, CheckIn, Contact, Discharge, Feedback, RiskReview
from onedoor.children.models import Child
from onedoor.insights import kpis
from onedoor.insights.kpis import BY_SLUG, Cut, Figure, Period, Scope
from onedoor.referrals.models import Referral, Status
from onedoor.triage.models import Outcome, TriageDecision
from tests.personas import People, make_reference

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ALLIANCE = Scope()


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _child(alliance: Alliance, name: str, born: date, gender: str = "not_stated") -> Child:
    return Child.objects.create(
        alliance=alliance, given_name=name, family_name="Zanzibar", date_of_birth=born,
        gender=gender, postcode="ME4 4AB",
    )  # fmt: skip


def _referral(
    child: Child, received: datetime, source: str, status: Status, partner: str = ""
) -> Referral:
    organisation = (
        Organisation.objects.get(alliance=child.alliance, slug=partner) if partner else None
    )
    return Referral.objects.create(
        reference=make_reference(), child=child, received_at=received, source=source,
        status=status, allocated_organisation=organisation,
        allocated_offer=organisation.offers.first() if organisation else None,  # type: ignore[attr-defined]
    )  # fmt: skip


def _decide(referral: Referral, by: User, at_: datetime, due: datetime, outcome: str) -> None:
    Referral.objects.filter(pk=referral.pk).update(triage_due_at=due)
    TriageDecision.objects.create(
        referral=referral, grouping=IThriveGrouping.GETTING_HELP, outcome=outcome,
        decided_by=by, decided_at=at_, sign_off=TriageDecision.SignOff.NOT_NEEDED,
    )  # fmt: skip


def _contact(referral: Referral, by: User, when: datetime, outcome: str) -> None:
    assert referral.allocated_organisation is not None
    Contact.objects.create(
        referral=referral, organisation=referral.allocated_organisation, recorded_by=by,
        recorded_at=when, happened_at=when, outcome=outcome, mode="phone",
    )  # fmt: skip


def _discharge(referral: Referral, by: User, when: datetime, reason: str) -> Discharge:
    return Discharge.objects.create(
        referral=referral, reason=reason, summary="Closing summary.", discharged_by=by,
        discharged_at=when, feedback_token=f"token-{referral.pk}", feedback_expires_at=when,
    )  # fmt: skip


def _gad7(referral: Referral, by: User, when: datetime, answers: list[int]) -> None:
    from onedoor.outcomes.measures import get_measure
    from onedoor.outcomes.models import MeasureResponse
    from onedoor.outcomes.scoring import score

    measure = get_measure("gad-7")
    assert measure is not None and referral.allocated_organisation is not None
    given = {str(n): value for n, value in enumerate(answers, start=1)}
    MeasureResponse.objects.create(
        referral=referral, organisation=referral.allocated_organisation, recorded_by=by,
        recorded_at=when, measure="gad-7", measure_version=measure.version,
        completed_by="young_person", answers=given,
        scores=score(measure, given, 17, "not_stated").to_json(),
    )  # fmt: skip


@pytest.fixture
def october(
    alliance: Alliance, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW)
    kim, chris, tina = people.kooth_practitioner, people.chums_practitioner, people.triage
    attended, missed = Contact.Outcome.ATTENDED, Contact.Outcome.DID_NOT_ATTEND

    ava = _child(alliance, "Ava", date(2012, 6, 1), "female")
    ava.priority_groups.set(PriorityGroup.objects.filter(alliance=alliance, slug="care-leaver"))
    first = _referral(ava, at(10, 5), "school", Status.IN_INTERVENTION, "kooth")
    _decide(first, tina, at(10, 7), at(10, 12, 16), Outcome.ALLOCATE)
    _contact(first, kim, at(10, 19), attended)
    _contact(first, kim, at(10, 26, 10), missed)
    _contact(first, kim, at(11, 2, 10), attended)
    _referral(ava, at(10, 28, 10), "school", Status.AWAITING_TRIAGE)

    ben = _child(alliance, "Ben", date(2008, 3, 1), "male")
    ben_referral = _referral(ben, at(10, 10), "gp", Status.DISCHARGED, "chums")
    _decide(ben_referral, tina, at(10, 20), at(10, 17, 16), Outcome.ALLOCATE)
    _contact(ben_referral, chris, at(10, 24), attended)
    _contact(ben_referral, chris, at(10, 30, 10), attended)  # 20 days, an hour after BST ends
    _discharge(ben_referral, chris, at(10, 31, 12), Discharge.Reason.DISENGAGED)

    cal = _child(alliance, "Cal", date(2015, 1, 1))
    cal_referral = _referral(cal, at(9, 20), "parent", Status.DISCHARGED, "kooth")
    _decide(cal_referral, tina, at(9, 25), at(9, 28, 16), Outcome.ALLOCATE)
    _contact(cal_referral, kim, at(10, 3), attended)
    ended = _discharge(cal_referral, kim, at(10, 29, 12), Discharge.Reason.GOALS_MET)
    Feedback.objects.create(discharge=ended, helpful=5, submitted_at=at(10, 30, 12))
    from onedoor.coproduction.models import ServiceFeedback

    ServiceFeedback.objects.create(
        alliance=alliance, organisation=Organisation.objects.get(alliance=alliance, slug="kooth"),
        helpful=2, submitted_at=at(10, 15),
    )  # fmt: skip
    _gad7(cal_referral, kim, at(10, 3), [3, 2, 2, 2, 2, 2, 2])  # 15
    _gad7(cal_referral, kim, at(10, 28), [1, 1, 1, 1, 1, 1, 0])  # 6
    _gad7(ben_referral, chris, at(10, 24), [2, 2, 2, 2, 2, 2, 2])  # 14

    dee = _child(alliance, "Dee", date(2010, 5, 5), "female")
    dee_referral = _referral(dee, at(10, 2), "self", Status.STEPPED_UP)
    _decide(dee_referral, tina, at(10, 3), at(10, 2, 16), Outcome.STEP_UP)

    eve = _child(alliance, "Eve", date(2013, 2, 2))
    _referral(eve, at(10, 20), "school", Status.ALLOCATED, "kooth")

    fay = _referral(
        _child(alliance, "Fay", date(2011, 1, 1)), at(9, 1), "gp", Status.WAITING, "kooth"
    )
    gus = _referral(
        _child(alliance, "Gus", date(2011, 1, 1)), at(9, 1), "gp", Status.WAITING, "kooth"
    )
    Referral.objects.filter(pk=fay.pk).update(risk_rating="amber", accepted_at=at(9, 1))
    Referral.objects.filter(pk=gus.pk).update(risk_rating="green", accepted_at=at(9, 1))
    common = {"organisation": fay.allocated_organisation, "recorded_by": kim}
    CheckIn.objects.create(
        referral=fay, recorded_at=at(11, 10), contact_made=True, rating="amber", **common
    )
    CarePlan.objects.create(referral=fay, recorded_at=at(11, 10), summary="Plan.",
                            review_due=date(2026, 12, 1), **common)  # fmt: skip
    RiskReview.objects.create(
        referral=first, recorded_at=at(10, 27), rating="amber", rationale="Steady.",
        next_due=date(2026, 11, 10), **common,
    )  # fmt: skip


def _values(
    slug: str, alliance: Alliance, cut: Cut = Cut.NONE, scope: Scope = ALLIANCE
) -> list[Figure]:
    return BY_SLUG[slug](alliance, scope, OCTOBER, cut)


@pytest.mark.usefixtures("october")
@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("referrals", [Figure("all", 5, 5, None, 4)]),  # Ava twice, Ben, Dee, Eve; not Cal
        ("re-referrals", [Figure("all", 20.0, 1, 5, 5)]),  # Ava's second
        # Dee 1 day (late: a red clock), Ava 2 (on time), Ben 10 (late)
        ("time-to-triage", [Figure("all", 2.0, 1, 3, 3)]),
        ("first-contact", [Figure("all", 14.0, 3, 3, 3)]),  # Cal 13, Ava 14, Ben 14
        ("second-contact", [Figure("all", 20.0, 1, 1, 1)]),  # Ben; Ava's second is November's
        ("seen", [Figure("all", 3, 3, None, 3)]),  # Ava, Ben, Cal
        ("did-not-attend", [Figure("all", 20.0, 1, 5, 3)]),  # Ava's 26th of 5 contacts
        ("disengaged", [Figure("all", 50.0, 1, 2, 2)]),  # Ben of Ben and Cal
        ("stepped-up", [Figure("all", 1, 1, None, 1)]),  # Dee
        ("waiting", [Figure("all", 3, 3, None, 3)]),  # Eve, Fay, Gus
        ("longest-wait", [Figure("all", 80, 3, None, 3)]),  # Fay and Gus: 1 Sep to 20 Nov
        ("check-ins", [Figure("all", 50.0, 1, 2, 2)]),  # Fay's up to date; Gus's is not
        ("reviews-overdue", [Figure("all", 50.0, 1, 2, 2)]),  # Ava's risk review; not Fay's plan
        ("experience", [Figure("all", 100.0, 1, 1, 1)]),  # Cal's 5
        ("experience-all", [Figure("all", 50.0, 1, 2, 2)]),  # Cal's 5; the page's 2
        ("paired", [Figure("all", 50.0, 1, 2, 2)]),  # Cal's GAD-7 twice; Ben's once
        ("improved", [Figure("all", 100.0, 1, 1, 1)]),  # Cal: 15 to 6
    ],
)
def test_each_kpi_on_the_hand_built_data(
    alliance: Alliance, slug: str, expected: list[Figure]
) -> None:
    assert _values(slug, alliance) == expected


@pytest.mark.usefixtures("october")
def test_every_kpi_is_tested_on_the_hand_built_data() -> None:
    tested = {
        "referrals", "re-referrals", "time-to-triage", "first-contact", "second-contact", "seen",
        "did-not-attend", "disengaged", "stepped-up", "waiting", "longest-wait", "experience",
        "check-ins", "reviews-overdue", "paired", "improved", "experience-all",
    }  # fmt: skip
    assert set(BY_SLUG) == tested


@pytest.mark.usefixtures("october")
def test_referrals_cut_by_each_grouping(alliance: Alliance) -> None:
    def cut(by: Cut) -> dict[str, int]:
        return {f.group: f.numerator for f in _values("referrals", alliance, by)}

    assert cut(Cut.SOURCE) == {"gp": 1, "school": 3, "self": 1}
    assert cut(Cut.PRIORITY_GROUP) == {"care-leaver": 2, "none": 3}
    assert cut(Cut.GENDER) == {"female": 3, "male": 1, "not_stated": 1}
    # Ages on 31 October: Ava 14 (twice), Ben 18, Dee 16, Eve 13.
    assert cut(Cut.AGE_BAND) == {"11-15": 3, "16-18": 2}
    assert cut(Cut.ETHNICITY) == {"Z": 5}


@pytest.mark.usefixtures("october")
def test_a_partner_and_an_offer_scope_count_only_their_children(alliance: Alliance) -> None:
    kooth = Scope(organisation="kooth")
    assert _values("referrals", alliance, scope=kooth) == [Figure("all", 2, 2, None, 2)]
    assert _values("seen", alliance, scope=kooth) == [Figure("all", 2, 2, None, 2)]
    assert _values("seen", alliance, scope=Scope(organisation="chums")) == [
        Figure("all", 1, 1, None, 1)
    ]
    offer = Referral.objects.get(child__given_name="Eve").allocated_offer
    assert offer is not None
    assert _values("waiting", alliance, scope=Scope(offer=offer.slug)) == [
        Figure("all", 3, 3, None, 3)
    ]  # Eve, Fay and Gus, all for Kooth's first offer
    assert _values("experience-all", alliance, scope=kooth) == [Figure("all", 50.0, 1, 2, 2)]
    assert _values("experience-all", alliance, scope=Scope(organisation="chums")) == [
        Figure("all", None, 0, 0, 0)
    ]
    assert _values("referrals", alliance, scope=Scope(organisation="salus")) == [
        Figure("all", 0, 0, None, 0)
    ]
    assert _values("first-contact", alliance, scope=Scope(organisation="salus")) == [
        Figure("all", None, 0, 0, 0)
    ]


def test_a_period_ends_after_its_last_day_in_london() -> None:
    assert OCTOBER.since == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)  # BST
    assert OCTOBER.until == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)  # GMT
    assert Period.quarter_of(date(2026, 11, 22)) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert Period.quarter_of(date(2027, 2, 28)) == Period(date(2027, 1, 1), date(2027, 3, 31))
    with pytest.raises(ValueError, match="ends on or after its start"):
        Period(date(2026, 10, 2), date(2026, 10, 1))


# Totals across partners equal the alliance total

PARTNERS = ("kooth", "chums", "salus", "bfb-labs")
ADDITIVE = ("referrals", "seen", "stepped-up", "waiting")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PARTNERS),
            st.integers(min_value=1, max_value=31),
            st.sampled_from([Status.ALLOCATED, Status.WAITING, Status.IN_INTERVENTION]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_partners_add_up_to_the_alliance(
    alliance: Alliance, people: People, cases: list[tuple[str, int, Status, bool]]
) -> None:
    with transaction.atomic():
        for n, (partner, day, status, seen) in enumerate(cases):
            child = _child(alliance, f"C{n}", date(2012, 1, 1))
            referral = _referral(child, at(10, day), "school", status, partner)
            if seen:
                _contact(referral, people.triage, at(10, day, 12), Contact.Outcome.ATTENDED)
        for slug in ADDITIVE:
            total = sum(f.numerator for f in _values(slug, alliance))
            by_partner = sum(
                f.numerator
                for partner in PARTNERS
                for f in _values(slug, alliance, scope=Scope(organisation=partner))
            )
            assert by_partner == total, slug
        assert sum(f.numerator for f in _values("referrals", alliance)) == len(cases)
        transaction.set_rollback(True)


def test_with_no_records_each_kpi_is_zero_or_has_no_value(alliance: Alliance) -> None:
    for kpi in kpis.KPIS:
        counted = kpi.unit == "count"
        # the longest wait is days, of a count of children waiting: no denominator, as when
        # children wait
        counts = counted or kpi.slug == "longest-wait"
        expected = [Figure("all", 0 if counted else None, 0, None if counts else 0, 0)]
        assert kpi(alliance, ALLIANCE, OCTOBER, Cut.NONE) == expected, kpi.slug
        by_gender = kpi(alliance, ALLIANCE, OCTOBER, Cut.GENDER)
        assert by_gender == ([] if kpi.cuts else expected), kpi.slug
