from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "onedoor.content"
    label = "content"
    verbose_name = "Clinical content library"
