from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "onedoor.tracking"
    label = "tracking"
    verbose_name = "Tracking a referral"
