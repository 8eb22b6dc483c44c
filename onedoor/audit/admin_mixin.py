"""Configuration edits in the admin site go to the audit trail as well as the admin log.

Django's admin calls these `log_*` hooks for every addition, change (password resets
included) and deletion; each writes one audit row. The admin's change message lists the
names of the fields changed, never their values.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from onedoor.audit.trail import Action, record


def _audit(request: HttpRequest, obj: models.Model, action: str, message: Any) -> None:
    record(
        action,
        actor=request.user,  # type: ignore[arg-type]
        record_type=obj._meta.label_lower,
        record_id=getattr(obj, "uuid", None) or obj.pk,
        detail={"change": message} if message else {},
    )


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _audit(request, obj, Action.CREATE, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _audit(request, obj, Action.CHANGE, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            _audit(request, obj, Action.DELETE, None)
        return super().log_deletions(request, queryset)
