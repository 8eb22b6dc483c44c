from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "onedoor.alliance"
    label = "alliance"
    verbose_name = "Alliance configuration"
