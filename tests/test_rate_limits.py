"""The public forms' one rate-limit rule (`onedoor.rate_limits.attempt_allowed`): attempts from
one address in the last hour, a refused one never counted, attempts older than a day
forgotten. The referral form, the feedback form and referrer registration each keep their
attempts in a model of their own; the referral form's stands for all three here."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onedoor import clock
from onedoor.rate_limits import attempt_allowed
from onedoor.referrals.models import SubmissionAttempt

PER_HOUR = 3
FAMILY, NEIGHBOUR = "203.0.113.9", "203.0.113.10"

pytestmark = pytest.mark.django_db


def _addresses() -> list[str]:
    return sorted(SubmissionAttempt.objects.values_list("address", flat=True))


def test_an_address_is_refused_after_its_hour_of_attempts_and_the_refusal_is_not_counted() -> None:
    now = clock.now()
    allowed = [attempt_allowed(SubmissionAttempt, FAMILY, now, PER_HOUR) for _ in range(4)]

    assert allowed == [True, True, True, False]
    assert _addresses() == [FAMILY] * PER_HOUR
    assert attempt_allowed(SubmissionAttempt, NEIGHBOUR, now, PER_HOUR) is True


def test_an_attempt_more_than_an_hour_ago_no_longer_counts() -> None:
    now = clock.now()
    for minutes in (61, 59, 30):
        SubmissionAttempt.objects.create(address=FAMILY, at=now - timedelta(minutes=minutes))

    assert attempt_allowed(SubmissionAttempt, FAMILY, now, PER_HOUR) is True
    assert attempt_allowed(SubmissionAttempt, FAMILY, now, PER_HOUR) is False


def test_attempts_older_than_a_day_are_forgotten_and_younger_ones_kept() -> None:
    now = clock.now()
    old = SubmissionAttempt.objects.create(address=NEIGHBOUR, at=now - timedelta(days=1, seconds=1))
    kept = SubmissionAttempt.objects.create(address=NEIGHBOUR, at=now - timedelta(hours=23))

    assert attempt_allowed(SubmissionAttempt, FAMILY, now, PER_HOUR) is True

    remaining = set(SubmissionAttempt.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert kept.pk in remaining
    assert len(remaining) == 2  # the one kept and the attempt just counted
