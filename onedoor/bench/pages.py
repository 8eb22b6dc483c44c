"""The foundation's measurements, kept from before issue 17's benchmarks: pages and access
queries at the run's size, each a median in milliseconds beside its ratio to `/health`
measured in the same run (interleaved), without goals; the API's allocation list as p95s."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from onedoor import clock
from onedoor.access.models import RoleRequest
from onedoor.access.records import children_visible_to, referrals_visible_to
from onedoor.access.roles import decide_role_request
from onedoor.accounts.models import User
from onedoor.bench.harness import Context, interleaved, p50, p95
from onedoor.bench.measure import Row
from onedoor.insights.dashboard import Choice, trends
from onedoor.insights.kpis import Cut, Period, Scope
from onedoor.insights.models import SeriesCache
from onedoor.integrations.clients import issue_token, register_client
from onedoor.worklist.items import due_items_for
from onedoor.worklist.reminders import send_reminders

# The API's allocation list: the referrals allocated to the caller's organisation, 50 a page.
ALLOCATION_LIST = "/api/v1/referrals?limit=50"
# Repeats of a page, and of the pages that take seconds at 100,000 children.
OFTEN, SELDOM = 15, 3


def run(context: Context) -> list[Row]:
    alliance = context.alliance
    assert alliance is not None
    kooth = User.objects.get(username="kooth-practitioner")
    triage = context.client_as("triage")
    manager = context.client_as("manager")
    practitioner = context.client_as("kooth-practitioner")
    child = children_visible_to(kooth).order_by("pk").first()
    in_care = referrals_visible_to(kooth).filter(status="in_intervention").order_by("pk").first()
    known = children_visible_to(kooth).exclude(nhs_number="").order_by("pk").first()
    if child is None or in_care is None or known is None:
        raise SystemExit("bench: pages needs Kooth children, one in intervention")
    reference = referrals_visible_to(kooth).filter(child=known).values_list("reference", flat=True)
    born = f"{known.date_of_birth:%d/%m/%Y}"
    service_manager = User.objects.get(username="manager")
    whole = Choice(Period.quarter_of(clock.today()), "this-quarter", Scope(), "", Cut.NONE)

    def computed() -> object:  # as the first reader of the day (or the morning's job) does
        SeriesCache.objects.all().delete()
        return trends(service_manager, alliance, whole)

    measured: list[tuple[str, Callable[[], object], int]] = [
        ("home page as triage", lambda: triage.get("/"), OFTEN),
        ("child page with audit", lambda: triage.get(f"/children/{child.uuid}/"), OFTEN),
        ("triage queue, first page", lambda: triage.get("/triage/"), OFTEN),
        (
            "triage queue, care experienced",
            lambda: triage.get("/triage/?priority_group=care-experienced"),
            OFTEN,
        ),
        ("count of Kooth's referrals", lambda: referrals_visible_to(kooth).count(), OFTEN),
        (
            "first 50 children visible to Kooth",
            lambda: list(children_visible_to(kooth).order_by("pk")[:50]),
            OFTEN,
        ),
        ("My tasks for a Kooth practitioner", lambda: due_items_for(kooth), OFTEN),
        ("waiting list, first page", lambda: triage.get("/waiting/"), OFTEN),
        ("reminder job, nothing new to send", send_reminders, SELDOM),
        (
            "KPI dashboard, this quarter, as the service manager",
            lambda: manager.get("/insights/"),
            SELDOM,
        ),
        (
            "KPI dashboard, 12 months by priority group",
            lambda: manager.get("/insights/?period=12-months&cut=priority_group"),
            SELDOM,
        ),
        (
            "care record summary, a child in intervention, as Kooth",
            lambda: practitioner.get(f"/care/{in_care.uuid}/"),
            OFTEN,
        ),
        (
            "search, a misspelt name, as triage",
            lambda: triage.get("/search/", {"q": "Maia Sampel"}),
            OFTEN,
        ),
        (
            "search, a name and a date of birth, as triage",
            lambda: triage.get("/search/", {"q": f"{known.given_name} {born}"}),
            OFTEN,
        ),
        (
            "search, an NHS number, as triage",
            lambda: triage.get("/search/", {"q": known.nhs_number}),
            OFTEN,
        ),
        (
            "search, a reference, as triage",
            lambda: triage.get("/search/", {"q": reference[0]}),
            OFTEN,
        ),
        (
            "search, a misspelt name, as Kooth",
            lambda: practitioner.get("/search/", {"q": "Maia Sampel"}),
            OFTEN,
        ),
        ("KPI series, every KPI, 24 months, whole alliance, computed", computed, SELDOM),
        (
            "KPI series, the day's kept copy",
            lambda: trends(service_manager, alliance, whole),
            SELDOM,
        ),
        ("KPI dashboard summary, series kept", lambda: manager.get("/insights/"), SELDOM),
        (
            "a KPI's page, first contact, series kept",
            lambda: manager.get("/insights/kpis/first-contact/"),
            SELDOM,
        ),
    ]
    rows: list[Row] = []
    for what, action, count in measured:
        context.beat()  # a running worker and scheduler would have beaten all along
        medians = interleaved(
            {"health": lambda: triage.get("/health"), what: action}, context.times(count), p50
        )
        page, health = medians[what], medians["health"]
        rows += [
            Row("pages", f"{what} p50", page, "ms"),
            Row("pages", f"{what} p50 / /health p50", page / health, "ratio"),
        ]
    return rows + _allocation_list(context)


def _allocation_list(context: Context) -> list[Row]:
    """The API's allocation list (issue 15) as Kooth's system, p95 beside `/health`'s."""
    kooth = User.objects.get(username="kooth-practitioner")
    admin = User.objects.get(username="admin")
    assert kooth.organisation is not None
    system = register_client(
        user=admin,
        organisation=kooth.organisation,
        name="Kooth's system (bench)",
        scopes=["cases:read"],
    )
    decide_role_request(
        by=User.objects.get(username="clinical-lead"),
        request=RoleRequest.objects.get(user=system.account, decided_at__isnull=True),
        approve=True,
    )
    secret = issue_token(user=admin, client=system).secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    context.beat()
    p95s = interleaved(
        {"health": lambda: api.get("/health"), "list": lambda: api.get(ALLOCATION_LIST)},
        context.times(100),
        p95,
    )
    listed, health = p95s["list"], p95s["health"]
    return [
        Row("pages", f"API {ALLOCATION_LIST} as Kooth's system, p95", listed, "ms"),
        Row("pages", "/health p95", health, "ms"),
        Row("pages", "API allocation list p95 / /health p95", listed / health, "ratio"),
    ]
