from django.apps import AppConfig


class ReferrersConfig(AppConfig):
    name = "onedoor.referrers"
    label = "referrers"
    verbose_name = "Professional referrer accounts"
