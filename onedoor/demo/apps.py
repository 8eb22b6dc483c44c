from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "onedoor.demo"
    label = "demo"
    verbose_name = "Synthetic demo data"
