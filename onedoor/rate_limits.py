"""One rule for the public forms' rate limits: attempts from one address in the last hour."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Model


def attempt_allowed(
    attempts: type[Model], address: str | None, now: datetime, per_hour: int
) -> bool:
    """Count this attempt from `address` (a model with `address` and `at`), or refuse it:
    False, with nothing counted, when `per_hour` were made in the last hour. Attempts older
    than a day are forgotten. Runs in the caller's transaction, so a caller that refuses by
    raising inside it writes nothing."""
    manager = attempts._default_manager
    manager.filter(at__lt=now - timedelta(days=1)).delete()
    recent = manager.filter(address=address, at__gte=now - timedelta(hours=1)).count()
    if recent >= per_hour:
        return False
    manager.create(address=address, at=now)
    return True
