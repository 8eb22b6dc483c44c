from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "onedoor.privacy"
    label = "privacy"
    verbose_name = "Data protection"
