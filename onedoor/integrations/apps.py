from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "onedoor.integrations"
    label = "integrations"
    verbose_name = "Partner systems (API clients)"
