"""Counts where people decide: what waits for the signed-in person, on the home page and on
`/governance/`, each a card that links to the list it is counted from, filtered to it.

Every count reads through the access layer (only what the user may see) and by the same rule
as the list it links to, and each group of counts is a fixed number of queries, whatever the
number of records behind it:

- the triage team (triage leads and the clinical lead): urgent disclosures not yet screened,
  red referrals not yet reviewed, referrals waiting for sign-off and triage clocks overdue
  (`triage.waiting`, one query);
- everyone with a task list: their overdue tasks and those due today (`worklist.counts`, the
  queries of My tasks);
- a partner's practitioners and lead: allocations waiting for their answer (Incoming),
  handovers from another partner waiting for their answer, and children with them whom
  nobody holds (`care.practitioners.needing_a_practitioner`): three queries;
- on `/governance/`: open escalations (the clinical lead), open safeguarding concerns and
  their overdue follow-up actions (the clinical lead and safeguarding leads), open incidents,
  complex triage decisions waiting for sign-off (the clinical lead), subject access requests
  waiting for a response (the clinical lead) and overdue case audit actions (the clinical
  lead and partner leads): a query each.

A count of nothing says "None" and is not styled as an alarm; a count of what is overdue or
urgent, when there is any, carries a red tag that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count as Counted
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from onedoor.access.models import RoleRequest
from onedoor.access.policy import Do
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import PARTNER_ANSWERS, TASK_HOLDERS, TRIAGE_TEAM, Role
from onedoor.care.practitioners import needing_a_practitioner
from onedoor.care.records import handovers_to
from onedoor.case_audits.records import actions_visible_to
from onedoor.clock import LONDON
from onedoor.clock.calendar import end_of
from onedoor.governance.models import IncidentStatus
from onedoor.governance.records import incidents_visible_to
from onedoor.referrals.models import Status
from onedoor.safeguarding.models import FollowUp
from onedoor.safeguarding.records import concerns_visible_to
from onedoor.subject_access.models import WAITING as SUBJECT_ACCESS_WAITING
from onedoor.subject_access.records import requests_visible_to
from onedoor.triage.escalation import still_overdue
from onedoor.triage.models import Escalation, TriageDecision
from onedoor.triage.waiting import WAITING, waiting_on_triage
from onedoor.worklist.counts import due_counts
from onedoor.worklist.items import due_items_for, with_clocks

# The tags of an alarm: what is past its time, what must be done today, and a child whom
# nobody holds.
OVERDUE = "Overdue"
URGENT = "Urgent"
ACTION_NEEDED = "Action needed"


@dataclass(frozen=True)
class Count:
    key: str  # names the count in the page and in tests
    label: str  # what is counted
    number: int
    url: str  # the list it is counted from, filtered to it
    alarm: str = ""  # for what is overdue or urgent: the tag it carries when there is any
    capped: bool = False  # counted from a list that stops, so there may be more

    @property
    def words(self) -> str:
        if not self.number:
            return "None"
        return f"{self.number} or more" if self.capped else str(self.number)

    @property
    def alarming(self) -> bool:
        return bool(self.alarm) and self.number > 0


@dataclass(frozen=True)
class Group:
    heading: str
    counts: list[Count]


def _past_its_day(field: str, now: datetime) -> Q:
    """A date-only deadline passed: it ends at 17:00 London on its day (`end_of`), as the
    task's clock and the escalation framework count it."""
    today = timezone.localdate(now, LONDON)
    passed = Q(**{f"{field}__lt": today})
    return passed | Q(**{field: today}) if now >= end_of(today) else passed


def _triage(user: User, now: datetime) -> Group:
    queue = reverse("web:triage")
    totals = referrals_visible_to(user).aggregate(
        urgent=Counted("pk", filter=waiting_on_triage("urgent", now), distinct=True),
        red=Counted("pk", filter=waiting_on_triage("red_review", now), distinct=True),
        sign_off=Counted("pk", filter=Q(status=Status.AWAITING_SIGN_OFF), distinct=True),
        overdue=Counted("pk", filter=waiting_on_triage("overdue", now), distinct=True),
    )
    return Group(
        "Triage",
        [
            Count("urgent", WAITING["urgent"], totals["urgent"], f"{queue}?waiting=urgent",
                  URGENT),
            Count("red_review", WAITING["red_review"], totals["red"],
                  f"{queue}?waiting=red_review", URGENT),
            Count("sign_off", "Referrals waiting for sign-off", totals["sign_off"],
                  f"{queue}?state={Status.AWAITING_SIGN_OFF}"),
            Count("triage_overdue", WAITING["overdue"], totals["overdue"],
                  f"{queue}?waiting=overdue", OVERDUE),
        ],
    )  # fmt: skip


def _tasks(user: User, now: datetime) -> Group:
    tasks = reverse("web:tasks")
    _, overdue, today = due_counts(with_clocks(due_items_for(user, now), now))
    return Group(
        "Your tasks",
        [
            Count("tasks_overdue", "Your overdue tasks", overdue.count,
                  f"{tasks}{overdue.query}", OVERDUE, overdue.capped),
            Count("tasks_today", "Your tasks due today", today.count, f"{tasks}{today.query}",
                  capped=today.capped),
        ],
    )  # fmt: skip


def _partner(user: User) -> Group:
    organisation = user.organisation_id
    incoming = reverse("triage:incoming")
    allocated = (
        referrals_visible_to(user, Do.CHANGE)
        .filter(status=Status.ALLOCATED, allocated_organisation_id=organisation)
        .count()
    )
    unheld = needing_a_practitioner(
        referrals_visible_to(user).filter(allocated_organisation_id=organisation)
    ).count()
    return Group(
        "Your organisation",
        [
            Count("allocations", "Allocations waiting for an answer", allocated, incoming),
            Count("handovers", "Handovers waiting for your answer", handovers_to(user).count(),
                  incoming),
            Count("no_practitioner", "Children with no named practitioner", unheld,
                  f"{reverse('web:caseload')}?whose=organisation", ACTION_NEEDED),
        ],
    )  # fmt: skip


def home_counts(user: User, now: datetime) -> list[Group]:
    """What waits for the user, by the groups their role has."""
    groups = []
    if user.role in TRIAGE_TEAM:
        groups.append(_triage(user, now))
    if user.role in TASK_HOLDERS:
        groups.append(_tasks(user, now))
    if user.role in PARTNER_ANSWERS and user.organisation_id is not None:
        groups.append(_partner(user))
    return groups


def _open_escalations(user: User) -> int:
    """Items still overdue that have escalated, one per item whatever its level (as the
    escalations page lists them: `triage.escalation.open_escalations`)."""
    still = Q()
    for kind in Escalation.Kind:
        still |= still_overdue(kind)
    return (
        Escalation.objects.filter(still, referral__in=referrals_visible_to(user))
        .order_by()
        .values("kind", "referral", "transition", "follow_up")
        .distinct()
        .count()
    )


def governance_counts(user: User, now: datetime) -> list[Count]:
    role = user.role
    counts = []
    if role == Role.CLINICAL_LEAD:
        counts.append(
            Count("escalations", "Open escalations", _open_escalations(user),
                  reverse("web:escalations"), OVERDUE)
        )  # fmt: skip
    if role in (Role.CLINICAL_LEAD, Role.SAFEGUARDING_LEAD):
        concerns = concerns_visible_to(user).filter(closed_at__isnull=True)
        actions = FollowUp.objects.filter(
            _past_its_day("due", now), concern__in=concerns, done_at__isnull=True
        )
        listed = reverse("safeguarding:concerns")
        counts += [
            Count("concerns", "Open safeguarding concerns", concerns.count(), listed),
            Count("follow_ups_overdue", "Safeguarding follow-up actions overdue",
                  actions.count(), listed, OVERDUE),
        ]  # fmt: skip
    counts.append(
        Count("incidents", "Open incidents",
              incidents_visible_to(user).exclude(status=IncidentStatus.CLOSED).count(),
              reverse("governance:incidents"))
    )  # fmt: skip
    if role == Role.CLINICAL_LEAD:
        complex_ = TriageDecision.objects.filter(
            complex=True,
            sign_off=TriageDecision.SignOff.WAITING,
            referral__in=referrals_visible_to(user),
        )
        counts.append(
            Count("complex", "Complex decisions waiting for sign-off", complex_.count(),
                  f"{reverse('web:triage')}?state={Status.AWAITING_SIGN_OFF}")
        )  # fmt: skip
    if role == Role.CLINICAL_LEAD:
        waiting = RoleRequest.objects.filter(decided_at__isnull=True).exclude(
            Q(requested_by=user) | Q(user=user)
        )
        counts.append(
            Count("roles", "Roles waiting for your approval", waiting.count(),
                  reverse("access:role_requests"))
        )  # fmt: skip
        requests = requests_visible_to(user).filter(status__in=SUBJECT_ACCESS_WAITING)
        counts.append(
            Count("subject_access", "Subject access requests waiting for a response",
                  requests.count(), reverse("subject_access:list"))
        )  # fmt: skip
    if role in (Role.CLINICAL_LEAD, Role.PARTNER_LEAD):
        overdue = actions_visible_to(user).filter(
            _past_its_day("due_on", now), done_at__isnull=True
        )
        counts.append(
            Count("audit_actions_overdue", "Case audit actions overdue", overdue.count(),
                  reverse("case_audits:rounds"), OVERDUE)
        )  # fmt: skip
    return counts
