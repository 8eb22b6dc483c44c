from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "onedoor.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"
