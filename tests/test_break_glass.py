"""Emergency ("break-glass") access: a written reason, limited time, audited, reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from onedoor import clock
from onedoor.access.models import BreakGlassGrant
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import Child
from tests.personas import People, make_child, organisation, sign_in

REASON = "Young person attended A&E with self-harm; need history before calling family."


@pytest.fixture
def chums_child(alliance: Alliance) -> Child:
    return make_child(alliance, "Cas", allocated_to="chums", nhs_number="9434765919")


def test_a_practitioner_gets_time_limited_view_access_with_a_reason(
    client: Client, people: People, chums_child: Child
) -> None:
    sign_in(client, people.kooth_practitioner)
    assert client.get(f"/children/{chums_child.uuid}/").status_code == 404

    response = client.post("/emergency-access/", {"identifier": "943 476 5919", "reason": REASON})

    assert response["Location"] == f"/children/{chums_child.uuid}/"
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.child, grant.reason) == (
        people.kooth_practitioner,
        chums_child,
        REASON,
    )
    assert grant.expires_at - grant.granted_at == timedelta(hours=4)
    page = client.get(f"/children/{chums_child.uuid}/").content.decode()
    assert "You are seeing this record through emergency access" in page
    granted = AuditEvent.objects.get(action="break_glass")
    assert (granted.reason, granted.child_uuid, granted.actor_username) == (
        REASON,
        chums_child.uuid,
        "kim-kooth",
    )
    view = AuditEvent.objects.filter(action="view").last()
    assert view is not None
    assert view.detail == {"via": "break-glass", "grant": str(grant.uuid)}


def test_emergency_access_lets_you_view_but_not_change(people: People, chums_child: Child) -> None:
    from onedoor.access.actions import break_glass
    from onedoor.access.policy import Do
    from onedoor.access.records import children_visible_to, referrals_visible_to

    break_glass(user=people.kooth_practitioner, child=chums_child, reason=REASON)
    assert list(children_visible_to(people.kooth_practitioner)) == [chums_child]
    assert list(referrals_visible_to(people.kooth_practitioner)) == list(
        chums_child.referrals.all()
    )
    assert list(children_visible_to(people.kooth_practitioner, Do.CHANGE)) == []
    assert list(referrals_visible_to(people.kooth_practitioner, Do.CHANGE)) == []


def test_access_ends_when_the_grant_expires(
    client: Client, people: People, chums_child: Child
) -> None:
    sign_in(client, people.kooth_practitioner)
    client.post("/emergency-access/", {"identifier": "9434765919", "reason": REASON})
    BreakGlassGrant.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert client.get(f"/children/{chums_child.uuid}/").status_code == 404


def test_a_short_reason_is_refused_and_nothing_is_granted(
    client: Client, people: People, chums_child: Child
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.post("/emergency-access/", {"identifier": "9434765919", "reason": "urgent"})
    assert response.status_code == 400
    assert (
        "Explain why you need emergency access in at least 20 characters"
        in response.content.decode()
    )
    assert BreakGlassGrant.objects.count() == 0
    assert AuditEvent.objects.filter(action="break_glass").count() == 0


def test_an_unknown_or_invalid_number_is_refused(
    client: Client, people: People, chums_child: Child
) -> None:
    sign_in(client, people.kooth_practitioner)
    invalid = client.post("/emergency-access/", {"identifier": "9434765918", "reason": REASON})
    assert "Enter a valid NHS number (10 digits) or referral reference" in invalid.content.decode()
    unknown = client.post("/emergency-access/", {"identifier": "9990000026", "reason": REASON})
    assert "No child in the alliance matches that number" in unknown.content.decode()
    assert BreakGlassGrant.objects.count() == 0


def test_a_referral_reference_finds_the_child_too(
    client: Client, people: People, chums_child: Child
) -> None:
    sign_in(client, people.chums_lead.__class__.objects.get(username="kim-kooth"))
    reference = chums_child.referrals.get().reference_display.lower()
    response = client.post("/emergency-access/", {"identifier": reference, "reason": REASON})
    assert response["Location"] == f"/children/{chums_child.uuid}/"


@pytest.mark.parametrize("persona", ["analyst", "commissioner", "admin", "manager", "referrer"])
def test_roles_without_emergency_access_cannot_ask_for_it(
    client: Client, people: People, chums_child: Child, persona: str
) -> None:
    sign_in(client, people.by_role()[persona])
    response = client.post("/emergency-access/", {"identifier": "9434765919", "reason": REASON})
    assert response.status_code == 403
    assert BreakGlassGrant.objects.count() == 0


def test_the_clinical_lead_reviews_each_use(
    client: Client, people: People, chums_child: Child, django_assert_num_queries: object
) -> None:
    sign_in(client, people.kooth_practitioner)
    client.post("/emergency-access/", {"identifier": "9434765919", "reason": REASON})
    grant = BreakGlassGrant.objects.get()

    sign_in(client, people.clinical_lead)
    client.get("/")  # the first page after signing in starts the session clock
    with django_assert_num_queries(4):  # type: ignore[operator]
        listing = client.get("/governance/emergency-access/")
    assert [g.uuid for g in listing.context["grants"]] == [grant.uuid]

    refused = client.post(
        f"/governance/emergency-access/{grant.uuid}/", {"outcome": "inappropriate", "note": ""}
    )
    assert refused.status_code == 400
    assert "Say what follow-up you have taken" in refused.content.decode()

    response = client.post(
        f"/governance/emergency-access/{grant.uuid}/", {"outcome": "appropriate", "note": ""}
    )
    assert response["Location"] == "/governance/emergency-access/"
    grant.refresh_from_db()
    assert (grant.outcome, grant.reviewed_by) == ("appropriate", people.clinical_lead)
    assert (
        AuditEvent.objects.filter(action="break_glass_review", record_id=str(grant.uuid)).count()
        == 1
    )


def test_the_review_list_runs_a_fixed_number_of_queries(
    client: Client, people: People, alliance: Alliance, django_assert_num_queries: object
) -> None:
    from onedoor.access.actions import break_glass

    for n in range(12):
        break_glass(
            user=people.kooth_practitioner, child=make_child(alliance, f"Child{n}"), reason=REASON
        )
    sign_in(client, people.clinical_lead)
    client.get("/")
    # session, user with organisation, second-factor device, the grants with their people
    with django_assert_num_queries(4):  # type: ignore[operator]
        response = client.get("/governance/emergency-access/")
    assert len(response.context["grants"]) == 12


def test_grants_waiting_for_review_come_first_on_either_database(
    client: Client, people: People, alliance: Alliance
) -> None:
    from onedoor.access.actions import break_glass

    grants = [
        break_glass(
            user=people.kooth_practitioner, child=make_child(alliance, f"Child{n}"), reason=REASON
        )
        for n in range(3)
    ]
    sign_in(client, people.clinical_lead)
    client.post(
        f"/governance/emergency-access/{grants[2].uuid}/", {"outcome": "appropriate", "note": ""}
    )
    listing = client.get("/governance/emergency-access/")
    # waiting (the latest first), then reviewed
    assert [g.uuid for g in listing.context["grants"]] == [
        grants[1].uuid, grants[0].uuid, grants[2].uuid,
    ]  # fmt: skip


def test_only_the_clinical_lead_reviews(client: Client, people: People, chums_child: Child) -> None:
    from onedoor.access.actions import break_glass

    grant = break_glass(user=people.kooth_practitioner, child=chums_child, reason=REASON)
    sign_in(client, people.triage)
    assert client.get("/governance/emergency-access/").status_code == 403
    response = client.post(
        f"/governance/emergency-access/{grant.uuid}/", {"outcome": "appropriate"}
    )
    assert response.status_code == 403
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_a_grant_is_not_how_the_child_is_seen_once_the_users_own_scope_reaches_them(
    client: Client, people: People, chums_child: Child
) -> None:
    """The child moves to Kooth while the Kooth practitioner's grant runs: their page is now
    theirs by scope (one query tells both apart, issue 17 B9), not emergency access."""
    from onedoor.access.actions import break_glass

    break_glass(user=people.kooth_practitioner, child=chums_child, reason=REASON)
    chums_child.referrals.update(allocated_organisation=organisation(chums_child.alliance, "kooth"))
    sign_in(client, people.kooth_practitioner)

    page = client.get(f"/children/{chums_child.uuid}/").content.decode()

    assert "You are seeing this record through emergency access" not in page
    view = AuditEvent.objects.filter(action="view", record_type="child").last()
    assert view is not None
    assert (view.child_uuid, view.detail) == (chums_child.uuid, {})
