"""The medians and the day arithmetic the KPIs do in the database give the figures Python
gave: a median is `statistics.median` of the waits in days (the mean of the two middle ones
for an even number), and a year or 28 days is counted to the microsecond, on SQLite as on
PostgreSQL."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact
from onedoor.insights.kpis import BY_SLUG, Cut, Figure, Period, Scope
from onedoor.referrals.models import Status
from onedoor.triage.models import Outcome
from tests.personas import People
from tests.test_kpis import OCTOBER, _child, _contact, _decide, _referral, october  # noqa: F401 (a fixture)

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
DECIDED = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60 * 86400 * 1_000_000),  # the wait in µs
            st.booleans(),  # decided within its clock
        ),
        min_size=1,
        max_size=8,
    )
)
def test_the_median_wait_to_triage_is_that_of_the_waits_in_days(
    alliance: Alliance, people: People, waits: list[tuple[int, bool]]
) -> None:
    with transaction.atomic():
        for n, (wait, on_time) in enumerate(waits):
            received = DECIDED - timedelta(microseconds=wait)
            referral = _referral(
                _child(alliance, f"W{n}", date(2012, 1, 1)), received, "school", Status.ALLOCATED
            )
            due = DECIDED + timedelta(hours=1) if on_time else DECIDED - timedelta(seconds=1)
            _decide(referral, people.triage, DECIDED, due, Outcome.ALLOCATE)
        expected = round(statistics.median(wait / 86400 / 1_000_000 for wait, _ in waits), 1)
        met = sum(on_time for _, on_time in waits)
        assert BY_SLUG["time-to-triage"](alliance, Scope(), NOVEMBER, Cut.NONE) == [
            Figure("all", expected, met, len(waits), len(waits))
        ]
        transaction.set_rollback(True)


def test_an_even_number_of_first_contacts_has_the_mean_of_the_two_middle_waits(
    alliance: Alliance, people: People
) -> None:
    # first attended contacts 3, 4, 9 and 30 days after their referrals: median 6.5 days,
    # three within 28 days
    for n, wait in enumerate((3, 4, 9, 30)):
        referral = _referral(
            _child(alliance, f"F{n}", date(2012, 1, 1)),
            DECIDED - timedelta(days=wait),
            "school",
            Status.IN_INTERVENTION,
            "kooth",
        )
        _contact(referral, people.kooth_practitioner, DECIDED, Contact.Outcome.ATTENDED)
    assert BY_SLUG["first-contact"](alliance, Scope(), NOVEMBER, Cut.NONE) == [
        Figure("all", 6.5, 3, 4, 4)
    ]


def test_28_days_to_the_microsecond_is_within_the_target_and_a_microsecond_more_is_not(
    alliance: Alliance, people: People
) -> None:
    for n, late in enumerate((0, 1)):
        referral = _referral(
            _child(alliance, f"T{n}", date(2012, 1, 1)),
            DECIDED - timedelta(days=28, microseconds=late),
            "school",
            Status.IN_INTERVENTION,
            "kooth",
        )
        _contact(referral, people.kooth_practitioner, DECIDED, Contact.Outcome.ATTENDED)
    [figure] = BY_SLUG["first-contact"](alliance, Scope(), NOVEMBER, Cut.NONE)
    assert (figure.numerator, figure.denominator) == (1, 2)


def test_a_referral_365_days_before_to_the_microsecond_makes_a_re_referral_and_one_earlier_not(
    alliance: Alliance,
) -> None:
    again = datetime(2026, 11, 10, 12, 0, 0, 500_000, tzinfo=UTC)
    for n, early in enumerate((0, 1)):
        child = _child(alliance, f"R{n}", date(2012, 1, 1))
        before = again - timedelta(days=365, microseconds=early)
        _referral(child, before, "school", Status.DISCHARGED)
        _referral(child, again, "school", Status.AWAITING_TRIAGE)
    assert BY_SLUG["re-referrals"](alliance, Scope(), NOVEMBER, Cut.NONE) == [
        Figure("all", 50.0, 1, 2, 2)
    ]


@pytest.mark.usefixtures("october")
def test_what_two_kpis_share_is_computed_once_together_and_only_for_its_own_scope(
    alliance: Alliance,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onedoor.insights.kpis import together

    waiting, longest = BY_SLUG["waiting"], BY_SLUG["longest-wait"]
    with together(), CaptureQueriesContext(connection) as queries:
        assert waiting(alliance, Scope(), OCTOBER, Cut.NONE) == [Figure("all", 3, 3, None, 3)]
        assert longest(alliance, Scope(), OCTOBER, Cut.NONE) == [Figure("all", 80, 3, None, 3)]
        # another scope is its own computation: Eve, Fay and Gus wait for Kooth, none for CHUMS
        chums = Scope(organisation="chums")
        assert longest(alliance, chums, OCTOBER, Cut.NONE) == [Figure("all", None, 0, None, 0)]
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as apart:
        waiting(alliance, Scope(), OCTOBER, Cut.NONE)
        longest(alliance, Scope(), OCTOBER, Cut.NONE)
    assert len(apart) == 2
