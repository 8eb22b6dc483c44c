from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "onedoor.care"
    label = "care"
    verbose_name = "Care"
