"""A stale decision always explains itself (hazard H28): whenever someone in triage acts on a
referral that another person changed since their page was loaded (a screening, a red
review, a decision, information received, a sign-off), the version their page carried is
checked first, before anything about the referral's state, so they get the conflict page
(409) saying what changed, by whom and when, never a generic "only a referral awaiting
triage can be decided", and nothing of theirs is written."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, IThriveGrouping
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict
from onedoor.triage.actions import (
    information_received,
    record_decision,
    review_red,
    screen_risk,
    sign_off,
)
from onedoor.triage.models import Outcome, RiskScreening, TriageDecision
from tests.personas import People, make_child, make_user, organisation, sign_in
from tests.triage_traces import fresh, written

HELP = IThriveGrouping.GETTING_HELP
ADVICE = IThriveGrouping.GETTING_ADVICE


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    found = make_child(alliance, "Nia", born=date(2016, 5, 1)).referrals.get()
    Referral.objects.filter(pk=found.pk).update(consent_to_share=True)
    found.refresh_from_db()
    return found


@pytest.fixture
def tom(alliance: Alliance) -> User:
    """A second triage lead, working the same queue."""
    return make_user("tom-triage", Role.TRIAGE_LEAD, organisation(alliance, "north-kent-mind"))


@pytest.fixture
def cleo(alliance: Alliance) -> User:
    """A second clinical lead."""
    return make_user("cleo-clinical", Role.CLINICAL_LEAD, organisation(alliance, "north-kent-mind"))


def _screen(people: People, referral: Referral, rating: str = "green") -> Referral:
    screen_risk(
        user=people.triage, referral=referral, version=fresh(referral).version, rating=rating,
        indicators={"self_harm"} if rating == "red" else set(), rationale="Read it.",
    )  # fmt: skip
    return fresh(referral)


def _decide(user: User, referral: Referral, outcome: Outcome = Outcome.ADVICE) -> TriageDecision:
    extra: dict[str, object] = {
        Outcome.ADVICE: {"materials_sent": "Sleep leaflet."},
        Outcome.MORE_INFORMATION: {
            "information_requested": "GP letter",
            "information_due": date(2026, 12, 4),
        },
        Outcome.NOT_ACCEPTED: {"reason": "With CAMHS already."},
    }[outcome]  # type: ignore[assignment]
    return record_decision(
        user=user, referral=referral, version=fresh(referral).version,
        grouping=ADVICE if outcome == Outcome.ADVICE else HELP, outcome=outcome,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


@dataclass(frozen=True)
class Stale:
    """The referral as both pages loaded it (`before`), what the first person then did
    (`meanwhile`), and what the second person sends from their stale page."""

    before: Callable[[People, Referral], object]
    meanwhile: Callable[[People, Referral], object]
    write: str  # the write's own address: /triage/<referral>/<write>/
    sends: dict[str, str]
    now: str  # the state the conflict names
    changed: str  # the timeline's account of the change
    not_this: str  # the generic refusal the person used to get instead


def _nothing(people: People, referral: Referral) -> None:
    return None


def _red_waiting_for_sign_off(people: People, referral: Referral) -> None:
    _screen(people, referral, "red")
    _decide(people.triage, referral, Outcome.NOT_ACCEPTED)


def _signed_off(people: People, referral: Referral) -> None:
    decision = TriageDecision.objects.get(sign_off=TriageDecision.SignOff.WAITING)
    sign_off(
        user=people.clinical_lead, decision=decision, version=fresh(referral).version,
        approve=True,
    )  # fmt: skip


def _information_arrived(people: People, referral: Referral) -> None:
    information_received(
        user=people.triage, referral=referral, version=fresh(referral).version,
        note="GP letter in.",
    )  # fmt: skip


def _reviewed(people: People, referral: Referral) -> None:
    review_red(
        user=people.clinical_lead, referral=referral, version=fresh(referral).version,
        note="Spoke to mum.",
    )  # fmt: skip


SCREEN = {"rating": "amber", "rationale": "Worse than it looked."}
SCENARIOS = {
    "a screening after a decision": Stale(
        before=lambda people, r: _screen(people, r),
        meanwhile=lambda people, r: _decide(people.triage, r),
        write="screen",
        sends=SCREEN,
        now="it is now 'Advice and signposting' by Tina-Triage",
        changed="What changed: Triage decision: Advice and signposting "
        "(Getting Advice and Signposting).",
        not_this="Only a referral awaiting triage can be screened",
    ),
    "a screening after another screening": Stale(
        before=_nothing,
        meanwhile=lambda people, r: _screen(people, r),
        write="screen",
        sends=SCREEN,
        now="it is now 'Awaiting triage' by Tina-Triage",
        changed="What changed: Risk screened green.",
        not_this="",
    ),
    "a decision after a decision": Stale(
        before=lambda people, r: _screen(people, r),
        meanwhile=lambda people, r: _decide(people.triage, r, Outcome.MORE_INFORMATION),
        write="decision",
        sends={
            "grouping": "getting_help",
            "outcome": "not_accepted",
            "not_accepted_reason": "Seen by CAMHS already.",
        },
        now="it is now 'More information needed' by Tina-Triage",
        changed="What changed: Triage decision: More information needed (Getting Help).",
        not_this="Only a referral awaiting triage can be decided",
    ),
    "information received twice": Stale(
        before=lambda people, r: (
            _screen(people, r),
            _decide(people.triage, r, Outcome.MORE_INFORMATION),
        ),
        meanwhile=_information_arrived,
        write="information",
        sends={"note": "The letter came."},
        now="it is now 'Awaiting triage' by Tina-Triage",
        changed="What changed: Information received: GP letter in.",
        not_this="This referral is not waiting for information",
    ),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_a_triage_lead_acting_on_a_stale_page_is_told_what_changed_and_writes_nothing(
    client: Client, people: People, referral: Referral, tom: User, scenario: str
) -> None:
    stale = SCENARIOS[scenario]
    stale.before(people, referral)
    sign_in(client, tom)
    address = f"/triage/{referral.uuid}/{stale.write}/"
    loaded = client.get(address)
    version = loaded.context["form"]["version"].value()
    assert version == fresh(referral).version
    stale.meanwhile(people, referral)  # Tina, at the same time
    before = written(referral)
    response = client.post(address, {**stale.sends, "version": version})
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "Someone else changed this referral" in page
    assert f"This referral changed while you were working on it: {stale.now}" in page
    assert "Your change was not saved; check what changed and decide again." in page
    assert stale.changed in page
    if stale.not_this:
        assert stale.not_this not in page
    assert written(referral) == before


def test_a_sign_off_on_a_stale_page_is_told_it_was_signed_off_and_writes_nothing(
    client: Client, people: People, referral: Referral, cleo: User
) -> None:
    _red_waiting_for_sign_off(people, referral)
    sign_in(client, cleo)
    loaded = client.get(f"/triage/{referral.uuid}/sign-off/")
    version = loaded.context["form"]["version"].value()
    _signed_off(people, referral)  # the other clinical lead, first
    before = written(referral)
    response = client.post(
        f"/triage/{referral.uuid}/sign-off/",
        {"version": version, "approve": "no", "note": "Needs CAMHS."},
    )
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "it is now 'Not accepted' by Cal-Clinical" in page
    assert "What changed: Triage decision: Not accepted (Getting Help)." in page
    assert "There is no decision waiting for sign-off" not in page
    assert written(referral) == before
    assert list(TriageDecision.objects.values_list("sign_off", "signed_off_by")) == [
        ("approved", people.clinical_lead.pk)
    ]


def test_a_red_review_on_a_stale_page_is_told_it_was_reviewed_and_writes_nothing(
    client: Client, people: People, referral: Referral, cleo: User
) -> None:
    _screen(people, referral, "red")
    sign_in(client, cleo)
    loaded = client.get(f"/triage/{referral.uuid}/review/")
    version = loaded.context["form"]["version"].value()
    _reviewed(people, referral)
    before = written(referral)
    response = client.post(
        f"/triage/{referral.uuid}/review/", {"version": version, "note": "Also seen."}
    )
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "What changed: Red rating reviewed by a clinician: Spoke to mum." in page
    assert "This referral has no red rating waiting for review" not in page
    assert written(referral) == before


def test_after_the_conflict_what_they_typed_is_kept_to_send_again_on_the_current_version(
    client: Client, people: People, referral: Referral, tom: User
) -> None:
    sign_in(client, tom)
    address = f"/triage/{referral.uuid}/screen/"
    version = client.get(address).context["form"]["version"]
    stale = version.value()
    _screen(people, referral)  # green, by Tina
    response = client.post(address, {**SCREEN, "version": stale})
    assert response.status_code == 409
    form = response.context["form"]
    current = fresh(referral).version
    assert (form["version"].value(), form["rationale"].value()) == (
        str(current), "Worse than it looked.",
    )  # fmt: skip
    # Having read what changed, Tom sends it again: now it is saved.
    again = client.post(address, {**SCREEN, "version": current})
    assert again.status_code == 302
    assert list(RiskScreening.objects.order_by("pk").values_list("rating", "screened_by")) == [
        ("green", people.triage.pk), ("amber", tom.pk),
    ]  # fmt: skip


# The actions themselves check the version before the state


def test_every_triage_write_checks_the_version_before_the_state(
    people: People, referral: Referral, cleo: User
) -> None:
    referral = _screen(people, referral)
    seen = referral.version
    _decide(people.triage, referral)  # signposted: nothing in triage applies any more
    stale = Referral.objects.get(pk=referral.pk)
    before = written(referral)
    writes: list[Callable[[], object]] = [
        lambda: screen_risk(
            user=people.triage,
            referral=stale,
            version=seen,
            rating="amber",
            indicators=set(),
            rationale="Worse.",
        ),
        lambda: record_decision(
            user=people.triage,
            referral=stale,
            version=seen,
            grouping=HELP,
            outcome=Outcome.NOT_ACCEPTED,
            reason="Duplicate.",
        ),
        lambda: information_received(
            user=people.triage, referral=stale, version=seen, note="Letter in."
        ),
        lambda: review_red(user=cleo, referral=stale, version=seen, note="Seen."),
    ]
    for write in writes:
        with pytest.raises(Conflict, match="it is now 'Advice and signposting'"):
            write()
    assert written(referral) == before


def test_a_stale_sign_off_is_a_conflict_not_already_signed_off(
    people: People, referral: Referral, cleo: User
) -> None:
    _red_waiting_for_sign_off(people, referral)
    decision = TriageDecision.objects.get()
    seen = fresh(referral).version
    _signed_off(people, referral)
    before = written(referral)
    with pytest.raises(Conflict, match="it is now 'Not accepted'"):
        sign_off(user=cleo, decision=decision, version=seen, approve=False, note="No.")
    assert written(referral) == before


def test_a_current_version_still_meets_the_state_rules(people: People, referral: Referral) -> None:
    referral = _screen(people, referral)
    _decide(people.triage, referral)
    current = fresh(referral)
    with pytest.raises(ValidationError, match="Only a referral awaiting triage can be screened"):
        screen_risk(
            user=people.triage, referral=current, version=current.version, rating="amber",
            indicators=set(), rationale="Worse.",
        )  # fmt: skip
    assert current.status == Status.SIGNPOSTED
