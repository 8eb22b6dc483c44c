from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "onedoor.triage"
    label = "triage"
    verbose_name = "Triage"
