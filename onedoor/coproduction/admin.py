"""The feedback themes are configuration: administrators edit them here, every change
audited. Feedback and the log are kept through the staff pages, not here."""

from django.contrib import admin

from onedoor.audit.admin_mixin import AuditedAdmin
from onedoor.coproduction.models import Theme


@admin.register(Theme)
class ThemeAdmin(AuditedAdmin):
    list_display = ["name", "slug", "alliance", "active"]
    list_filter = ["active"]
    fields = ["alliance", "name", "slug", "description", "active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
