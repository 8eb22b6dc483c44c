from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "onedoor.access"
    label = "access"
    verbose_name = "Access"
