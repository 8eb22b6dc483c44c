"""What the insights app stores: the service manager's narrative for a review pack, and two
things derived from the records: the monthly snapshot of open referrals (the history of the
figures as things stand, which the records cannot give back) and the day's copy of each
KPI's series. Every other figure is computed from the records when asked for (`kpis/`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PackNarrative(models.Model):
    """What the service manager writes for the commissioners about one period."""

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    text = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "period_start", "period_end"], name="one_narrative_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"Narrative for {self.period_start} to {self.period_end}"


class StateSnapshot(models.Model):
    """How one open referral stood when its alliance's monthly snapshot was taken
    (`snapshots.py`). The "now" KPIs (waiting, longest wait, check-ins up to date, reviews
    overdue) describe the records as they stand, which the records cannot give back for a
    past month; these rows are their history. One set per alliance per London month: taking
    it again in the month replaces it, so each month keeps its latest."""

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField()
    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="+")
    # Where the referral was allocated when taken (the scope it counts in then).
    organisation = models.ForeignKey(
        "alliance.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer = models.ForeignKey(
        "alliance.Offer", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    waiting = models.BooleanField()  # allocated, or accepted and waiting
    waited_days = models.PositiveIntegerField()  # whole days since the referral was received
    # Accepted and waiting: is the next check-in not yet overdue? Null otherwise.
    check_in_current = models.BooleanField(null=True)
    # In care with a risk review or care plan: is either past its review date? Null otherwise.
    review_overdue = models.BooleanField(null=True)

    class Meta:
        indexes = [models.Index(fields=["alliance", "taken_at"], name="snapshot_by_month")]
        constraints = [
            models.UniqueConstraint(fields=["taken_at", "referral"], name="one_state_per_snapshot")
        ]

    def __str__(self) -> str:
        return f"State at {self.taken_at:%Y-%m-%d}"


class SeriesCache(models.Model):
    """A KPI's monthly series as computed on one London day (`series_cache.py`), for one scope
    and cut: the series is of whole past months, which change rarely, and at an alliance's
    scale computing every KPI's 24 months takes seconds. Kept for the day it was computed."""

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=120, blank=True)  # "", "org:<slug>" or "offer:<slug>"
    cut = models.CharField(max_length=20, blank=True)
    kpi = models.CharField(max_length=40)
    every = models.CharField(max_length=5, default="month")  # "month" or "week"
    computed_on = models.DateField()  # the London day: a series is good for that day
    computed_at = models.DateTimeField()
    first_month = models.DateField()  # the first bucket's first day
    # Each bucket's figures: [[group, value, numerator, denominator, children], ...].
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "scope", "cut", "kpi", "every", "computed_on", "first_month"],
                name="one_series_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} series of {self.computed_on}"
