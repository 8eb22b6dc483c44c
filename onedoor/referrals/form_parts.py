"""The building blocks of the referral form's pages: limits, the reader's words, the
alliance's lists, field helpers and the page form every question page extends."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.text import capfirst

from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Route

NAME_LIMIT = 100
LONG_NAME_LIMIT = 200  # organisations, schools, GP practices, address lines
TEXT_LIMIT = 2000
OLDEST = 30  # a date of birth older than this is a typing mistake, not a young person
ADULT_AGE = 18

Value = str | list[str]
YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_GIVEN = "Not given"
NONE = "none"  # "None of these" among the risk indicators


@dataclass(frozen=True)
class Words:
    """How the form speaks of the child or young person, on one route."""

    who: str  # "you" / "your child" / "the young person"
    whose: str  # "your" / "your child's" / "the young person's"
    does: str  # "do you" / "does your child"
    is_: str  # "are you" / "is your child"

    def __getitem__(self, key: str) -> str:
        """For `str.format_map`: {who}, {whose}; capitalised as {Who}, {Whose}."""
        value: str = getattr(self, key.lower())
        return capfirst(value) if key[0].isupper() else value  # type: ignore[return-value]


WORDS = {
    Route.SELF: Words("you", "your", "do you", "are you"),
    Route.PARENT: Words("your child", "your child's", "does your child", "is your child"),
    Route.PROFESSIONAL: Words(
        "the young person", "the young person's", "does the young person", "is the young person"
    ),
}
NEUTRAL = Words(
    "the child or young person",
    "the child or young person's",
    "does the child or young person",
    "is the child or young person",
)


@dataclass(frozen=True)
class Practice:
    """A GP practice on the alliance's list, as the form offers it."""

    ods_code: str
    name: str
    label: str  # "Priory Surgery, Chatham (ME4 4AB)"


def _comparable(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.casefold().replace("&", " and ")).split()
    return " ".join(words)


def listed_practice_named(practices: Sequence[Practice], typed: str) -> Practice | None:
    """The one practice on the list whose name or ODS code is `typed` (in any case, with any
    punctuation), or None: a name two practices share chooses neither."""
    wanted = _comparable(typed)
    if not wanted:
        return None
    found = [p for p in practices if wanted in (_comparable(p.name), _comparable(p.ods_code))]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Choices:
    """The alliance's configured lists; None when the database could not be asked."""

    needs: tuple[tuple[str, str], ...] | None
    groups: tuple[tuple[str, str], ...] | None  # priority groups and SEND
    lgbtqia: bool  # the alliance records LGBTQIA+ (with the young person's agreement)
    alliance_name: str = "The alliance"
    area_name: str = ""
    extended_max_age: int = 0  # the upper age for a group that extends eligibility
    practices: tuple[Practice, ...] = ()  # the GP practices a referrer may choose


@dataclass(frozen=True)
class FormContext:
    route: str
    today: date
    choices: Choices
    born: date | None = None  # from the page about the child, once answered
    # From the parents and carers page, for the consent pages: the parental responsibility
    # of the parent or carer given ("" when none), whether they are the referrer (a parent
    # giving their own details), and whether a professional gave none because the young
    # person consents themselves.
    carer_pr: str = ""
    carer_is_referrer: bool = False
    no_parent_details: bool = False

    @property
    def words(self) -> Words:
        return WORDS.get(self.route, NEUTRAL)  # type: ignore[call-overload,no-any-return]

    @property
    def age(self) -> int | None:
        return None if self.born is None else age_on(self.born, self.today)


def text_field(
    subject: str, limit: int = NAME_LIMIT, *, required: bool = True, rows: int = 0, **attrs: str
) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": str(rows)}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(
        required=required,
        max_length=limit,
        widget=widget,
        error_messages={"max_length": f"{subject} must be {limit:,} characters or less"},
    )


def radios_field(choices: Sequence[tuple[str, str]], *, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, required=required)


class TelInput(forms.TextInput):
    input_type = "tel"


_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s()-]+$")
PHONE_MESSAGE = "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"


def uk_phone_number(value: str) -> str | None:
    """A UK phone number as digits from 0 ("+44 (0)7700 900982" -> "07700900982"), or None."""
    value = value.strip()
    if not _PHONE_CHARACTERS.match(value):
        return None
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        if not digits.startswith("44"):
            return None
        digits = "0" + digits[2:].removeprefix("0")
    if digits.startswith("0") and 10 <= len(digits) <= 11:
        return digits
    return None


class PhoneField(forms.CharField):
    widget = TelInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"autocomplete": "tel"})

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        number = uk_phone_number(text)
        if number is None:
            raise forms.ValidationError(PHONE_MESSAGE)
        return number


def email_field() -> forms.EmailField:
    return forms.EmailField(
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or less",
        },
    )


class PageForm(forms.Form):
    """One page of questions, worded for its reader."""

    def __init__(
        self,
        data: Any = None,
        *,
        ctx: FormContext,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.ctx = ctx
        self.words = ctx.words
        self.setup()

    def setup(self) -> None:
        """Word the questions for the reader, and drop the ones that don't apply."""

    def word(self, name: str, label: str, *, required: str = "", hint: str = "") -> None:
        field = self.fields[name]
        field.label = label.format_map(self.words)
        if required:
            field.error_messages["required"] = required.format_map(self.words)
        if hint:
            field.help_text = hint.format_map(self.words)

    def saved(self) -> dict[str, Value]:
        """What was typed, as it was typed: the state keeps it to show and check again."""
        values = {name: self[name].data for name in self.fields}
        return {name: v if isinstance(v, list) else str(v or "") for name, v in values.items()}

    def _any_errors(self, names: Sequence[str]) -> bool:
        return any(name in self.errors for name in names)

    def label_of(self, name: str, value: str) -> str:
        return str(dict(self.fields[name].choices).get(value, value))  # type: ignore[attr-defined]

    def rows(self) -> list[tuple[str, str]]:
        return []

    def answers(self) -> dict[str, Any]:
        return {}


def offer_alliance_list(
    form: PageForm, name: str, choices: tuple[tuple[str, str], ...] | None
) -> None:
    """Offer the alliance's list; without the database, accept what was chosen before."""
    if choices is None:
        if not form.is_bound:
            chosen = form.initial.get(name) or []
        elif hasattr(form.data, "getlist"):
            chosen = form.data.getlist(name)
        else:
            chosen = form.data.get(name) or []
        choices = tuple((value, value.replace("-", " ").capitalize()) for value in chosen)
    form.fields[name].choices = choices  # type: ignore[attr-defined]
