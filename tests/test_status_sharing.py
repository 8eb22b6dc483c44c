"""'Do not share status with the family' (hazard H41): the triage team marks a referral whose
progress must not reach the family, with the reason; everyone who opens the record is warned;
the reason stays with the triage team."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.test import Client

from onedoor.alliance.models import Alliance, IThriveGrouping
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.emails.models import Delivery
from onedoor.referrals.models import Referral, Status, StatusSharing
from onedoor.referrals.states import Conflict
from onedoor.referrals.status_sharing import share_status_again, withhold_status
from tests.personas import NOW, People, make_child, shown, sign_in

REASON = "Self-referral: told us her stepfather reads her post and must not know."
AGAIN = "Moved into foster care; the foster carer may be told."


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    return make_child(
        alliance, "Wren", "Quietly", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()


def _fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def _written(referral: Referral) -> tuple[object, ...]:
    """Everything a decision could leave behind."""
    now = _fresh(referral)
    return (
        now.version,
        now.status_withheld_at,
        StatusSharing.objects.count(),
        TimelineEvent.objects.filter(referral=referral).count(),
        AuditEvent.objects.filter(action="change").count(),
    )


def _last_audit() -> int:
    return AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0


# The rule


def test_the_triage_team_withholds_the_status_and_shares_it_again(
    people: People, referral: Referral, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    before, seen = _last_audit(), referral.version
    withhold_status(user=people.triage, referral=referral, version=seen, reason=f"  {REASON} ")

    marked = _fresh(referral)
    assert (marked.status_withheld_at, marked.version) == (NOW, seen + 1)
    decision = StatusSharing.objects.get()
    assert (decision.withheld, decision.decided_by, decision.decided_at, decision.reason) == (
        True,
        people.triage,
        NOW,
        REASON,
    )
    event = TimelineEvent.objects.filter(referral=referral).latest("pk")
    assert event.summary == f"Do not share status with the family: marked by {people.triage}."
    assert REASON not in event.summary  # the timeline is read by every partner holding the child
    audit = AuditEvent.objects.get(sequence__gt=before)
    assert (audit.action, audit.record_type, audit.record_id, audit.detail) == (
        "change",
        "referral",
        str(referral.uuid),
        {"status_shared": False},
    )

    share_status_again(
        user=people.clinical_lead, referral=marked, version=marked.version, reason=AGAIN
    )

    lifted = _fresh(referral)
    assert lifted.status_withheld_at is None
    assert [(d.withheld, d.decided_by, d.reason) for d in lifted.status_sharing.all()] == [
        (False, people.clinical_lead, AGAIN),
        (True, people.triage, REASON),
    ]
    assert TimelineEvent.objects.filter(referral=referral).latest("pk").summary == (
        "The family may be told how the referral is going again: "
        f"decided by {people.clinical_lead}."
    )


@pytest.mark.parametrize(
    "role", ["kooth_practitioner", "kooth_lead", "coordinator", "safeguarding"]
)
def test_only_the_triage_team_decides_and_nothing_is_written_for_anyone_else(
    people: People, referral: Referral, role: str
) -> None:
    before = _written(referral)
    with pytest.raises(PermissionDenied):
        withhold_status(
            user=getattr(people, role), referral=referral, version=referral.version, reason=REASON
        )
    assert _written(referral) == before


def test_a_decision_needs_its_reason_and_must_change_something(
    people: People, referral: Referral
) -> None:
    before = _written(referral)
    with pytest.raises(ValidationError, match="Say why the family should not be told"):
        withhold_status(user=people.triage, referral=referral, version=referral.version, reason=" ")
    with pytest.raises(ValidationError, match="The family can already be told"):
        share_status_again(
            user=people.triage, referral=referral, version=referral.version, reason=AGAIN
        )
    assert _written(referral) == before

    withhold_status(user=people.triage, referral=referral, version=referral.version, reason=REASON)
    marked = _fresh(referral)
    before = _written(referral)
    with pytest.raises(ValidationError, match="The family is already not told"):
        withhold_status(user=people.triage, referral=marked, version=marked.version, reason=REASON)
    with pytest.raises(ValidationError, match="Say why the family may be told again"):
        share_status_again(user=people.triage, referral=marked, version=marked.version, reason="")
    assert _written(referral) == before


def test_a_decision_from_a_stale_page_is_refused(people: People, referral: Referral) -> None:
    seen = referral.version
    Referral.objects.filter(pk=referral.pk).update(version=seen + 1)
    before = _written(referral)
    with pytest.raises(Conflict):
        withhold_status(user=people.triage, referral=_fresh(referral), version=seen, reason=REASON)
    assert _written(referral) == before


# The pages


def _page(referral: Referral) -> str:
    return f"/referrals/{referral.uuid}/status-sharing/"


def test_the_triage_lead_marks_it_from_the_referral_page_and_everyone_sees_the_alert(
    client: Client,
    people: People,
    referral: Referral,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    time_machine.move_to(NOW, tick=False)
    sign_in(client, people.triage)
    page = shown(client.get(f"/referrals/{referral.uuid}/"))
    assert f'href="{_page(referral)}">Change<span class="nhsuk-u-visually-hidden"> what' in page
    assert "How the referral is going, as its consent allows" in page

    form = client.get(_page(referral))
    assert form.status_code == 200
    assert "Why should the family not be told?" in shown(form)
    assert "data-child-banner" in shown(form)

    response = client.post(_page(referral), {"version": referral.version, "reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.uuid}/"
    page = shown(client.get(response["Location"]))
    assert "Marked: do not share status with the family." in page
    assert "<strong>Do not share status with the family</strong> (since 20 Nov 2026)" in page
    assert _fresh(referral).status_withheld_at == NOW

    # The partner holding the child is warned on the care record, and never told why.
    sign_in(client, people.kooth_practitioner)
    record = shown(client.get(f"/care/{referral.uuid}/"))
    assert "Do not share status</strong> Do not tell the family how this referral is going" in (
        record
    )
    child_page = shown(client.get(f"/children/{referral.child.uuid}/"))
    assert f"Do not share status with the family: marked by {people.triage}." in child_page
    assert REASON not in record + child_page

    # The decision's page keeps the history, for the triage team.
    sign_in(client, people.clinical_lead)
    again = shown(client.get(_page(referral)))
    assert "Why may the family be told again?" in again
    assert f"{people.triage}: {REASON}" in again.replace("&#x27;", "'")


def test_anyone_else_is_refused_and_nothing_is_written(
    client: Client, people: People, referral: Referral
) -> None:
    before = _written(referral)
    for user in (people.kooth_practitioner, people.kooth_lead, people.coordinator):
        sign_in(client, user)
        assert client.get(_page(referral)).status_code == 403
        response = client.post(_page(referral), {"version": referral.version, "reason": REASON})
        assert response.status_code == 403
    assert _written(referral) == before


def test_a_blank_reason_or_a_stale_page_says_so_and_writes_nothing(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.triage)
    before = _written(referral)

    blank = client.post(_page(referral), {"version": referral.version, "reason": "  "})
    assert blank.status_code == 400
    assert "Say why the family should not be told" in shown(blank)
    assert '<div class="nhsuk-error-summary"' in shown(blank)

    stale = client.post(_page(referral), {"version": referral.version - 1, "reason": REASON})
    assert stale.status_code == 409
    assert "Someone else changed this referral" in shown(stale)

    junk = client.post(_page(referral), {"version": "x", "reason": REASON})
    assert junk.status_code == 400
    assert _written(referral) == before


# The session and user, the referral, its child and the banner's two, the decisions.
QUERIES = 12


def test_the_page_runs_a_fixed_number_of_queries(
    client: Client, people: People, referral: Referral, django_assert_num_queries: object
) -> None:
    sign_in(client, people.triage)
    client.get("/")
    counts = []
    for n in range(3):
        decide = share_status_again if n % 2 else withhold_status
        decide(user=people.triage, referral=_fresh(referral), version=_fresh(referral).version,
               reason=REASON)  # fmt: skip
        with django_assert_num_queries(QUERIES):  # type: ignore[operator]
            response = client.get(_page(referral))
        counts.append(len(response.context["decisions"]))
    assert counts == [1, 2, 3]


# Who is told


def test_no_email_about_the_referrals_progress_goes_while_the_status_is_withheld(
    people: People, alliance: Alliance
) -> None:
    """The letter saying a referral was not accepted, and the feedback invitation at discharge,
    are checked when they are sent: marked by then, they do not go; lifted, they do."""
    from onedoor.care.actions import discharge
    from onedoor.care.tasks import invite_feedback
    from onedoor.triage.actions import record_decision, screen_risk
    from onedoor.triage.models import Outcome
    from onedoor.triage.tasks import tell_referrer_not_accepted

    turned = make_child(alliance, "Ivy", "Unsent").referrals.get()
    held = make_child(
        alliance, "Oak", "Unsent", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    Referral.objects.filter(pk__in=[turned.pk, held.pk]).update(referrer_email="mum@example.org")
    turned, held = _fresh(turned), _fresh(held)
    screen_risk(
        user=people.triage, referral=turned, version=turned.version, rating="green",
        indicators=set(), rationale="No risk disclosed.",
    )  # fmt: skip
    turned = _fresh(turned)
    decision = record_decision(
        user=people.triage, referral=turned, version=turned.version,
        grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.NOT_ACCEPTED,
        reason="Already supported by the school's counsellor.",
    )  # fmt: skip
    ended = discharge(
        user=people.kooth_practitioner, referral=held, reason="goals_met", summary="Goals met."
    )
    for referral in (turned, held):
        referral = _fresh(referral)
        withhold_status(
            user=people.triage, referral=referral, version=referral.version, reason=REASON
        )

    assert tell_referrer_not_accepted.call(str(decision.uuid)) == 0
    assert invite_feedback.call(str(ended.uuid)) == 0
    assert mail.outbox == []
    assert Delivery.objects.count() == 0

    referral = _fresh(turned)
    share_status_again(
        user=people.triage, referral=referral, version=referral.version, reason=AGAIN
    )
    assert tell_referrer_not_accepted.call(str(decision.uuid)) == 1
    assert [message.to for message in mail.outbox] == [["mum@example.org"]]
