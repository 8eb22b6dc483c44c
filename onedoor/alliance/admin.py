"""Administrators edit the alliance's configuration here, every change audited."""

from django.contrib import admin

from onedoor.alliance import models as m
from onedoor.audit.admin_mixin import AuditedAdmin


@admin.register(m.Alliance)
class AllianceAdmin(AuditedAdmin):
    list_display = ["name", "public_name", "area_name", "phone", "config_version"]


@admin.register(m.Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]


@admin.register(m.Offer)
class OfferAdmin(AuditedAdmin):
    list_display = [
        "name",
        "organisation",
        "ithrive_grouping",
        "min_age",
        "max_age",
        "capacity",
        "active",
    ]
    list_filter = ["organisation", "ithrive_grouping", "active"]
    list_select_related = ["organisation"]
    filter_horizontal = ["needs", "priority_groups", "delivery_modes"]
    search_fields = ["name", "description"]


@admin.register(m.PriorityGroup)
class PriorityGroupAdmin(AuditedAdmin):
    list_display = [
        "name",
        "kind",
        "extends_eligibility",
        "shortens_triage_clock",
        "needs_consent_to_record",
    ]


@admin.register(m.TriageClock)
class TriageClockAdmin(AuditedAdmin):
    list_display = ["kind", "working_days"]


@admin.register(m.CheckInCadence)
class CheckInCadenceAdmin(AuditedAdmin):
    list_display = ["rating", "interval_days"]


@admin.register(m.EscalationLevel)
class EscalationLevelAdmin(AuditedAdmin):
    list_display = ["level", "name", "notify_roles", "hours_to_next_level"]


@admin.register(m.AuditCriterion)
class AuditCriterionAdmin(AuditedAdmin):
    list_display = ["position", "name", "active"]
    list_filter = ["active"]


@admin.register(m.DirectoryService)
class DirectoryServiceAdmin(AuditedAdmin):
    list_display = ["name", "category", "phone", "crisis"]
    list_filter = ["category", "crisis"]
    search_fields = ["name", "description"]


for model in (m.Need, m.DeliveryMode, m.AreaPostcode, m.GpPractice):
    admin.site.register(model, AuditedAdmin)


@admin.register(m.KpiTarget)
class KpiTargetAdmin(AuditedAdmin):
    list_display = ["kpi", "target", "improvement", "alliance"]
