from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "onedoor.web"
    label = "web"
    verbose_name = "Staff pages"
