"""Dates typed by staff: the NHS.UK date input, as one form field.

A date in one text box is a guess waiting to happen: "3/4/2026" is the 3rd of April here and
the 4th of March to a browser set up in America, a phone's keyboard hides the slashes, and a
native date picker writes whatever its locale says. The NHS.UK date input asks for the day,
the month and the year in three labelled boxes, so nothing is left to guess (hazard H39 in
docs/clinical-safety/hazard-log.md). `DateField` is that input: it posts `<name>_day`,
`<name>_month` and `<name>_year`, says exactly what is wrong ("The due date must include a
month", "... must be a real date") and never lets a bad value through as a 500.
`DateTimeField` adds a fourth box for the time, on the 24-hour clock.

A client that posts a date whole (another system, a test) may still send `<name>` alone, as
ISO 8601 (2026-11-20, or 2026-11-20 14:30 for a date and time) or day month year (20 11 2026,
20/11/2026): the formats the single text boxes took before. Never month first.

Templates render the field with `includes/field.html`, which hands it to
`includes/date_input.html` (the fieldset, legend, hint, error and the boxes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.forms.utils import from_current_timezone
from django.utils import timezone

from onedoor import clock

DATE_PARTS = ("day", "month", "year")
DATE_AND_TIME_PARTS = (*DATE_PARTS, "time")
DATE_HINT = "For example, 27 3 2027"
DATE_AND_TIME_HINT = "For example, 27 3 2027 and 14:30 (the time on the 24-hour clock)"
# Nothing this service records is before 1900 or after 2099: a year outside them is a slip.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2099

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²" is a digit to `str.isdigit` but not to `int`
_TIME = re.compile(r"([0-9]{1,2})[:.]?([0-9]{2})")
_WHOLE = re.compile(
    r"(?:(?P<iso_year>[0-9]{4})-(?P<iso_month>[0-9]{1,2})-(?P<iso_day>[0-9]{1,2})"
    r"|(?P<day>[0-9]{1,2})[ /](?P<month>[0-9]{1,2})[ /](?P<year>[0-9]{4}))"
    r"(?:[ T](?P<time>[0-9]{1,2}[:.][0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?P<zone>Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_LABELS = {"day": "Day", "month": "Month", "year": "Year", "time": "Time"}
_WIDTHS = {"day": 2, "month": 2, "year": 4, "time": 5}


class DateInput(forms.MultiWidget):
    """Three boxes (four with the time), posted as `<name>_day`, `<name>_month`, `<name>_year`
    (and `<name>_time`); or one value `<name>`, posted whole."""

    def __init__(self, parts: tuple[str, ...] = DATE_PARTS) -> None:
        self.parts = parts
        super().__init__(
            widgets={
                part: forms.TextInput(attrs={"inputmode": "numeric"} if part != "time" else {})
                for part in parts
            }
        )

    def decompress(self, value: Any) -> list[str]:
        return list(_parts_of(value, self.parts))

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        """The parts as typed (a tuple of strings, "" for a part not sent); or, when no part
        was sent, the whole value as sent (a string, or a date from a form built in code)."""
        parts = tuple(_one(data, f"{name}_{part}") for part in self.parts)
        if all(part is None for part in parts) and name in data:
            whole = data.get(name)
            return whole if isinstance(whole, date) else (_one(data, name) or "")
        return tuple((part or "").strip() for part in parts)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(f"{name}_{part}" in data for part in self.parts)


def _one(data: Any, key: str) -> str | None:
    """One posted value as a string (the last, as Django's `QueryDict.get` gives)."""
    if key not in data:
        return None
    value = data.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Part:
    """One box of the date input, for the template."""

    name: str  # as posted
    id: str
    label: str
    value: str
    width: int
    error: bool  # outlined red: the part the error is about
    numeric: bool


class DateBoundField(forms.BoundField):
    field: DateField

    @property
    def date_parts(self) -> list[Part]:
        """The boxes, with what was typed (or the initial date) and which the error marks."""
        raw = self.data if self.form.is_bound else self.initial
        values = _parts_of(raw, self.field.parts)
        marked = self._marked()
        return [
            Part(
                name=f"{self.html_name}_{part}",
                # The first box has the field's own id, so the error summary's link and a
                # label's `for` land on it.
                id=self.auto_id if index == 0 else f"{self.auto_id}_{part}",
                label=_LABELS[part],
                value=value,
                width=_WIDTHS[part],
                error=part in marked,
                numeric=part != "time",
            )
            for index, (part, value) in enumerate(zip(self.field.parts, values, strict=True))
        ]

    def _marked(self) -> set[str]:
        if not self.form.is_bound or self.name not in self.form.errors:
            return set()
        marked: set[str] = set()
        for error in self.form.errors[self.name].as_data():
            parts = (error.params or {}).get("parts")
            marked.update(parts if parts else self.field.parts)
        return marked


def _parts_of(value: Any, parts: tuple[str, ...]) -> tuple[str, ...]:
    """What each box shows for `value`: the parts as typed, or a date taken apart."""
    if isinstance(value, tuple | list) and len(value) == len(parts):
        return tuple(str(part) for part in value)
    if isinstance(value, str):
        whole = _WHOLE.fullmatch(value.strip())
        if whole is None:
            return ("",) * len(parts)
        typed = _split(whole)  # shown as a person would type it: 7, not 07
        return tuple(str(int(typed[part])) if part != "time" else typed[part] for part in parts)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return (str(value.day), str(value.month), str(value.year), f"{value:%H:%M}")[: len(parts)]
    if isinstance(value, date):
        return (str(value.day), str(value.month), str(value.year), "")[: len(parts)]
    return ("",) * len(parts)


def _split(whole: re.Match[str]) -> dict[str, str]:
    found = whole.groupdict()
    iso = found["iso_year"] is not None
    return {
        "day": found["iso_day"] if iso else found["day"],
        "month": found["iso_month"] if iso else found["month"],
        "year": found["iso_year"] if iso else found["year"],
        "time": found["time"] or "",
    }


class DateField(forms.Field):
    """A date as the NHS.UK date input asks for it.

    `subject` names the date in its messages, starting with "The" ("The due date"), so that
    they read "The due date must include a month". `past` refuses a date after today, and
    `future` one before today, saying so. Every date is in 1900 to 2099.
    """

    widget = DateInput
    parts: tuple[str, ...] = DATE_PARTS
    with_time = False
    default_hint = DATE_HINT

    def __init__(
        self,
        *,
        label: str,
        subject: str | None = None,
        required_message: str | None = None,
        past: bool = False,
        future: bool = False,
        help_text: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.subject = subject or f"The {label[:1].lower()}{label[1:]}"
        self.past, self.future = past, future
        messages = {"required": required_message or f"Enter {self._subject()}"}
        messages |= kwargs.pop("error_messages", {})
        kwargs.setdefault("widget", DateInput(self.parts))
        super().__init__(
            label=label,
            help_text=self.default_hint if help_text is None else help_text,
            error_messages=messages,
            **kwargs,
        )

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> DateBoundField:
        return DateBoundField(form, self, field_name)

    def _subject(self) -> str:
        return self.subject[:1].lower() + self.subject[1:]

    def _refuse(self, problem: str, *parts: str) -> forms.ValidationError:
        return forms.ValidationError(
            f"{self.subject} {problem}", code="invalid", params={"parts": parts or self.parts}
        )

    def to_python(self, value: Any) -> Any:
        if isinstance(value, datetime):  # from a form built in code
            value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
        if isinstance(value, date):
            return self._checked(value)
        if isinstance(value, str):  # posted whole
            typed = value.strip()
            if not typed:
                return None
            whole = _WHOLE.fullmatch(typed)
            if whole is None or (bool(whole["time"]) and not self.with_time):
                raise self._refuse(self._real())
            if whole["zone"]:  # a date and time from another system, with its offset
                return self._zoned(typed)
            value = tuple(_split(whole)[part] for part in self.parts)
        if not isinstance(value, tuple | list) or len(value) != len(self.parts):
            raise self._refuse(self._real())
        typed_parts = dict(zip(self.parts, (str(part).strip() for part in value), strict=True))
        missing = [part for part, typed in typed_parts.items() if not typed]
        if len(missing) == len(self.parts):
            return None
        if missing:
            raise self._refuse(f"must include a {' and '.join(missing)}", *missing)
        return self._checked(self._parsed(typed_parts))

    def _real(self) -> str:
        return "must be a real date"

    def _parsed(self, typed: dict[str, str]) -> Any:
        day, month, year = typed["day"], typed["month"], typed["year"]
        if not all(_DIGITS.fullmatch(part) for part in (day, month, year)):
            raise self._refuse(self._real())
        if len(year) != 4:
            raise self._refuse("must include a year of 4 numbers, like 2027", "year")
        try:
            return date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # 31 February; a day of twenty digits
            raise self._refuse(self._real()) from None

    def _day_of(self, value: Any) -> date:
        return value  # type: ignore[no-any-return]

    def _checked(self, value: Any) -> Any:
        day = self._day_of(value)
        if day.year < EARLIEST_YEAR:
            raise self._refuse(f"must be in {EARLIEST_YEAR} or later", "year")
        if day.year > LATEST_YEAR:
            raise self._refuse(f"must be in {LATEST_YEAR} or earlier", "year")
        if self.past and day > clock.today():
            raise self._refuse("must be today or in the past")
        if self.future and day < clock.today():
            raise self._refuse("must be today or in the future")
        return value

    def _zoned(self, typed: str) -> Any:
        raise self._refuse(self._real())  # only a date and time has a time, let alone a zone


class DateTimeField(DateField):
    """A date and a time: the date input's three boxes and a fourth for the time (14:30),
    read as the time in London. `past` refuses a moment after now."""

    parts = DATE_AND_TIME_PARTS
    with_time = True
    default_hint = DATE_AND_TIME_HINT

    def _real(self) -> str:
        return "must be a real date and time"

    def _parsed(self, typed: dict[str, str]) -> Any:
        day = super()._parsed(typed)
        found = _TIME.fullmatch(typed["time"])
        if found is None or int(found[1]) > 23 or int(found[2]) > 59:
            raise self._refuse("must include a real time, like 14:30", "time")
        naive = datetime.combine(day, time(int(found[1]), int(found[2])))
        try:
            return from_current_timezone(naive)
        except forms.ValidationError:  # the hour the clocks skip, or the one they repeat
            raise self._refuse(
                "is in the hour the clocks change: enter a time outside 1am to 2am", "time"
            ) from None

    def _zoned(self, typed: str) -> Any:
        try:
            moment = datetime.fromisoformat(typed.replace(" ", "T", 1))
        except ValueError:
            raise self._refuse(self._real()) from None
        return self._checked(moment)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, datetime):
            aware = value if timezone.is_aware(value) else from_current_timezone(value)
            return self._checked(aware)
        if isinstance(value, date):
            raise self._refuse(self._real())
        return super().to_python(value)

    def _day_of(self, value: Any) -> date:
        return timezone.localtime(value).date()  # type: ignore[no-any-return]

    def _checked(self, value: Any) -> Any:
        moment = super()._checked(value)
        if self.past and moment > clock.now():
            raise self._refuse("must be now or in the past")
        return moment
