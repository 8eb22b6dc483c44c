"""The audit chain is keyed (ADR 34): someone who can write to the database, but has not
the key, cannot rewrite a row and recompute the chain unseen; a chain written before the
key is re-hashed under it only if it verifies."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from onedoor.audit.models import GENESIS_HASH, AuditEvent, AuditHead, keyed_hash
from onedoor.audit.trail import Action, UnkeyedChainBroken, key_the_chain, record
from tests.personas import People


@pytest.fixture
def trail(people: People) -> list[AuditEvent]:
    return [
        record(Action.VIEW, actor=people.triage, record_type="child", record_id=f"c{n}")
        for n in range(4)
    ]


def _verify() -> str:
    try:
        call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    except CommandError as error:
        return str(error)
    return "ok"


def _rewrite(hash_of) -> None:  # type: ignore[no-untyped-def]
    """What someone with database access but not the key can do: change a row, then
    recompute every hash from the first and move the head, as the chain is written."""
    prev = GENESIS_HASH
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET record_id = 'someone-else' WHERE sequence = 2")
        for row in AuditEvent.objects.order_by("sequence"):
            row.prev_hash = prev
            prev = hash_of(row.canonical())
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [row.prev_hash, prev, row.pk],
            )
        cursor.execute("UPDATE audit_audithead SET last_hash = %s WHERE id = 1", [prev])


def test_each_hash_is_the_keyed_hash_of_the_row(trail: list[AuditEvent], settings) -> None:  # type: ignore[no-untyped-def]
    for event in trail:
        assert event.hash == keyed_hash(event.canonical(), settings.AUDIT_KEY)
        assert event.hash != hashlib.sha256(event.canonical().encode()).hexdigest()
    assert _verify() == "ok"


def test_a_chain_rewritten_with_recomputed_unkeyed_hashes_fails(trail: list[AuditEvent]) -> None:
    _rewrite(lambda canonical: hashlib.sha256(canonical.encode()).hexdigest())
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


def _unkeyed(trail: list[AuditEvent]) -> None:
    """The trail as it was written before the key: plain SHA-256."""
    _rewrite_without_edit = [row.pk for row in trail]
    prev = GENESIS_HASH
    with connection.cursor() as cursor:
        for pk in _rewrite_without_edit:
            row = AuditEvent.objects.get(pk=pk)
            row.prev_hash = prev
            prev = hashlib.sha256(row.canonical().encode()).hexdigest()
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [row.prev_hash, prev, pk],
            )
        cursor.execute("UPDATE audit_audithead SET last_hash = %s WHERE id = 1", [prev])


def test_a_chain_written_before_the_key_is_keyed_when_it_verifies(
    trail: list[AuditEvent],
) -> None:
    _unkeyed(trail)
    assert _verify().startswith("Audit trail broken at the first bad row: audit row #1:")

    assert key_the_chain(_writable(), AuditHead.objects, _key(), batch=3) == 4

    assert _verify() == "ok"
    assert [row.record_id for row in AuditEvent.objects.order_by("sequence")] == [
        "c0", "c1", "c2", "c3",
    ]  # fmt: skip


def test_a_broken_chain_written_before_the_key_is_left_as_it_is(
    trail: list[AuditEvent],
) -> None:
    _unkeyed(trail)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET record_id = 'edited' WHERE sequence = 3")
    before = list(AuditEvent.objects.order_by("sequence").values_list("prev_hash", "hash"))

    with pytest.raises(UnkeyedChainBroken, match="audit row #3 does not verify"):
        key_the_chain(_writable(), AuditHead.objects, _key())

    after = list(AuditEvent.objects.order_by("sequence").values_list("prev_hash", "hash"))
    assert after == before


def test_an_unkeyed_chain_missing_its_last_rows_is_left_as_it_is(
    trail: list[AuditEvent],
) -> None:
    _unkeyed(trail)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 4")
    with pytest.raises(UnkeyedChainBroken, match="the head does not point"):
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
