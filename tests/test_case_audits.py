"""Case audits: a reproducible random sample per organisation, scoring against the
configured criteria, actions, closing, and compliance per organisation and criterion over
time, asserted exactly on a fixture."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, AuditCriterion, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.case_audits.actions import (
    add_action,
    close_round,
    mark_action_done,
    score_case,
    start_round,
)
from onedoor.case_audits.compliance import Figure, figures
from onedoor.case_audits.models import AuditAction, AuditCase, AuditRound, AuditScore
from onedoor.case_audits.records import cases_visible_to, rounds_visible_to
from onedoor.case_audits.sampling import draw
from onedoor.case_audits.views import Line
from onedoor.clock.calendar import end_of
from onedoor.demo.audits import seed_audit_rounds
from onedoor.demo.population import ensure_demo_accounts, seed_population
from onedoor.referrals.models import Referral, Status
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, organisation, shown, sign_in

TODAY = date(2026, 12, 2)
NOVEMBER = {"allocated_from": date(2026, 11, 1), "allocated_to": date(2026, 11, 30)}
CRITERIA = [
    "current-risk-assessment",
    "safety-plan",
    "care-plan-reviewed",
    "consent-recorded",
    "outcome-measures",
    "notes-in-time",
]


def _taken_on(
    alliance: Alliance,
    name: str,
    partner: str,
    *,
    allocated: date = date(2026, 11, 10),
    status: Status = Status.IN_INTERVENTION,
) -> Referral:
    referral = make_child(alliance, name, allocated_to=partner, status=status).referrals.get()
    referral.allocated_at = datetime.combine(allocated, time(12), tzinfo=UTC)
    referral.save(update_fields=["allocated_at"])
    return referral


def _start(user: User, *slugs: str, **extra: Any) -> AuditRound:
    assert user.organisation is not None
    alliance = user.organisation.alliance
    values: dict[str, Any] = {"title": "Quarterly audit", **NOVEMBER, "seed": 2027, **extra}
    organisations = [organisation(alliance, slug) for slug in slugs]
    return start_round(user=user, organisations=organisations, today=TODAY, **values)


def _criteria(alliance: Alliance) -> dict[str, AuditCriterion]:
    return {c.slug: c for c in AuditCriterion.objects.filter(alliance=alliance)}


def _sampled(audit_round: AuditRound, partner: str) -> list[str]:
    cases = audit_round.cases.filter(organisation__slug=partner)
    return sorted(cases.values_list("referral__reference", flat=True))


def _score(user: User, case: AuditCase, met: str = "met", **results: str) -> AuditCase:
    """Every criterion `met` unless named (by slug, underscores for hyphens)."""
    by_slug = _criteria(case.round.alliance)
    chosen = {slug: results.get(slug.replace("-", "_"), met) for slug in CRITERIA}
    return score_case(user=user, case=case, results={by_slug[s].pk: r for s, r in chosen.items()})


# Sampling


def test_a_draw_is_random_but_the_same_seed_always_draws_the_same_sample() -> None:
    population = [chr(ord("A") + n) for n in range(10)]
    shuffled = random.Random(1).sample(population, len(population))
    assert draw(population, 3, seed=2027, stratum="kooth") == ["A", "D", "G"]
    assert draw(shuffled, 3, seed=2027, stratum="kooth") == ["A", "D", "G"]
    assert draw(population, 3, seed=2027, stratum="chums") == ["B", "G", "J"]
    assert draw(population, 3, seed=2028, stratum="kooth") == ["B", "D", "G"]
    assert draw(population, 20, seed=2027, stratum="kooth") == population
    assert draw([], 3, seed=2027, stratum="kooth") == []


def test_a_round_samples_each_organisations_records_reproducibly(
    alliance: Alliance, people: People
) -> None:
    kooth = [_taken_on(alliance, f"Kooth{n}", "kooth").reference for n in range(6)]
    kooth.append(_taken_on(alliance, "Waiting", "kooth", status=Status.WAITING).reference)
    kooth.append(_taken_on(alliance, "Discharged", "kooth", status=Status.DISCHARGED).reference)
    chums = [_taken_on(alliance, f"Chums{n}", "chums").reference for n in range(2)]
    # Not sampled: allocated before the period, or not yet taken on, or never allocated.
    _taken_on(alliance, "October", "kooth", allocated=date(2026, 10, 31))
    _taken_on(alliance, "Offered", "kooth", status=Status.ALLOCATED)
    make_child(alliance, "Untriaged")

    first = _start(people.clinical_lead, "kooth", "chums", sample_size=3)
    again = _start(people.clinical_lead, "kooth", "chums", sample_size=3)
    other = _start(people.clinical_lead, "kooth", "chums", sample_size=3, seed=7)

    assert _sampled(first, "kooth") == draw(kooth, 3, seed=2027, stratum="kooth")
    assert len(_sampled(first, "kooth")) == 3
    assert _sampled(first, "chums") == sorted(chums)  # fewer than the size: all of them
    assert _sampled(again, "kooth") == _sampled(first, "kooth")
    assert _sampled(other, "kooth") == draw(kooth, 3, seed=7, stratum="kooth")
    assert first.seed == 2027 and first.sample_size == 3
    assert sorted(first.criteria.values_list("slug", flat=True)) == sorted(CRITERIA)
    event = AuditEvent.objects.get(record_type="case_audits.round", record_id=str(first.uuid))
    assert event.action == "create"
    assert event.detail == {
        "seed": 2027, "sample_size": 3, "organisations": 2, "sampled": 5, "criteria": 6,
    }  # fmt: skip


def test_a_round_without_a_seed_gets_one_and_the_alliances_sample_size(
    alliance: Alliance, people: People
) -> None:
    for n in range(7):
        _taken_on(alliance, f"Kooth{n}", "kooth")
    started = _start(people.clinical_lead, "kooth", seed=None)
    assert 1 <= started.seed <= 999_999
    assert started.sample_size == alliance.audit_sample_size == 5
    assert started.cases.count() == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "Enter a title"),
        ({"title": "x" * 201}, "Keep a title to 200 characters or fewer"),
        (
            {"allocated_from": date(2026, 12, 1), "allocated_to": date(2026, 11, 1)},
            "The start of the period must be on or before its end",
        ),
        ({"allocated_to": date(2026, 12, 3)}, "The end of the period cannot be in the future"),
        ({"sample_size": 0}, "The sample size must be between 1 and 50 records"),
        ({"sample_size": 51}, "The sample size must be between 1 and 50 records"),
        ({"seed": 1_000_000}, "The seed must be a whole number from 0 to 999999"),
        ({"seed": -1}, "The seed must be a whole number from 0 to 999999"),
        (
            {"allocated_from": date(2026, 10, 1), "allocated_to": date(2026, 10, 31)},
            "None of the chosen organisations has a record allocated in that period: "
            "choose a longer period or other organisations",
        ),
    ],
)
def test_a_round_that_cannot_be_started_says_why_and_writes_nothing(
    alliance: Alliance, people: People, change: dict[str, Any], message: str
) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    with pytest.raises(ValidationError) as refused:
        _start(people.clinical_lead, "kooth", **change)
    assert refused.value.messages == [message]
    assert AuditRound.objects.count() == AuditCase.objects.count() == 0
    assert not AuditEvent.objects.filter(record_type="case_audits.round").exists()


def test_a_round_needs_organisations_of_the_alliance_and_active_criteria(
    alliance: Alliance, people: People
) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    lead = people.clinical_lead
    with pytest.raises(ValidationError, match="Choose at least one organisation to audit"):
        _start(lead)
    with pytest.raises(ValidationError, match="from the alliance's lead provider and partners"):
        _start(lead, "kooth", "childrens-social-care")
    AuditCriterion.objects.update(active=False)
    with pytest.raises(ValidationError, match="The alliance has no audit criteria"):
        _start(lead, "kooth")
    assert AuditRound.objects.count() == 0


@pytest.mark.parametrize("who", ["kooth_lead", "triage", "safeguarding", "manager"])
def test_only_the_clinical_lead_runs_a_round(alliance: Alliance, people: People, who: str) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    with pytest.raises(PermissionDenied):
        _start(getattr(people, who), "kooth")
    assert AuditRound.objects.count() == 0
    assert not AuditEvent.objects.filter(record_type="case_audits.round").exists()


# Scoring, actions and closing


def test_scoring_records_a_result_for_every_criterion_and_can_be_changed(
    alliance: Alliance, people: People
) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    case = _start(people.clinical_lead, "kooth").cases.get()
    by_slug = _criteria(alliance)
    partial = {by_slug["safety-plan"].pk: "met"}
    with pytest.raises(ValidationError) as refused:
        score_case(user=people.clinical_lead, case=case, results=partial)
    assert refused.value.messages == ["Choose a result for “Current risk assessment”"]
    assert AuditScore.objects.count() == 0

    _score(people.clinical_lead, case, safety_plan="not_applicable")
    _score(people.clinical_lead, case, current_risk_assessment="not_met")
    results = dict(case.scores.values_list("criterion__slug", "result"))
    assert results == {**dict.fromkeys(CRITERIA, "met"), "current-risk-assessment": "not_met"}
    case.refresh_from_db()
    assert case.scored_by == people.clinical_lead
    events = AuditEvent.objects.filter(record_type="case_audits.case", record_id=str(case.uuid))
    assert [(e.action, e.detail) for e in events.order_by("sequence")] == [
        ("create", {"met": 5, "not_met": 0, "not_applicable": 1}),
        ("change", {"met": 5, "not_met": 1, "not_applicable": 0}),
    ]


def test_a_round_closes_only_when_every_record_is_scored_and_is_then_final(
    alliance: Alliance, people: People
) -> None:
    _taken_on(alliance, "Kooth1", "kooth")
    _taken_on(alliance, "Kooth2", "kooth")
    lead = people.clinical_lead
    audit_round = _start(lead, "kooth")
    first, second = audit_round.cases.order_by("pk")
    _score(lead, first)
    with pytest.raises(ValidationError) as refused:
        close_round(user=lead, audit_round=audit_round)
    assert refused.value.messages == [
        "Score every sampled record before closing the round: 1 is still to score"
    ]
    assert AuditRound.objects.get().closed_at is None
    _score(lead, second)
    close_round(user=lead, audit_round=audit_round)
    assert AuditRound.objects.get().closed_at is not None
    with pytest.raises(ValidationError, match="This audit round is closed"):
        _score(lead, first, met="not_met")
    assert set(first.scores.values_list("result", flat=True)) == {"met"}
    with pytest.raises(ValidationError, match="This audit round is closed"):
        add_action(
            user=lead, audit_round=audit_round, action="Retrain", owner=people.kooth_lead,
            due_on=TODAY, today=TODAY,
        )  # fmt: skip
    assert AuditAction.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": " "}, "Enter the action"),
        ({"action": "x" * 4001}, "Keep the action to 4000 characters or fewer"),
        ({"due_on": date(2026, 12, 1)}, "The due date cannot be in the past"),
        ({"owner": "commissioner"}, "Choose an owner from the alliance's staff"),
        ({"organisation": "chums"}, "Choose one of the organisations this round audited, or none"),
    ],
)
def test_an_action_that_cannot_be_recorded_says_why_and_writes_nothing(
    alliance: Alliance, people: People, change: dict[str, str], message: str
) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    audit_round = _start(people.clinical_lead, "kooth")
    values: dict[str, Any] = {
        "action": "Refresh safety planning training",
        "owner": people.kooth_lead,
        "due_on": date(2027, 1, 31),
        **change,
    }
    if "owner" in change:
        values["owner"] = getattr(people, change["owner"])
    if "organisation" in change:
        values["organisation"] = organisation(alliance, change["organisation"])
    with pytest.raises(ValidationError) as refused:
        add_action(user=people.clinical_lead, audit_round=audit_round, today=TODAY, **values)
    assert refused.value.messages == [message]
    assert AuditAction.objects.count() == 0


# Compliance, exactly, on a fixture


@pytest.fixture
def two_rounds(alliance: Alliance, people: People) -> tuple[AuditRound, AuditRound]:
    """Kooth: three records, Chums: two, every one sampled (the size covers them all).

    Round 1: risk assessment met by 2 of Kooth's 3 and 1 of Chums' 1 that applied; safety
    plan applied to neither of Kooth's and was not met for either of Chums'; all else met.
    Round 2: every criterion met for every record, but Chums' safety plans still not met."""
    for n in range(3):
        _taken_on(alliance, f"Kooth{n}", "kooth")
    for n in range(2):
        _taken_on(alliance, f"Chums{n}", "chums")
    lead = people.clinical_lead
    first = _start(lead, "kooth", "chums", title="Autumn audit")
    kooth = list(first.cases.filter(organisation__slug="kooth").order_by("pk"))
    chums = list(first.cases.filter(organisation__slug="chums").order_by("pk"))
    _score(lead, kooth[0], safety_plan="not_applicable")
    _score(lead, kooth[1], safety_plan="not_applicable")
    _score(lead, kooth[2], safety_plan="not_applicable", current_risk_assessment="not_met")
    _score(lead, chums[0], safety_plan="not_met")
    _score(lead, chums[1], safety_plan="not_met", current_risk_assessment="not_applicable")
    second = _start(lead, "kooth", "chums", title="Winter audit")
    for case in second.cases.filter(organisation__slug="kooth"):
        _score(lead, case)
    for case in second.cases.filter(organisation__slug="chums"):
        _score(lead, case, safety_plan="not_met")
    AuditRound.objects.filter(pk=first.pk).update(started_at=datetime(2026, 11, 1, tzinfo=UTC))
    return first, second


def test_the_compliance_rule_counts_met_over_applicable_rounding_halves_up() -> None:
    assert Figure(met=2, not_met=1).percent == 67
    assert Figure(met=1, not_met=7).percent == 13  # 12.5
    assert Figure(met=1, not_met=1, not_applicable=5).percent == 50
    assert Figure(not_applicable=3).percent is None
    assert Figure().percent is None


def test_compliance_per_organisation_and_criterion_is_exact(
    alliance: Alliance, two_rounds: tuple[AuditRound, AuditRound]
) -> None:
    first, second = two_rounds
    kooth, chums = organisation(alliance, "kooth").pk, organisation(alliance, "chums").pk
    c = {slug: criterion.pk for slug, criterion in _criteria(alliance).items()}
    found = figures([first.pk, second.pk])
    risk, safety, consent = c["current-risk-assessment"], c["safety-plan"], c["consent-recorded"]
    assert found[(first.pk, kooth, risk)] == Figure(met=2, not_met=1)
    assert found[(first.pk, chums, risk)] == Figure(met=1, not_applicable=1)
    assert found[(first.pk, None, risk)] == Figure(met=3, not_met=1, not_applicable=1)
    assert found[(first.pk, kooth, safety)] == Figure(not_applicable=3)
    assert found[(first.pk, chums, safety)] == Figure(not_met=2)
    assert found[(first.pk, kooth, consent)] == Figure(met=3)
    assert found[(first.pk, kooth, None)] == Figure(met=14, not_met=1, not_applicable=3)
    assert found[(first.pk, chums, None)] == Figure(met=9, not_met=2, not_applicable=1)
    assert found[(first.pk, None, None)] == Figure(met=23, not_met=3, not_applicable=4)
    assert found[(second.pk, kooth, risk)] == Figure(met=3)
    assert found[(second.pk, None, None)] == Figure(met=28, not_met=2)
    assert [found[(r.pk, None, None)].percent for r in (first, second)] == [88, 93]
    # Only the organisations asked for.
    assert figures([first.pk], [kooth])[(first.pk, None, None)] == Figure(14, 1, 3)


def _cells(line: Line) -> list[str]:
    return [
        "none applicable"
        if f is None or f.percent is None
        else f"{f.percent}% ({f.met} of {f.applicable})"
        for f in line.cells
    ]


def test_the_compliance_page_compares_rounds_oldest_first(
    client: Client, people: People, two_rounds: tuple[AuditRound, AuditRound]
) -> None:
    sign_in(client, people.clinical_lead)
    response = client.get("/governance/audits/compliance/")
    assert response.status_code == 200
    assert [r.title for r in response.context["rounds"]] == ["Autumn audit", "Winter audit"]
    tables = {
        name: {line.label: _cells(line) for line in lines}
        for name, lines in response.context["tables"]
    }
    assert list(tables) == [
        "Current risk assessment", "Safety plan where needed", "Care plan reviewed in time",
        "Consent recorded", "Outcome measures taken", "Notes within the agreed time",
        "All criteria",
    ]  # fmt: skip
    assert tables["Current risk assessment"] == {
        "CHUMS": ["100% (1 of 1)", "100% (2 of 2)"],
        "Kooth": ["67% (2 of 3)", "100% (3 of 3)"],
        "All organisations": ["75% (3 of 4)", "100% (5 of 5)"],
    }
    assert tables["Safety plan where needed"] == {
        "CHUMS": ["0% (0 of 2)", "0% (0 of 2)"],
        "Kooth": ["none applicable", "100% (3 of 3)"],
        "All organisations": ["0% (0 of 2)", "60% (3 of 5)"],
    }
    assert tables["All criteria"] == {
        "CHUMS": ["82% (9 of 11)", "83% (10 of 12)"],
        "Kooth": ["93% (14 of 15)", "100% (18 of 18)"],
        "All organisations": ["88% (23 of 26)", "93% (28 of 30)"],
    }
    assert '67% <span class="onedoor-secondary">(2 of 3)</span>' in shown(response)


def test_a_partner_lead_sees_only_their_organisations_records_and_figures(
    client: Client, people: People, two_rounds: tuple[AuditRound, AuditRound]
) -> None:
    sign_in(client, people.kooth_lead)
    response = client.get("/governance/audits/compliance/")
    tables = {
        name: {line.label: _cells(line) for line in lines}
        for name, lines in response.context["tables"]
    }
    assert tables["All criteria"] == {"Kooth": ["93% (14 of 15)", "100% (18 of 18)"]}
    first, _ = two_rounds
    page = client.get(f"/governance/audits/{first.uuid}/")
    assert page.status_code == 200
    assert {row.case.organisation.name for row in page.context["rows"]} == {"Kooth"}
    assert [line.label for line in page.context["lines"]] == ["Kooth"]
    assert "Chums0" not in shown(page) and "Kooth0 Example" in shown(page)
    assert "Score this record" not in shown(page) and "Change the scores" not in shown(page)


# Access


def test_who_sees_which_rounds(alliance: Alliance, people: People) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    _taken_on(alliance, "Chums", "chums")
    both = _start(people.clinical_lead, "kooth", "chums")
    chums_only = _start(people.clinical_lead, "chums")
    seen = {
        name: set(rounds_visible_to(user).values_list("pk", flat=True))
        for name, user in people.by_role().items()
    }
    assert seen == {
        **{name: set() for name in seen},
        "clinical_lead": {both.pk, chums_only.pk},
        "kooth_lead": {both.pk},
        "chums_lead": {both.pk, chums_only.pk},
    }
    kooth_cases = cases_visible_to(people.kooth_lead, both)
    assert [case.organisation.slug for case in kooth_cases] == ["kooth"]


def test_a_round_without_ones_organisation_is_a_404_that_leaves_only_the_denial(
    client: Client, alliance: Alliance, people: People
) -> None:
    _taken_on(alliance, "Chums", "chums")
    chums_only = _start(people.clinical_lead, "chums")
    case = chums_only.cases.get()
    sign_in(client, people.kooth_lead)
    before = AuditEvent.objects.count()
    assert client.get(f"/governance/audits/{chums_only.uuid}/").status_code == 404
    denials = AuditEvent.objects.filter(sequence__gt=0).order_by("-sequence")[
        : AuditEvent.objects.count() - before
    ]
    assert [(e.action, e.record_type) for e in denials] == [("deny", "case_audits.round")]
    sign_in(client, people.clinical_lead)
    url = f"/governance/audits/{chums_only.uuid}/records/{case.uuid}/"
    assert client.get(url).status_code == 200
    sign_in(client, people.chums_lead)
    assert client.post(url, {"comment": "x"}).status_code == 403
    assert AuditScore.objects.count() == 0


def test_a_sampled_record_that_moved_names_no_child_to_its_old_partner(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _taken_on(alliance, "Moved", "kooth")
    audit_round = _start(people.clinical_lead, "kooth")
    Referral.objects.filter(pk=referral.pk).update(
        allocated_organisation=organisation(alliance, "chums")
    )
    sign_in(client, people.kooth_lead)
    page = client.get(f"/governance/audits/{audit_round.uuid}/")
    assert referral.reference_display in shown(page)
    assert "Moved Example" not in shown(page)
    sign_in(client, people.clinical_lead)
    assert "Moved Example" in shown(client.get(f"/governance/audits/{audit_round.uuid}/"))


# Pages


def test_the_clinical_lead_starts_scores_and_closes_a_round_through_the_pages(
    client: Client, alliance: Alliance, people: People
) -> None:
    _taken_on(alliance, "Kooth", "kooth", allocated=clock.today())
    sign_in(client, people.clinical_lead)
    form = client.get("/governance/audits/new/")
    assert form.status_code == 200
    assert form.context["form"]["sample_size"].value() == 5
    refused = client.post("/governance/audits/new/", {"title": "", "sample_size": "x"})
    assert refused.status_code == 400
    page = shown(refused)
    for message in (
        "Enter a title", "Enter the start of the period", "Enter the end of the period",
        "Enter the sample size as a whole number, like 5",
        "Choose at least one organisation to audit",
    ):  # fmt: skip
        assert f'">{message}</a>' in page
    assert AuditRound.objects.count() == 0

    today = clock.today()
    started = client.post(
        "/governance/audits/new/",
        {
            "title": "Spot check", "allocated_from": f"{today.day} {today.month} {today.year}",
            "allocated_to": today.isoformat(), "sample_size": "3", "organisations": ["kooth"],
            "seed": "41",
        },
    )  # fmt: skip
    audit_round = AuditRound.objects.get()
    assert (
        started.status_code == 302
        and started["Location"] == f"/governance/audits/{audit_round.uuid}/"
    )
    assert audit_round.seed == 41
    case = audit_round.cases.get()

    url = f"/governance/audits/{audit_round.uuid}/records/{case.uuid}/"
    missing = client.post(url, {"comment": "Looked at the record"})
    assert missing.status_code == 400
    assert "Choose a result for “Safety plan where needed”" in shown(missing)
    assert AuditScore.objects.count() == 0
    fields = {f"criterion_{c.pk}": "met" for c in audit_round.criteria.all()}
    assert client.post(url, {**fields, "comment": "Good record"}).status_code == 302
    assert AuditScore.objects.filter(case=case, result="met").count() == 6

    action = client.post(
        f"/governance/audits/{audit_round.uuid}/actions/",
        {"action": "Share good practice", "organisation": "", "owner": str(people.kooth_lead.uuid),
         "due_on": "2099-01-31"},
    )  # fmt: skip
    assert action.status_code == 302
    assert AuditAction.objects.get().organisation is None
    closed = client.post(f"/governance/audits/{audit_round.uuid}/close/", follow=True)
    assert "Audit round closed: its figures are final." in shown(closed)
    assert '100% <span class="onedoor-secondary">(6 of 6)</span>' in shown(closed)


@pytest.mark.parametrize("size", [2, 12])
def test_the_audit_pages_run_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        _taken_on(alliance, f"Kooth{n}", "kooth")
        _taken_on(alliance, f"Chums{n}", "chums")
    rounds = [_start(people.clinical_lead, "kooth", "chums", sample_size=50) for _ in range(2)]
    for case in rounds[0].cases.all():
        _score(people.clinical_lead, case)
    sign_in(client, people.clinical_lead)
    client.get("/")
    # session, user, device; the rounds with their counts
    with django_assert_num_queries(4):  # type: ignore[operator]
        listed = client.get("/governance/audits/")
    assert len(listed.context["rows"]) == 2
    # session, user, device; the round; its view audited (savepoint, head, event, head,
    # release); criteria, organisations, cases, their scores, the figures, the actions, the
    # action form's organisations and owners
    with django_assert_num_queries(17):  # type: ignore[operator]
        page = client.get(f"/governance/audits/{rounds[0].uuid}/")
    assert len(page.context["rows"]) == 2 * size
    # session, user, device; the rounds, organisations, criteria, figures
    with django_assert_num_queries(7):  # type: ignore[operator]
        compared = client.get("/governance/audits/compliance/")
    assert len(compared.context["rounds"]) == 2


def test_the_alliance_file_configures_the_criteria_and_sample_size(alliance: Alliance) -> None:
    assert (
        list(AuditCriterion.objects.filter(alliance=alliance).values_list("slug", flat=True))
        == CRITERIA
    )
    assert alliance.audit_sample_size == 5
    assert Organisation.objects.filter(audit_rounds__isnull=False).count() == 0


def test_the_demo_has_last_quarters_round_closed_and_this_quarters_open(
    alliance: Alliance,
) -> None:
    today = clock.today()
    ensure_demo_accounts(alliance, "demo-password-for-tests")
    seed_population(alliance, 120, today=today)
    assert seed_audit_rounds(alliance, today) == 2
    last, this = AuditRound.objects.order_by("started_at")
    assert last.title == "Case audit, last quarter" and last.closed_at is not None
    assert not last.cases.filter(scored_at__isnull=True).exists()
    assert this.title == "Case audit, this quarter" and this.closed_at is None
    assert last.cases.count() > 0 and this.cases.count() > 0
    assert seed_audit_rounds(alliance, today) == 0
    assert AuditRound.objects.count() == 2


def test_the_owner_marks_an_action_done_and_others_cannot(
    client: Client, alliance: Alliance, people: People
) -> None:
    _taken_on(alliance, "Kooth", "kooth")
    audit_round = _start(people.clinical_lead, "kooth")
    action = add_action(
        user=people.clinical_lead, audit_round=audit_round, action="Audit the notes standard",
        owner=people.kooth_practitioner, due_on=date(2027, 1, 31), today=TODAY,
        organisation=organisation(alliance, "kooth"),
    )  # fmt: skip
    url = f"/governance/audits/actions/{action.uuid}/"
    sign_in(client, people.chums_practitioner)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}done/").status_code == 404
    sign_in(client, people.kooth_lead)  # reads it (their organisation's) but is not the owner
    read = client.get(url)
    assert read.status_code == 200 and "Mark as done" not in shown(read)
    assert client.post(f"{url}done/").status_code == 403
    with pytest.raises(PermissionDenied):
        mark_action_done(user=people.kooth_lead, action=action)
    assert AuditAction.objects.get().done_at is None
    assert not AuditEvent.objects.filter(record_type="case_audits.action", action="change").exists()

    def tasks() -> list[tuple[str, object, object, str, str]]:
        items = due_items_for(people.kooth_practitioner)
        return [(i.what, i.referral, i.due, i.url, i.label) for i in items]

    label = f"Case audit of {audit_round.started_at:%b %Y}"
    assert tasks() == [("Case audit action", None, end_of(date(2027, 1, 31)), url, label)]
    sign_in(client, people.kooth_practitioner)
    page = client.get(url)
    assert "Audit the notes standard" in shown(page) and "Mark as done" in shown(page)
    assert "Back to my tasks" in shown(page)  # the round's records are not theirs to read
    done = client.post(f"{url}done/", follow=True)
    assert "Action marked done." in shown(done) and "Mark as done" not in shown(done)
    action.refresh_from_db()
    assert action.done_by == people.kooth_practitioner and action.done_at is not None
    again = client.post(f"{url}done/", follow=True)
    assert "This action is already marked done" in shown(again)
    assert tasks() == []
    assert AuditEvent.objects.filter(record_type="case_audits.action", action="change").count() == 1
