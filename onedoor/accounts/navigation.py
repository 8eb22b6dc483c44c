"""The staff navigation: which pages each role sees in the header."""

from __future__ import annotations

from dataclasses import dataclass

from onedoor.accounts.roles import TASK_HOLDERS, Role

R = Role


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str
    roles: frozenset[Role]
    summary: str


PAGES = (
    Page("web:triage", "Triage", frozenset({R.TRIAGE_LEAD, R.CLINICAL_LEAD}),
         "Referrals awaiting triage, by risk and the time left on each clock."),
    Page("web:waiting", "Waiting lists",
         frozenset({R.TRIAGE_LEAD, R.CARE_COORDINATOR, R.CLINICAL_LEAD, R.SERVICE_MANAGER}),
         "Who is waiting for each offer, for how long, and their Waiting Well check-ins."),
    Page("triage:incoming", "Incoming",
         frozenset({R.CARE_COORDINATOR, R.PRACTITIONER, R.PARTNER_LEAD}),
         "Children allocated to your organisation: accept them, or decline back to triage."),
    Page("web:caseload", "Caseload",
         frozenset({R.CARE_COORDINATOR, R.PRACTITIONER, R.PARTNER_LEAD}),
         "The children you and your organisation are working with."),
    Page("care:young_adults", "Young adults", frozenset({R.CARE_COORDINATOR}),
         "The care leavers you are the named care coordinator for (Young Adult Support Offer)."),
    Page("care:reassign", "Reassign caseload", frozenset({R.SERVICE_MANAGER}),
         "Move a leaving care coordinator's young adults to another, one audit record each."),
    Page("web:tasks", "My tasks", TASK_HOLDERS,
         "Reviews, check-ins, handovers and actions that are yours to do."),
    Page("web:insights", "Insights",
         frozenset({R.CLINICAL_LEAD, R.SERVICE_MANAGER, R.ANALYST, R.COMMISSIONER,
                    R.PARTNER_LEAD}),
         "The alliance's shared KPIs, the equity view and the commissioner review pack."),
    Page("coproduction:feedback", "Feedback", frozenset({R.SERVICE_MANAGER, R.CLINICAL_LEAD}),
         "What young people and families told us, tagged with themes."),
    Page("coproduction:log", "You said, we did", frozenset({R.SERVICE_MANAGER, R.CLINICAL_LEAD}),
         "The changes feedback caused, and which of them the public page shows."),
    Page("web:governance", "Governance",
         frozenset({R.CLINICAL_LEAD, R.SAFEGUARDING_LEAD, R.PARTNER_LEAD}),
         "Escalations, audits, supervision, clinical content and emergency access reviews."),
    Page("governance:incidents", "Incidents",
         frozenset({R.TRIAGE_LEAD, R.CARE_COORDINATOR, R.PRACTITIONER, R.SERVICE_MANAGER}),
         "Report an incident or near miss, and read the learning log."),
    Page("access:break_glass", "Emergency access",
         frozenset({R.PRACTITIONER, R.PARTNER_LEAD, R.SAFEGUARDING_LEAD}),
         "See a child's record outside your organisation in an emergency, with a reason."),
    Page("admin:index", "Configuration", frozenset({R.ADMINISTRATOR}),
         "The alliance's organisations, offers, rules, clocks and users."),
    Page("integrations:clients", "API clients", frozenset({R.ADMINISTRATOR}),
         "Partners' and referrers' systems that use the API, and their tokens."),
)  # fmt: skip


def pages_for(role: str) -> list[Page]:
    return [page for page in PAGES if role in page.roles]


def roles_for(url_name: str) -> frozenset[Role]:
    return next(page.roles for page in PAGES if page.url_name == url_name)
