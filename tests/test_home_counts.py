"""Counts where people decide: the home page and /governance/ count what waits for the user,
each through the access layer (only what they may see) and by the rule of the list it links
to, in a fixed number of queries; none is "None", and only what is overdue or urgent is an
alarm."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from onedoor import clock
from onedoor.access.models import RoleRequest
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer
from onedoor.care.actions import start_transition
from onedoor.case_audits.actions import add_action, start_round
from onedoor.governance.actions import report_incident
from onedoor.referrals.bands import RED_UNREVIEWED, URGENT_UNSCREENED
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import add_follow_up, close_concern, raise_concern
from onedoor.safeguarding.models import FollowUp
from onedoor.triage.models import Escalation, Outcome, TriageDecision
from onedoor.web.counts import Count, _past_its_day, governance_counts, home_counts
from tests.personas import People, make_child, organisation, shown, sign_in

TODAY_5PM = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # London is on GMT in November
ON_25TH = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
ON_18TH = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)


def _referral(alliance: Alliance, name: str, **fields: object) -> Referral:
    referral = make_child(alliance, name).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(**fields)
    referral.refresh_from_db()
    return referral


def _partner(
    alliance: Alliance, name: str, partner: str, status: Status, named: User | None = None
) -> Referral:
    referral = make_child(alliance, name, allocated_to=partner, status=status).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        consent_to_share=True, named_practitioner=named,
        allocated_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _decision(people: People, referral: Referral, *, complex_: bool) -> None:
    TriageDecision.objects.create(
        referral=referral, grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.NOT_ACCEPTED,
        reason="With CAMHS already.", complex=complex_, decided_by=people.triage,
        decided_at=clock.now(), sign_off=TriageDecision.SignOff.WAITING,
    )  # fmt: skip


def _escalate(referral: Referral, kind: str, *levels: int) -> None:
    for level in levels:
        Escalation.objects.create(referral=referral, kind=kind, level=level, raised_at=clock.now())


def build(alliance: Alliance, people: People, copies: int = 1) -> None:
    """What waits, `copies` times over where a count should grow with it."""
    for n in range(copies):
        # Triage: an urgent disclosure not screened, due by 5pm today; a red referral no
        # clinician has reviewed, due today; two referrals past their clocks; one waiting for
        # information (its clock paused, so not overdue); one with days left.
        _referral(alliance, f"Uma{n}", queue_band=URGENT_UNSCREENED, triage_due_at=TODAY_5PM)
        red = _referral(
            alliance, f"Rae{n}", risk_rating="red", queue_band=RED_UNREVIEWED,
            triage_due_at=TODAY_5PM,
        )  # fmt: skip
        late = _referral(alliance, f"Ola{n}", risk_rating="green", triage_due_at=ON_18TH)
        _referral(alliance, f"Oli{n}", risk_rating="amber", triage_due_at=ON_18TH)
        paused = _referral(
            alliance, f"Pip{n}", risk_rating="green", status=Status.MORE_INFORMATION,
            triage_due_at=ON_18TH, clock_paused_at=clock.now() - timedelta(days=3),
        )  # fmt: skip
        _referral(alliance, f"Fay{n}", risk_rating="green", triage_due_at=ON_25TH)
        # Two waiting for sign-off, one of them complex.
        for complex_, name in ((True, f"Cai{n}"), (False, f"Sid{n}")):
            signing = _referral(
                alliance, name, risk_rating="amber", status=Status.AWAITING_SIGN_OFF,
                triage_due_at=ON_25TH,
            )  # fmt: skip
            _decision(people, signing, complex_=complex_)
        # Escalations: the late clock at two levels (one item), the red review, and a clock
        # that is paused now (no longer overdue).
        _escalate(late, Escalation.Kind.TRIAGE_CLOCK, 1, 2)
        _escalate(red, Escalation.Kind.RED_REVIEW, 1)
        _escalate(paused, Escalation.Kind.TRIAGE_CLOCK, 1)

        # Kooth: one allocation to answer; one child held by Kim; one nobody holds. CHUMS: one
        # child nobody holds, and one handed over to Kooth, waiting for Kooth's answer.
        _partner(alliance, f"Kit{n}", "kooth", Status.ALLOCATED)
        held = _partner(
            alliance, f"Kim{n}", "kooth", Status.IN_INTERVENTION, people.kooth_practitioner
        )
        _partner(alliance, f"Ken{n}", "kooth", Status.IN_INTERVENTION)
        unheld_at_chums = _partner(alliance, f"Cam{n}", "chums", Status.IN_INTERVENTION)
        moving = _partner(
            alliance, f"Mo{n}", "chums", Status.IN_INTERVENTION, people.chums_practitioner
        )
        start_transition(
            user=people.chums_practitioner, referral=moving, kind="between_partners",
            reason="Online support fits better.",
            receiving_organisation=organisation(alliance, "kooth"),
            receiving_offer=Offer.objects.filter(organisation__slug="kooth").first(),
            handover="Prefers to talk online.",
        )  # fmt: skip

        # Safeguarding: an open concern about Kim's child with an action of Kim's overdue since
        # yesterday, one due today (not overdue until 5pm) and one done; a closed concern at
        # CHUMS.
        concern = raise_concern(
            user=people.kooth_practitioner, referral=held, category="neglect",
            seen_or_said="Hungry again.", immediate_actions="Fed; told school.",
            referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
        )  # fmt: skip
        for text in ("Call the school.", "Visit at home.", "Write to the GP."):
            add_follow_up(user=people.safeguarding, concern=concern, text=text,
                          owner=people.kooth_practitioner, due=clock.today())  # fmt: skip
        FollowUp.objects.filter(concern=concern, text="Call the school.").update(
            due=clock.today() - timedelta(days=1)
        )
        FollowUp.objects.filter(concern=concern, text="Write to the GP.").update(
            due=clock.today() - timedelta(days=1), done_at=clock.now()
        )
        closed = raise_concern(
            user=people.chums_practitioner, referral=unheld_at_chums, category="online",
            seen_or_said="Messages.", immediate_actions="Kept them.",
            referred_to_social_care=False, social_care_reference="",
            owner=people.partner_safeguarding,
        )  # fmt: skip
        close_concern(user=people.partner_safeguarding, concern=closed, outcome="Resolved.")

        # Incidents: one at Kooth, one at the lead provider.
        for reporter in (people.kooth_practitioner, people.triage):
            report_incident(
                user=reporter, kind="incident", severity="low", title=f"Letter astray {n}",
                what_happened="A letter went to an old address.", occurred_on=date(2026, 11, 19),
                today=clock.today(),
            )  # fmt: skip

        # Case audits: Kooth's action overdue, the alliance's not yet due.
        audit_round = start_round(
            user=people.clinical_lead, title=f"Audit {n}", allocated_from=date(2026, 11, 1),
            allocated_to=date(2026, 11, 19), organisations=[organisation(alliance, "kooth")],
            seed=2027, today=clock.today(),
        )  # fmt: skip
        overdue = add_action(
            user=people.clinical_lead, audit_round=audit_round, action="Refresh the training.",
            owner=people.kooth_lead, due_on=clock.today(),
            organisation=organisation(alliance, "kooth"), today=clock.today(),
        )  # fmt: skip
        type(overdue).objects.filter(pk=overdue.pk).update(due_on=date(2026, 11, 19))
        add_action(
            user=people.clinical_lead, audit_round=audit_round, action="Share the findings.",
            owner=people.clinical_lead, due_on=date(2026, 12, 18), today=clock.today(),
        )  # fmt: skip


def _numbers(counts: list[Count]) -> dict[str, str]:
    return {count.key: count.words for count in counts}


def _home(user: User) -> dict[str, dict[str, str]]:
    return {group.heading: _numbers(group.counts) for group in home_counts(user, clock.now())}


def test_each_role_counts_what_waits_for_it_on_the_home_page(
    alliance: Alliance, people: People
) -> None:
    build(alliance, people)
    triage = {"urgent": "1", "red_review": "1", "sign_off": "2", "triage_overdue": "2"}
    assert _home(people.triage) == {
        "Triage": triage,
        # the urgent disclosure (its 2 working hours long past) and both late clocks; the
        # clocks of the urgent disclosure and the red referral end at 5pm
        "Your tasks": {"tasks_overdue": "3", "tasks_today": "2"},
    }
    assert _home(people.clinical_lead) == {
        "Triage": triage,
        # the urgent disclosure; the red review, due by 5pm; the sign-offs have days left
        "Your tasks": {"tasks_overdue": "1", "tasks_today": "1"},
    }
    assert _home(people.kooth_practitioner) == {
        "Your tasks": {"tasks_overdue": "1", "tasks_today": "1"},  # the safeguarding actions
        "Your organisation": {"allocations": "1", "handovers": "1", "no_practitioner": "1"},
    }
    assert _home(people.kooth_lead) == {
        # the audit action; naming a practitioner for Ken, by the end of today
        "Your tasks": {"tasks_overdue": "1", "tasks_today": "1"},
        "Your organisation": {"allocations": "1", "handovers": "1", "no_practitioner": "1"},
    }
    assert _home(people.chums_practitioner) == {
        "Your tasks": {"tasks_overdue": "None", "tasks_today": "None"},
        # Cam; Mo, in transition to Kooth, is still CHUMS's and held by Chris
        "Your organisation": {"allocations": "None", "handovers": "None", "no_practitioner": "1"},
    }
    assert _home(people.analyst) == {}  # no task list, no triage, no partner
    assert _home(people.commissioner) == {}


def test_each_role_counts_what_waits_for_it_on_governance(
    alliance: Alliance, people: People
) -> None:
    build(alliance, people)
    now = clock.now()
    # two roles wait: the analyst's (the clinical lead's to decide), and one about the
    # clinical lead's own account, which another clinical lead must decide
    for user in (people.analyst, people.clinical_lead):
        assert user.organisation is not None
        RoleRequest.objects.create(
            user=user, role=Role.TRIAGE_LEAD, organisation=user.organisation,
            requested_by=people.admin, requested_at=now,
        )  # fmt: skip
    assert _numbers(governance_counts(people.clinical_lead, now)) == {
        "escalations": "2", "concerns": "1", "follow_ups_overdue": "1", "incidents": "2",
        "complex": "1", "roles": "1", "subject_access": "None", "audit_actions_overdue": "1",
    }  # fmt: skip
    assert _numbers(governance_counts(people.safeguarding, now)) == {
        "concerns": "1", "follow_ups_overdue": "1", "incidents": "None",
    }  # fmt: skip
    # CHUMS's safeguarding lead sees only CHUMS's concerns: the one there is closed
    assert _numbers(governance_counts(people.partner_safeguarding, now)) == {
        "concerns": "None", "follow_ups_overdue": "None", "incidents": "None",
    }  # fmt: skip
    assert _numbers(governance_counts(people.kooth_lead, now)) == {
        "incidents": "1", "audit_actions_overdue": "1",
    }  # fmt: skip
    assert _numbers(governance_counts(people.chums_lead, now)) == {
        "incidents": "None", "audit_actions_overdue": "None",
    }  # fmt: skip


def test_a_deadline_of_a_day_passes_at_5pm_london() -> None:
    from onedoor.safeguarding.models import FollowUp as Model

    def overdue_on(now: datetime) -> str:
        return str(Model.objects.filter(_past_its_day("due", now)).query).split("WHERE")[1]

    noon = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    evening = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert '"due" < 2026-11-20' in overdue_on(noon)
    assert '"due" = 2026-11-20' not in overdue_on(noon)
    assert '"due" = 2026-11-20' in overdue_on(evening)


def test_none_is_plain_and_only_what_is_overdue_or_urgent_is_an_alarm() -> None:
    nothing = Count("tasks_overdue", "Your overdue tasks", 0, "/tasks/?due=overdue", "Overdue")
    late = Count("tasks_overdue", "Your overdue tasks", 3, "/tasks/?due=overdue", "Overdue")
    today = Count("tasks_today", "Your tasks due today", 2, "/tasks/?due=today")
    capped = Count("tasks_today", "Your tasks due today", 200, "/tasks/?due=today", capped=True)
    assert [(c.words, c.alarming) for c in (nothing, late, today, capped)] == [
        ("None", False), ("3", True), ("2", False), ("200 or more", False),
    ]  # fmt: skip


def test_the_cards_link_to_their_lists_and_say_none_plainly(
    client: Client, alliance: Alliance, people: People
) -> None:
    build(alliance, people)
    sign_in(client, people.triage)
    page = shown(client.get("/"))
    assert (
        '<div class="nhsuk-card nhsuk-card--clickable onedoor-count onedoor-count--alarm" '
        'data-count="triage_overdue">'
    ) in page
    assert (
        '<a class="nhsuk-card__link" href="/triage/?waiting=overdue">Triage clocks overdue'
    ) in page
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>' in page
    listed = {
        waiting: [row.referral.child.given_name for row in client.get(
            f"/triage/?waiting={waiting}").context["rows"]]
        for waiting in ("urgent", "red_review", "overdue")
    }  # fmt: skip
    assert listed == {"urgent": ["Uma0"], "red_review": ["Rae0"], "overdue": ["Ola0", "Oli0"]}
    assert "Showing only referrals whose triage clock is overdue" in shown(
        client.get("/triage/?waiting=overdue")
    )
    sign_in(client, people.chums_practitioner)
    page = shown(client.get("/"))
    assert (
        '<div class="nhsuk-card nhsuk-card--clickable onedoor-count" data-count="tasks_overdue">'
    ) in page  # none: not an alarm
    assert '<p class="onedoor-count__number" aria-hidden="true">None</p>' in page
    overdue = client.get("/tasks/?due=overdue")
    assert overdue.context["rows"] == []
    assert "You have no overdue tasks." in shown(overdue)


def _queries(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("persona", "path"),
    [("triage", "/"), ("clinical_lead", "/"), ("kooth_practitioner", "/"), ("kooth_lead", "/"),
     ("coordinator", "/"), ("clinical_lead", "/governance/"), ("safeguarding", "/governance/"),
     ("kooth_lead", "/governance/")],
)  # fmt: skip
def test_the_counts_cost_the_same_queries_at_any_size(
    client: Client, alliance: Alliance, people: People, persona: str, path: str
) -> None:
    user = people.by_role()[persona]
    sign_in(client, user)
    client.get("/")
    build(alliance, people)
    one = _queries(client, path)
    build(alliance, people, copies=3)
    assert _queries(client, path) == one


@pytest.mark.parametrize(
    ("persona", "queries"),
    [("triage", {"Triage": 1}), ("clinical_lead", {"Triage": 1}),
     ("kooth_practitioner", {"Your organisation": 3}), ("kooth_lead", {"Your organisation": 3})],
)  # fmt: skip
def test_each_group_of_counts_is_a_fixed_number_of_queries(
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    persona: str,
    queries: dict[str, int],
) -> None:
    """Triage: one aggregate over the referrals the user may see. A partner: the allocations
    to answer, the handovers to answer, the children nobody holds. (Your tasks costs what My
    tasks costs: `tests/test_worklist.py`.)"""
    from onedoor.web import counts

    user = people.by_role()[persona]
    groups = {"Triage": counts._triage, "Your organisation": counts._partner}
    for copies in (1, 3):
        build(alliance, people, copies)
        for heading, expected in queries.items():
            count = groups[heading]
            with django_assert_num_queries(expected):  # type: ignore[operator]
                group = count(user, clock.now()) if heading == "Triage" else count(user)  # type: ignore[operator]
            assert group.heading == heading


@pytest.mark.parametrize(
    ("persona", "queries"),
    [("clinical_lead", 8), ("safeguarding", 3), ("partner_safeguarding", 3), ("kooth_lead", 2)],
)
def test_the_governance_counts_are_a_query_each(
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    persona: str,
    queries: int,
) -> None:
    user = people.by_role()[persona]
    for copies in (1, 3):
        build(alliance, people, copies)
        with django_assert_num_queries(queries):  # type: ignore[operator]
            assert len(governance_counts(user, clock.now())) == queries


def test_a_triage_clock_is_overdue_from_its_deadline_unless_it_is_paused(
    alliance: Alliance,
) -> None:
    from onedoor.triage.waiting import waiting_on_triage

    now = clock.now()
    at_deadline = _referral(alliance, "Dee", triage_due_at=now)
    _referral(alliance, "Lou", triage_due_at=now + timedelta(minutes=1))
    _referral(
        alliance, "Pat", status=Status.MORE_INFORMATION, triage_due_at=now - timedelta(days=2),
        clock_paused_at=now - timedelta(days=3),
    )  # fmt: skip
    _referral(alliance, "Sig", status=Status.AWAITING_SIGN_OFF, triage_due_at=now)
    overdue = Referral.objects.filter(waiting_on_triage("overdue", now))
    assert list(overdue) == [at_deadline]
