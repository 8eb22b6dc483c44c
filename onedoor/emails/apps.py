from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "onedoor.emails"
    label = "emails"
    verbose_name = "Emails"
