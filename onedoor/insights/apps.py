from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "onedoor.insights"
    label = "insights"
    verbose_name = "Insights"
