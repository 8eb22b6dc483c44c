from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "onedoor.backups"
    label = "backups"
    verbose_name = "Backups"
