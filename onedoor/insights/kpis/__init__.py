"""The alliance's shared KPIs: one definition of each, here, used by the dashboard, the charts,
the exports and the review pack alike. `docs/kpis.md` says what each counts, how it lines up
with the national definitions (the Mental Health Services Data Set) and where the alliance
differs.

Every KPI is a function of the alliance, a `Scope` (the whole alliance, one partner, or one
offer), `Buckets` (one `Period`, London dates inclusive, for the dashboard; the months or weeks
of a series for a chart) and a `Cut` (none, or a grouping for the equity view: priority group,
age band, gender, ethnicity, referral source). It returns `Figure`s, one per group in each
bucket, each with its numerator and denominator so that a total can be checked and a small
number suppressed. Each runs a fixed number of queries, grouped in the database, whatever the
period or the number of buckets (the children seen, a rolling window, take one per bucket).

The KPIs are in modules by domain: `referrals`, `waits`, `engagement`, `waiting`, `outcomes`
and `experience`; what they share is in `base`. Computed `together` (the dashboard's KPIs, a
series of every KPI), a result two KPIs read (the children waiting now; the verdicts on the
referrals discharged) is computed once.
"""

from __future__ import annotations

from onedoor.insights.kpis.base import (
    ALL,
    CUT_LABELS,
    FIRST_CONTACT_TARGET_DAYS,
    NO_GROUP,
    RE_REFERRAL_DAYS,
    SEEN_WINDOW_DAYS,
    Buckets,
    Cut,
    Figure,
    Kpi,
    Period,
    Scope,
    Unit,
    group_label,
    group_order,
    known_groups,
    priority_group_names,
    together,
)
from onedoor.insights.kpis.engagement import cyp_seen, did_not_attend, disengaged
from onedoor.insights.kpis.experience import experience_all, experience_of_service
from onedoor.insights.kpis.outcomes import paired_measures, reliable_improvement
from onedoor.insights.kpis.referrals import (
    re_referrals,
    received,
    referrals_received,
    stepped_up,
    stepped_up_in,
)
from onedoor.insights.kpis.waiting import (
    check_ins_history,
    check_ins_up_to_date,
    longest_wait,
    longest_wait_history,
    reviews_overdue,
    reviews_overdue_history,
    waiting_history,
    waiting_list,
    waiting_now,
)
from onedoor.insights.kpis.waits import nth_contact, time_to_triage

KPIS = (
    Kpi("referrals", "Referrals received", Unit.COUNT,
        "Referrals received in the period, whatever became of them.", referrals_received,
        records=received),
    Kpi("re-referrals", "Re-referrals", Unit.PERCENT,
        f"Of the referrals received, those for a child referred in the {RE_REFERRAL_DAYS} days "
        "before.", re_referrals, of="referrals received", improvement="lower"),
    Kpi("time-to-triage", "Days from referral to triage", Unit.DAYS,
        "Median days from receipt to the first triage decision that took effect, for "
        "decisions made in the period; the count is those within their triage clock.",
        time_to_triage, of="referrals triaged", improvement="lower"),
    Kpi("first-contact", "Days from referral to first contact", Unit.DAYS,
        "Median days from receipt to the first attended contact, for first contacts in the "
        f"period; the count is those within {FIRST_CONTACT_TARGET_DAYS} days.",
        nth_contact(1), of="first contacts", improvement="lower"),
    Kpi("second-contact", "Days from referral to second contact", Unit.DAYS,
        "Median days from receipt to the second attended contact (the national waiting-time "
        f"proxy), for second contacts in the period; the count is those within "
        f"{FIRST_CONTACT_TARGET_DAYS} days.", nth_contact(2), of="second contacts",
        improvement="lower"),
    Kpi("seen", "Children and young people seen", Unit.COUNT,
        f"Children with at least one attended contact in the {SEEN_WINDOW_DAYS} days to the "
        "period's end.", cyp_seen, improvement="higher", rolling=True),
    Kpi("did-not-attend", "Did not attend", Unit.PERCENT,
        "Of the contacts attended or missed in the period, the share missed.", did_not_attend,
        of="contacts attended or missed", improvement="lower"),
    Kpi("disengaged", "Discharged as disengaged", Unit.PERCENT,
        "Of the discharges in the period, the share for disengagement.", disengaged,
        of="discharges", improvement="lower"),
    Kpi("stepped-up", "Stepped up", Unit.COUNT,
        "Referrals stepped up to specialist CAMHS or crisis support in the period.", stepped_up,
        records=stepped_up_in),
    Kpi("waiting", "Waiting now", Unit.COUNT,
        "Children waiting now, allocated to a partner or accepted and waiting.", waiting_now,
        records=waiting_list, now=True, history=waiting_history, improvement="lower"),
    Kpi("longest-wait", "Longest wait now", Unit.DAYS,
        "Of the children waiting now, the longest wait so far, in days since referral.",
        longest_wait, of="children waiting", now=True, history=longest_wait_history,
        counted=True, improvement="lower"),
    Kpi("check-ins", "Waiting Well check-ins up to date", Unit.PERCENT,
        "Of the children waiting now, the share whose next check-in is not overdue.",
        check_ins_up_to_date, of="children accepted and waiting", now=True,
        history=check_ins_history, improvement="higher"),
    Kpi("reviews-overdue", "Risk reviews or care plan reviews overdue", Unit.PERCENT,
        "Of the children in care now with a risk review or care plan, the share with either "
        "past its review date.", reviews_overdue, of="children in care with a review date",
        now=True, history=reviews_overdue_history, improvement="lower"),
    Kpi("paired", "Paired outcome measures", Unit.PERCENT,
        "Of the referrals discharged in the period, the share with an outcome measure "
        "completed at least twice.", paired_measures, of="referrals discharged",
        improvement="higher"),
    Kpi("improved", "Reliable improvement", Unit.PERCENT,
        "Of the referrals discharged in the period with paired measures, the share reliably "
        "improved on at least one and reliably worse on none.", reliable_improvement,
        of="referrals with paired measures", improvement="higher"),
    Kpi("experience-all", "Found the service helpful (all feedback)", Unit.PERCENT,
        "Of all the feedback given in the period, at discharge or at any time on the public "
        "feedback page, the share rating the service 4 or 5 of 5.", experience_all,
        of="pieces of feedback", cuts=False, improvement="higher"),
    Kpi("experience", "Found the service helpful (at discharge)", Unit.PERCENT,
        "Of the feedback given in the period, the share rating the service 4 or 5 of 5.",
        experience_of_service, of="pieces of feedback", improvement="higher"),
)  # fmt: skip
BY_SLUG = {kpi.slug: kpi for kpi in KPIS}

__all__ = [
    "ALL",
    "BY_SLUG",
    "CUT_LABELS",
    "KPIS",
    "NO_GROUP",
    "Buckets",
    "Cut",
    "Figure",
    "Kpi",
    "Period",
    "Scope",
    "Unit",
    "group_label",
    "group_order",
    "known_groups",
    "priority_group_names",
    "together",
]
