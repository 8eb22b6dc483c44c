"""Triage clocks: working days, bank holidays, deadlines, pauses and time left, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from onedoor.clock.calendar import (
    END_OF_WORKING_DAY,
    ENGLAND_AND_WALES,
    LONDON,
    PAUSING_STATUSES,
    ClockKind,
    Pause,
    TimeLeft,
    clock_kind,
    due_at,
    time_left,
)

CALENDAR = ENGLAND_AND_WALES
RED, PRIORITY, ROUTINE = 0, 2, 5  # the default clocks, in working days


def london(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def deadline(year: int, month: int, day: int) -> datetime:
    return london(year, month, day, 17)


def due(received_at: datetime, working_days: int, *pauses: Pause) -> datetime:
    return due_at(
        received_at=received_at, working_days=working_days, calendar=CALENDAR, pauses=pauses
    )


def left(due: datetime, now: datetime, *, paused: bool = False) -> TimeLeft:
    return time_left(due=due, now=now, calendar=CALENDAR, paused=paused)


# Working days and the England and Wales bank holidays.


def test_weekends_are_not_working_days() -> None:
    assert CALENDAR.is_working_day(date(2026, 6, 5))  # Friday
    assert not CALENDAR.is_working_day(date(2026, 6, 6))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 6, 7))  # Sunday
    assert CALENDAR.is_working_day(date(2026, 6, 8))  # Monday


def test_christmas_2026_closes_christmas_day_and_the_boxing_day_substitute_monday() -> None:
    assert CALENDAR.is_working_day(date(2026, 12, 24))  # Christmas Eve, Thursday
    assert not CALENDAR.is_working_day(date(2026, 12, 25))  # Christmas Day, Friday
    assert not CALENDAR.is_working_day(date(2026, 12, 28))  # Boxing Day falls on Saturday
    assert CALENDAR.is_working_day(date(2026, 12, 29))
    assert not CALENDAR.is_working_day(date(2027, 1, 1))  # New Year's Day, Friday


def test_christmas_2027_on_a_weekend_moves_both_bank_holidays_to_monday_and_tuesday() -> None:
    assert not CALENDAR.is_working_day(date(2027, 12, 27))
    assert not CALENDAR.is_working_day(date(2027, 12, 28))
    assert CALENDAR.is_working_day(date(2027, 12, 29))


def test_good_friday_and_easter_monday_2027_are_not_working_days() -> None:
    assert CALENDAR.is_working_day(date(2027, 3, 25))  # Thursday before Easter
    assert not CALENDAR.is_working_day(date(2027, 3, 26))  # Good Friday
    assert not CALENDAR.is_working_day(date(2027, 3, 29))  # Easter Monday
    assert CALENDAR.is_working_day(date(2027, 3, 30))


def test_the_may_and_august_bank_holidays_are_not_working_days() -> None:
    assert not CALENDAR.is_working_day(date(2026, 5, 4))  # early May
    assert not CALENDAR.is_working_day(date(2026, 5, 25))  # spring
    assert not CALENDAR.is_working_day(date(2026, 8, 31))  # summer (last Monday in August)
    assert not CALENDAR.is_working_day(date(2027, 5, 3))
    assert not CALENDAR.is_working_day(date(2027, 5, 31))
    assert not CALENDAR.is_working_day(date(2027, 8, 30))


def test_scotland_only_bank_holidays_are_working_days_in_england_and_wales() -> None:
    assert CALENDAR.is_working_day(date(2026, 1, 2))  # 2 January
    assert CALENDAR.is_working_day(date(2026, 8, 3))  # Scotland's first Monday in August
    assert CALENDAR.is_working_day(date(2026, 11, 30))  # St Andrew's Day
    assert CALENDAR.is_working_day(date(2026, 6, 15))  # Scotland's one-off World Cup holiday


def test_adding_no_working_days_to_a_non_working_day_gives_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 6, 5), 0) == date(2026, 6, 5)
    assert CALENDAR.add_working_days(date(2026, 6, 6), 0) == date(2026, 6, 8)
    assert CALENDAR.add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 29)
    assert CALENDAR.add_working_days(date(2026, 12, 25), 1) == date(2026, 12, 30)


def test_adding_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        CALENDAR.add_working_days(date(2026, 6, 5), -1)


def test_working_days_between_counts_the_days_after_the_start_up_to_the_end() -> None:
    assert CALENDAR.working_days_between(date(2026, 6, 1), date(2026, 6, 1)) == 0
    assert CALENDAR.working_days_between(date(2026, 6, 1), date(2026, 6, 2)) == 1
    assert CALENDAR.working_days_between(date(2026, 6, 5), date(2026, 6, 8)) == 1  # weekend
    assert CALENDAR.working_days_between(date(2026, 6, 8), date(2026, 6, 1)) == 0
    # Wednesday 23 December 2026 to Monday 4 January 2027: 24, 29, 30, 31 December and 4 January.
    assert CALENDAR.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert CALENDAR.working_days_between(date(2026, 1, 1), date(2027, 1, 1)) == 253


# Deadlines.


def test_a_red_referral_received_at_10am_on_a_monday_is_due_at_5pm_that_day() -> None:
    assert due(london(2026, 6, 1, 10), RED) == deadline(2026, 6, 1)


def test_a_red_referral_received_at_6pm_is_due_at_5pm_the_next_working_day() -> None:
    assert due(london(2026, 6, 1, 18), RED) == deadline(2026, 6, 2)


def test_a_referral_received_at_exactly_5pm_starts_on_the_next_working_day() -> None:
    assert due(london(2026, 6, 1, 16, 59), RED) == deadline(2026, 6, 1)
    assert due(london(2026, 6, 1, 17, 0), RED) == deadline(2026, 6, 2)


def test_a_red_referral_received_on_a_saturday_is_due_at_5pm_on_monday() -> None:
    assert due(london(2026, 6, 6, 11), RED) == deadline(2026, 6, 8)


def test_a_red_referral_received_on_the_evening_before_easter_is_due_the_tuesday_after() -> None:
    assert due(london(2027, 3, 25, 18), RED) == deadline(2027, 3, 30)


def test_a_priority_referral_received_the_thursday_before_easter_is_due_the_wednesday_after() -> (
    None
):
    assert due(london(2027, 3, 25, 10), PRIORITY) == deadline(2027, 3, 31)


def test_a_routine_referral_runs_five_working_days_over_the_august_bank_holiday() -> None:
    # Thursday 27 August 2026; Monday 31 August is the bank holiday.
    assert due(london(2026, 8, 27, 10), ROUTINE) == deadline(2026, 9, 4)


def test_a_routine_referral_received_before_christmas_is_due_after_new_year() -> None:
    assert due(london(2026, 12, 23, 10), ROUTINE) == deadline(2027, 1, 4)


def test_the_working_day_starts_and_ends_in_london_time_not_utc() -> None:
    # 16:30 UTC on Friday 23 October 2026 is 17:30 BST: after the working day.
    received = datetime(2026, 10, 23, 16, 30, tzinfo=UTC)
    assert due(received, RED) == deadline(2026, 10, 26)


def test_deadlines_stay_at_5pm_local_across_the_autumn_clock_change() -> None:
    # Received Friday 23 October 2026 10:00 BST; the clocks go back on Sunday 25 October.
    received = datetime(2026, 10, 23, 9, 0, tzinfo=UTC)
    deadline_in_gmt = due(received, PRIORITY)
    assert deadline_in_gmt == datetime(2026, 10, 27, 17, 0, tzinfo=UTC)
    assert deadline_in_gmt.astimezone(LONDON).time() == END_OF_WORKING_DAY


def test_deadlines_stay_at_5pm_local_across_the_spring_clock_change() -> None:
    # The clocks go forward on Easter Sunday, 28 March 2027.
    deadline_in_bst = due(datetime(2027, 3, 25, 10, 0, tzinfo=UTC), PRIORITY)
    assert deadline_in_bst == datetime(2027, 3, 31, 16, 0, tzinfo=UTC)


def test_a_naive_received_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due(datetime(2026, 6, 1, 10), RED)  # noqa: DTZ001


# Pauses: THE rule is that the clock pauses while more information is awaited.


def test_only_waiting_for_more_information_pauses_the_clock() -> None:
    assert frozenset({"more_information"}) == PAUSING_STATUSES


def test_a_three_working_day_pause_pushes_the_deadline_back_three_working_days() -> None:
    received = london(2026, 6, 1, 10)  # Monday; due Monday 8 June
    pause = Pause(started=london(2026, 6, 2, 10), ended=london(2026, 6, 4, 15))  # Tue to Thu
    assert due(received, ROUTINE) == deadline(2026, 6, 8)
    assert due(received, ROUTINE, pause) == deadline(2026, 6, 11)


def test_a_pause_over_a_weekend_counts_only_its_working_days() -> None:
    received = london(2026, 6, 1, 10)
    pause = Pause(started=london(2026, 6, 5, 11), ended=london(2026, 6, 8, 9))  # Fri to Mon
    assert due(received, ROUTINE, pause) == deadline(2026, 6, 10)


def test_a_pause_over_a_bank_holiday_does_not_count_the_bank_holiday() -> None:
    received = london(2026, 8, 27, 10)  # due Friday 4 September
    pause = Pause(started=london(2026, 8, 28, 12), ended=london(2026, 9, 1, 12))  # Fri to Tue
    assert due(received, ROUTINE, pause) == deadline(2026, 9, 8)


def test_a_pause_within_one_working_day_costs_that_day() -> None:
    received = london(2026, 6, 1, 10)
    pause = Pause(started=london(2026, 6, 2, 10), ended=london(2026, 6, 2, 11))
    assert due(received, ROUTINE, pause) == deadline(2026, 6, 9)


def test_a_pause_started_after_5pm_starts_on_the_next_day() -> None:
    received = london(2026, 6, 1, 10)
    evening_to_noon = Pause(started=london(2026, 6, 1, 18), ended=london(2026, 6, 2, 12))
    one_evening = Pause(started=london(2026, 6, 2, 18), ended=london(2026, 6, 2, 20))
    assert due(received, ROUTINE, evening_to_noon) == deadline(2026, 6, 9)
    assert due(received, ROUTINE, one_evening) == deadline(2026, 6, 8)


def test_overlapping_pauses_count_each_working_day_once() -> None:
    received = london(2026, 6, 1, 10)
    tuesday_to_wednesday = Pause(started=london(2026, 6, 2, 10), ended=london(2026, 6, 3, 10))
    wednesday_to_thursday = Pause(started=london(2026, 6, 3, 9), ended=london(2026, 6, 4, 10))
    pauses = (wednesday_to_thursday, tuesday_to_wednesday)
    assert due(received, ROUTINE, *pauses) == deadline(2026, 6, 11)


def test_two_separate_pauses_add_up() -> None:
    received = london(2026, 6, 1, 10)
    tuesday = Pause(started=london(2026, 6, 2, 10), ended=london(2026, 6, 2, 16))
    thursday = Pause(started=london(2026, 6, 4, 10), ended=london(2026, 6, 4, 16))
    assert due(received, ROUTINE, tuesday, thursday) == deadline(2026, 6, 10)


def test_time_paused_before_the_referral_was_received_does_not_count() -> None:
    received = london(2026, 6, 3, 10)  # Wednesday; due Wednesday 10 June
    before = Pause(started=london(2026, 6, 1, 10), ended=london(2026, 6, 2, 10))
    straddling = Pause(started=london(2026, 6, 2, 10), ended=london(2026, 6, 3, 12))
    assert due(received, ROUTINE, before) == deadline(2026, 6, 10)
    assert due(received, ROUTINE, straddling) == deadline(2026, 6, 11)


def test_an_open_pause_does_not_move_the_deadline() -> None:
    received = london(2026, 6, 1, 10)
    open_pause = Pause(started=london(2026, 6, 2, 10), ended=None)
    assert due(received, ROUTINE, open_pause) == deadline(2026, 6, 8)


def test_a_pause_that_ends_before_it_starts_is_refused() -> None:
    backwards = Pause(started=london(2026, 6, 3, 10), ended=london(2026, 6, 2, 10))
    with pytest.raises(ValueError, match="cannot end before it started"):
        due(london(2026, 6, 1, 10), ROUTINE, backwards)


def test_an_open_pause_shows_paused_waiting_for_more_information_in_grey() -> None:
    assert left(deadline(2026, 6, 5), london(2026, 6, 9, 10), paused=True) == TimeLeft(
        state="paused", working_days=0, words="Paused: waiting for more information", colour="grey"
    )


# Time left, in words and colour.

FRIDAY_DEADLINE = deadline(2026, 6, 5)


def test_a_clock_with_working_days_to_go_is_on_time_in_green() -> None:
    assert left(FRIDAY_DEADLINE, london(2026, 6, 1, 9)) == TimeLeft(
        state="on_time", working_days=4, words="4 working days left", colour="green"
    )
    assert left(FRIDAY_DEADLINE, london(2026, 6, 4, 16, 59)) == TimeLeft(
        state="on_time", working_days=1, words="1 working day left", colour="green"
    )


def test_a_clock_due_later_today_is_due_today_by_5pm_in_amber() -> None:
    expected = TimeLeft(state="due_today", working_days=0, words="Due today by 5pm", colour="amber")
    assert left(FRIDAY_DEADLINE, london(2026, 6, 5, 8)) == expected
    assert left(FRIDAY_DEADLINE, london(2026, 6, 5, 16, 59)) == expected


def test_a_clock_past_5pm_on_its_day_is_overdue_since_5pm_today_in_red() -> None:
    expected = TimeLeft(
        state="overdue", working_days=0, words="Overdue since 5pm today", colour="red"
    )
    assert left(FRIDAY_DEADLINE, london(2026, 6, 5, 17)) == expected
    assert left(FRIDAY_DEADLINE, london(2026, 6, 5, 21)) == expected


def test_a_clock_overdue_over_a_weekend_names_the_deadline() -> None:
    assert left(FRIDAY_DEADLINE, london(2026, 6, 6, 10)) == TimeLeft(
        state="overdue", working_days=0, words="Overdue since 5pm on Friday 5 June", colour="red"
    )


def test_a_clock_overdue_by_working_days_counts_them() -> None:
    assert left(FRIDAY_DEADLINE, london(2026, 6, 8, 10)) == TimeLeft(
        state="overdue", working_days=1, words="Overdue by 1 working day", colour="red"
    )
    assert left(FRIDAY_DEADLINE, london(2026, 6, 9, 10)) == TimeLeft(
        state="overdue", working_days=2, words="Overdue by 2 working days", colour="red"
    )


def test_days_left_skip_weekends_and_bank_holidays() -> None:
    # Due Tuesday 1 September 2026; seen on Friday 28 August, before the bank holiday Monday.
    assert left(deadline(2026, 9, 1), london(2026, 8, 28, 12)).words == "1 working day left"


def test_time_left_follows_the_clock_change_from_bst_to_gmt() -> None:
    priority_deadline = due(datetime(2026, 10, 23, 9, 0, tzinfo=UTC), PRIORITY)  # Tue 27 Oct
    friday_evening_bst = datetime(2026, 10, 23, 16, 30, tzinfo=UTC)
    tuesday_4_30pm_gmt = datetime(2026, 10, 27, 16, 30, tzinfo=UTC)
    tuesday_5pm_gmt = datetime(2026, 10, 27, 17, 0, tzinfo=UTC)
    assert left(priority_deadline, friday_evening_bst).words == "2 working days left"
    assert left(priority_deadline, tuesday_4_30pm_gmt).words == "Due today by 5pm"
    assert left(priority_deadline, tuesday_5pm_gmt).words == "Overdue since 5pm today"


def test_a_deadline_at_another_time_says_so() -> None:
    assert left(london(2026, 6, 5, 12, 30), london(2026, 6, 5, 9)).words == "Due today by 12:30pm"


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        left(FRIDAY_DEADLINE, datetime(2026, 6, 5, 9))  # noqa: DTZ001


# Which clock runs.


def test_a_red_rating_runs_the_red_clock_even_for_a_priority_group() -> None:
    assert clock_kind(risk_rating="red", priority_group=True) is ClockKind.RED
    assert clock_kind(risk_rating="red", priority_group=False) is ClockKind.RED


def test_a_priority_group_that_shortens_the_clock_runs_the_priority_clock() -> None:
    assert clock_kind(risk_rating="amber", priority_group=True) is ClockKind.PRIORITY
    assert clock_kind(risk_rating="", priority_group=True) is ClockKind.PRIORITY


def test_a_referral_not_yet_screened_that_discloses_a_risk_to_life_runs_the_red_clock() -> None:
    assert clock_kind(risk_rating="", priority_group=False, disclosed_risk=True) is ClockKind.RED
    assert clock_kind(risk_rating="", priority_group=True, disclosed_risk=True) is ClockKind.RED
    # Once a triage lead has rated it, the rating decides.
    amber = clock_kind(risk_rating="amber", priority_group=False, disclosed_risk=True)
    green = clock_kind(risk_rating="green", priority_group=True, disclosed_risk=True)
    assert (amber, green) == (ClockKind.ROUTINE, ClockKind.PRIORITY)


def test_everything_else_runs_the_routine_clock() -> None:
    assert clock_kind(risk_rating="amber", priority_group=False) is ClockKind.ROUTINE
    assert clock_kind(risk_rating="green", priority_group=False) is ClockKind.ROUTINE
    assert clock_kind(risk_rating="", priority_group=False) is ClockKind.ROUTINE


def test_the_clock_kinds_are_the_configured_triage_clock_kinds() -> None:
    from onedoor.alliance.models import TriageClock

    assert {kind.value for kind in ClockKind} == set(TriageClock.Kind.values)


# Properties.

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
COUNTS = st.integers(min_value=0, max_value=300)


@given(DAYS, COUNTS)
def test_adding_working_days_always_lands_on_a_working_day(start: date, days: int) -> None:
    assert CALENDAR.is_working_day(CALENDAR.add_working_days(start, days))


@given(DAYS, COUNTS, COUNTS)
def test_adding_more_working_days_lands_later(start: date, fewer: int, more: int) -> None:
    assume(fewer < more)
    assert CALENDAR.add_working_days(start, fewer) < CALENDAR.add_working_days(start, more)


@given(DAYS, COUNTS)
def test_working_days_between_undoes_adding_them_from_a_working_day(start: date, days: int) -> None:
    assume(CALENDAR.is_working_day(start))
    assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, days)) == days


@given(DAYS, st.integers(min_value=-30, max_value=400))
def test_working_days_between_agrees_with_counting_day_by_day(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    by_hand = sum(
        CALENDAR.is_working_day(start + timedelta(days=offset)) for offset in range(1, span + 1)
    )
    assert CALENDAR.working_days_between(start, end) == by_hand


# Hypothesis takes naive bounds and attaches the time zone itself.
RECEIVED = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(RECEIVED, st.integers(min_value=0, max_value=60))
def test_a_deadline_is_5pm_london_on_a_working_day_after_receipt(
    received_at: datetime, working_days: int
) -> None:
    deadline_ = due(received_at, working_days)
    local = deadline_.astimezone(LONDON)
    assert local.time() == END_OF_WORKING_DAY
    assert CALENDAR.is_working_day(local.date())
    assert deadline_ > received_at
