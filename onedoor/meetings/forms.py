"""The "record a meeting" form: the meeting, then repeated rows of attendees, children
discussed and actions. The number of rows of each comes with the form (hidden fields), and
"Add another" asks for one more, without JavaScript. A blank row is skipped; a row filled in
part gets an error on the part missing, linked from the error summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.checks import TEXT_MAX
from onedoor.governance.forms import PersonChoice, date_field
from onedoor.meetings.actions import (
    ACTION_MAX,
    NAME_MAX,
    TITLE_MAX,
    ActionEntry,
    AttendeeEntry,
    ChildDiscussed,
)
from onedoor.meetings.models import Kind
from onedoor.referrals.models import Referral
from onedoor.referrals.reference import display, is_valid, normalise

MAX_ROWS = 30


@dataclass(frozen=True)
class Rows:
    """How many rows of each kind the form shows."""

    attendees: int = 4
    children: int = 2
    actions: int = 3

    @classmethod
    def posted(cls, data: Mapping[str, str]) -> Rows:
        """The counts the page was sent with (never fewer than the default, nor more than
        `MAX_ROWS`), one more of the kind whose "Add another" was pressed."""
        counts = {}
        for kind in ("attendees", "children", "actions"):
            default = getattr(cls(), kind)
            try:
                wanted = int(data.get(f"{kind}_rows", default))
            except ValueError:
                wanted = default
            counts[kind] = min(max(wanted, default), MAX_ROWS)
        rows = cls(**counts)
        added = data.get("add", "")
        if added in counts:
            rows = replace(rows, **{added: min(counts[added] + 1, MAX_ROWS)})
        return rows


def _text(label: str, limit: int, what: str, **extra: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, required=False,
        error_messages={"max_length": f"Keep {what} to {limit} characters or fewer"}, **extra,
    )  # fmt: skip


def _person(label: str, people: QuerySet[User], invalid: str) -> PersonChoice:
    return PersonChoice(
        label=label, queryset=people, to_field_name="uuid", empty_label="Choose",
        required=False, error_messages={"invalid_choice": invalid},
    )  # fmt: skip


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of meeting was it?",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of meeting"},
    )
    held_on = date_field("Date of the meeting", "Enter the date of the meeting")
    title = forms.CharField(
        label="Title",
        help_text="What the meeting was for, in a few words. Do not include a child's name.",
        max_length=TITLE_MAX,
        error_messages={
            "required": "Enter a title",
            "max_length": f"Keep the title to {TITLE_MAX} characters or fewer",
        },
    )
    chair_name = _text(
        "Or, if the chair is not on the alliance's staff, their name and agency",
        NAME_MAX,
        "the chair's name",
    )
    decisions = _text(
        "Decisions about the meeting as a whole (optional)",
        TEXT_MAX,
        "the decisions",
        help_text="A decision about one child goes with that child above, where only those "
        "who may see the child read it.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args: Any,
        staff: QuerySet[User],
        visible: QuerySet[Referral],
        rows: Rows,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.visible = visible
        self.fields["chair"] = _person(
            "Chair (if on the alliance's staff)", staff, "Choose the chair from the list"
        )
        order = ["kind", "held_on", "title", "chair", "chair_name"]
        for n in range(1, rows.attendees + 1):
            self.fields[f"attendee_{n}_user"] = _person(
                "Member of staff (optional)", staff, f"Choose attendee {n} from the list"
            )
            self.fields[f"attendee_{n}_name"] = _text("Name", NAME_MAX, f"attendee {n}'s name")
            self.fields[f"attendee_{n}_agency"] = _text(
                "Agency", NAME_MAX, f"attendee {n}'s agency"
            )
            order += [f"attendee_{n}_user", f"attendee_{n}_name", f"attendee_{n}_agency"]
        for n in range(1, rows.children + 1):
            self.fields[f"child_{n}_reference"] = _text(
                "Referral reference", 20, "the reference", help_text="Like K7PX-3MQA."
            )
            self.fields[f"child_{n}_decisions"] = _text(
                "Decisions about this child (optional)", TEXT_MAX, "the decisions",
                widget=forms.Textarea(attrs={"rows": 3}),
            )  # fmt: skip
            order += [f"child_{n}_reference", f"child_{n}_decisions"]
        order.append("decisions")
        for n in range(1, rows.actions + 1):
            self.fields[f"action_{n}_text"] = _text("What is to be done", ACTION_MAX, f"action {n}")
            self.fields[f"action_{n}_owner"] = _person(
                "Owner", staff, f"Choose the owner of action {n} from the list"
            )
            self.fields[f"action_{n}_due_on"] = date_field(
                "Due by",
                f"Enter the date action {n} is due by",
                required_field=False,
                subject=f"The date action {n} is due by",
            )
            self.fields[f"action_{n}_reference"] = _text(
                "About which child (optional)", 20, "the reference",
                help_text="The referral reference of one of the children discussed.",
            )  # fmt: skip
            order += [f"action_{n}_{part}" for part in ("text", "owner", "due_on", "reference")]
        self.order_fields(order)

    # The rows, for the template: (number, bound fields by part)

    def _grouped(self, kind: str, count: int, parts: tuple[str, ...]) -> list[dict[str, Any]]:
        return [
            {"number": n, **{part: self[f"{kind}_{n}_{part}"] for part in parts}}
            for n in range(1, count + 1)
        ]

    def attendee_rows(self) -> list[dict[str, Any]]:
        return self._grouped("attendee", self.rows.attendees, ("user", "name", "agency"))

    def child_rows(self) -> list[dict[str, Any]]:
        return self._grouped("child", self.rows.children, ("reference", "decisions"))

    def action_rows(self) -> list[dict[str, Any]]:
        return self._grouped("action", self.rows.actions, ("text", "owner", "due_on", "reference"))

    # Checks across fields

    def clean_held_on(self) -> date:
        held_on: date = self.cleaned_data["held_on"]
        if held_on > clock.today():
            raise forms.ValidationError("The date of the meeting cannot be in the future")
        return held_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chair, chair_name = data.get("chair"), data.get("chair_name", "")
        if chair is None and not chair_name and "chair" not in self.errors:
            self.add_error("chair", "Choose the chair from the list, or enter their name")
        elif chair is not None and chair_name:
            self.add_error(
                "chair_name", "Choose the chair from the list or enter their name, not both"
            )
        self._attendees(data)
        self._children(data)
        self._actions(data)
        return data

    def _attendees(self, data: dict[str, Any]) -> None:
        entries = []
        for n in range(1, self.rows.attendees + 1):
            user, name, agency = (data.get(f"attendee_{n}_{p}") for p in ("user", "name", "agency"))
            if user is None and not name and not agency:
                continue
            if user is None and not name:
                self.add_error(f"attendee_{n}_name", f"Enter the name of attendee {n}")
            elif user is None and not agency:
                self.add_error(f"attendee_{n}_agency", f"Enter the agency of attendee {n}")
            entries.append(AttendeeEntry(name=name or "", agency=agency or "", user=user))
        if not entries and not any(name.startswith("attendee_") for name in self.errors):
            self.add_error("attendee_1_name", "Add at least one attendee")
        self.attendees = entries

    def _children(self, data: dict[str, Any]) -> None:
        typed = {}
        for n in range(1, self.rows.children + 1):
            reference = normalise(data.get(f"child_{n}_reference") or "")
            decisions = data.get(f"child_{n}_decisions") or ""
            if not reference and decisions:
                self.add_error(
                    f"child_{n}_reference", "Enter the referral reference for these decisions"
                )
            elif reference:
                typed[n] = (reference, decisions)
        found = {
            r.reference: r
            for r in self.visible.filter(
                reference__in=[reference for reference, _ in typed.values()]
            ).select_related("child")
        }
        self.children: list[ChildDiscussed] = []
        self.discussed: dict[str, Referral] = {}
        for n, (reference, decisions) in typed.items():
            shown = display(reference) if is_valid(reference) else reference
            if reference not in found:
                self.add_error(
                    f"child_{n}_reference",
                    f"{shown} is not the reference of a referral you can see",
                )
            elif reference in self.discussed:
                self.add_error(f"child_{n}_reference", f"{shown} is already listed")
            else:
                self.discussed[reference] = found[reference]
                self.children.append(ChildDiscussed(found[reference], decisions))

    def _actions(self, data: dict[str, Any]) -> None:
        self.actions: list[ActionEntry] = []
        held_on = data.get("held_on")
        for n in range(1, self.rows.actions + 1):
            name = f"action_{n}_"
            text, owner, due_on, reference = (
                data.get(name + part) for part in ("text", "owner", "due_on", "reference")
            )
            if not (text or owner or due_on or reference) and name + "due_on" not in self.errors:
                continue
            if not text:
                self.add_error(name + "text", f"Enter what action {n} is")
            if owner is None and name + "owner" not in self.errors:
                self.add_error(name + "owner", f"Choose the owner of action {n}")
            if due_on is None and name + "due_on" not in self.errors:
                self.add_error(name + "due_on", f"Enter the date action {n} is due by")
            elif due_on is not None and held_on is not None and due_on < held_on:
                self.add_error(name + "due_on", f"Action {n} cannot be due before the meeting")
            about = None
            if reference:
                about = self.discussed.get(normalise(reference))
                if about is None:
                    self.add_error(
                        name + "reference", f"Action {n} can only be about a child discussed"
                    )
            if text and owner is not None and due_on is not None:
                self.actions.append(ActionEntry(text, owner, due_on, about))
