"""Configuration edits in the admin site go to the audit trail as well as the admin log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from onedoor.audit.trail import Action, record


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def _audit(self, request: HttpRequest, obj: models.Model, action: str, detail: dict[str, Any]) -> None:
        record(
            action,
            actor=request.user,  # type: ignore[arg-type]
            record_type=obj._meta.label_lower,
            record_id=getattr(obj, "uuid", None) or obj.pk,
            detail=detail,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = sorted(form.changed_data) if change else []
        self._audit(request, obj, Action.CHANGE if change else Action.CREATE, {"fields": fields})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, obj, Action.DELETE, {})
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self._audit(request, obj, Action.DELETE, {})
        super().delete_queryset(request, queryset)
