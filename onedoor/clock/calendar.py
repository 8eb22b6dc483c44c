"""Triage clocks: working days, deadlines, pauses and the time left, in words and colour.

Pure: no database and no reading of the real clock. The caller passes the moment it means
(`now`), the alliance's configured number of working days for the clock's kind
(`TriageClock.working_days`) and the calendar.

Working days are Monday to Friday except the England and Wales bank holidays, taken from the
maintained `holidays` library. Day boundaries are Europe/London (the project's TIME_ZONE),
so a deadline is 17:00 local time in both GMT and BST. Working hours are 09:00 to 17:00 London
on a working day (`add_working_hours`, the urgent screening deadline's unit).

THE pause rule: the clock pauses while more information is awaited (the referral's status is
"more_information") and for nothing else. A completed pause pushes the deadline back by the
number of working days it covered: every working day from the day the pause started to the
day it ended, both included. A pause that starts at or after 17:00 starts on the next day
(that working day was already over), and the day a pause ends always counts in full, whatever
the hour. So a pause from Tuesday 10:00 to Thursday 15:00 costs 3 working days, one from
Friday 11:00 to Monday 09:00 costs 2 (Friday and Monday, not the weekend), one from Monday
18:00 to Tuesday 12:00 costs 1, and one that starts and ends on the same working day before
17:00 costs that 1 day. Overlapping pauses count each working day once; time before the
referral was received never counts. An open pause does not move the deadline: `due_at`
ignores it and `time_left(..., paused=True)` reports the clock as paused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal

import holidays

from onedoor.clock import LONDON

END_OF_WORKING_DAY = time(17, 0)  # a deadline is the end of its working day, in Europe/London
START_OF_WORKING_DAY = time(9, 0)  # working hours are 09:00 to 17:00 on a working day, London

# The referral statuses during which the clock stands still (Status.MORE_INFORMATION).
PAUSING_STATUSES: frozenset[str] = frozenset({"more_information"})

PAUSED_WORDS = "Paused: waiting for more information"

_ONE_DAY = timedelta(days=1)
# Spelled out rather than strftime's %A and %B, which follow the process's locale.
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@lru_cache(maxsize=256)
def _weekday_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """The bank holidays of one year that fall Monday to Friday (cached per year)."""
    bank_holidays = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(day for day in bank_holidays if day.weekday() < 5)


def _weekdays_through(day: date) -> int:
    """How many Mondays to Fridays there are from 1 January of year 1 (a Monday) to `day`."""
    days = day.toordinal()  # date(1, 1, 1) is day 1 and a Monday
    weeks, rest = divmod(days, 7)
    return 5 * weeks + min(rest, 5)


@dataclass(frozen=True)
class Calendar:
    """Working days: Monday to Friday, except England and Wales bank holidays.

    `country` and `subdivision` name the bank holidays in the `holidays` library; England and
    Wales share theirs, so the library's England subdivision ("ENG") serves both.
    """

    country: str = "GB"
    subdivision: str = "ENG"

    def _holidays(self, year: int) -> frozenset[date]:
        return _weekday_holidays(self.country, self.subdivision, year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays(day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The working day `days` working days after `start`.

        Day 0 is `start` itself if it is a working day, otherwise the next working day.
        """
        if days < 0:
            raise ValueError("The number of working days to add cannot be negative.")
        day = start
        while not self.is_working_day(day):
            day += _ONE_DAY
        for _ in range(days):
            day += _ONE_DAY
            while not self.is_working_day(day):
                day += _ONE_DAY
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall after `start`, up to and including `end` (0 if none)."""
        if end <= start:
            return 0
        weekdays = _weekdays_through(end) - _weekdays_through(start)
        closed = sum(
            1
            for year in range(start.year, end.year + 1)
            for day in self._holidays(year)
            if start < day <= end
        )
        return weekdays - closed


ENGLAND_AND_WALES = Calendar(country="GB", subdivision="ENG")


class ClockKind(StrEnum):
    """The kinds of triage clock; the values are those of `TriageClock.Kind`."""

    RED = "red"
    PRIORITY = "priority"
    ROUTINE = "routine"


def clock_kind(
    *, risk_rating: str, priority_group: bool, disclosed_risk: bool = False
) -> ClockKind:
    """Red-rated referrals run the red clock, and so does a referral not yet screened that
    discloses a risk to life (`disclosed_risk`: suicidal thoughts, self-harm or harm to
    others, `URGENT_INDICATORS`), until a triage lead rates it; else a clock-shortening
    priority group; else routine.

    `priority_group` is whether the child is in any priority group that shortens the triage
    clock (`PriorityGroup.shortens_triage_clock`).
    """
    if risk_rating == "red" or (risk_rating == "" and disclosed_risk):  # RiskRating.RED
        return ClockKind.RED
    if priority_group:
        return ClockKind.PRIORITY
    return ClockKind.ROUTINE


@dataclass(frozen=True)
class Pause:
    """A time during which the clock stood still; `ended` is None while it is still paused."""

    started: datetime
    ended: datetime | None


def _local(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware.")
    return moment.astimezone(LONDON)


def _clock_day(moment: datetime, what: str) -> date:
    """The day a moment counts towards: its London date, or the next day from 17:00."""
    local = _local(moment, what)
    if local.time() >= END_OF_WORKING_DAY:
        return local.date() + _ONE_DAY
    return local.date()


def days_lost(pauses: Sequence[Pause], received_at: datetime, calendar: Calendar) -> int:
    """The working days covered by the completed pauses (see THE pause rule above)."""
    spans: list[tuple[date, date]] = []
    for pause in pauses:
        if pause.ended is None:
            continue
        started = _local(pause.started, "A pause's start")
        ended = _local(pause.ended, "A pause's end")
        if ended < started:
            raise ValueError("A pause cannot end before it started.")
        if ended < received_at:
            continue
        first = _clock_day(max(started, received_at), "A pause's start")
        last = ended.date()
        if first <= last:
            spans.append((first, last))
    lost = 0
    covered_until: date | None = None  # the last day already counted
    for first, last in sorted(spans):
        if covered_until is not None:
            if last <= covered_until:
                continue
            first = max(first, covered_until + _ONE_DAY)
        lost += calendar.working_days_between(first - _ONE_DAY, last)
        covered_until = last
    return lost


def end_of(day: date) -> datetime:
    """A deadline on `day` ends with its working day, in London."""
    return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=LONDON)


def due_at(
    *,
    received_at: datetime,
    working_days: int,
    calendar: Calendar,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """When triage is due: 17:00 (London) on the working day `working_days` after receipt.

    The count starts on the day the referral was received (0 = that same working day); a
    referral received on a weekend or bank holiday, or at or after 17:00, starts on the next
    working day. Each completed pause pushes the deadline back by the working days it covered
    (THE pause rule, above); open pauses are ignored here. The result is in Europe/London.
    """
    first_day = calendar.add_working_days(_clock_day(received_at, "received_at"), 0)
    lost = days_lost(pauses, received_at, calendar)
    return end_of(calendar.add_working_days(first_day, working_days + lost))


def add_working_hours(start: datetime, hours: int, calendar: Calendar) -> datetime:
    """The moment `hours` working hours after `start`: only time from 09:00 to 17:00 (London)
    on a working day counts. Time outside working hours waits for the next working time, so
    2 working hours from Friday 16:00 end on Monday at 10:00, and from Saturday, or from
    08:00, they end at 11:00 on the next working day. A span that fills the day to its end
    ends at 17:00 that day. The result is in Europe/London."""
    if hours < 0:
        raise ValueError("The number of working hours to add cannot be negative.")
    moment = _local(start, "start")
    remaining = timedelta(hours=hours)
    day = moment.date()
    while True:
        if calendar.is_working_day(day):
            begin = max(moment, datetime.combine(day, START_OF_WORKING_DAY, tzinfo=LONDON))
            closes = end_of(day)
            if begin < closes:
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        day += _ONE_DAY
        moment = datetime.combine(day, time(0, 0), tzinfo=LONDON)


@dataclass(frozen=True)
class TimeLeft:
    """A clock's state for people: `words` always say what `colour` shows."""

    state: Literal["paused", "on_time", "due_today", "overdue"]
    # Working days left (on_time, at least 1), working days overdue (overdue: 0 on the day of
    # the deadline and on the non-working days straight after it), 0 due today or paused.
    working_days: int
    words: str
    colour: Literal["green", "amber", "red", "grey"]


def _clock_words(moment: datetime) -> str:
    """'5pm', '9:30am', '12pm' (noon)."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.minute:
        return f"{hour}:{moment.minute:02d}{suffix}"
    return f"{hour}{suffix}"


def _working_days_words(days: int) -> str:
    return "1 working day" if days == 1 else f"{days} working days"


def time_left(
    *, due: datetime, now: datetime, calendar: Calendar, paused: bool = False
) -> TimeLeft:
    """How a clock stands at `now`: paused, on time, due today or overdue.

    Due today means the deadline is later on today's London date; at the deadline itself the
    item is overdue (the working day has ended). Working days left count the working days
    after today up to the deadline's day; working days overdue count the working days after
    the deadline's day up to today.
    """
    if paused:
        return TimeLeft(state="paused", working_days=0, words=PAUSED_WORDS, colour="grey")
    due_local = _local(due, "due")
    now_local = _local(now, "now")
    today = now_local.date()
    at = _clock_words(due_local)
    if now_local < due_local:
        if due_local.date() == today:
            return TimeLeft(
                state="due_today", working_days=0, words=f"Due today by {at}", colour="amber"
            )
        days = max(1, calendar.working_days_between(today, due_local.date()))
        return TimeLeft(
            state="on_time",
            working_days=days,
            words=f"{_working_days_words(days)} left",
            colour="green",
        )
    days = calendar.working_days_between(due_local.date(), today)
    if days:
        words = f"Overdue by {_working_days_words(days)}"
    elif due_local.date() == today:
        words = f"Overdue since {at} today"
    else:
        day = due_local.date()
        words = f"Overdue since {at} on {_DAY_NAMES[day.weekday()]} {day.day} {_MONTHS[day.month]}"
    return TimeLeft(state="overdue", working_days=days, words=words, colour="red")
