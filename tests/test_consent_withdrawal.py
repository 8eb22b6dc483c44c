"""Consent to share withdrawn (issue 18, part 4; hazard H55): from the moment it is recorded,
no partner but the one that kept the child is allocated them, handed them or reads their
records (pages, API, FHIR); the banner says so to everyone; consent given again lifts it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from onedoor.access.actions import break_glass
from onedoor.access.records import (
    children_visible_to,
    get_referral_for_user,
    referrals_visible_to,
    view_child,
)
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import start_transition
from onedoor.care.handovers import accept_handover
from onedoor.care.models import Transition
from onedoor.care.records import get_handover_for_user
from onedoor.children.models import Child, SharingDecision, TimelineEvent
from onedoor.children.sharing import require_sharing, shared_with
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.sharing import (
    give_consent_to_share_again,
    withdraw_consent_to_share,
    working_partner,
)
from onedoor.safeguarding.actions import raise_concern
from onedoor.safeguarding.records import concerns_visible_to
from onedoor.triage.actions import record_decision, screen_risk, sign_off
from onedoor.triage.models import Outcome
from onedoor.web.templatetags.banner import build_banner
from onedoor.webhooks.models import Event
from onedoor.webhooks.subscriptions import subscribe
from tests.api_support import call, registered
from tests.personas import People, make_child, organisation, shown, sign_in

HELP = IThriveGrouping.GETTING_HELP
WHY = "Mum phoned: she does not want other services told about Kai."


def _taken_on(alliance: Alliance, name: str, partner: str) -> Referral:
    referral = make_child(
        alliance, name, allocated_to=partner, status=Status.IN_INTERVENTION
    ).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(consent_to_share=True)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def kai(alliance: Alliance) -> Referral:
    """Kai, in intervention with Kooth."""
    return _taken_on(alliance, "Kai", "kooth")


def _withdraw(people: People, referral: Referral, *, keep: bool) -> SharingDecision:
    return withdraw_consent_to_share(
        user=people.coordinator, child=referral.child, reason=WHY, keep_working_partner=keep
    )


# The rule


@pytest.mark.parametrize(
    ("withdrawn", "kept", "asked", "shared"),
    [
        (False, None, "kooth", True),
        (False, None, "chums", True),
        (False, None, None, True),
        (True, "kooth", "kooth", True),
        (True, "kooth", "chums", False),
        (True, "kooth", "north-kent-mind", True),  # the lead provider always
        (True, None, "kooth", False),
        (True, None, "north-kent-mind", True),
        (True, None, None, False),
        (True, "kooth", None, False),
    ],
)
def test_the_rule_shares_with_the_lead_provider_and_the_partner_kept_only(
    alliance: Alliance, withdrawn: bool, kept: str | None, asked: str | None, shared: bool
) -> None:
    child = make_child(alliance, "Wren")
    Child.objects.filter(pk=child.pk).update(
        sharing_withdrawn_at=child.created_at if withdrawn else None,
        sharing_kept_by=organisation(alliance, kept) if kept else None,
    )
    receiving = organisation(alliance, asked) if asked else None
    assert Child.objects.filter(shared_with(receiving), pk=child.pk).exists() is shared
    on_referrals = Referral.objects.filter(shared_with(receiving, "child__"), child=child)
    assert on_referrals.exists() is shared


def test_require_sharing_says_when_and_to_whom_it_refuses(
    alliance: Alliance, people: People, kai: Referral
) -> None:
    _withdraw(people, kai, keep=True)
    chums = organisation(alliance, "chums")
    with pytest.raises(ValidationError) as refused:
        require_sharing(kai.child, chums, "allocating the child")
    assert refused.value.messages == [
        "Consent to share withdrawn with the alliance's partners on 20 November 2026: "
        "allocating the child to CHUMS is not allowed. Only the partner already working with "
        "the child, if the withdrawal kept them, may work with the child."
    ]
    require_sharing(kai.child, organisation(alliance, "kooth"), "allocating the child")


# Recording it


def test_withdrawing_keeps_who_when_why_and_the_partner_kept(
    alliance: Alliance, people: People, kai: Referral
) -> None:
    assert working_partner(kai.child) == organisation(alliance, "kooth")
    decision = _withdraw(people, kai, keep=True)
    child = Child.objects.get(pk=kai.child.pk)
    assert (child.sharing_withdrawn_at, child.sharing_kept_by) == (
        decision.decided_at,
        organisation(alliance, "kooth"),
    )
    assert (decision.withdrawn, decision.reason, decision.decided_by) == (
        True,
        WHY,
        people.coordinator,
    )
    event = TimelineEvent.objects.get(child=child, kind=TimelineEvent.Kind.SHARING_WITHDRAWN)
    assert event.summary == (
        "Consent to share withdrawn: recorded by Cora-Coordinator. "
        "Kooth keeps working with the child."
    )
    audit = AuditEvent.objects.filter(record_type="child", action="change").get()
    assert audit.detail == {
        "consent_to_share": "withdrawn",
        "sharing_decision": str(decision.uuid),
        "kept_by": "kooth",
    }
    assert "Mum" not in str(audit.detail)


def test_a_withdrawal_keeps_no_partner_when_none_works_with_the_child(
    alliance: Alliance, people: People
) -> None:
    waiting = make_child(alliance, "Nia").referrals.get()  # in triage: nobody works with her
    assert working_partner(waiting.child) is None
    with pytest.raises(ValidationError, match="No partner is working with this child"):
        _withdraw(people, waiting, keep=True)
    _withdraw(people, waiting, keep=False)
    assert Child.objects.get(pk=waiting.child.pk).sharing_kept_by is None


def test_withdrawing_twice_is_refused_and_writes_nothing(people: People, kai: Referral) -> None:
    _withdraw(people, kai, keep=False)
    before = (SharingDecision.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="already withdrawn"):
        _withdraw(people, kai, keep=False)
    assert (SharingDecision.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("persona", ["kooth_practitioner", "kooth_lead", "safeguarding", "manager"])
def test_only_the_referral_and_advice_point_records_it(
    people: People, kai: Referral, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        withdraw_consent_to_share(
            user=getattr(people, persona), child=kai.child, reason=WHY, keep_working_partner=False
        )
    assert SharingDecision.objects.count() == 0
    assert Child.objects.get(pk=kai.child.pk).sharing_withdrawn_at is None


def test_a_reason_is_needed(people: People, kai: Referral) -> None:
    with pytest.raises(ValidationError, match="Say why consent to share is withdrawn"):
        withdraw_consent_to_share(
            user=people.triage, child=kai.child, reason="  ", keep_working_partner=False
        )
    assert SharingDecision.objects.count() == 0


def test_consent_given_again_lifts_it_and_keeps_the_history(
    alliance: Alliance, people: People, kai: Referral
) -> None:
    _withdraw(people, kai, keep=False)
    assert not referrals_visible_to(people.kooth_practitioner).filter(pk=kai.pk).exists()
    give_consent_to_share_again(
        user=people.triage, child=kai.child, reason="Mum agreed again at the review."
    )
    child = Child.objects.get(pk=kai.child.pk)
    assert (child.sharing_withdrawn_at, child.sharing_kept_by) == (None, None)
    assert list(child.sharing_decisions.values_list("withdrawn", flat=True)) == [False, True]
    assert referrals_visible_to(people.kooth_practitioner).filter(pk=kai.pk).exists()
    assert TimelineEvent.objects.filter(
        child=child, kind=TimelineEvent.Kind.SHARING_GIVEN_AGAIN
    ).exists()
    with pytest.raises(ValidationError, match="not withdrawn"):
        give_consent_to_share_again(user=people.triage, child=child, reason="Again.")


# What partners see


@pytest.mark.parametrize(("keep", "sees"), [(True, True), (False, False)])
def test_the_partner_working_with_the_child_sees_them_only_if_kept(
    people: People, kai: Referral, keep: bool, sees: bool
) -> None:
    _withdraw(people, kai, keep=keep)
    for user in (people.kooth_practitioner, people.kooth_lead, people.kooth_system):
        assert children_visible_to(user).filter(pk=kai.child.pk).exists() is sees
        assert referrals_visible_to(user).filter(pk=kai.pk).exists() is sees
    # the lead provider keeps the record
    for user in (people.triage, people.coordinator, people.clinical_lead, people.safeguarding):
        assert referrals_visible_to(user).filter(pk=kai.pk).exists()


def test_a_partner_that_lost_access_gets_a_404_and_the_denial_is_audited(
    people: People, kai: Referral
) -> None:
    _withdraw(people, kai, keep=False)
    with pytest.raises(Http404):
        get_referral_for_user(people.kooth_practitioner, kai.uuid)
    denial = AuditEvent.objects.get(action="deny")
    assert denial.child_uuid == kai.child.uuid


def test_a_partner_being_handed_the_child_stops_seeing_them_and_cannot_accept(
    alliance: Alliance, people: People
) -> None:
    ash = _taken_on(alliance, "Ash", "chums")
    ash_partner = organisation(alliance, "chums")
    kooth = organisation(alliance, "kooth")
    handover = start_transition(
        user=people.chums_practitioner, referral=ash, kind=Transition.Kind.BETWEEN_PARTNERS,
        reason="Closer to home.", receiving_organisation=kooth,
        receiving_offer=Offer.objects.filter(organisation=kooth).first(), handover="Weekly.",
    )  # fmt: skip
    assert get_handover_for_user(people.kooth_practitioner, handover.uuid) == handover
    _withdraw(people, ash, keep=True)  # CHUMS keeps Ash
    assert not referrals_visible_to(people.kooth_practitioner).filter(pk=ash.pk).exists()
    with pytest.raises(Http404):
        get_handover_for_user(people.kooth_practitioner, handover.uuid)
    ash.refresh_from_db()
    with pytest.raises(ValidationError, match="accepting the handover to Kooth is not allowed"):
        accept_handover(user=people.kooth_lead, transition=handover, version=ash.version)
    ash.refresh_from_db()
    assert (ash.status, ash.allocated_organisation) == (Status.IN_TRANSITION, ash_partner)
    assert Transition.objects.get(pk=handover.pk).acknowledged_at is None


def test_a_partners_safeguarding_lead_stops_seeing_concerns_unless_kept(
    alliance: Alliance, people: People
) -> None:
    ash = _taken_on(alliance, "Ash", "chums")
    concern = raise_concern(
        user=people.chums_practitioner, referral=ash, category="neglect",
        seen_or_said="Came hungry.", immediate_actions="Spoke to school.",
        referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
    )  # fmt: skip
    assert concerns_visible_to(people.partner_safeguarding).filter(pk=concern.pk).exists()
    _withdraw(people, ash, keep=False)
    assert not concerns_visible_to(people.partner_safeguarding).filter(pk=concern.pk).exists()
    # whoever raised it still reads their own concern; the lead provider's lead reads them all
    assert concerns_visible_to(people.chums_practitioner).filter(pk=concern.pk).exists()
    assert concerns_visible_to(people.safeguarding).filter(pk=concern.pk).exists()


def test_emergency_access_still_works_after_a_withdrawal_and_says_so(
    people: People, kai: Referral
) -> None:
    """ADR 37: break-glass is for an emergency, which consent does not govern; the grant stays
    view-only, audited and reviewed, and the banner tells its user consent was withdrawn."""
    _withdraw(people, kai, keep=True)
    break_glass(
        user=people.chums_practitioner,
        child=kai.child,
        reason="Attended A&E overnight; need the safety plan before calling the family.",
    )
    viewed = view_child(people.chums_practitioner, kai.child.uuid)
    assert viewed.emergency_grant is not None
    banner = build_banner(people.chums_practitioner, child=kai.child)
    assert banner.sharing_withdrawn_on == date(2026, 11, 20)


# Allocation


def _screened(alliance: Alliance, people: People, name: str) -> Referral:
    referral = make_child(alliance, name, born=date(2014, 5, 1)).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(consent_to_share=True)
    referral.refresh_from_db()
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="amber",
        indicators=set(), rationale="Read the referral.",
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def test_triage_cannot_allocate_to_a_partner_once_consent_is_withdrawn(
    alliance: Alliance, people: People
) -> None:
    nia = _screened(alliance, people, "Nia")
    _withdraw(people, nia, keep=False)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="allocating the child to BFB Labs is not allowed"):
        record_decision(
            user=people.triage, referral=nia, version=nia.version, grouping=HELP,
            outcome=Outcome.ALLOCATE, offer=Offer.objects.get(slug="lumi-nova"),
        )  # fmt: skip
    nia.refresh_from_db()
    assert (nia.status, nia.allocated_organisation) == (Status.AWAITING_TRIAGE, None)
    assert AuditEvent.objects.count() == before


def test_a_decision_waiting_for_sign_off_is_not_applied_after_a_withdrawal(
    alliance: Alliance, people: People
) -> None:
    nia = _screened(alliance, people, "Nia")
    decision = record_decision(
        user=people.triage, referral=nia, version=nia.version, grouping=HELP,
        outcome=Outcome.ALLOCATE, offer=Offer.objects.get(slug="lumi-nova"), complex=True,
    )  # fmt: skip
    nia.refresh_from_db()
    assert nia.status == Status.AWAITING_SIGN_OFF
    _withdraw(people, nia, keep=False)
    with pytest.raises(ValidationError, match="not allowed"):
        sign_off(user=people.clinical_lead, decision=decision, version=nia.version, approve=True)
    nia.refresh_from_db()
    assert (nia.status, nia.allocated_organisation) == (Status.AWAITING_SIGN_OFF, None)


def test_a_partner_cannot_hand_the_child_to_another_partner(
    alliance: Alliance, people: People, kai: Referral
) -> None:
    _withdraw(people, kai, keep=True)
    chums = organisation(alliance, "chums")
    with pytest.raises(ValidationError, match="handing the child over to CHUMS is not allowed"):
        start_transition(
            user=people.kooth_practitioner, referral=kai, kind=Transition.Kind.BETWEEN_PARTNERS,
            reason="Closer to home.", receiving_organisation=chums,
            receiving_offer=Offer.objects.filter(organisation=chums).first(), handover="x",
        )  # fmt: skip
    assert Transition.objects.count() == 0
    kai.refresh_from_db()
    assert kai.status == Status.IN_INTERVENTION


# Partner systems


def test_a_partners_system_loses_the_child_through_the_api_and_fhir(
    alliance: Alliance, people: People, kai: Referral
) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"))
    assert call("GET", f"/api/v1/referrals/{kai.uuid}", secret).status_code == 200
    _withdraw(people, kai, keep=False)
    assert call("GET", f"/api/v1/referrals/{kai.uuid}", secret).status_code == 404
    assert call("GET", f"/api/v1/children/{kai.child.uuid}", secret).status_code == 404
    listed = call("GET", "/api/v1/referrals", secret).json()["items"]
    assert [item["reference"] for item in listed] == []
    fhir = Client().get(f"/fhir/R4/Patient/{kai.child.uuid}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert fhir.status_code == 404


@pytest.mark.parametrize(("keep", "told"), [(True, 1), (False, 0)])
def test_a_partners_system_is_told_of_a_concern_only_while_shared_with(
    alliance: Alliance, people: People, kai: Referral, keep: bool, told: int
) -> None:
    client, _ = registered(people.admin, organisation(alliance, "kooth"))
    subscribe(
        client=client, url="https://kooth.example/events", events=["safeguarding.concern_raised"]
    )
    _withdraw(people, kai, keep=keep)
    raise_concern(
        user=people.coordinator, referral=kai, category="neglect", seen_or_said="Hungry.",
        immediate_actions="Called school.", referred_to_social_care=False,
        social_care_reference="", owner=people.safeguarding,
    )  # fmt: skip
    assert Event.objects.filter(kind="safeguarding.concern_raised").count() == told


def test_a_kept_partners_system_still_reads_the_child(
    alliance: Alliance, people: People, kai: Referral
) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"))
    _withdraw(people, kai, keep=True)
    assert call("GET", f"/api/v1/referrals/{kai.uuid}", secret).status_code == 200


# The pages


def test_the_triage_team_records_a_withdrawal_and_everyone_sees_it_in_the_banner(
    client: Client, people: People, kai: Referral
) -> None:
    sign_in(client, people.triage)
    page = client.get(f"/children/{kai.child.uuid}/consent-to-share/")
    assert page.status_code == 200
    assert "May Kooth keep working with the child?" in shown(page)
    response = client.post(
        f"/children/{kai.child.uuid}/consent-to-share/", {"keep": "yes", "reason": WHY}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/children/{kai.child.uuid}/"
    for user in (people.triage, people.kooth_practitioner):
        sign_in(client, user)
        for path in (f"/children/{kai.child.uuid}/", f"/care/{kai.uuid}/"):
            text = shown(client.get(path))
            assert "Consent to share withdrawn</strong> On 20 Nov 2026: only Kooth" in text, path


def test_a_withdrawal_with_no_reason_is_shown_as_an_error_and_writes_nothing(
    client: Client, people: People, kai: Referral
) -> None:
    sign_in(client, people.coordinator)
    response = client.post(f"/children/{kai.child.uuid}/consent-to-share/", {"reason": ""})
    assert response.status_code == 400
    text = shown(response)
    assert "There is a problem" in text
    assert "Say why consent to share is withdrawn" in text
    assert "Choose whether Kooth may keep working with the child" in text
    assert SharingDecision.objects.count() == 0


@pytest.mark.parametrize("persona", ["kooth_practitioner", "kooth_lead", "manager", "safeguarding"])
def test_others_are_refused_the_page_and_nothing_is_written(
    client: Client, people: People, kai: Referral, persona: str
) -> None:
    sign_in(client, getattr(people, persona))
    path = f"/children/{kai.child.uuid}/consent-to-share/"
    assert client.get(path).status_code == 403
    assert client.post(path, {"keep": "no", "reason": WHY}).status_code == 403
    assert SharingDecision.objects.count() == 0
    assert Child.objects.get(pk=kai.child.pk).sharing_withdrawn_at is None


def test_giving_consent_again_from_the_page(client: Client, people: People, kai: Referral) -> None:
    _withdraw(people, kai, keep=False)
    sign_in(client, people.clinical_lead)
    path = f"/children/{kai.child.uuid}/consent-to-share/"
    assert "How was consent to share given again?" in shown(client.get(path))
    assert client.post(path, {"reason": "Mum agreed at the review."}).status_code == 302
    assert Child.objects.get(pk=kai.child.pk).sharing_withdrawn_at is None


@pytest.mark.parametrize("decisions", [1, 6, 7])
def test_the_page_lists_the_decisions_in_a_fixed_number_of_queries(
    client: Client, people: People, kai: Referral, django_assert_num_queries: object,
    decisions: int,
) -> None:  # fmt: skip
    for n in range(decisions):
        if n % 2 == 0:
            _withdraw(people, kai, keep=False)
        else:
            give_consent_to_share_again(user=people.triage, child=kai.child, reason="Agreed.")
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; the child in scope, the audit of the view (savepoint, head,
    # insert, head update, release); the partner working with the child (not asked once
    # withdrawn); the banner (the child's referrals, the current one with its alerts, the
    # priority groups); the decisions with who made them.
    expected = 13 if decisions % 2 else 14
    with django_assert_num_queries(expected):  # type: ignore[operator]
        response = client.get(f"/children/{kai.child.uuid}/consent-to-share/")
    assert len(response.context["decisions"]) == decisions


# No child left with a partner who can no longer see them


@pytest.mark.parametrize("status", [Status.ALLOCATED, Status.WAITING])
def test_a_place_not_yet_begun_with_a_partner_not_kept_goes_back_to_triage(
    alliance: Alliance, people: People, status: Status
) -> None:
    referral = make_child(alliance, "Ada", allocated_to="kooth", status=status).referrals.get()
    _withdraw(people, referral, keep=False)
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation, referral.allocated_offer) == (
        Status.AWAITING_TRIAGE, None, None,
    )  # fmt: skip
    assert TimelineEvent.objects.filter(
        referral=referral,
        kind=TimelineEvent.Kind.STATUS_CHANGED,
        summary="Consent to share withdrawn: back to triage from Kooth.",
    ).exists()
    assert referrals_visible_to(people.kooth_lead).filter(pk=referral.pk).exists() is False


def test_a_place_kept_with_its_partner_stays(alliance: Alliance, people: People) -> None:
    referral = make_child(
        alliance, "Ada", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    _withdraw(people, referral, keep=True)
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation.slug) == (Status.WAITING, "kooth")  # type: ignore[union-attr]


def test_the_coordinator_finds_the_task_on_my_tasks_and_opens_the_childs_care_record(
    client: Client, people: People, kai: Referral
) -> None:
    _withdraw(people, kai, keep=False)
    sign_in(client, people.coordinator)
    page = client.get("/tasks/")
    row = next(
        row for row in page.context["rows"]
        if row.item.what == "Consent to share withdrawn: agree the child's care"
    )  # fmt: skip
    assert (row.item.referral, row.item.url) == (kai, f"/care/{kai.uuid}/")
    assert f'href="/care/{kai.uuid}/"' in shown(page)
    record = client.get(row.item.url)
    assert record.status_code == 200
    assert "Consent to share withdrawn" in shown(record)


@pytest.mark.parametrize("keep", [False, True])
def test_work_under_way_with_a_partner_not_kept_is_a_task_for_the_triage_team_and_coordinators(
    people: People, kai: Referral, keep: bool
) -> None:
    from onedoor.worklist.items import due_items_for

    _withdraw(people, kai, keep=keep)
    kai.refresh_from_db()
    assert kai.status == Status.IN_INTERVENTION  # the work under way is not undone by itself
    what = "Consent to share withdrawn: agree the child's care"
    for user in (people.triage, people.coordinator):
        tasks = [item for item in due_items_for(user) if item.what == what]
        if keep:
            assert tasks == []
        else:
            # withdrawn on Friday 20 November: due by the end of Monday 23 November
            assert [(t.referral, t.due.isoformat(), t.url) for t in tasks] == [
                (kai, "2026-11-23T17:00:00+00:00", f"/care/{kai.uuid}/")
            ]
    assert [i for i in due_items_for(people.kooth_lead) if i.what == what] == []


def test_a_handover_waiting_for_a_partner_not_kept_is_a_task_until_it_is_answered(
    alliance: Alliance, people: People
) -> None:
    from onedoor import clock
    from onedoor.worklist.items import due_items_for

    # Ash is in intervention with CHUMS, which the withdrawal keeps; a handover waits for
    # Kooth's answer, which Kooth can neither see nor give.
    ash = _taken_on(alliance, "Ash", "chums")
    kooth = organisation(alliance, "kooth")
    handover = start_transition(
        user=people.chums_practitioner, referral=ash, kind=Transition.Kind.BETWEEN_PARTNERS,
        reason="Closer to home.", receiving_organisation=kooth,
        receiving_offer=Offer.objects.filter(organisation=kooth).first(), handover="Weekly.",
    )  # fmt: skip
    what = "Consent to share withdrawn: agree the child's care"

    def tasked() -> list[Referral | None]:
        return [i.referral for i in due_items_for(people.coordinator) if i.what == what]

    assert tasked() == []  # before the withdrawal
    _withdraw(people, ash, keep=True)
    assert tasked() == [ash]
    Transition.objects.filter(pk=handover.pk).update(acknowledged_at=clock.now())
    assert tasked() == []  # answered: nothing waits on a partner not kept
