"""The child banner: who this record is about, at the top of every record page.

`{% load banner %}{% child_banner referral %}` on a page about one referral, or
`{% child_banner child=child %}` on a page about a child with no one referral (then the
child's current referral among those the user may see: the one holding the waiting place,
else one waiting for sign-off, else another open one, else the latest).

The page has already fetched its record through the access layer; the banner shows no more
than the user may see. The referral's details (NHS number, risk, priority groups, allocation,
alerts) only when the referral is visible to them (`access.records.referrals_visible_to`);
otherwise only who the child is (name, date of birth, the reference the page shows). An open
safeguarding concern only when `safeguarding.records.concerns_visible_to` lets them see it.

A fixed number of queries, whatever the child has: the referral with its child, organisation,
named practitioner and open concerns (one query, annotated), the child's priority groups,
and for a young adult their named care coordinator; on a child's page with no referral the
user may see, the child with its open concerns instead of the referral. On a page about a
child, first the child's referrals the user may see, to choose the current one
(`current_referral`), unless the page has read them already: the child's own page builds its
banner in the view from its `access.records.ChildRecord` and includes
`includes/child_banner.html` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import template
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import child_referrals_visible_to, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.alliance.models import RiskRating
from onedoor.care.models import CoordinatorAssignment
from onedoor.care.young_adults import CARE_LEAVER, is_young_adult
from onedoor.children.models import Child
from onedoor.children.nhs_number import format_nhs_number
from onedoor.clock import LONDON
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Referral
from onedoor.referrals.places import place_rank
from onedoor.safeguarding.records import concerns_visible_to

register = template.Library()

# The NHS.UK tag colour for each risk rating (amber is NHS.UK's orange tag).
RISK_TAGS: dict[str, str] = {
    RiskRating.RED: "nhsuk-tag--red",
    RiskRating.AMBER: "nhsuk-tag--orange",
    RiskRating.GREEN: "nhsuk-tag--green",
}
NOT_SCREENED = "Not yet screened"
NO_NHS_NUMBER = "No NHS number"
NO_NAMED_PRACTITIONER = "No named practitioner"
ACCESSIBILITY_SHOWN = 120  # characters of the accessibility needs the banner shows


@dataclass(frozen=True)
class Banner:
    child: Child
    age: str  # "14 years"; under 2, "18 months"
    reference: str  # the referral's, "" when the user may see none of the child's
    full: bool  # False: the user may not see the referral; only who the child is is shown
    nhs_number: str = ""  # "943 476 5919", or NO_NHS_NUMBER
    risk: str = ""  # "Red", "Amber", "Green" or NOT_SCREENED
    risk_tag: str = ""  # the NHS.UK tag's colour class ("" when not screened: grey)
    priority_groups: tuple[str, ...] = ()
    allocated_to: str = ""  # the organisation; "" when not allocated
    named_practitioner: str = ""  # a name, or NO_NAMED_PRACTITIONER when allocated
    open_concerns: int = 0  # open safeguarding concerns about the child the user may see
    newest_concern: str = ""  # the newest one's uuid, for its link
    young_adult: bool = False  # a care leaver of 18 to 25: the Young Adult Support Offer
    coordinator: str = ""  # the young adult's named care coordinator, if one is named
    communication: tuple[str, ...] = ()  # language, interpreter, accessibility needs
    status_withheld: bool = False  # "do not share status with the family" (status_sharing)
    # Consent to share withdrawn (`children/sharing.py`), shown to everyone who opens the
    # record: the day (London), and the partner that kept the child ("" when none did).
    sharing_withdrawn_on: date | None = None
    sharing_kept_by: str = ""

    @property
    def has_alerts(self) -> bool:
        return bool(
            self.open_concerns
            or self.young_adult
            or self.communication
            or self.status_withheld
            or self.sharing_withdrawn_on
        )


# Pure rules


def age_in_words(born: date, today: date) -> str:
    """Age in completed years; under 2, in completed months."""
    years = age_on(born, today)
    if years >= 2:
        return f"{years} years"
    months = (today.year - born.year) * 12 + today.month - born.month - int(today.day < born.day)
    months = max(months, 0)
    return "1 month" if months == 1 else f"{months} months"


def communication_needs(*, language: str, interpreter: bool, accessibility: str) -> tuple[str, ...]:
    """What the referral says about talking with the child and family, in words: an
    interpreter, a language other than English, and accessibility needs (shortened)."""
    needs = []
    language = " ".join(language.split())
    if interpreter:
        needs.append(f"Interpreter needed ({language})" if language else "Interpreter needed")
    elif language and language.casefold() != "english":
        needs.append(f"Language: {language}")
    accessibility = " ".join(accessibility.split())
    if len(accessibility) > ACCESSIBILITY_SHOWN:
        accessibility = (
            accessibility[: ACCESSIBILITY_SHOWN - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
        )
    if accessibility:
        needs.append(f"Accessibility needs: {accessibility}")
    return tuple(needs)


def sharing_alert(child: Child) -> dict[str, Any]:
    """Consent to share withdrawn, from the child as read with its `sharing_kept_by`."""
    if child.sharing_withdrawn_at is None:
        return {}
    kept = child.sharing_kept_by
    return {
        "sharing_withdrawn_on": timezone.localdate(child.sharing_withdrawn_at, LONDON),
        "sharing_kept_by": kept.name if kept is not None else "",
    }


def _person(first: str | None, last: str | None, username: str | None) -> str:
    """A user's name as `User.__str__` gives it, from annotated columns."""
    return f"{first or ''} {last or ''}".strip() or (username or "")


# The queries


def _concern_annotations(user: User, child: str) -> dict[str, Any]:
    """The open safeguarding concerns about the child (at the path `child`) the user may see:
    how many, and the newest."""
    open_ = concerns_visible_to(user).filter(
        referral__child_id=OuterRef(child), closed_at__isnull=True
    )
    return {
        "open_concerns": Subquery(
            open_.order_by().values("referral__child_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        "newest_concern": Subquery(open_.order_by("-raised_at", "-pk").values("uuid")[:1]),
    }


def _named_coordinator(referral: Referral) -> str:
    """A young adult's named care coordinator, "" when nobody is named. Read only for a young
    adult (few children): three subqueries on every banner cost more to build than this
    query for the few (issue 17, B9)."""
    named = (
        CoordinatorAssignment.objects.named()
        .filter(referral=referral)
        .values_list("coordinator__first_name", "coordinator__last_name", "coordinator__username")
        .first()
    )
    return _person(*named) if named else ""


def _referrals(user: User, referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related(
        "child__alliance", "child__sharing_kept_by", "allocated_organisation", "named_practitioner"
    ).annotate(**_concern_annotations(user, "child_id"))


def current_referral(referrals: Iterable[Referral]) -> Referral | None:
    """A child's current referral among `referrals`: the one holding the waiting place, else
    one waiting for sign-off, else another open one; among equals the latest received (then
    the latest made). None when there are none."""
    return min(referrals, key=_currency, default=None)


def _currency(referral: Referral) -> tuple[int, float, int]:
    return place_rank(referral.status), -referral.received_at.timestamp(), -referral.pk


def build_banner(
    user: User,
    *,
    referral: Referral | None = None,
    child: Child | None = None,
    visible: Iterable[Referral] | None = None,
) -> Banner:
    """The banner for a page about `referral`, or about `child` (exactly one of them). A page
    about a child that has already read the child's referrals the user may see passes them as
    `visible` (`access.records.ChildRecord.referrals`); otherwise they are read here."""
    if referral is not None:
        return _from_referral(
            _referrals(user, Referral.objects.filter(pk=referral.pk))
            .annotate(visible=Exists(referrals_visible_to(user).filter(pk=OuterRef("pk"))))
            .get()
        )
    assert child is not None, "child_banner needs a referral or a child"
    if visible is None:
        visible = child_referrals_visible_to(user, child)
    current = current_referral(visible)
    if current is None:
        return _child_only(user, child)
    return _from_referral(
        _referrals(user, Referral.objects.filter(pk=current.pk))
        .annotate(visible=Value(True, output_field=BooleanField()))
        .get()
    )


def _child_only(user: User, child: Child) -> Banner:
    """A child's page when the user sees none of the child's referrals (advice only, say)."""
    person = (
        Child.objects.select_related("sharing_kept_by")
        .annotate(**_concern_annotations(user, "pk"))
        .get(pk=child.pk)
    )
    groups = tuple(person.priority_groups.values_list("name", flat=True))
    return Banner(
        child=person,
        age=age_in_words(person.date_of_birth, clock.today()),
        reference="",
        full=True,
        nhs_number=_nhs_number(person),
        risk=NOT_SCREENED,
        priority_groups=groups,
        open_concerns=person.open_concerns or 0,  # type: ignore[attr-defined]
        newest_concern=str(person.newest_concern or ""),  # type: ignore[attr-defined]
        **sharing_alert(person),
    )


def _nhs_number(child: Child) -> str:
    return format_nhs_number(child.nhs_number) if child.nhs_number else NO_NHS_NUMBER


def _from_referral(found: Referral) -> Banner:
    person = found.child
    today = clock.today()
    concerns = {
        "open_concerns": found.open_concerns or 0,  # type: ignore[attr-defined]
        "newest_concern": str(found.newest_concern or ""),  # type: ignore[attr-defined]
        **sharing_alert(person),
    }
    if not found.visible:  # type: ignore[attr-defined]
        return Banner(
            child=person,
            age=age_in_words(person.date_of_birth, today),
            reference=found.reference_display,
            full=False,
            **concerns,  # type: ignore[arg-type]
        )
    groups = list(person.priority_groups.values_list("slug", "name"))
    young_adult = any(slug == CARE_LEAVER for slug, _ in groups) and is_young_adult(
        born=person.date_of_birth, on=today, up_to=person.alliance.extended_max_age
    )
    practitioner = found.named_practitioner
    named = ""
    if found.allocated_organisation_id:
        named = (
            str(practitioner) if practitioner and practitioner.is_active else NO_NAMED_PRACTITIONER
        )
    return Banner(
        child=person,
        age=age_in_words(person.date_of_birth, today),
        reference=found.reference_display,
        full=True,
        nhs_number=_nhs_number(person),
        risk=found.get_risk_rating_display() if found.risk_rating else NOT_SCREENED,
        risk_tag=RISK_TAGS.get(found.risk_rating, ""),
        priority_groups=tuple(name for _, name in groups),
        allocated_to=found.allocated_organisation.name if found.allocated_organisation else "",
        named_practitioner=named,
        young_adult=young_adult,
        coordinator=_named_coordinator(found) if young_adult else "",
        communication=communication_needs(
            language=found.language,
            interpreter=found.interpreter_needed,
            accessibility=found.accessibility_needs,
        ),
        status_withheld=found.status_withheld_at is not None,
        **concerns,  # type: ignore[arg-type]
    )


@register.inclusion_tag("includes/child_banner.html", takes_context=True)
def child_banner(
    context: template.Context, referral: Referral | None = None, *, child: Child | None = None
) -> dict[str, Any]:
    """`{% child_banner referral %}` or `{% child_banner child=child %}`; nothing when the
    page names neither (a missing variable is never a 500)."""
    user = context.get("user") or context["request"].user
    if not isinstance(user, User) or (referral is None and child is None):
        return {"banner": None}
    return {"banner": build_banner(user, referral=referral, child=child)}
