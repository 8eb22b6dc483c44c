"""The KPIs about outcomes: paired outcome measures and reliable improvement, for the
referrals discharged in each bucket."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from onedoor.alliance.models import Alliance
from onedoor.care.models import Discharge
from onedoor.insights.kpis.base import (
    Buckets,
    Cut,
    Figure,
    Scope,
    group_of,
    in_scope,
    key_of,
    rates,
    tally,
)

UNPAIRED, PAIRED, IMPROVED, DETERIORATED = "unpaired", "paired", "improved", "deteriorated"


def _known_measures() -> list[str]:
    from onedoor.outcomes.measures import all_measures

    return list(all_measures())


def _verdicts(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[dict[str, list[str]]]:
    """For each bucket and group, one verdict per referral discharged in the bucket:
    "unpaired" (no measure completed twice), "improved" (a reliable improvement on a measure,
    and no reliable deterioration on any), "deteriorated", or "paired" (measured twice, not
    reliably improved). Two queries; of each referral's responses to a measure only the first
    and the last come back (numbered both ways by a window), the two compared."""
    from onedoor.outcomes.measures import get_measure
    from onedoor.outcomes.models import MeasureResponse
    from onedoor.outcomes.scoring import Outcome as Change
    from onedoor.outcomes.scoring import Result, reliable_change

    discharged = in_scope(
        Discharge.objects.filter(buckets.within("discharged_at")), alliance, scope, "referral__"
    )
    ended = discharged.annotate(
        bucket=buckets.index("discharged_at"),
        group=group_of(cut, buckets, "discharged_at", "referral__"),
    ).values_list("bucket", "referral_id", "group")
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for bucket, referral_id, group in ended:
        if bucket is not None:
            groups[(bucket, referral_id)].append(key_of(group))
    each = [F("referral_id"), F("measure")]
    ends = (
        MeasureResponse.objects.filter(
            referral_id__in=discharged.values("referral_id"), measure__in=_known_measures()
        )
        .order_by()
        .annotate(
            from_first=Window(
                RowNumber(), partition_by=each, order_by=[F("recorded_at").asc(), F("pk").asc()]
            ),
            from_last=Window(
                RowNumber(), partition_by=each, order_by=[F("recorded_at").desc(), F("pk").desc()]
            ),
        )
        # the first (from_first 1) or the last (from_last 1), as one condition on the window
        .annotate(inner=(F("from_first") - 1) * (F("from_last") - 1))
        .filter(inner=0)
        .values_list("referral_id", "measure", "from_first", "scores")
    )
    responses: dict[tuple[int, str], list[tuple[int, dict[str, object]]]] = defaultdict(list)
    for referral_id, slug, nth, scores in ends:
        responses[(referral_id, slug)].append((nth, scores))
    verdicts: dict[int, str] = dict.fromkeys((referral for _, referral in groups), UNPAIRED)
    for (referral_id, slug), found in responses.items():
        measure = get_measure(slug)
        if measure is None or len(found) < 2:
            continue
        (_, first), (_, last) = sorted(found, key=lambda pair: pair[0])
        changes = reliable_change(measure, Result.from_json(first), Result.from_json(last))
        outcomes = {change.outcome for change in changes}
        if Change.DETERIORATED in outcomes:
            verdicts[referral_id] = DETERIORATED
        elif Change.IMPROVED in outcomes and verdicts[referral_id] != DETERIORATED:
            verdicts[referral_id] = IMPROVED
        elif verdicts[referral_id] == UNPAIRED:
            verdicts[referral_id] = PAIRED
    by_group: list[dict[str, list[str]]] = [defaultdict(list) for _ in buckets.periods]
    for (bucket, referral_id), keys in groups.items():
        for key in keys:
            by_group[bucket][key].append(verdicts[referral_id])
    return by_group


def paired_measures(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the referrals discharged in the bucket, the share with an outcome measure completed
    at least twice (first and last compared). One query, counted in the database."""
    from onedoor.outcomes.models import MeasureResponse

    twice = (
        MeasureResponse.objects.filter(referral=OuterRef("referral"), measure__in=_known_measures())
        .order_by()
        .values("measure")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
    )
    rows = list(
        in_scope(
            Discharge.objects.filter(buckets.within("discharged_at")),
            alliance,
            scope,
            "referral__",
        )
        .annotate(
            bucket=buckets.index("discharged_at"),
            group=group_of(cut, buckets, "discharged_at", "referral__"),
            paired=Exists(twice),
        )
        .order_by()  # no default ordering in the GROUP BY
        .values_list("bucket", "group")
        .annotate(n=Count("pk"), yes=Count("pk", filter=Q(paired=True)))
        .values_list("bucket", "group", "yes", "n")
    )
    paired = tally(buckets, ((b, g, y) for b, g, y, _ in rows))
    totals = tally(buckets, ((b, g, n) for b, g, _, n in rows))
    return [rates(y, n, n) for y, n in zip(paired, totals, strict=True)]


def reliable_improvement(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the referrals discharged in the bucket with paired measures, the share that
    improved reliably (Jacobson and Truax, per the measure's file) on at least one measure and
    deteriorated reliably on none: the alliance's "good outcome"."""
    found = []
    for groups in _verdicts(alliance, scope, buckets, cut):
        improved = {g: verdicts.count(IMPROVED) for g, verdicts in groups.items()}
        paired = {g: sum(v != UNPAIRED for v in verdicts) for g, verdicts in groups.items()}
        found.append(rates(improved, {g: n for g, n in paired.items() if n}, paired))
    return found
