from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "onedoor.operations"
    label = "operations"
    verbose_name = "Operations"
