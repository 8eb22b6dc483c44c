"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

import hashlib
import itertools
from ipaddress import ip_network

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings

from onedoor.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent, AuditHead, keyed_hash
from onedoor.audit.trail import Action, UnkeyedChainBroken, key_the_chain, record, verify_chain
from onedoor.children.models import Child
from tests.personas import People, make_child, sign_in


@pytest.fixture
def trail(people: People) -> list[AuditEvent]:
    return [
        record(Action.VIEW, actor=people.triage, record_type="child", record_id=f"c{n}")
        for n in range(5)
    ]


def _verify() -> str:
    try:
        call_command("verify_audit")
    except CommandError as error:
        return str(error)
    return "ok"


def _raw(sql: str, params: list[str]) -> None:
    """Tamper with the table directly, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_row_carries_the_hash_of_the_row_before(trail: list[AuditEvent]) -> None:
    assert [event.sequence for event in trail] == [1, 2, 3, 4, 5]
    assert trail[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(trail):
        assert after.prev_hash == before.hash
    assert all(event.hash == event.compute_hash() for event in trail)


def test_a_row_records_who_what_which_record_and_from_where(
    client: Client, people: People, alliance: object
) -> None:
    child = make_child(alliance, "Wren")  # type: ignore[arg-type]
    sign_in(client, people.triage)
    client.get(f"/children/{child.uuid}/", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="view", child_uuid=child.uuid)
    assert (
        event.actor_uuid,
        event.actor_username,
        event.actor_role,
        event.actor_organisation,
        event.record_type,
        event.record_id,
        event.ip_address,
    ) == (
        people.triage.uuid,
        "tina-triage",
        "triage_lead",
        "north-kent-mind",
        "child",
        str(child.uuid),
        "10.1.2.3",
    )


def test_from_where_is_the_client_behind_a_trusted_proxy_and_never_an_untrusted_header(
    client: Client,
    people: People,
    alliance: object,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.2")]
    child = make_child(alliance, "Wren")  # type: ignore[arg-type]
    sign_in(client, people.triage)
    page = f"/children/{child.uuid}/"
    client.get(page, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    client.get(page, REMOTE_ADDR="192.0.2.44", HTTP_X_FORWARDED_FOR="203.0.113.5")
    client.get(page, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    views = AuditEvent.objects.filter(action="view", child_uuid=child.uuid).order_by("sequence")
    assert list(views.values_list("ip_address", flat=True)) == [
        "203.0.113.5",  # the family's laptop, through the proxy
        "192.0.2.44",  # not through the proxy: its header is not believed
        "10.0.0.2",  # a malformed header: the proxy's own address
    ]


def test_verify_audit_passes_on_a_fresh_database(db: None) -> None:
    assert _verify() == "ok"


def test_verify_audit_passes_on_an_intact_trail(trail: list[AuditEvent]) -> None:
    assert _verify() == "ok"
    assert list(verify_chain()) == []


def test_the_orm_refuses_to_change_or_delete_a_row(trail: list[AuditEvent]) -> None:
    event = trail[2]
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_verify_audit_fails_after_a_direct_edit_and_names_the_row(
    trail: list[AuditEvent],
) -> None:
    _raw("UPDATE audit_auditevent SET actor_username = %s WHERE sequence = 3", ["someone-else"])
    assert _verify() == (
        "Audit trail broken at the first bad row: audit row #3: "
        "has been edited since it was written"
    )


def test_verify_audit_fails_after_an_edit_that_recomputes_the_rows_own_hash(
    trail: list[AuditEvent],
) -> None:
    forged = AuditEvent.objects.get(sequence=2)
    forged.record_id = "another"
    _raw(
        "UPDATE audit_auditevent SET record_id = %s, hash = %s WHERE sequence = 2",
        ["another", forged.compute_hash()],
    )
    assert _verify() == (
        "Audit trail broken at the first bad row: audit row #3: does not follow the row before it"
    )


def test_verify_audit_fails_after_a_row_is_deleted(trail: list[AuditEvent]) -> None:
    _raw("DELETE FROM audit_auditevent WHERE sequence = 2", [])
    assert _verify().startswith(
        "Audit trail broken at the first bad row: audit row #3: expected #2 next"
    )


def test_verify_audit_fails_after_the_last_rows_are_deleted(trail: list[AuditEvent]) -> None:
    _raw("DELETE FROM audit_auditevent WHERE sequence >= 4", [])
    assert _verify() == (
        "Audit trail broken at the first bad row: audit row #5: "
        "the chain ends early: rows at its end have been deleted"
    )


def test_verify_audit_fails_after_rows_are_reordered(trail: list[AuditEvent]) -> None:
    _raw("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 2", [])
    _raw("UPDATE audit_auditevent SET sequence = 2 WHERE sequence = 3", [])
    _raw("UPDATE audit_auditevent SET sequence = 3 WHERE sequence = 1000", [])
    assert _verify() == (
        "Audit trail broken at the first bad row: audit row #2: does not follow the row before it"
    )


def test_the_clinical_lead_sees_who_viewed_a_childs_record(
    client: Client, people: People, alliance: object, django_assert_num_queries: object
) -> None:
    child = make_child(alliance, "Wren", allocated_to="kooth")  # type: ignore[arg-type]
    for viewer in (people.kooth_practitioner, people.triage):
        sign_in(client, viewer)
        client.get(f"/children/{child.uuid}/")
    sign_in(client, people.clinical_lead)
    response = client.get(f"/governance/children/{child.uuid}/access-log/")
    assert response.status_code == 200
    rows = [
        (event.actor_username, event.actor_organisation, event.action)
        for event in response.context["events"]
    ]
    # Newest first; the clinical lead's own opening of the log is recorded too.
    assert rows == [
        ("cal-clinical", "north-kent-mind", "view"),
        ("tina-triage", "north-kent-mind", "view"),
        ("kim-kooth", "kooth", "view"),
    ]


def test_only_the_clinical_lead_opens_the_access_log(
    client: Client, people: People, alliance: object
) -> None:
    child = make_child(alliance, "Wren")  # type: ignore[arg-type]
    sign_in(client, people.triage)
    before = AuditEvent.objects.count()
    response = client.get(f"/governance/children/{child.uuid}/access-log/")
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before
    assert Child.objects.count() == 1


def test_the_access_log_runs_a_fixed_number_of_queries(
    client: Client, people: People, alliance: object, django_assert_num_queries: object
) -> None:
    child = make_child(alliance, "Wren")  # type: ignore[arg-type]
    sign_in(client, people.clinical_lead)
    client.get(f"/governance/children/{child.uuid}/access-log/")
    for _ in range(30):
        record(
            Action.VIEW,
            actor=people.triage,
            record_type="child",
            record_id=child.uuid,
            child_uuid=child.uuid,
        )
    # session, user with organisation, second-factor device; the child, in scope (and
    # whether by their scope or an emergency grant); the audit of the view (savepoint, head,
    # insert, head update, release); the page of events; the child banner (the child's
    # referrals the user may see, the current one with its alerts, the child's priority
    # groups).
    with django_assert_num_queries(13):  # type: ignore[operator]
        response = client.get(f"/governance/children/{child.uuid}/access-log/")
    assert len(response.context["events"]) == 32


def test_verify_audit_fails_when_the_head_row_is_deleted(trail: list[AuditEvent]) -> None:
    _raw("DELETE FROM audit_audithead", [])
    assert (
        _verify()
        == "Audit trail broken at the first bad row: audit row #5: the chain's head row is missing"
    )


@pytest.mark.parametrize("persona", ["triage", "kooth_practitioner"])
@pytest.mark.parametrize("referrals", [1, 6])
def test_the_child_page_runs_a_fixed_number_of_queries(
    client: Client, people: People, alliance: object, django_assert_num_queries: object,
    referrals: int, persona: str,
) -> None:  # fmt: skip
    from onedoor.referrals.models import Referral
    from tests.personas import make_reference

    child = make_child(alliance, "Wren", allocated_to="kooth")  # type: ignore[arg-type]
    first = child.referrals.get()
    for _ in range(referrals - 1):
        Referral.objects.create(
            reference=make_reference(), child=child, received_at=first.received_at,
            source="gp", allocated_organisation=first.allocated_organisation,
        )  # fmt: skip
    sign_in(client, people.by_role()[persona])
    client.get("/")
    # session, user with organisation, second-factor device; the child, in scope (and whether
    # by their scope or an emergency grant, one query: issue 17, B9); the audit of the view
    # (savepoint, head, insert, head update, release); the child's referrals the user may
    # see; the timeline's events and notes; the corrections of the child's details and of
    # those notes (issue 18); the banner's current referral (chosen among those referrals)
    # with its alerts, and the child's priority groups, which the page shows too.
    with django_assert_num_queries(15):  # type: ignore[operator]
        response = client.get(f"/children/{child.uuid}/")
    assert len(response.context["referrals"]) == referrals


# The key (ADR 34): someone who can write to the database, but has not the key, cannot
# rewrite a row and recompute the chain unseen; a chain written before the key is re-hashed
# under it only if it verifies.


def _rewrite(hash_of, *, edit: bool = True) -> None:  # type: ignore[no-untyped-def]
    """What someone with database access but not the key can do: change a row, then
    recompute every hash from the first with `hash_of` and move the head, as the chain is
    written. Without `edit`, the trail as it was written before the key (plain SHA-256)."""
    prev = GENESIS_HASH
    with connection.cursor() as cursor:
        if edit:
            cursor.execute(
                "UPDATE audit_auditevent SET record_id = 'someone-else' WHERE sequence = 2"
            )
        for row in AuditEvent.objects.order_by("sequence"):
            row.prev_hash = prev
            prev = hash_of(row.canonical())
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [row.prev_hash, prev, row.pk],
            )
        cursor.execute("UPDATE audit_audithead SET last_hash = %s WHERE id = 1", [prev])


def _sha256(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_each_hash_is_the_keyed_hash_of_the_row(trail: list[AuditEvent], settings) -> None:  # type: ignore[no-untyped-def]
    for event in trail:
        assert event.hash == keyed_hash(event.canonical(), settings.AUDIT_KEY)
        assert event.hash != hashlib.sha256(event.canonical().encode()).hexdigest()
    assert _verify() == "ok"


def test_a_chain_rewritten_with_recomputed_unkeyed_hashes_fails(trail: list[AuditEvent]) -> None:
    _rewrite(_sha256)
    assert _verify() == (
        "Audit trail broken at the first bad row: audit row #1: has been edited since it "
        "was written"
    )


def test_a_chain_rewritten_under_another_key_fails(trail: list[AuditEvent]) -> None:
    _rewrite(lambda canonical: keyed_hash(canonical, "a key guessed or stolen elsewhere"))
    assert _verify().startswith("Audit trail broken at the first bad row: audit row #1:")


def test_the_same_chain_under_another_key_fails_from_its_first_row(
    trail: list[AuditEvent],
) -> None:
    """A changed AUDIT_KEY is seen at once: keep the key (ADR 34)."""
    with override_settings(AUDIT_KEY="another key"):
        assert _verify().startswith("Audit trail broken at the first bad row: audit row #1:")
    assert _verify() == "ok"


def test_a_chain_written_before_the_key_is_keyed_when_it_verifies(
    trail: list[AuditEvent],
) -> None:
    _rewrite(_sha256, edit=False)
    assert _verify().startswith("Audit trail broken at the first bad row: audit row #1:")

    assert key_the_chain(_writable(), AuditHead.objects, _key(), batch=3) == 5

    assert _verify() == "ok"
    assert [row.record_id for row in AuditEvent.objects.order_by("sequence")] == [
        "c0", "c1", "c2", "c3", "c4",
    ]  # fmt: skip


def test_a_broken_chain_written_before_the_key_is_left_as_it_is(
    trail: list[AuditEvent],
) -> None:
    _rewrite(_sha256, edit=False)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET record_id = 'edited' WHERE sequence = 3")
    before = list(AuditEvent.objects.order_by("sequence").values_list("prev_hash", "hash"))

    with pytest.raises(
        UnkeyedChainBroken, match=r"^audit row #3: has been edited since it was written$"
    ):
        key_the_chain(_writable(), AuditHead.objects, _key())

    after = list(AuditEvent.objects.order_by("sequence").values_list("prev_hash", "hash"))
    assert after == before


def test_an_unkeyed_chain_missing_its_last_rows_is_left_as_it_is(
    trail: list[AuditEvent],
) -> None:
    _rewrite(_sha256, edit=False)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 5")
    with pytest.raises(
        UnkeyedChainBroken,
        match=r"^audit row #5: the chain ends early: rows at its end have been deleted$",
    ):
        key_the_chain(_writable(), AuditHead.objects, _key())


def _key() -> str:
    from django.conf import settings

    return str(settings.AUDIT_KEY)


def _writable():  # type: ignore[no-untyped-def]
    """The rows as the migration sees them: its historical model's plain manager, which the
    append-only queryset's refusal does not cover (the product's own manager refuses)."""
    return AuditEvent._base_manager


def test_production_refuses_to_start_without_the_key() -> None:
    import os
    import subprocess
    import sys

    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ONEDOOR_TESTING", "DEMO_MODE", "DEBUG", "AUDIT_KEY"}
    }
    environment.update(
        SECRET_KEY="s" * 50,
        DRAFTS_KEY="ZmVybmV0LWtleS1mb3ItdGhlLXRlc3QtMDEyMzQ1Njc=",
        DJANGO_SETTINGS_MODULE="onedoor.settings",
    )
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert started.returncode == 1
    assert "AUDIT_KEY is not set" in started.stderr
    environment["AUDIT_KEY"] = "k" * 64
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (started.returncode, started.stderr) == (0, "")
