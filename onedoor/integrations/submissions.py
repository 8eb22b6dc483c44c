"""A referral sent by a client's system, exactly once per key the client chose: the same key
with the same answers is the same referral, sent again; the same key with other answers is
refused (`KeyReused`), so a client's bug can never overwrite or double a referral. Used by
the REST API and by the FHIR adapter's transaction Bundle alike."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict

from django.db import IntegrityError, transaction

from onedoor.integrations.models import ApiClient, ApiSubmission
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.models import Referral

MAX_KEY_LENGTH = 100


class KeyReused(Exception):
    """The client sent this key before with different answers."""


def fingerprint(answers: ReferralAnswers) -> str:
    """The SHA-256 of the answers, in a canonical form (keys sorted, dates as ISO)."""
    canonical = json.dumps(asdict(answers), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submission_key(client: ApiClient, key: str) -> uuid.UUID:
    """The referral's own submission key: the client's key, within that client only."""
    return uuid.uuid5(client.uuid, key)


def submit_for_client(
    *, client: ApiClient, key: str, answers: ReferralAnswers
) -> tuple[Referral, bool]:
    """The referral for `key`, and whether it was made now. Through `submit_referral`, the
    action the form uses, with the client's account as whoever referred."""
    digest = fingerprint(answers)
    known = ApiSubmission.objects.filter(client=client, key=key).select_related("referral").first()
    if known is not None:
        if known.fingerprint != digest:
            raise KeyReused(key)
        return known.referral, False
    try:
        with transaction.atomic():
            referral = submit_referral(
                answers=answers,
                submission_key=submission_key(client, key),
                referred_by=client.account,
            )
            ApiSubmission.objects.create(
                client=client, key=key, fingerprint=digest, referral=referral
            )
    except IntegrityError:
        # The same key sent twice at once: the other call's row won.
        known = (
            ApiSubmission.objects.filter(client=client, key=key).select_related("referral").get()
        )
        if known.fingerprint != digest:
            raise KeyReused(key) from None
        return known.referral, False
    return referral, True
