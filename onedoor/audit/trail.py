"""Writing and verifying the hash-chained audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.db import models, transaction

from onedoor import clock
from onedoor.audit.context import client_address
from onedoor.audit.models import GENESIS_HASH, AuditEvent, AuditHead, keyed_hash

Action = AuditEvent.Action


class _Organisation(Protocol):
    @property
    def slug(self) -> str: ...


class Actor(Protocol):
    """Who acted, as the trail records them: a signed-in user (`accounts.User`). The trail
    sits below the apps, so it names only what it reads."""

    @property
    def uuid(self) -> UUID: ...

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def organisation(self) -> _Organisation | None: ...


def record(
    action: str,
    *,
    actor: Actor | None,
    record_type: str = "",
    record_id: object = "",
    child_uuid: UUID | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    search_terms: str = "",
) -> AuditEvent:
    """Append one event to the trail, inside the caller's transaction if there is one.

    `detail` must never hold personal data: identifiers and field names only. What someone
    searched for goes in `search_terms`, which no page shows.
    """
    with transaction.atomic():
        # The head is made by a migration; it is recreated only on an empty trail (a test
        # flush). Were it deleted under a non-empty trail, the next insert would clash with
        # sequence 1 and fail, and verify_audit reports the missing head.
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            sequence=head.last_sequence + 1,
            at=clock.now(),
            actor_uuid=getattr(actor, "uuid", None),
            actor_username=getattr(actor, "username", "") or "",
            actor_role=getattr(actor, "role", "") or "",
            actor_organisation=_organisation_slug(actor),
            action=action,
            record_type=record_type,
            record_id=str(record_id) if record_id else "",
            child_uuid=child_uuid,
            ip_address=client_address.get(),
            reason=reason,
            detail=detail or {},
            search_terms=search_terms,
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_sequence=event.sequence, last_hash=event.hash)
    return event


def _organisation_slug(actor: Actor | None) -> str:
    organisation = getattr(actor, "organisation", None)
    return organisation.slug if organisation is not None else ""


@dataclass(frozen=True)
class ChainFault:
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"audit row #{self.sequence}: {self.problem}"


def verify_chain(
    chunk_size: int = 5000,
    *,
    events: models.Manager[Any] | None = None,
    heads: models.Manager[Any] | None = None,
    hash_of: Callable[[Any], str] | None = None,
) -> Iterator[ChainFault]:
    """Yield every fault in the chain, first one first. An empty iteration means intact.
    The rows, the head and a row's due hash are the product's (`AuditEvent.compute_hash`);
    re-keying a chain written before the key (`key_the_chain`) passes a migration's models
    and the unkeyed hash."""
    events = AuditEvent.objects if events is None else events
    heads = AuditHead.objects if heads is None else heads
    hash_of = hash_of or AuditEvent.compute_hash
    expected_sequence = 1
    expected_prev = GENESIS_HASH
    rows = events.order_by("sequence").iterator(chunk_size=chunk_size)
    for row in rows:
        if row.sequence != expected_sequence:
            yield ChainFault(
                row.sequence,
                f"expected #{expected_sequence} next; rows are missing or reordered",
            )
        if row.prev_hash != expected_prev:
            yield ChainFault(row.sequence, "does not follow the row before it")
        if hash_of(row) != row.hash:
            yield ChainFault(row.sequence, "has been edited since it was written")
        expected_sequence = row.sequence + 1
        expected_prev = row.hash
    head = heads.filter(pk=1).first()
    if head is None:
        yield ChainFault(expected_sequence - 1, "the chain's head row is missing")
        return
    if head.last_sequence != expected_sequence - 1 or head.last_hash != expected_prev:
        yield ChainFault(
            head.last_sequence,
            "the chain ends early: rows at its end have been deleted",
        )


class UnkeyedChainBroken(Exception):
    """The unkeyed chain (before ADR 34) does not verify: it is not re-hashed under the key,
    which would hide what was changed."""


def key_the_chain(
    events: models.Manager[Any], heads: models.Manager[Any], key: str, batch: int = 2000
) -> int:
    """Re-hash a chain written before the hashes were keyed (plain SHA-256) with `key`, from
    the first row, and move the head: only when every row and the head verify unkeyed, so
    that no earlier edit is laundered into a keyed chain (raises `UnkeyedChainBroken`, and
    changes nothing, otherwise). Takes the managers of the audit models (a migration passes
    its historical ones); reads and writes `batch` rows at a time; returns how many rows
    were re-hashed."""
    if not events.exists():
        return 0
    fault = next(verify_chain(batch, events=events, heads=heads, hash_of=_unkeyed), None)
    if fault is not None:
        raise UnkeyedChainBroken(str(fault))
    with transaction.atomic():
        return _reseal(events, heads, key, after=0, prev=GENESIS_HASH, batch=batch)


def _reseal(
    events: models.Manager[Any],
    heads: models.Manager[Any],
    key: str,
    *,
    after: int,
    prev: str,
    batch: int,
    change: Callable[[Any], None] = lambda row: None,
) -> int:
    """Re-hash every row after sequence `after` (whose hash is `prev`), each `change`d first,
    and move the head; inside the caller's transaction. Returns how many rows it re-hashed."""
    done = 0
    while rows := list(events.filter(sequence__gt=after).order_by("sequence")[:batch]):
        for row in rows:
            change(row)
            row.prev_hash = prev
            row.hash = prev = keyed_hash(AuditEvent.canonical(row), key)
        events.bulk_update(rows, ["child_uuid", "record_id", "prev_hash", "hash"])
        after, done = rows[-1].sequence, done + len(rows)
    if done:
        heads.filter(pk=1).update(last_hash=prev)
    return done


class ChainBroken(Exception):
    """The chain does not verify: it is not re-sealed, which would hide what was changed."""


def pseudonymise_children(pseudonyms: dict[UUID, UUID], batch: int = 2000) -> int:
    """Replace each child's uuid in the trail (as the row's child, or as the record it is
    about) by its pseudonym, and re-seal the chain from the first row changed, so that
    `verify_audit` still passes (retention, `privacy.retention`). Only an intact chain is
    re-sealed (raises `ChainBroken`, changing nothing, otherwise); the head is locked
    throughout, so no row is appended meanwhile. Inside the caller's transaction; returns
    how many rows were pseudonymised."""
    if not pseudonyms:
        return 0
    with transaction.atomic():
        AuditHead.objects.select_for_update().filter(pk=1).first()
        fault = next(verify_chain(batch), None)
        if fault is not None:
            raise ChainBroken(str(fault))
        ids = [str(u) for u in pseudonyms]
        about = AuditEvent.objects.filter(
            models.Q(child_uuid__in=list(pseudonyms)) | models.Q(record_id__in=ids)
        )
        first = about.order_by("sequence").values_list("sequence", flat=True).first()
        if first is None:
            return 0
        changed = about.count()
        before = AuditEvent.objects.filter(sequence__lt=first).order_by("-sequence").first()
        by_text = {str(old): str(new) for old, new in pseudonyms.items()}

        def change(row: AuditEvent) -> None:
            row.child_uuid = pseudonyms.get(row.child_uuid, row.child_uuid)  # type: ignore[arg-type]
            row.record_id = by_text.get(row.record_id, row.record_id)

        _reseal(
            # The one place the product rewrites its trail, past the append-only guard.
            models.QuerySet(model=AuditEvent),  # type: ignore[arg-type]
            AuditHead.objects,
            settings.AUDIT_KEY,
            after=first - 1,
            prev=before.hash if before else GENESIS_HASH,
            batch=batch,
            change=change,
        )
    return changed


def _unkeyed(row: Any) -> str:
    """A row's hash as written before ADR 34: plain SHA-256 of its canonical JSON."""
    return hashlib.sha256(AuditEvent.canonical(row).encode()).hexdigest()
