"""The KPIs about outcomes: paired outcome measures and reliable improvement, for the
referrals discharged in each bucket."""

from __future__ import annotations

from collections import defaultdict

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
    shared,
)

UNPAIRED, PAIRED, IMPROVED, DETERIORATED = "unpaired", "paired", "improved", "deteriorated"


@shared
def _verdicts(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[dict[str, list[str]]]:
    """For each bucket and group, one verdict per referral discharged in the bucket:
    "unpaired" (no measure completed twice), "improved" (a reliable improvement on a measure,
    and no reliable deterioration on any), "deteriorated", or "paired" (measured twice, not
    reliably improved). Two queries, once for both KPIs computed `together`."""
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
    responses: dict[tuple[int, str], list[dict[str, object]]] = defaultdict(list)
    for referral_id, slug, scores in (
        MeasureResponse.objects.filter(referral_id__in=discharged.values("referral_id"))
        .order_by("recorded_at", "pk")
        .values_list("referral_id", "measure", "scores")
    ):
        responses[(referral_id, slug)].append(scores)
    verdicts: dict[int, str] = dict.fromkeys((referral for _, referral in groups), UNPAIRED)
    for (referral_id, slug), scored in responses.items():
        measure = get_measure(slug)
        if measure is None or len(scored) < 2:
            continue
        changes = reliable_change(
            measure, Result.from_json(scored[0]), Result.from_json(scored[-1])
        )
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
    at least twice (first and last compared)."""
    found = []
    for groups in _verdicts(alliance, scope, buckets, cut):
        paired = {g: sum(v != UNPAIRED for v in verdicts) for g, verdicts in groups.items()}
        totals = {g: len(verdicts) for g, verdicts in groups.items()}
        found.append(rates(paired, totals, totals))
    return found


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
