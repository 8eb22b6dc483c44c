"""The alliance's shared KPIs: one definition of each, here, used by the dashboard, the exports
and the review pack alike. `docs/kpis.md` says what each counts, how it lines up with the
national definitions (the Mental Health Services Data Set) and where the alliance differs.

Every KPI is a function of the same four things: the alliance, a `Scope` (the whole alliance,
one partner, or one offer), a `Period` (London dates, inclusive) and a `Cut` (none, or a
grouping for the equity view: priority group, age band, gender, ethnicity, referral source).
It returns `Figure`s, one per group, each with its numerator and denominator so that a total
can be checked and a small number suppressed. Each runs a fixed number of queries, grouped in
the database, whatever the period.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact, Discharge, Feedback
from onedoor.children.models import Ethnicity, Gender
from onedoor.clock import LONDON
from onedoor.referrals.models import Referral, Source, Status
from onedoor.triage.models import Outcome, TriageDecision
from onedoor.triage.queue import AGE_BANDS, born_between

FIRST_CONTACT_TARGET_DAYS = 28  # the four-week wait the CYP mental health standard aims at
SEEN_WINDOW_DAYS = 365  # CYP access: at least one contact in a rolling 12 months
RE_REFERRAL_DAYS = 365  # a re-referral: the child had another referral in the year before


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period ends on or after its start")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LONDON)

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LONDON)

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        after = date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
        return cls(start, after - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


@dataclass(frozen=True)
class Scope:
    """The whole alliance, or one partner (organisation slug), or one offer (offer slug)."""

    organisation: str = ""
    offer: str = ""

    def referrals(self, referrals: QuerySet[Referral], path: str = "") -> QuerySet[Referral]:
        if self.offer:
            return referrals.filter(**{f"{path}allocated_offer__slug": self.offer})
        if self.organisation:
            return referrals.filter(**{f"{path}allocated_organisation__slug": self.organisation})
        return referrals


class Cut(StrEnum):
    NONE = ""
    PRIORITY_GROUP = "priority_group"
    AGE_BAND = "age_band"
    GENDER = "gender"
    ETHNICITY = "ethnicity"
    SOURCE = "source"

    @property
    def label(self) -> str:
        return CUT_LABELS[self]


CUT_LABELS = {
    Cut.NONE: "All",
    Cut.PRIORITY_GROUP: "Priority group",
    Cut.AGE_BAND: "Age band",
    Cut.GENDER: "Gender",
    Cut.ETHNICITY: "Ethnicity",
    Cut.SOURCE: "Referral source",
}
ALL = "all"
NO_GROUP = "none"


def _group(cut: Cut, on: date, referral: str = "") -> object:
    """The expression that puts a record (reaching its referral by `referral`) in its group.
    Age band is the child's age on the period's last day; a child in two priority groups
    counts in both, and one in none counts under "none"."""
    child = f"{referral}child__"
    if cut is Cut.NONE:
        return Value(ALL)
    if cut is Cut.SOURCE:
        return F(f"{referral}source")
    if cut is Cut.GENDER:
        return F(f"{child}gender")
    if cut is Cut.ETHNICITY:
        return F(f"{child}ethnicity")
    if cut is Cut.PRIORITY_GROUP:
        return F(f"{child}priority_groups__slug")
    return Case(
        *(
            When(born_between(on, low, high, child=child), then=Value(band))
            for band, (low, high) in AGE_BANDS.items()
        ),
        default=Value("other"),
        output_field=CharField(),
    )


def group_label(cut: Cut, key: str | None, priority_groups: dict[str, str]) -> str:
    """A group's name in words; `priority_groups` maps the alliance's slugs to names."""
    if key is None or key == NO_GROUP:
        return "None recorded"
    if cut is Cut.NONE:
        return "All"
    if cut is Cut.SOURCE:
        return Source(key).label if key in Source.values else key
    if cut is Cut.GENDER:
        return Gender(key).label if key in Gender.values else key
    if cut is Cut.ETHNICITY:
        return Ethnicity(key).label if key in Ethnicity.values else key
    if cut is Cut.PRIORITY_GROUP:
        return priority_groups.get(key, key)
    return key if key != "other" else "Other ages"


def priority_group_names(alliance: Alliance) -> dict[str, str]:
    return dict(alliance.priority_groups.values_list("slug", "name"))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Figure:
    """One group's value: a count (`denominator` None), a rate (numerator / denominator, as
    a percentage) or a median (`value`, with `denominator` the number it is the median of).
    `children` is how many children it is about (for suppression)."""

    group: str
    value: float | None
    numerator: int
    denominator: int | None = None
    children: int = 0


@dataclass(frozen=True)
class Kpi:
    slug: str
    name: str
    unit: str  # "count", "percent", "days"
    definition: str
    compute: Callable[[Alliance, Scope, Period, Cut], list[Figure]] = field(repr=False)
    cuts: bool = True  # can it be cut by group?
    # The referrals a count is of, for drilling down (the same definition the count uses);
    # None for a figure that is not a count of referrals.
    records: Callable[[Alliance, Scope, Period], QuerySet[Referral]] | None = field(
        default=None, repr=False
    )
    now: bool = False  # a figure as things stand now, not over the period

    do_not_call_in_templates = True  # a template reads a KPI's name; it never computes it

    @property
    def drills_down(self) -> bool:
        return self.records is not None

    def records_in(
        self, alliance: Alliance, scope: Scope, period: Period, cut: Cut, group: str
    ) -> QuerySet[Referral]:
        """The referrals behind one group's figure."""
        assert self.records is not None
        on = timezone.localdate(clock.now(), LONDON) if self.now else period.end
        referrals = self.records(alliance, scope, period).annotate(group=_group(cut, on))
        if group == NO_GROUP:
            return referrals.filter(group__isnull=True)
        return referrals.filter(group=group)

    def __call__(self, alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
        """The groups with something to count; uncut, always one figure (zero, or no value
        for a rate or median of nothing)."""
        cut = cut if self.cuts else Cut.NONE
        figures = [
            f for f in self.compute(alliance, scope, period, cut) if f.numerator or f.denominator
        ]
        if cut is Cut.NONE and not figures:
            counted = self.unit == "count"
            return [Figure(ALL, 0 if counted else None, 0, None if counted else 0, 0)]
        return figures


def _referrals(alliance: Alliance, scope: Scope) -> QuerySet[Referral]:
    return scope.referrals(Referral.objects.filter(child__alliance=alliance))


def _counts(rows: Iterable[tuple[object, int]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for key, n in rows:
        counts[str(key) if key is not None else NO_GROUP] += n
    return counts


def _rate(
    numerators: dict[str, int], denominators: dict[str, int], children: dict[str, int]
) -> list[Figure]:
    return [
        Figure(
            group,
            round(100 * numerators.get(group, 0) / total, 1) if total else None,
            numerators.get(group, 0),
            total,
            children.get(group, total),
        )
        for group, total in sorted(denominators.items())
    ]


def _medians(samples: dict[str, list[float]], within: dict[str, int]) -> list[Figure]:
    return [
        Figure(
            group,
            round(statistics.median(values), 1),
            within.get(group, 0),
            len(values),
            len(values),
        )
        for group, values in sorted(samples.items())
        if values
    ]


# Referrals


def received(alliance: Alliance, scope: Scope, period: Period) -> QuerySet[Referral]:
    """The referrals received in the period, less those that joined another referral for
    the same child (one child, one referral: the one they joined is counted)."""
    return (
        _referrals(alliance, scope)
        .filter(received_at__gte=period.since, received_at__lt=period.until)
        .exclude(status=Status.JOINED)
    )


def _count(referrals: QuerySet[Referral], cut: Cut, on: date) -> list[Figure]:
    rows = (
        referrals.annotate(group=_group(cut, on))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(n=Count("pk", distinct=True), children=Count("child", distinct=True))
        .values_list("group", "n", "children")
    )
    return [
        Figure(str(group) if group is not None else NO_GROUP, n, n, None, children)
        for group, n, children in sorted(rows, key=lambda row: str(row[0]))
    ]


def referrals_received(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    return _count(received(alliance, scope, period), cut, period.end)


def re_referrals(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of the referrals received, those whose child had another referral received in the
    `RE_REFERRAL_DAYS` before it. A referral that joined another is neither (`received`)."""
    earlier = Referral.objects.filter(
        child=OuterRef("child"),
        received_at__lt=OuterRef("received_at"),
        received_at__gte=OuterRef("received_at") - timedelta(days=RE_REFERRAL_DAYS),
    ).exclude(status=Status.JOINED)
    rows = (
        received(alliance, scope, period)
        .annotate(group=_group(cut, period.end), again=Exists(earlier))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk", distinct=True), repeat=Count("pk", filter=Q(again=True), distinct=True)
        )
        .values_list("group", "repeat", "n")
    )
    numerators = _counts((g, repeat) for g, repeat, _ in rows)
    denominators = _counts((g, n) for g, _, n in rows)
    return _rate(numerators, denominators, denominators)


# Waiting times


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


EFFECTIVE = Q(sign_off__in=[TriageDecision.SignOff.WAITING, TriageDecision.SignOff.RETURNED])


def time_to_triage(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Referrals whose first triage decision that took effect was made in the period: the
    median days from receipt, and (as `numerator`) how many met their triage clock. Driven
    from the decisions made in the period, so its cost follows the period, not the history."""
    effective = TriageDecision.objects.exclude(EFFECTIVE)
    earlier = effective.filter(referral=OuterRef("referral"), decided_at__lt=OuterRef("decided_at"))
    rows = (
        effective.filter(
            referral__in=_referrals(alliance, scope),
            decided_at__gte=period.since,
            decided_at__lt=period.until,
        )
        .exclude(Exists(earlier))
        .annotate(
            group=_group(cut, period.end, "referral__"),
            wait=_since_referral("decided_at"),
            on_time=Case(
                When(decided_at__lte=F("referral__triage_due_at"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values_list("group", "wait", "on_time")
    )
    samples: dict[str, list[float]] = defaultdict(list)
    on_time: dict[str, int] = defaultdict(int)
    for group, wait, in_time in rows:
        key = str(group) if group is not None else NO_GROUP
        samples[key].append(wait.total_seconds() / 86400)
        on_time[key] += in_time
    return _medians(samples, on_time)


def _since_referral(moment: str) -> ExpressionWrapper:
    """How long after the referral was received `moment` was, computed in the database (a
    duration is cheaper to bring back than two timestamps)."""
    return ExpressionWrapper(F(moment) - F("referral__received_at"), output_field=DurationField())


def _nth_contact(n: int) -> Callable[[Alliance, Scope, Period, Cut], list[Figure]]:
    def compute(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
        """The attended contacts in the period that were a referral's `n`th (ties in time
        broken by the order recorded): driven from the period's contacts."""
        attended = Contact.objects.filter(outcome=Contact.Outcome.ATTENDED)
        before = attended.filter(referral=OuterRef("referral")).filter(
            Q(happened_at__lt=OuterRef("happened_at"))
            | Q(happened_at=OuterRef("happened_at"), pk__lt=OuterRef("pk"))
        )
        prior = Subquery(before.order_by().values("referral").annotate(c=Count("pk")).values("c"))
        rows = (
            attended.filter(
                referral__in=_referrals(alliance, scope),
                happened_at__gte=period.since,
                happened_at__lt=period.until,
            )
            .annotate(prior=Coalesce(prior, 0))
            .filter(prior=n - 1)
            .annotate(
                group=_group(cut, period.end, "referral__"), wait=_since_referral("happened_at")
            )
            .values_list("group", "wait")
        )
        samples: dict[str, list[float]] = defaultdict(list)
        within: dict[str, int] = defaultdict(int)
        for group, wait in rows:
            key = str(group) if group is not None else NO_GROUP
            days = wait.total_seconds() / 86400
            samples[key].append(days)
            within[key] += int(days <= FIRST_CONTACT_TARGET_DAYS)
        return _medians(samples, within)

    return compute


# Access and engagement


def cyp_seen(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Children with at least one attended contact in the `SEEN_WINDOW_DAYS` ending on the
    period's last day (the CYP access measure)."""
    window_start = period.until - timedelta(days=SEEN_WINDOW_DAYS)
    contacts = Contact.objects.filter(
        referral__child__alliance=alliance,
        outcome=Contact.Outcome.ATTENDED,
        happened_at__gte=window_start,
        happened_at__lt=period.until,
    )
    if scope.offer or scope.organisation:
        contacts = contacts.filter(referral__in=_referrals(alliance, scope))
    rows = (
        contacts.annotate(group=_group(cut, period.end, "referral__"))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(children=Count("referral__child", distinct=True))
        .values_list("group", "children")
    )
    counts = _counts(rows)
    return [Figure(group, n, n, None, n) for group, n in sorted(counts.items())]


def did_not_attend(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of the contacts due in the period that were attended or missed, the share missed
    (cancellations are neither)."""
    rows = (
        Contact.objects.filter(
            referral__in=_referrals(alliance, scope),
            happened_at__gte=period.since,
            happened_at__lt=period.until,
            outcome__in=[Contact.Outcome.ATTENDED, Contact.Outcome.DID_NOT_ATTEND],
        )
        .annotate(group=_group(cut, period.end, "referral__"))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk"),
            missed=Count("pk", filter=Q(outcome=Contact.Outcome.DID_NOT_ATTEND)),
            children=Count("referral__child", distinct=True),
        )
        .values_list("group", "missed", "n", "children")
    )
    return _rate(
        _counts((g, m) for g, m, _, _ in rows),
        _counts((g, n) for g, _, n, _ in rows),
        _counts((g, c) for g, _, _, c in rows),
    )


def disengaged(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of the discharges in the period, the share whose reason was disengagement."""
    rows = (
        Discharge.objects.filter(
            referral__in=_referrals(alliance, scope),
            discharged_at__gte=period.since,
            discharged_at__lt=period.until,
        )
        .annotate(group=_group(cut, period.end, "referral__"))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk"),
            lost=Count("pk", filter=Q(reason=Discharge.Reason.DISENGAGED)),
        )
        .values_list("group", "lost", "n")
    )
    denominators = _counts((g, n) for g, _, n in rows)
    return _rate(_counts((g, lost) for g, lost, _ in rows), denominators, denominators)


def stepped_up_in(alliance: Alliance, scope: Scope, period: Period) -> QuerySet[Referral]:
    """Referrals stepped up to specialist CAMHS or crisis support in the period: by a triage
    decision that took effect, or by a partner's step-up acknowledged by the receiving side."""
    from onedoor.care.models import Transition

    by_triage = TriageDecision.objects.filter(
        referral=OuterRef("pk"),
        outcome=Outcome.STEP_UP,
        decided_at__gte=period.since,
        decided_at__lt=period.until,
    ).exclude(sign_off__in=[TriageDecision.SignOff.WAITING, TriageDecision.SignOff.RETURNED])
    by_partner = Transition.objects.filter(
        referral=OuterRef("pk"),
        kind=Transition.Kind.STEP_UP,
        acknowledged_at__gte=period.since,
        acknowledged_at__lt=period.until,
    )
    return _referrals(alliance, scope).filter(Exists(by_triage) | Exists(by_partner))


def stepped_up(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    return _count(stepped_up_in(alliance, scope, period), cut, period.end)


# Waiting now


WAITING_NOW = (Status.ALLOCATED, Status.WAITING)


def waiting_list(alliance: Alliance, scope: Scope, period: Period) -> QuerySet[Referral]:
    """The children waiting now: allocated to a partner, or accepted and waiting (whatever
    the period)."""
    return _referrals(alliance, scope).filter(status__in=WAITING_NOW)


def _waiting(alliance: Alliance, scope: Scope, cut: Cut) -> list[tuple[str, int, datetime]]:
    now = clock.now()
    rows = (
        _referrals(alliance, scope)
        .filter(status__in=WAITING_NOW)
        .annotate(group=_group(cut, timezone.localdate(now, LONDON)))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(n=Count("pk", distinct=True), oldest=Min("received_at"))
        .values_list("group", "n", "oldest")
    )
    return sorted(
        ((str(g) if g is not None else NO_GROUP, n, oldest) for g, n, oldest in rows if n),
        key=lambda row: row[0],
    )


def waiting_now(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Children waiting now (allocated, or accepted and waiting). Not a period figure: the
    list as it stands."""
    return [Figure(g, n, n, None, n) for g, n, _ in _waiting(alliance, scope, cut)]


def longest_wait(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of the children waiting now, the longest wait so far, in whole days since referral."""
    now = clock.now()
    return [
        Figure(g, int(_days(oldest, now)), n, None, n)
        for g, n, oldest in _waiting(alliance, scope, cut)
    ]


def check_ins_up_to_date(
    alliance: Alliance, scope: Scope, period: Period, cut: Cut
) -> list[Figure]:
    """Of the children waiting now (accepted, Waiting Well), the share whose next check-in is
    not yet overdue (`care.lists.with_check_in_due`: the cadence for their risk, from the last
    check-in). Not a period figure."""
    from onedoor.care.lists import cadences_of, with_check_in_due

    now = clock.now()
    cadences = cadences_of(alliance.pk)
    rows = (
        with_check_in_due(_referrals(alliance, scope).filter(status=Status.WAITING), cadences)
        .annotate(group=_group(cut, timezone.localdate(now, LONDON)))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk", distinct=True),
            current=Count("pk", filter=Q(check_in_due__gt=now), distinct=True),
        )
        .values_list("group", "current", "n")
    )
    denominators = _counts((g, n) for g, _, n in rows)
    return _rate(_counts((g, c) for g, c, _ in rows), denominators, denominators)


def reviews_overdue(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of the children waiting or in intervention now with a risk review or care plan, those
    whose latest risk review or care plan review date has passed. Not a period figure."""
    from onedoor.care.models import CarePlan, RiskReview

    today = timezone.localdate(clock.now(), LONDON)

    def latest(model: type[RiskReview | CarePlan], field: str) -> Subquery:
        return Subquery(
            model.objects.filter(referral=OuterRef("pk"))
            .order_by("-recorded_at", "-pk")
            .values(field)[:1]
        )

    rows = (
        _referrals(alliance, scope)
        .filter(status__in=[Status.WAITING, Status.IN_INTERVENTION])
        .annotate(risk=latest(RiskReview, "next_due"), plan=latest(CarePlan, "review_due"))
        .filter(Q(risk__isnull=False) | Q(plan__isnull=False))
        .annotate(group=_group(cut, today))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk", distinct=True),
            overdue=Count("pk", filter=Q(risk__lt=today) | Q(plan__lt=today), distinct=True),
        )
        .values_list("group", "overdue", "n")
    )
    denominators = _counts((g, n) for g, _, n in rows)
    return _rate(_counts((g, o) for g, o, _ in rows), denominators, denominators)


# Outcomes


def _paired(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> dict[str, list[str]]:
    """For each group, one outcome per referral discharged in the period: "unpaired" (no
    measure completed twice), "improved" (a reliable improvement on a measure, and no reliable
    deterioration on any), or "paired" (measured twice, not reliably improved). Two queries."""
    from onedoor.outcomes.measures import get_measure
    from onedoor.outcomes.models import MeasureResponse
    from onedoor.outcomes.scoring import Outcome as Change
    from onedoor.outcomes.scoring import Result, reliable_change

    discharged = Discharge.objects.filter(
        referral__in=_referrals(alliance, scope),
        discharged_at__gte=period.since,
        discharged_at__lt=period.until,
    )
    ended = discharged.annotate(group=_group(cut, period.end, "referral__")).values_list(
        "referral_id", "group"
    )
    groups: dict[int, list[str]] = defaultdict(list)
    for referral_id, group in ended:
        groups[referral_id].append(str(group) if group is not None else NO_GROUP)
    responses: dict[tuple[int, str], list[dict[str, object]]] = defaultdict(list)
    for referral_id, slug, scores in (
        MeasureResponse.objects.filter(referral_id__in=discharged.values("referral_id"))
        .order_by("recorded_at", "pk")
        .values_list("referral_id", "measure", "scores")
    ):
        responses[(referral_id, slug)].append(scores)
    verdicts: dict[int, str] = dict.fromkeys(groups, "unpaired")
    for (referral_id, slug), scored in responses.items():
        measure = get_measure(slug)
        if measure is None or len(scored) < 2:
            continue
        changes = reliable_change(
            measure, Result.from_json(scored[0]), Result.from_json(scored[-1])
        )
        outcomes = {change.outcome for change in changes}
        if Change.DETERIORATED in outcomes:
            verdicts[referral_id] = "deteriorated"
        elif Change.IMPROVED in outcomes and verdicts[referral_id] != "deteriorated":
            verdicts[referral_id] = "improved"
        elif verdicts[referral_id] == "unpaired":
            verdicts[referral_id] = "paired"
    by_group: dict[str, list[str]] = defaultdict(list)
    for referral_id, keys in groups.items():
        for key in keys:
            by_group[key].append(verdicts[referral_id])
    return by_group


def paired_measures(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of the referrals discharged in the period, the share with an outcome measure completed
    at least twice (first and last compared)."""
    groups = _paired(alliance, scope, period, cut)
    paired = {g: sum(v != "unpaired" for v in verdicts) for g, verdicts in groups.items()}
    totals = {g: len(verdicts) for g, verdicts in groups.items()}
    return _rate(paired, totals, totals)


def reliable_improvement(
    alliance: Alliance, scope: Scope, period: Period, cut: Cut
) -> list[Figure]:
    """Of the referrals discharged in the period with paired measures, the share that
    improved reliably (Jacobson and Truax, per the measure's file) on at least one measure and
    deteriorated reliably on none: the alliance's "good outcome"."""
    groups = _paired(alliance, scope, period, cut)
    improved = {g: verdicts.count("improved") for g, verdicts in groups.items()}
    paired = {g: sum(v != "unpaired" for v in verdicts) for g, verdicts in groups.items()}
    return _rate(improved, {g: n for g, n in paired.items() if n}, paired)


# Experience of service


def experience_of_service(
    alliance: Alliance, scope: Scope, period: Period, cut: Cut
) -> list[Figure]:
    """Of the feedback given in the period (the discharge invitation), the share saying the
    service was helpful (4 or 5 of 5)."""
    rows = (
        Feedback.objects.filter(
            discharge__referral__in=_referrals(alliance, scope),
            submitted_at__gte=period.since,
            submitted_at__lt=period.until,
        )
        .annotate(group=_group(cut, period.end, "discharge__referral__"))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(n=Count("pk"), helpful=Count("pk", filter=Q(helpful__gte=4)))
        .values_list("group", "helpful", "n")
    )
    denominators = _counts((g, n) for g, _, n in rows)
    return _rate(_counts((g, h) for g, h, _ in rows), denominators, denominators)


def experience_all(alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
    """Of all the feedback given in the period, at discharge and at any time (the public
    feedback page, `coproduction`), the share rating the service 4 or 5 of 5. Feedback given
    at any time names no child, so this is not cut by group; for a partner, the feedback about
    that partner; for one offer, none (feedback does not say which offer)."""
    from onedoor.coproduction.experience import experience_of_service as feedback

    if scope.offer:
        return []
    scores = [
        row["score"]
        for row in feedback(alliance, since=period.since, until=period.until)
        if not scope.organisation or row["organisation_slug"] == scope.organisation
    ]
    helpful = sum(score >= 4 for score in scores)
    return _rate({ALL: helpful}, {ALL: len(scores)} if scores else {}, {ALL: len(scores)})


KPIS = (
    Kpi("referrals", "Referrals received", "count",
        "Referrals received in the period, whatever became of them.", referrals_received,
        records=received),
    Kpi("re-referrals", "Re-referrals", "percent",
        f"Of the referrals received, those for a child referred in the {RE_REFERRAL_DAYS} days "
        "before.", re_referrals),
    Kpi("time-to-triage", "Days from referral to triage", "days",
        "Median days from receipt to the first triage decision that took effect, for "
        "decisions made in the period; the count is those within their triage clock.",
        time_to_triage),
    Kpi("first-contact", "Days from referral to first contact", "days",
        "Median days from receipt to the first attended contact, for first contacts in the "
        f"period; the count is those within {FIRST_CONTACT_TARGET_DAYS} days.",
        _nth_contact(1)),
    Kpi("second-contact", "Days from referral to second contact", "days",
        "Median days from receipt to the second attended contact (the national waiting-time "
        f"proxy), for second contacts in the period; the count is those within "
        f"{FIRST_CONTACT_TARGET_DAYS} days.", _nth_contact(2)),
    Kpi("seen", "Children and young people seen", "count",
        f"Children with at least one attended contact in the {SEEN_WINDOW_DAYS} days to the "
        "period's end.", cyp_seen),
    Kpi("did-not-attend", "Did not attend", "percent",
        "Of the contacts attended or missed in the period, the share missed.", did_not_attend),
    Kpi("disengaged", "Discharged as disengaged", "percent",
        "Of the discharges in the period, the share for disengagement.", disengaged),
    Kpi("stepped-up", "Stepped up", "count",
        "Referrals stepped up to specialist CAMHS or crisis support in the period.", stepped_up,
        records=stepped_up_in),
    Kpi("waiting", "Waiting now", "count",
        "Children waiting now, allocated to a partner or accepted and waiting.", waiting_now,
        records=waiting_list, now=True),
    Kpi("longest-wait", "Longest wait now", "days",
        "Of the children waiting now, the longest wait so far, in days since referral.",
        longest_wait),
    Kpi("check-ins", "Waiting Well check-ins up to date", "percent",
        "Of the children waiting now, the share whose next check-in is not overdue.",
        check_ins_up_to_date),
    Kpi("reviews-overdue", "Risk reviews or care plan reviews overdue", "percent",
        "Of the children in care now with a risk review or care plan, the share with either "
        "past its review date.", reviews_overdue),
    Kpi("paired", "Paired outcome measures", "percent",
        "Of the referrals discharged in the period, the share with an outcome measure "
        "completed at least twice.", paired_measures),
    Kpi("improved", "Reliable improvement", "percent",
        "Of the referrals discharged in the period with paired measures, the share reliably "
        "improved on at least one and reliably worse on none.", reliable_improvement),
    Kpi("experience-all", "Found the service helpful (all feedback)", "percent",
        "Of all the feedback given in the period, at discharge or at any time on the public "
        "feedback page, the share rating the service 4 or 5 of 5.", experience_all,
        cuts=False),
    Kpi("experience", "Found the service helpful (at discharge)", "percent",
        "Of the feedback given in the period, the share rating the service 4 or 5 of 5.",
        experience_of_service),
)  # fmt: skip
BY_SLUG = {kpi.slug: kpi for kpi in KPIS}
