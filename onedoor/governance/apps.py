from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "onedoor.governance"
    label = "governance"
    verbose_name = "Clinical governance"
