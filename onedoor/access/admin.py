"""The administrator's accounts screen (Django's admin), kept by the access layer because
who may see case data is its business: a change that gives an account other people's case
data waits for a clinical lead's approval (`access.roles`), and nobody changes their own
role, organisation or activation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from onedoor.access.roles import Standing, check_account_change, save_account, standing_of
from onedoor.accounts.models import User
from onedoor.audit.admin_mixin import AuditedAdmin


def _checked(form_class: type[forms.ModelForm], by: User) -> type[forms.ModelForm]:  # type: ignore[type-arg]
    """The admin's form for an account, refusing a change of one's own standing or of an
    account whose earlier change still waits for approval, as a form error."""

    class Checked(form_class):  # type: ignore[valid-type,misc]
        def clean(self) -> dict[str, Any]:
            cleaned: dict[str, Any] = super().clean()
            after = Standing(
                cleaned.get("role", self.instance.role),
                getattr(cleaned.get("organisation"), "pk", None),
                cleaned.get("is_active", self.instance.is_active),
            )
            try:
                check_account_change(by=by, user=self.instance, after=after)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error
            return cleaned

    return Checked


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    list_select_related = ["organisation"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("organisation", "role", "is_active")}),
        ("Absence", {"fields": ("away_until", "deputy")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "organisation", "role")}),
    )

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return _checked(form, request.user)  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        before = standing_of(User.objects.get(pk=obj.pk)) if change else None
        waiting = save_account(by=request.user, user=obj, before=before)  # type: ignore[arg-type]
        if waiting is not None:
            messages.warning(
                request,
                f"{obj.username} will be a {waiting.get_role_display()} at "
                f"{waiting.organisation} once a clinical lead approves it: until then the "
                "account keeps what it had (a new account stays inactive).",
            )
